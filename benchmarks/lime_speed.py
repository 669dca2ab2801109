"""Speed of latent-space LIME (lime1: every single and pair of 36 regions, 667 samples), measured in one run.

    python benchmarks/lime_speed.py [--checkpoint models/<data>/topdown_regions.pt] [--words 12] [--repeats 3]

Explains all words of one caption on the same model three ways, checks that they give the same relevance, and
prints both ratios:
- batched (the library): all 667 perturbations in batches, one teacher-forced forward per batch scores every word;
- one perturbation at a time (the previous baseline): one forward per perturbation, still all words from it;
- the loop of the original latent-space LIME code: one forward per perturbation and per word, each over the caption
  up to that word (run once: it takes tens of seconds).
Target: batched at least 10x faster than one perturbation at a time. On a 2-core CPU the batched pass is bound by the two LSTM matrix products and the
attention tanh over 667 x 36 regions per step (about 190 GFLOP/s on the products), while one perturbation at a time is
bound by per-operation overhead (about 3 ms per 13-step forward), so the ratio lies around 7x to 11x and varies
between runs; on a GPU it is far larger. Also reports the time of each LIME variant for one caption. Without a checkpoint an untrained model of the default
size is used (speed does not depend on training). Where CUDA is available every figure is printed a second time for
the GPU (`--device cpu` or `--device cuda` runs one of them).
"""
import argparse, time

import torch

from explain_speed import add_device_option, best_of, devices, setup, where  # benchmarks/ is on the path when this script runs
from latentxai.explain import encode_captions, explain
from latentxai.lime import VARIANTS, lime_relevance, pair_design, perturb, ridge

@torch.no_grad()
def per_word_loop(decoder, feats, ids):
    "lime1 as the original code computes it: for every word, every perturbation in its own forward pass over the caption up to the word."
    z = pair_design(feats.shape[0])
    perturbed = perturb(feats.cpu(), z, 'min').to(feats.device)
    logp = torch.empty(len(z), len(ids) - 1, device=feats.device)
    for t in range(len(ids) - 1):  # the word at position t + 1 (and <end>)
        for s in range(len(z)):
            logits = decoder(perturbed[s:s + 1], ids[None, :t + 2]).logits[0, t]
            logp[s, t] = torch.log_softmax(logits.float(), -1)[ids[t + 1]]
    return ridge(z, logp.cpu()).to(feats.dtype).T

def measure(model, vocab, caption, feats, args):
    "Every figure of the benchmark on the device of `model` and `feats`."
    device = feats.device
    ids = encode_captions([caption], vocab)[0].to(device)
    batched, single = (lime_relevance(model.decoder, feats, ids, variant='lime1', batch_size=b) for b in (1024, 1))
    batched_s = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1'), args.repeats)
    single_s = best_of(lambda: lime_relevance(model.decoder, feats, ids, variant='lime1', batch_size=1), args.repeats)
    batched, single = batched.cpu(), single.cpu()
    assert torch.allclose(batched, single, atol=1e-4), f'batched and one-by-one LIME differ by {(batched - single).abs().max():.2e}'
    t = time.perf_counter(); looped = per_word_loop(model.decoder, feats, ids); loop_s = time.perf_counter() - t  # (its last step reads the result back)
    looped = looped.cpu()
    assert torch.allclose(batched, looped, atol=1e-4), f'batched and per-word LIME differ by {(batched - looped).abs().max():.2e}'
    name = args.checkpoint or 'untrained topdown_regions'
    print(f'{name}, {len(caption)} words + <end>, 36 regions, lime1 = 667 perturbations, on {where(device)}')
    print(f'lime1 batched (the library)      : {batched_s * 1e3:8.1f} ms')
    print(f'lime1 one perturbation at a time: {single_s * 1e3:8.1f} ms')
    print(f'lime1 per perturbation and word : {loop_s * 1e3:8.1f} ms ({len(ids) - 1} x 667 forwards, the original code\'s loop)')
    print(f'speed-up over one perturbation at a time: {single_s / batched_s:.1f}x (target: at least 10x); max difference {(batched - single).abs().max():.1e}')
    print(f'speed-up over the per-word loop:          {loop_s / batched_s:.1f}x; max difference {(batched - looped).abs().max():.1e}')
    objects = torch.arange(36, device=device) // 4  # 9 objects of 4 regions each
    for variant in VARIANTS:
        opts = dict(objects=objects[None]) if variant == 'lime_obj' else {}
        s = best_of(lambda: explain(model, [caption], vocab, variant, feats=feats[None], **opts), args.repeats)
        print(f'explain {variant:<8} all words of one caption: {s * 1e3:8.1f} ms')

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--words', type=int, default=12); p.add_argument('--repeats', type=int, default=3)
    add_device_option(p)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, caption, feats = setup(args.checkpoint, args.words, 'regions')
    if feats.shape[1] != 36: raise SystemExit(f'lime1 is benchmarked on 36 regions; {args.checkpoint} is a {model.features} model')
    for device in devices(args.device): measure(model.to(device), vocab, caption, feats[0].to(device), args)

if __name__ == '__main__':
    main()
