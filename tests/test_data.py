"Readers on small fixture files in the real formats, including broken ones: each error names the file and the problem."
import json

import numpy as np
import pytest
import torch
from PIL import Image

from latentxai.core import DataFormatError
from latentxai.data import (DatasetFiles, Vocab, load_split, read_entities, read_karpathy, read_masks, read_region_features,
                            training_vocab)
from latentxai.scenes import save_npz

def karpathy(images):
    return {'dataset': 'coco', 'images': images}

def image(fname, split='train', sents=(('a', 'red', 'circle'),), filepath='val2014'):
    return {'filepath': filepath, 'filename': fname, 'split': split, 'imgid': 0,
            'sentences': [{'tokens': list(t), 'raw': ' '.join(t)} for t in sents]}

@pytest.fixture
def coco(tmp_path):
    "A tiny COCO-like data set: Karpathy JSON, images under val2014/, bottom-up features, COCOvalEntities boxes."
    (tmp_path/'val2014').mkdir(); (tmp_path/'bu').mkdir()
    names = ['COCO_val2014_000000000001.jpg', 'COCO_val2014_000000000002.jpg']
    for i, n in enumerate(names):
        Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(tmp_path/'val2014'/n)
        np.savez(tmp_path/'bu'/(n[:-4] + '.npz'), feat=np.random.rand(10, 2048).astype(np.float32),
                 boxes=np.tile([0, 0, 16, 16], (10, 1)).astype(np.float32), class_ids=np.arange(10), scores=np.ones(10))
    data = karpathy([image(names[0], 'train', [('a', 'man', 'riding', 'a', 'horse'), ('a', 'horse')]),
                     image(names[1], 'restval', [('a', 'dog')])])
    (tmp_path/'dataset_coco.json').write_text(json.dumps(data))
    (tmp_path/'entities.json').write_text(json.dumps({names[0]: {'categories': {'horse': 19, 'person': 1},
                                                                 'bbox': {'19': [[1, 2, 20, 30]], '1': [[0, 0, 5, 5], [6, 6, 9, 9]]}}}))
    return tmp_path, names

def test_real_format_round_trip(coco):
    root, names = coco
    records = read_karpathy(root/'dataset_coco.json')
    assert [r.split for r in records] == ['train', 'train']  # restval counts as train
    assert read_karpathy(root/'dataset_coco.json', restval_as_train=False)[1].split == 'restval'
    files = DatasetFiles.real(root, 'dataset_coco.json', images='', features='bu', entities='entities.json')
    assert training_vocab(files).words() == ['a', 'horse', 'dog', 'man', 'riding']
    split = load_split(files, 'train', parts=('images', 'regions'), image_size=32, progress=False)
    assert split.images.shape == (2, 3, 32, 32) and split.images.dtype == torch.uint8  # found under <root>/<filepath>/<filename>
    assert split.regions.shape == (2, 10, 2048) and split.region_mask.all() and split.class_ids.shape == (2, 10)
    assert split.object_ids is None and [r.filename for r in split.records] == names
    assert len(split.references()[0]) == 2
    assert set(split.visual('bottomup')) == {'regions', 'boxes', 'region_mask', 'images'}
    ent = read_entities(files.entities)
    assert ent[names[0]]['person'].shape == (2, 4) and ent[names[0]]['horse'].tolist() == [[1, 2, 20, 30]]

def test_regions_of_different_counts_are_padded(coco):
    root, names = coco
    np.savez(root/'bu'/(names[1][:-4] + '.npz'), feat=np.ones((7, 2048), np.float32), boxes=np.tile([0, 0, 8, 8], (7, 1)).astype(np.float32))
    split = load_split(DatasetFiles.real(root, 'dataset_coco.json', features='bu'), 'train', parts=['regions'], progress=False)
    assert split.region_mask.sum(1).tolist() == [10, 7] and split.regions[1, 7:].abs().sum() == 0
    assert split.class_ids is None  # the second file has none: not every image has them

def test_missing_image(coco):
    root, names = coco
    (root/'val2014'/names[1]).unlink()
    with pytest.raises(FileNotFoundError, match=names[1]):
        load_split(DatasetFiles.real(root, 'dataset_coco.json', images=''), 'train', progress=False)

def test_image_of_wrong_size_or_not_an_image(coco):
    root, names = coco
    files = DatasetFiles.real(root, 'dataset_coco.json', images='')
    with pytest.raises(DataFormatError, match='expected a 64x64 image, found 32x32'): load_split(files, 'train', image_size=64, progress=False)
    (root/'val2014'/names[0]).write_text('not an image')
    with pytest.raises(DataFormatError, match='not a readable image'): load_split(files, 'train', progress=False)

def test_malformed_json(tmp_path):
    p = tmp_path/'dataset_coco.json'
    p.write_text('{"images": [{"filename": "x.jpg",\n "split": "train" "sentences": []}]}')
    with pytest.raises(DataFormatError, match=r'dataset_coco\.json: malformed JSON .* line 2'): read_karpathy(p)
    p.write_text('[1, 2]')
    with pytest.raises(DataFormatError, match="'images' list"): read_karpathy(p)

