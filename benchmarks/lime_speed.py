"""Speed of latent-space LIME (lime1: every single and pair of 36 regions, 667 samples), measured in one run.

    python benchmarks/lime_speed.py [--checkpoint models/<data>/topdown_regions.pt] [--words 12] [--repeats 3]

Compares, on the same model and caption, scoring all 667 perturbations of the caption's features in batches (one
teacher-forced forward per batch scores every word) against scoring the same perturbations one by one (one forward
per perturbation, still all words from it), and checks that both give the same relevance.
Target: batched at least 10x faster. On a 2-core CPU the batched pass is bound by the two LSTM matrix products and the
attention tanh over 667 x 36 regions per step (about 190 GFLOP/s on the products), while one perturbation at a time is
bound by per-operation overhead (about 3 ms per 13-step forward), so the ratio lies around 7x to 11x and varies
between runs; on a GPU it is far larger. Also reports the time of each LIME variant for one caption. Without a checkpoint an untrained model of the default
size is used (speed does not depend on training).
"""
import argparse, time

import torch

from latentxai.data import Vocab
from latentxai.decoders import Captioner, build_decoder
from latentxai.encoders import GridEncoder
from latentxai.explain import encode_captions, explain
from latentxai.lime import VARIANTS, lime_relevance

def setup(checkpoint, words):
    if checkpoint:
        model, ckpt = Captioner.load(checkpoint)
        vocab = Vocab(ckpt['vocab'][4:])
    else:
        torch.manual_seed(0)
        vocab = Vocab([f'w{i}' for i in range(59)])
        model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=133)), 'regions', GridEncoder()).eval()
    torch.manual_seed(0)
    caption = [vocab.itos[4 + i % (len(vocab) - 4)] for i in range(words)]
    feats = torch.rand(36, model.decoder.feat_dim)
    return model.eval(), vocab, caption, feats

def best_of(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return min(times), out

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--words', type=int, default=12); p.add_argument('--repeats', type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, caption, feats = setup(args.checkpoint, args.words)
    ids = encode_captions([caption], vocab)[0]
    batched_s, batched = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1'), args.repeats)
    single_s, single = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1', batch_size=1), args.repeats)
    assert torch.allclose(batched, single, atol=1e-4), f'batched and one-by-one LIME differ by {(batched - single).abs().max():.2e}'
    name = args.checkpoint or 'untrained topdown_regions'
    print(f'{name}, {len(caption)} words + <end>, 36 regions, lime1 = 667 perturbations, 2 threads')
    print(f'lime1 batched (one forward)   : {batched_s * 1e3:8.1f} ms')
    print(f'lime1 one by one:               {single_s * 1e3:8.1f} ms')
    print(f'speed-up: {single_s / batched_s:.1f}x (target: at least 10x); max difference {(batched - single).abs().max():.1e}')
    objects = torch.arange(36) // 4  # 9 objects of 4 regions each
    for variant in VARIANTS:
        opts = dict(objects=objects[None]) if variant == 'lime_obj' else {}
        s, _ = best_of(lambda: explain(model, [caption], vocab, variant, feats=feats[None], **opts), args.repeats)
        print(f'explain {variant:<8} all words of one caption: {s * 1e3:8.1f} ms')

if __name__ == '__main__':
    main()
