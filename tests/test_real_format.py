"The benchmark in the formats of real data: the same numbers through the real-data path, and every notebook on a small export."
import json

import numpy as np
import pandas as pd
import pytest
import torch

from latentxai.data import DatasetFiles, Vocab, category_word_map, load_split, read_category_words
from latentxai.decoders import Captioner, build_decoder
from latentxai.decoding import Caption
from latentxai.experiments import explain_split
from latentxai.localisation import LOCALISATION, rank_scores
from latentxai.pipeline import export_main, main
from latentxai.scenes import export_real_format, word_concepts
from latentxai.encoders import GridEncoder
from latentxai.testing import tiny_benchmark
from latentxai.training import write_detector_features

def test_box_correctness_and_rank_scores_equal_through_the_real_format(tmp_path):
    "On the same images, the same model and captions: box correctness and rank scores from the export equal the native path's."
    root = tiny_benchmark(tmp_path/'bench', n_train=6, n_val=2, n_test=6)
    torch.manual_seed(0)
    encoder = GridEncoder().eval()
    native_files = DatasetFiles.benchmark(root)
    detector = write_detector_features(encoder, native_files, tmp_path/'detector', progress=False)
    real = export_real_format(root, detector, tmp_path/'real')
    native = load_split(DatasetFiles(native_files.captions, native_files.images, detector, native_files.masks, native_files.entities,
                                     native_files.scenes), 'test', parts=('images', 'regions', 'objects', 'masks'), progress=False)
    files = DatasetFiles.real(real, 'dataset_coco.json', 'images', 'features', 'entities.json', 'categories.json', 'classes.txt')
    exported = load_split(files, 'test', parts=('images', 'regions', 'entities'), progress=False)
    assert exported.objects is None and exported.masks is None and exported.object_ids is None  # only what a COCO user has
    table = category_word_map(read_category_words(files.categories))
    assert table == {w: c for w, c in word_concepts().items() if c in table}  # the shapes' words and plurals, derived
    vocab = Vocab(sorted(set(word_concepts()) | {'a', 'and', 'two'}))
    torch.manual_seed(0)
    model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=encoder.channels, hidden_dim=16, embed_dim=16, att_dim=16)),
                      'bottomup').eval()
    captions = []
    for objs in native.objects:  # captions naming the present shapes (one in plural) and a hallucinated one
        shapes = [o['shape'] for o in objs]
        missing = next(s for s in ('star', 'cross', 'hexagon') if s not in shapes)
        words = ['a', objs[0]['colour'], shapes[0], 'and', 'two', f"{shapes[-1]}s" if shapes[-1] != 'cross' else 'crosses', 'and', 'a', missing]
        captions.append(Caption(words, [], 0.))
    a = explain_split(model, vocab, native, captions, 'lrp', word_concepts(), progress=False)
    b = explain_split(model, vocab, exported, captions, 'lrp', table, progress=False)
    box = [LOCALISATION.index(f'correctness_box@{t / 10:.1f}') for t in range(10)]
    compared = 0
    for i, (x, y, c) in enumerate(zip(a, b, captions)):
        for t, w in enumerate(c.words):
            if w not in table: continue  # colour words are not categories of the table
            assert x['categories'][t] == y['categories'][t]
            if x['categories'][t] is None: continue
            torch.testing.assert_close(x['localisation']['features'][t, box], y['localisation']['features'][t, box])
            assert y['localisation']['features'][t, len(box):].isnan().all()  # no masks on real data: unavailable, not 0
            na = native.grounding(i, c.words, word_concepts())[t]['objects']
            ne = exported.grounding(i, c.words, table)[t]['objects']
            ra = rank_scores(x['visual'][t], native.feature_objects('bottomup')[i], na, native.region_mask[i])
            rb = rank_scores(y['visual'][t], exported.feature_objects('bottomup')[i], ne, exported.region_mask[i])
            assert ra == rb, (w, ra, rb)
            compared += 1
    assert compared >= len(captions) * 2