def test_empty_caption_and_bad_records(tmp_path):
    p = tmp_path/'d.json'
    p.write_text(json.dumps(karpathy([image('x.jpg'), image('y.jpg', sents=[('a', 'dog'), ()])])))
    with pytest.raises(DataFormatError, match=r"images\[1\] \(y\.jpg\) sentence 1: empty caption"): read_karpathy(p)
    p.write_text(json.dumps(karpathy([image('x.jpg', sents=[('a', ' ', 'dog')])])))
    with pytest.raises(DataFormatError, match=r"x\.jpg\) sentence 0: blank tokens at positions \[1\]"): read_karpathy(p)
    p.write_text(json.dumps(karpathy([image('x.jpg', split='holdout')])))
    with pytest.raises(DataFormatError, match="split 'holdout'"): read_karpathy(p)
    p.write_text(json.dumps(karpathy([{'filename': 'x.jpg', 'split': 'train'}])))
    with pytest.raises(DataFormatError, match="missing \\['sentences'\\]"): read_karpathy(p)
    with pytest.raises(FileNotFoundError, match='Karpathy caption file not found'): read_karpathy(tmp_path/'nope.json')

def test_feature_file_errors(tmp_path):
    p = tmp_path/'f.npz'
    np.savez(p, feat=np.zeros((36, 2048)), boxes=np.zeros((35, 4)))
    with pytest.raises(DataFormatError, match=r"f\.npz: 'boxes' must be 36 x 4 .* found \(35, 4\)"): read_region_features(p)
    np.savez(p, feat=np.zeros((36, 2048)), boxes=np.zeros((36, 4)))
    with pytest.raises(DataFormatError, match='expected features of size 1024, found 2048'): read_region_features(p, feat_dim=1024)
    with pytest.raises(DataFormatError, match='expected 10 regions, found 36'): read_region_features(p, n_regions=10)
    feat = np.zeros((36, 8)); feat[3, 2] = np.nan
    np.savez(p, feat=feat, boxes=np.zeros((36, 4)))
    with pytest.raises(DataFormatError, match="'feat' has 1 NaN"): read_region_features(p)
    np.savez(p, feat=np.zeros(8), boxes=np.zeros((1, 4)))
    with pytest.raises(DataFormatError, match='N x D'): read_region_features(p)
    np.savez(p, features=np.zeros((3, 8)))
    with pytest.raises(DataFormatError, match="missing \\['feat', 'boxes'\\]"): read_region_features(p)
    np.savez(p, feat=np.zeros((3, 8)), boxes=np.zeros((3, 4)), class_ids=np.zeros(2))
    with pytest.raises(DataFormatError, match="'class_ids' must have one entry per region"): read_region_features(p)
    p.write_bytes(b'garbage')
    with pytest.raises(DataFormatError, match='cannot read region feature file'): read_region_features(p)
    with pytest.raises(FileNotFoundError, match='region feature file not found'): read_region_features(tmp_path/'missing.npz')

def test_masks_and_entities_errors(tmp_path):
    save_npz(tmp_path/'m.npz', masks=np.zeros((2, 8, 8), bool))
    assert read_masks(tmp_path/'m.npz', 2).shape == (2, 8, 8)
    with pytest.raises(DataFormatError, match='expected 3 object masks, found 2'): read_masks(tmp_path/'m.npz', 3)
    p = tmp_path/'e.json'
    p.write_text(json.dumps({'x.jpg': {'categories': {'dog': 18}, 'bbox': {}}}))
    with pytest.raises(DataFormatError, match="category 'dog' \\(id 18\\) has no entry"): read_entities(p)
    p.write_text(json.dumps({'x.jpg': {'categories': {'dog': 18}, 'bbox': {'18': [[1, 2, 3]]}}}))
    with pytest.raises(DataFormatError, match='x1, y1, x2, y2'): read_entities(p)

def test_split_arguments(coco):
    root, _ = coco
    files = DatasetFiles.real(root, 'dataset_coco.json')
    with pytest.raises(ValueError, match="part 'images' needs the image folder"): load_split(files, 'train', progress=False)
    with pytest.raises(ValueError, match="part 'regions' needs the folder of bottom-up"): load_split(files, 'train', parts=['regions'], progress=False)
    with pytest.raises(ValueError, match="needs per-object ground truth"): load_split(files, 'train', parts=['objects'], progress=False)
    with pytest.raises(ValueError, match="split 'test' has no images; splits present: \\['train'\\]"): load_split(files, 'test', progress=False)
    with pytest.raises(FileNotFoundError, match='not a benchmark folder'): DatasetFiles.benchmark(root)
    with pytest.raises(FileNotFoundError, match='data set folder not found'): DatasetFiles.real(root/'nowhere', 'x.json')
