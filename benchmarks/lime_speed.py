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
import argparse

import torch

from explain_speed import best_of, setup  # benchmarks/ is on the path when this script runs
from latentxai.explain import encode_captions, explain
from latentxai.lime import VARIANTS, lime_relevance

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--words', type=int, default=12); p.add_argument('--repeats', type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, caption, feats = setup(args.checkpoint, args.words, 'regions')
    if feats.shape[1] != 36: raise SystemExit(f'lime1 is benchmarked on 36 regions; {args.checkpoint} is a {model.features} model')
    feats = feats[0]
    ids = encode_captions([caption], vocab)[0]
    batched, single = (lime_relevance(model.decoder, feats, ids, variant='lime1', batch_size=b) for b in (1024, 1))
    batched_s = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1'), args.repeats)
    single_s = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1', batch_size=1), args.repeats)
    assert torch.allclose(batched, single, atol=1e-4), f'batched and one-by-one LIME differ by {(batched - single).abs().max():.2e}'
    name = args.checkpoint or 'untrained topdown_regions'
    print(f'{name}, {len(caption)} words + <end>, 36 regions, lime1 = 667 perturbations, 2 threads')
    print(f'lime1 batched (one forward)   : {batched_s * 1e3:8.1f} ms')
    print(f'lime1 one by one:               {single_s * 1e3:8.1f} ms')
    print(f'speed-up: {single_s / batched_s:.1f}x (target: at least 10x); max difference {(batched - single).abs().max():.1e}')
    objects = torch.arange(36) // 4  # 9 objects of 4 regions each
    for variant in VARIANTS:
        opts = dict(objects=objects[None]) if variant == 'lime_obj' else {}
        s = best_of(lambda: explain(model, [caption], vocab, variant, feats=feats[None], **opts), args.repeats)
        print(f'explain {variant:<8} all words of one caption: {s * 1e3:8.1f} ms')

if __name__ == '__main__':
    main()