def test_every_notebook_runs_on_a_small_export(tmp_path):
    "From a native run, `latentxai-export-real`, then training and every evaluation table with `-p dataset coco -p data_dir <export>`."
    common = ['-p', 'models_dir', str(tmp_path/'models'), '-p', 'results_dir', str(tmp_path/'native_results')]
    native = ['-p', 'n_train', '40', '-p', 'n_val', '6', '-p', 'n_test', '6', '-p', 'data_dir', str(tmp_path/'data'), *common]
    small = ['-p', 'encoder_epochs', '1', '-p', 'epochs', '1', '-p', 'hidden_dim', '32', '-p', 'batch_size', '25',
             '-p', 'decoders', "['topdown']", '-p', 'features', "['bottomup']"]
    main(['train_models', '--out', str(tmp_path/'executed'), *native, *small])
    export_main([str(tmp_path/'export'), *native])
    assert not list((tmp_path/'export').rglob('masks')) and not (tmp_path/'export'/'scenes.json').exists()
    real = ['-p', 'dataset', 'coco', '-p', 'data_dir', str(tmp_path/'export'), '-p', 'models_dir', str(tmp_path/'models'),
            '-p', 'results_dir', str(tmp_path/'results')]
    evals = ['-p', 'models', "['topdown_bottomup']", '-p', 'n_images', '3', '-p', 'N', '1',
             '-p', 'methods', "['lrp', 'lime_obj5', 'random']"]  # every method runs on bottom-up models in the contract tests; three keep this run short
    finetune = ['-p', 'seeds', '[0]', '-p', 'n_finetune', '4', '-p', 'finetune_batch_size', '2', '-p', 'n_samples', '2', '-p', 'frequent_min', '1']
    glove = tmp_path/'glove.txt'  # a user's GloVe file (random vectors of the categories' words, in GloVe's text format)
    rng = np.random.default_rng(0)
    glove.write_text(''.join(f"{w} {' '.join(f'{v:.4f}' for v in rng.normal(size=50))}\n" for w in ('circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'hexagon', 'the')))
    filters = ['-p', 'encoder_file', str(tmp_path/'models'/'data'/'encoder.pt'), '-p', 'top', '4', '-p', 'glove_file', str(glove)]  # the native run's CNN; COCO instances from the export
    main(['train_models', 'eval_captions', 'eval_correctness', 'eval_counterfactual', 'eval_ablation', 'eval_correlation', 'eval_hallucination', 'eval_sanity', 'eval_filters',
          'eval_finetune', '--out', str(tmp_path/'executed_real'), *real, *small, *evals, *finetune, *filters])
    res = tmp_path/'results'
    assert (tmp_path/'models'/'export'/'topdown_bottomup.pt').exists()
    captions = pd.read_csv(res/'captions.csv')
    assert 'topdown_bottomup' in set(captions.model) and captions['object recall'].notna().any()
    corr = pd.read_csv(res/'eval_correctness.csv')
    nouns = corr[corr.words == 'nouns']
    assert (nouns.n > 0).all() and nouns['correctness_box@0.0'].between(0, 1).all()
    assert nouns['correctness_mask@0.0'].isna().all() and nouns.pointing_game.isna().all()  # real data has no masks
    assert 'dataset: coco (export)' in (res/'eval_correctness.md').read_text()
    cf = pd.read_csv(res/'eval_counterfactual.csv')  # the word's object from the entity boxes
    assert (cf.words > 0).any() and cf[cf.relevance == 'uniform (object area)'].mass_accuracy.between(0, 1).all()
    rank = pd.read_csv(res/'eval_correlation.csv')
    assert rank[rank.words == 'nouns'].rank_score.between(0, 1).all()
    abl = pd.read_csv(res/'eval_ablation_features.csv')
    ob = abl[abl.ablation.str.startswith('ob_') & (abl.words == 'nouns')]
    assert len(ob) and ob.drop_frequency.between(0, 1).all()
    assert (res/'eval_sanity_decoder.csv').exists()
    assert captions.CHAIRi.dropna().between(0, 1).all() and captions.CHAIRs.notna().all()  # categories of the table against the entity boxes
    chair = pd.read_csv(res/'eval_hallucination_chair.csv')
    assert chair.captions.tolist() == [3] and (chair['hallucinated mentions'] <= chair.mentions).all()
    runs = pd.read_csv(res/'eval_finetune_runs.csv')
    assert runs.variant.tolist() == ['base', 'ce', 'scst', 'lrp_ce', 'lrp_scst'] and runs.CHAIRs.notna().all()
    assert not any(c.startswith('bias-pair') for c in runs.columns)  # the co-occurrence pairs are the benchmark's
    recall = pd.read_csv(res/'eval_filters_recall.csv')  # categories: the shapes of the exported instance annotations
    assert set(recall.method) == {'LaViSE', 'Network Dissection', 'random'} and recall.filter(like='recall@').stack().between(0, 1).all()
    md = (res/'eval_filters.md').read_text()
    assert '- concepts: 7' in md and '- embeddings: GloVe (glove.txt, 50-d)' in md and not (res/'eval_filters_words.csv').exists()  # another CNN: no words
