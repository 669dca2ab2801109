"""Speed of explaining every word of a caption, measured in one run (ratios, not absolute targets).

    python benchmarks/explain_speed.py [--checkpoint models/<data>/topdown_grid.pt] [--words 12] [--repeats 5]

Compares, on the same model and caption:
- LRP for all T words in one batched backward pass (`explain`) against one backward pass per word (a Python loop);
- Gradient x Input through `explain` against Captum's per-token approach (one `InputXGradient.attribute` per word);
- explaining all T words against explaining the last word alone (the same forward pass, one backward);
and reports the peak memory (RSS, a separate process) of explaining a batch of 32 captions. Where CUDA is available the
same figures are printed a second time for the GPU (`--device cpu` or `--device cuda` runs one of them; on the GPU the
memory reported is PyTorch's peak allocation).
Without a checkpoint, an untrained model of the default size is used (speed does not depend on training).
"""
import argparse, resource, subprocess, sys, time

import torch

from latentxai.data import Vocab
from latentxai.decoders import Captioner, build_decoder
from latentxai.encoders import GridEncoder
from latentxai.explain import encode_captions, explain
from latentxai.lrp import LRP

def setup(checkpoint, words, features='grid'):
    "The model (a checkpoint, or an untrained top-down one on `features`), its vocabulary, a caption and random features."
    if checkpoint:
        model, ckpt = Captioner.load(checkpoint)
        vocab = Vocab(ckpt['vocab'][4:])
    else:
        torch.manual_seed(0)
        vocab = Vocab([f'w{i}' for i in range(59)])
        dim = 128 + 5 * (features == 'regions')
        model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=dim)), features, GridEncoder()).eval()
    torch.manual_seed(0)
    caption = [vocab.itos[4 + i % (len(vocab) - 4)] for i in range(words)]
    feats = torch.randn(1, 64, model.decoder.feat_dim) if model.features != 'regions' else torch.randn(1, 36, model.decoder.feat_dim)
    return model, vocab, caption, feats

def devices(choice):
    "The devices to measure on: the one asked for, else the CPU and (where available) CUDA."
    return [torch.device(choice)] if choice else [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])

def add_device_option(parser):
    parser.add_argument('--device', choices=('cpu', 'cuda'), help='measure on this device only (default: the CPU, and CUDA where available)')

def where(device) -> str:
    "The device in words, for the first line of a benchmark's figures."
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU, {torch.get_num_threads()} threads'

def _sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def best_of(fn, repeats):
    "The fastest of `repeats` runs, in seconds (CUDA work waited for)."
    times = []
    for _ in range(repeats):
        _sync(); t = time.perf_counter(); fn(); _sync(); times.append(time.perf_counter() - t)
    return min(times)

def per_word_lrp(model, vocab, caption, feats, words=None):
    "LRP relevance of each word with its own forward and backward pass (`words`: which positions, default all)."
    ids = encode_captions([caption], vocab).to(feats.device)
    out = []
    for t in (range(len(caption)) if words is None else words):
        f = feats.clone().requires_grad_()
        o = model.decoder(f, ids, ops=LRP())
        g, = torch.autograd.grad(o.logits[0, t, ids[0, t + 1]], f)
        out.append((f * g).sum(-1).detach())
    return torch.cat(out)

def captum_per_token(model, vocab, caption, feats):
    from captum.attr import InputXGradient
    ids = encode_captions([caption], vocab).to(feats.device)
    class Word(torch.nn.Module):
        def __init__(self, t): super().__init__(); self.t = t
        def forward(self, x): return model.decoder(x, ids.expand(len(x), -1)).logits[:, self.t]
    return torch.cat([InputXGradient(Word(t)).attribute(feats, target=ids[0, t + 1].item()).sum(-1) for t in range(len(caption))])

def peak_rss_mb(args, batch):
    code = (f"import sys; sys.argv = {[sys.argv[0]] + (['--checkpoint', args.checkpoint] if args.checkpoint else [])!r}; "
            f"import runpy; m = runpy.run_path({__file__!r}, run_name='child'); m['child']({args.checkpoint!r}, {args.words}, {batch})")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[-1]) / 1024

def child(checkpoint, words, batch):
    model, vocab, caption, feats = setup(checkpoint, words)
    if batch: explain(model, [caption] * batch, vocab, 'lrp', feats=feats.expand(batch, -1, -1).contiguous())
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

def measure(model, vocab, caption, feats, args):
    "Every figure of the benchmark on the device of `model` and `feats`."
    device = feats.device
    T = len(caption)
    batched = explain(model, [caption], vocab, 'lrp', feats=feats)[0].visual
    looped = per_word_lrp(model, vocab, caption, feats).cpu()
    assert torch.allclose(batched, looped, atol=1e-6 if device.type == 'cpu' else 1e-4), 'batched and per-word LRP differ'
    t_batched = best_of(lambda: explain(model, [caption], vocab, 'lrp', feats=feats), args.repeats)
    t_loop = best_of(lambda: per_word_lrp(model, vocab, caption, feats), args.repeats)
    t_one = best_of(lambda: per_word_lrp(model, vocab, caption, feats, words=[T - 1]), args.repeats)
    t_gxi = best_of(lambda: explain(model, [caption], vocab, 'gradient_x_input', feats=feats), args.repeats)
    t_captum = best_of(lambda: captum_per_token(model, vocab, caption, feats), args.repeats)
    print(f'model: {model.decoder.kind} on {model.features} features ({"trained checkpoint" if args.checkpoint else "untrained"}), '
          f'caption of {T} words, {feats.shape[1]} features, best of {args.repeats}, on {where(device)}')
    print(f'LRP, all {T} words batched: {t_batched * 1e3:.1f} ms; per-word loop: {t_loop * 1e3:.1f} ms; speed-up {t_loop / t_batched:.1f}x')
    print(f'LRP, all {T} words vs the last word only (same forward, one backward): {t_one * 1e3:.1f} ms for one word; '
          f'all words cost {t_batched / t_one:.2f}x one word')
    print(f'Gradient x Input batched: {t_gxi * 1e3:.1f} ms; Captum per token: {t_captum * 1e3:.1f} ms; speed-up {t_captum / t_gxi:.1f}x')
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device); base = torch.cuda.memory_allocated(device)
        explain(model, [caption] * 32, vocab, 'lrp', feats=feats.expand(32, -1, -1).contiguous())
        print(f'peak GPU memory explaining 32 captions of {T} words with LRP: {(torch.cuda.max_memory_allocated(device) - base) / 2**20:.0f} MB above the loaded model')
    else:
        base, b32 = peak_rss_mb(args, 0), peak_rss_mb(args, 32)
        print(f'peak memory (RSS) explaining 32 captions of {T} words with LRP: {b32:.0f} MB, {b32 - base:.0f} MB above the loaded model ({base:.0f} MB)')

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--words', type=int, default=12); p.add_argument('--repeats', type=int, default=5)
    add_device_option(p)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, caption, feats = setup(args.checkpoint, args.words)
    for device in devices(args.device): measure(model.to(device), vocab, caption, feats.to(device), args)

if __name__ == '__main__': main()
