"""Explanation and evaluation of a split sharded over processes: `torchrun --nproc_per_node 2 latentxai-explain` gives the
same explanations (the cache) and the same localisation table as one process.

A tiny benchmark and two small captioners (grid and regions, trained one epoch here) stand in for the trained models.
Both runs use one PyTorch thread per process, so the arithmetic is the same and the results are compared exactly."""
import shutil, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from latentxai.encoders import GridEncoder
from latentxai.testing import tiny_benchmark, trained_captioners

MODELS = ['topdown_grid', 'topdown_regions']
METHODS = ['lrp', 'lime1', 'lime_obj5', 'counterfactual', 'random']
SMALL_CNN = (8, 'M', 8, 'M', 16, 'M', 16, 'M', 16, 'M')  # 128 px -> a 4 x 4 map: LIME's pairs stay few
EXPLAIN = [sys.executable, '-c', 'from latentxai.pipeline import explain_main; explain_main()']

@pytest.fixture(scope='module')
def models(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('sharding')
    root = tiny_benchmark(tmp/'bench', n_train=40, n_val=4, n_test=5)
    torch.manual_seed(0)
    trained_captioners(root, tmp/'models', MODELS, GridEncoder(SMALL_CNN, image_size=128).eval(), options=['--hidden-dim', '32'], ranges=True)
    return root, tmp/'models'

def _explain(root, models, table, processes):
    params = dict(data_dir=root, n_train=40, n_val=4, n_test=5, models_dir=models, models=MODELS, methods=METHODS, n_images=5, batch_size=2)
    args = [a for k, v in params.items() for a in ('-p', k, repr(v) if isinstance(v, list) else str(v))] + ['--table', str(table), '--threads', '1']
    launch = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(processes), '--no-python'] if processes > 1 else []
    res = subprocess.run(launch + EXPLAIN + args, capture_output=True, text=True, timeout=600, cwd=Path(__file__).parents[1])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    return res.stdout

def test_two_processes_give_the_same_table_and_explanations_as_one(models, tmp_path):
    root, one = models
    two = tmp_path/'models'
    shutil.copytree(one, two)  # the same checkpoints, an empty cache
    out1 = _explain(root, one, tmp_path/'one.csv', 1)
    out2 = _explain(root, two, tmp_path/'two.csv', 2)
    assert 'on 1 process' in out1 and 'on 2 processes' in out2
    t1, t2 = pd.read_csv(tmp_path/'one.csv'), pd.read_csv(tmp_path/'two.csv')
    assert len(t1) == len(MODELS) * len(METHODS) and (t1.images == 5).all() and t1.words.sum() > 0
    assert t1['features correctness_box@0.5'].notna().all()
    pd.testing.assert_frame_equal(t1, t2)
    cache1, cache2 = (sorted((m/root.name/'explanations').glob('*.pt')) for m in (one, two))
    assert [p.name for p in cache1] == [p.name for p in cache2] and len(cache1) == len(MODELS) * len(METHODS)
    for a, b in zip(cache1, cache2):
        x, y = torch.load(a, weights_only=True), torch.load(b, weights_only=True)
        assert len(x) == len(y) == 5
        for i, j in zip(x, y):
            assert torch.equal(i['visual'], j['visual']) and torch.equal(i['patches'], j['patches']), a.name
            assert i['categories'] == j['categories'] and (i['details'] is None) == (j['details'] is None), a.name
