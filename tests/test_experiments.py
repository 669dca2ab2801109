"End to end: the main job's command runs the experiment notebooks with papermill and writes the tables."
import shutil

import pandas as pd
import pytest
from papermill.exceptions import PapermillExecutionError

from latentxai.experiments import EVAL_METHODS
from latentxai.pipeline import main

def test_eval_benchmark_through_the_main_job(tmp_path):
    main(['eval_benchmark', '--out', str(tmp_path/'executed'), '-p', 'n_train', '40', '-p', 'n_val', '5', '-p', 'n_test', '8',
          '-p', 'data_dir', str(tmp_path/'data'), '-p', 'results_dir', str(tmp_path/'results')])
    res = tmp_path/'results'
    for f in ('benchmark.md', 'benchmark_stats.csv', 'benchmark_human.csv', 'benchmark_cooccurrence.png', 'benchmark_examples.png'):
        assert (res/f).exists(), f
    stats = pd.read_csv(res/'benchmark_stats.csv')
    assert stats.images.tolist() == [40, 5, 8]
    human = pd.read_csv(res/'benchmark_human.csv')
    assert human.CIDEr[0] > human.CIDEr[1] > 0  # the human row beats the random row
    md = (res/'benchmark.md').read_text()
    assert '- seed: 0' in md and 'over 8 test images x 5 references' in md and 'SPICE' in md
    assert (tmp_path/'executed'/'eval_benchmark.ipynb').exists()

