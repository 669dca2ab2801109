"Captioning models from the outside: bad input, and training on two processes with torchrun (DDP over gloo)."
import re, subprocess, sys

import pytest
import torch

from latentxai.core import DataFormatError
from latentxai.data import DatasetFiles, Vocab, read_karpathy
from latentxai.decoders import DECODERS, Captioner
from latentxai.decoding import decode
from latentxai.encoders import GridEncoder
from latentxai.scenes import SceneConfig, generate_benchmark
from latentxai.testing import tiny_captioner

@pytest.fixture(scope='module')
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp('bench')
    generate_benchmark(SceneConfig(n_train=24, n_val=6, n_test=4), root, workers=1, progress=False)
    return root

def _captioner(kind, features):
    "An untrained captioner on the benchmark's 128 px CNN, with 12 words."
    return tiny_captioner(kind, features, Vocab([f'w{i}' for i in range(8)]), GridEncoder(), hidden=32)

@pytest.mark.parametrize('kind', sorted(DECODERS))
@pytest.mark.parametrize('features', ['grid', 'regions'])
def test_bad_input_is_refused_with_a_clear_message(kind, features):
    cap = _captioner(kind, features)
    images, boxes, caps = torch.rand(2, 3, 128, 128), torch.tensor([[[0., 0, 50, 50]] * 3] * 2), torch.tensor([[1, 5, 6, 2]] * 2)
    kw = dict(boxes=boxes) if features == 'regions' else {}
    assert cap(caps, images=images, **kw).logits.shape == (2, 3, 12)
    with pytest.raises(ValueError, match='B x 3 x 128 x 128'): cap(caps, images=torch.rand(2, 3, 96, 128), **kw)
    with pytest.raises(ValueError, match=r'B >= 1'): cap(caps[:0], images=images[:0], **({'boxes': boxes[:0]} if kw else {}))
    with pytest.raises(ValueError, match=r'\[0, 12\)'): cap(torch.tensor([[1, 5, 40, 2]] * 2), images=images, **kw)
    with pytest.raises(ValueError, match=r'\[0, 12\)'): cap(torch.tensor([[1, -1, 2]] * 2), images=images, **kw)
    dim = cap.decoder.feat_dim
    with pytest.raises(ValueError, match=f'B x N x {dim}'): cap.decoder(torch.rand(2, 5, dim + 3), caps)
    with pytest.raises(ValueError, match='NaN'): cap.decoder(torch.full((2, 5, dim), float('nan')), caps)
    vocab = Vocab([f'w{i}' for i in range(8)])
    with pytest.raises(ValueError, match='B, N >= 1'): decode(cap.decoder, vocab, torch.rand(0, 5, dim))
    with pytest.raises(ValueError, match='vocabulary of 11 words'): decode(cap.decoder, Vocab([f'w{i}' for i in range(7)]), torch.rand(1, 5, dim))

def test_wrong_checkpoint_is_refused(tmp_path):
    words = Vocab([f'w{i}' for i in range(8)]).itos
    _captioner('topdown', 'grid').save(tmp_path/'m.pt', words)
    with pytest.raises(DataFormatError, match="decoder='topdown', expected decoder='adaptive'"): Captioner.load(tmp_path/'m.pt', 'adaptive')
    with pytest.raises(DataFormatError, match="features='grid', expected features='regions'"): Captioner.load(tmp_path/'m.pt', features='regions')
    with pytest.raises(DataFormatError, match='vocabulary differs'): Captioner.load(tmp_path/'m.pt', vocab=words[:-1] + ['other'])
    GridEncoder().save(tmp_path/'enc.pt')
    with pytest.raises(DataFormatError, match="holds a 'encoder', expected a 'captioner'"): Captioner.load(tmp_path/'enc.pt')
    with pytest.raises(FileNotFoundError, match='captioner checkpoint not found'): Captioner.load(tmp_path/'none.pt')

def test_torchrun_two_process_training(bench, tmp_path):
    torch.manual_seed(0); GridEncoder().save(tmp_path/'enc.pt')
    out = tmp_path/'topdown_grid.pt'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '-m', 'latentxai.training',
           '--data', str(bench), '--encoder', str(tmp_path/'enc.pt'), '--decoder', 'topdown', '--features', 'grid',
           '--epochs', '2', '--batch-size', '16', '--hidden-dim', '32', '--out', str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    ranks = {r: (epochs.split(), selected) for r, epochs, selected in
             re.findall(r'rank (\d)/2: 2 epochs, last loss [\d.]+, parameters after each epoch ([0-9a-f ]+), selected ([0-9a-f]+)', res.stdout)}
    assert set(ranks) == {'0', '1'}, res.stdout
    assert ranks['0'] == ranks['1']  # DDP kept the two copies identical after every epoch, and both end with the selected model
    assert ranks['0'][0][0] != ranks['0'][0][1]  # and training changed them
    records = read_karpathy(DatasetFiles.benchmark(bench).captions)
    vocab = Vocab.build([s.tokens for r in records if r.split == 'train' for s in r.sentences])
    model, ckpt = Captioner.load(out, 'topdown', 'grid', vocab.itos)
    assert [h['world_size'] for h in ckpt['history']] == [2, 2]
    assert ckpt['history'][1]['loss'] < ckpt['history'][0]['loss']
