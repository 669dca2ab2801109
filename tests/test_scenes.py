"The generated benchmark: deterministic, and its ground truth agrees with itself across files."
import hashlib
import json

import numpy as np
import pytest
import torch

from latentxai.data import DatasetFiles, load_split, read_karpathy, read_masks, read_region_features
from latentxai.scenes import COLOURS, SHAPES, SceneConfig, generate_benchmark, object_words

SMALL = SceneConfig(n_train=60, n_val=10, n_test=30, clutter=0.5)

def checksums(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    return generate_benchmark(SMALL, tmp_path_factory.mktemp('b')/'shapes', workers=2, progress=False)

def test_same_seed_same_files(bench, tmp_path):
    again = generate_benchmark(SMALL, tmp_path/'again', workers=1, progress=False)
    a, b = checksums(bench), checksums(again)
    assert len(a) == 3 * 100 + 5 and a == b  # images, features, masks; 4 JSON files and the generator's record

def test_other_seed_other_files(bench, tmp_path):
    other = generate_benchmark(SceneConfig(n_train=60, n_val=10, n_test=30, clutter=0.5, seed=1), tmp_path/'o', workers=1, progress=False)
    assert checksums(other)['dataset_shapes.json'] != checksums(bench)['dataset_shapes.json']

def test_alignment_names_the_right_objects(bench):
    scenes = json.loads((bench/'scenes.json').read_text())
    shape_of = {w: s for s in SHAPES for w in object_words(s)}
    colour_of = {w: c for c in COLOURS for w in object_words(c)}
    checked = 0
    for r in read_karpathy(bench/'dataset_shapes.json'):
        objects = scenes[r.filename]['objects']
        assert len(r.sentences) == 5
        for s in r.sentences:
            for w, ids in zip(s.tokens, s.token_objects):
                if w in shape_of:
                    assert ids and all(objects[i]['shape'] == shape_of[w] for i in ids), (r.filename, s.raw, w, ids)
                    checked += 1
                if w in colour_of: assert ids and all(objects[i]['colour'] == colour_of[w] for i in ids)
            named = {i for ids in s.token_objects for i in ids}
            assert named == {o['id'] for o in objects}, f'{r.filename}: every object is mentioned: {s.raw}'
    assert checked > 300

def test_regions_masks_and_entities_agree(bench):
    scenes = json.loads((bench/'scenes.json').read_text())
    entities = json.loads((bench/'entities.json').read_text())
    for fname, scene in scenes.items():
        stem = fname[:-4]
        masks = read_masks(bench/'masks'/f'{stem}.npz', len(scene['objects']))
        reg = read_region_features(bench/'features'/f'{stem}.npz', SMALL.n_regions, SMALL.feature_dim)
        for o, m in zip(scene['objects'], masks):
            ys, xs = np.nonzero(m)
            assert o['box'] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
            assert o['box'] in entities[fname]['bbox'][str(SHAPES.index(o['shape']))]
            assert (reg['object_ids'] == o['id']).any()
        obj = reg['object_ids'] >= 0
        assert (reg['class_ids'][obj] == [SHAPES.index(scene['objects'][i]['shape']) for i in reg['object_ids'][obj]]).mean() > 0.9

def test_bias_only_in_train(tmp_path):
    cfg = SceneConfig(n_train=400, n_val=0, n_test=400, clutter=0.0, bias_p=1.0, min_objects=2)
    root = generate_benchmark(cfg, tmp_path/'bias', workers=2, progress=False)
    scenes = json.loads((root/'scenes.json').read_text())
    def p_partner(split):
        has = [{o['shape'] for o in s['objects']} for f, s in scenes.items() if f.startswith(split)]
        with_circle = [h for h in has if 'circle' in h]
        return np.mean(['square' in h for h in with_circle])
    assert p_partner('train') > 0.95 and p_partner('test') < 0.6

def test_one_data_path_serves_the_benchmark(bench):
    val = load_split(DatasetFiles.benchmark(bench), 'val', parts=('regions', 'objects', 'masks'), progress=False)
    assert val.regions.shape == (10, 36, SMALL.feature_dim) and val.masks[0].dtype == torch.bool
    assert [len(o) for o in val.objects] == [len(m) for m in val.masks]

def test_config_errors():
    with pytest.raises(ValueError, match='max_objects'): SceneConfig(max_objects=6)
    with pytest.raises(ValueError, match="unknown colours \\['mauve'\\]"): SceneConfig(colours=('red', 'mauve'))
    with pytest.raises(ValueError, match='cannot hold'): SceneConfig(n_regions=10)