def test_models_and_caption_table_through_the_main_job(tmp_path):
    small = ['-p', 'n_train', '40', '-p', 'n_val', '6', '-p', 'n_test', '6', '-p', 'data_dir', str(tmp_path/'data'),
             '-p', 'results_dir', str(tmp_path/'results'), '-p', 'models_dir', str(tmp_path/'models'),
             '-p', 'encoder_epochs', '1', '-p', 'epochs', '2', '-p', 'hidden_dim', '32', '-p', 'batch_size', '25',
             '-p', 'decoders', "['topdown', 'aoa']", '-p', 'n_examples', '2', '-p', 'image_index', '1']
    main(['train_models', 'eval_captions', 'explain_image', '--out', str(tmp_path/'executed'), *small])
    res = tmp_path/'results'
    for f in ('training.md', 'training_best.csv', 'training_curves.csv', 'training_curves.png',
              'captions.md', 'captions.csv', 'captions_examples.png', 'explain_image.png', 'explain_image_words.png'):
        assert (res/f).exists(), f
    ckpts = sorted(p.name for p in (tmp_path/'models').rglob('*.pt'))
    assert ckpts == ['aoa_bottomup.pt', 'aoa_grid.pt', 'aoa_regions.pt', 'encoder.pt', 'feature_range_bottomup.pt', 'feature_range_grid.pt',
                     'feature_range_regions.pt', 'topdown_bottomup.pt', 'topdown_grid.pt', 'topdown_regions.pt']
    detector = next((tmp_path/'models').rglob('latentxai-detector.json')).parent  # the benchmark's bottom-up files: the CNN pooled over its proposals
    assert len(list(detector.glob('*.npz'))) == 40 + 6 + 6
    table = pd.read_csv(res/'captions.csv')
    assert table.model.tolist()[:3] == ['human (leave one out)', 'most frequent training caption', 'nearest training image (retrieval)']
    models = table.iloc[3:]
    assert len(models) == 6 * 3 and set(models.decoding) == {'greedy', 'beam', 'diverse'}
    assert {'topdown_bottomup', 'aoa_bottomup'} <= set(models.model)
    assert table.SPICE.isna().all() or table.SPICE.notna().all()
    # precision is undefined (NaN) for a model whose captions name no shape at all
    assert (table['object precision'].between(0, 1) | (table['object mentions'] == 0)).all()
    assert table['object recall'].between(0, 1).all()
    md = (res/'captions.md').read_text()
    assert '- images: 6' in md and 'SPICE: ' in md
    # a second run reuses every checkpoint and writes the same tables
    before = {p.name: p.read_bytes() for p in res.glob('*.csv')}
    main(['train_models', '--out', str(tmp_path/'executed'), *small])
    assert {p.name: p.read_bytes() for p in res.glob('*.csv')} == before
    assert 'reused' in (tmp_path/'executed'/'train_models.ipynb').read_text()
    # the evaluation tables, on 3 test images with every method (the sanity tables apart, below)
    evals = ['eval_correctness', 'eval_counterfactual', 'eval_ablation', 'eval_correlation', 'eval_hallucination']
    tiny = [*small, '-p', 'n_images', '3', '-p', 'N', '1']
    main([*evals, '--out', str(tmp_path/'executed'), *tiny])
    # the sanity tables re-explain every caption at every randomisation stage: a few methods, each kind of relevance
    # (every method meets the sanity code's inputs in the contract tests)
    main(['eval_sanity', '--out', str(tmp_path/'executed'), *tiny, '-p', 'methods', "['lrp', 'integrated_gradients', 'lime1', 'attention', 'random']",
          '-p', 'pixel_methods', "['lrp', 'guided_backprop', 'random']"])
    for f in ('eval_correctness.md', 'eval_correctness.csv', 'eval_correctness.png', 'eval_ablation.md', 'eval_ablation_features.csv',
              'eval_ablation_pixels.csv', 'eval_ablation_curves.csv', 'eval_ablation_words.csv', 'eval_ablation_curves.png',
              'eval_correlation.md', 'eval_correlation.csv', 'eval_sanity.md', 'eval_sanity_decoder.csv', 'eval_sanity_encoder.csv',
              'eval_sanity.png', 'eval_hallucination.md', 'eval_hallucination_chair.csv', 'eval_hallucination_all.csv',
              'eval_hallucination_best.csv', 'eval_hallucination.png', 'eval_counterfactual.md', 'eval_counterfactual.csv'):
        assert (res/f).exists(), f
    corr = pd.read_csv(res/'eval_correctness.csv')
    assert set(corr.method) == set(EVAL_METHODS) and set(corr.model) == {'topdown_bottomup', 'topdown_regions', 'topdown_grid'}
    scores = corr.filter(like='correctness_').stack()
    assert scores.dropna().between(0, 1).all() and list(corr.words.unique()) == ['nouns', 'colours']
    assert (corr[corr.words == 'nouns'].n > 0).any()  # (3 captions of tiny models: a model may name no present shape at all)
    assert (corr.groupby(['model', 'level', 'words']).n.nunique() == 1).all()  # pairs come from the captions, the same for every method
    assert not (corr.model.eq('topdown_bottomup') & corr.level.eq('pixels')).any()
    cf = pd.read_csv(res/'eval_counterfactual.csv')
    assert set(cf.model) == {'topdown_bottomup', 'topdown_regions', 'topdown_grid'} and 'uniform (object area)' in set(cf.relevance)
    assert cf[['success', 'shuffled success']].stack().dropna().between(0, 1).all()
    assert cf[cf.model == 'topdown_bottomup']['pixel success'].isna().all()  # no CNN, no pixels
    abl = pd.read_csv(res/'eval_ablation_features.csv')
    assert len(abl) == 3 * len(EVAL_METHODS) * 2 * 3 * 2 * 2  # models x methods x (vf, ob) x (min, max, noise) x (nouns, colours) x scorings
    assert set(abl.scoring) == {'published', 'teacher_forced'}
    assert 'topdown_bottomup' not in set(pd.read_csv(res/'eval_ablation_pixels.csv').model)  # a bottom-up model reads no pixels
    rank = pd.read_csv(res/'eval_correlation.csv')
    assert {'rank_score', 'best_rank_score', 'reciprocal_rank'} <= set(rank.columns)
    ranked = rank.dropna(subset=['rank_score'])
    assert (ranked.rank_score <= ranked.best_rank_score + 1e-12).all()  # the object's first region never outranks its best one
    scored = abl.dropna(subset=['drop_frequency'])  # (colour words may be absent from 3 captions: n = 0, undefined)
    assert len(scored) and scored.drop_frequency.between(0, 1).all() and scored.missing_rate.between(0, 1).all()
    sanity = pd.read_csv(res/'eval_sanity_decoder.csv')
    assert (sanity[sanity.method == 'random'].spearman == 1).all()  # random ignores the model: the failing example
    assert set(sanity.model) == {'topdown_regions', 'topdown_bottomup'}
    cnn = pd.read_csv(res/'eval_sanity_encoder.csv')
    assert set(cnn.method) == {'lrp', 'guided_backprop', 'random'} and set(sanity.method) == {'lrp', 'integrated_gradients', 'lime1', 'attention', 'random'}
    assert sanity[['spearman low', 'spearman high']].stack().dropna().between(-1, 1).all() and (cnn['ssim low'] <= cnn.ssim + 1e-12).all()
    assert (cnn[cnn.method == 'random'][['spearman', 'ssim']] == 1).all().all() and cnn.randomised.str.endswith('conv1').any()
    assert (cnn[cnn.method == 'lrp'].ssim.iloc[-1] < 1)
    assert set(cnn.model) == {'topdown_regions'}  # a bottom-up model has no CNN to randomise
    words = pd.read_csv(res/'eval_ablation_words.csv')
    assert not {'gradcam', 'attention', 'lime1'} & set(words.method)  # methods that give no word relevance have no row
    halluc = pd.read_csv(res/'eval_hallucination_all.csv')
    chair = pd.read_csv(res/'eval_hallucination_chair.csv')
    assert set(chair.model) == set(halluc.model) == {'topdown_bottomup', 'topdown_regions', 'topdown_grid'}
    assert chair.CHAIRi.dropna().between(0, 1).all() and chair.CHAIRs.between(0, 1).all() and (chair.captions == 3).all()
    assert {'word probability', 'chance'} <= set(halluc.method) and set(EVAL_METHODS) <= set(halluc.method)
    counted = halluc.n_true + halluc.n_hallucinated + halluc.n_undefined  # every predicted object noun, for every statistic
    assert (counted.groupby(halluc.model).nunique() == 1).all()
    assert halluc.auc.dropna().between(0, 1).all()
    assert 'linguistic share' not in set(halluc[halluc.method == 'gradcam'].statistic)  # Grad-CAM gives no relevance over words
    # filter concepts of the CNN at its last two layers, and the words of the three captioners traced to its filters; the same again
    filters = [*small, '-p', 'n_probe', '12', '-p', 'n_images', '6', '-p', 'top', '4']
    main(['eval_filters', '--out', str(tmp_path/'executed'), *filters])
    recall = pd.read_csv(res/'eval_filters_recall.csv')
    assert recall.layer.tolist() == ['conv5'] * 3 + ['conv6'] * 3 and recall.method.tolist()[:3] == ['LaViSE', 'Network Dissection', 'random']
    assert recall.filter(like='recall@').stack().between(0, 1).all() and (recall['recall@20'] == 1).all()  # 16 concepts: k = 20 takes them all
    assert (recall['filters with ground truth'] > 0).all() and recall.embeddings[0].startswith('all-MiniLM-L6-v2')
    words = pd.read_csv(res/'eval_filters_words.csv')
    assert set(words.model) <= {'topdown_grid', 'topdown_regions', 'topdown_bottomup'} and len(words) and words.hit_rate.between(0, 1).all()  # (a tiny model may name no present shape)
    assert (words.random_filters.between(0, 1)).all() and (words.words > 0).all()
    assert (res/'eval_filters.png').exists() and (res/'eval_filters_words.png').exists() and len(pd.read_csv(res/'eval_filters_training.csv')) == 4
    first = {p.name: p.read_bytes() for p in res.glob('eval_filters*.csv')}
    main(['eval_filters', '--out', str(tmp_path/'executed'), *filters])
    assert {p.name: p.read_bytes() for p in res.glob('eval_filters*.csv')} == first
    # fine-tuning: every mode from the same cross-entropy model, two seeds (08_finetune tests that the checkpoints are reused)
    finetune = [*small, '-p', 'models', "['topdown_bottomup']", '-p', 'seeds', '[0, 1]', '-p', 'n_finetune', '4', '-p', 'finetune_batch_size', '2',
                '-p', 'n_samples', '2', '-p', 'frequent_min', '1']
    main(['eval_finetune', '--out', str(tmp_path/'executed'), *finetune])
    runs = pd.read_csv(res/'eval_finetune_runs.csv')
    assert runs.variant.tolist() == ['base'] + ['ce'] * 2 + ['scst'] * 2 + ['lrp_ce'] * 2 + ['lrp_scst'] * 2
    summary = pd.read_csv(res/'eval_finetune_summary.csv')
    assert summary.n_seeds.tolist() == [1, 2, 2, 2, 2] and {'CHAIRi mean', 'CHAIRi sd', 'bias-pair share of mentions mean'} <= set(summary.columns)
    assert len(list((tmp_path/'models').rglob('topdown_bottomup-*-seed*.pt'))) == 8
    # the tables that read the explanation cache, again without it, for the method rows with random draws or
    # optimisation (and two without): the same rows (eval_sanity explains afresh and never reads it)
    cached = ['eval_correctness', 'eval_ablation', 'eval_correlation', 'eval_hallucination']
    again = ['lrp', 'integrated_gradients', 'counterfactual', 'lime1', 'lime_obj5', 'attention', 'random']
    tables = lambda: {p.name: pd.read_csv(p) for p in res.glob('eval_*.csv') if p.name.startswith(tuple(cached))}
    first = tables()
    shutil.rmtree(next((tmp_path/'models').rglob('explanations')))
    main([*cached, '--out', str(tmp_path/'executed'), *tiny, '-p', 'methods', repr(again)])
    for name, table in tables().items():
        kept = first[name]
        if 'method' in kept: kept = kept[kept.method.isin(again) | ~kept.method.isin(EVAL_METHODS)]  # (and the rows that need no explanation)
        # (eval_ablation decodes each distinct perturbed input once, in batches drawn from every method's rows: another set of
        # methods batches an input with others, which moves the last bits of its probabilities: 4e-8 in an average drop of 3e-4)
        pd.testing.assert_frame_equal(table, kept.reset_index(drop=True), rtol=1e-5, atol=1e-6, obj=name)

def test_parameters_are_checked_before_any_work(tmp_path):
    "A bad parameter fails in the first cell, naming the parameter and what it takes, before the benchmark is generated."
    common = ['--out', str(tmp_path/'executed'), '-p', 'data_dir', str(tmp_path/'data'), '-p', 'results_dir', str(tmp_path/'results')]
    with pytest.raises(PapermillExecutionError, match="parameter 'N': expected one or a list of an int >= 1, got 'three'"):
        main(['eval_ablation', *common, '-p', 'N', 'three'])
    with pytest.raises(PapermillExecutionError, match="parameter 'values': expected one or a list of one of"):
        main(['eval_ablation', *common, '-p', 'values', 'mean'])
    assert not (tmp_path/'data').exists() and not (tmp_path/'results').exists()
