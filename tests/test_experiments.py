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
