"End to end: the main job's command runs the experiment notebooks with papermill and writes the tables."
import pandas as pd

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
    assert ckpts == ['aoa_grid.pt', 'aoa_regions.pt', 'encoder.pt', 'topdown_grid.pt', 'topdown_regions.pt']
    table = pd.read_csv(res/'captions.csv')
    assert table.model.tolist()[:3] == ['human (leave one out)', 'most frequent training caption', 'nearest training image (retrieval)']
    models = table.iloc[3:]
    assert len(models) == 4 * 3 and set(models.decoding) == {'greedy', 'beam', 'diverse'}
    assert table.SPICE.isna().all() or table.SPICE.notna().all()
    # precision is undefined (NaN) for a model whose captions name no shape at all
    assert (table['object precision'].between(0, 1) | (table['object mentions'] == 0)).all()
    assert table['object recall'].between(0, 1).all()
    md = (res/'captions.md').read_text()
    assert '- images: 6' in md and 'SPICE: ' in md
    # a second run reuses every checkpoint and writes the same tables
    before = {p.name: p.read_bytes() for p in res.glob('*.csv')}
    main(['train_models', 'eval_captions', '--out', str(tmp_path/'executed'), *small])
    assert {p.name: p.read_bytes() for p in res.glob('*.csv')} == before
    assert 'reused' in (tmp_path/'executed'/'train_models.ipynb').read_text()
