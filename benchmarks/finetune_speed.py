"""Cost of an LRP-inference fine-tuning step against a plain one, measured in one run (ratios, not absolute targets).

    python benchmarks/finetune_speed.py [--checkpoint models/<data>/topdown_bottomup.pt] [--batch 50] [--repeats 5]

On the same model and batch:
- one LRP-inference cross-entropy step (`lrp_inference_loss`: forward, the relevance of every step's predictor inputs
  in one batched backward pass, the re-weighted predictor, backward, Adam) against one plain cross-entropy step;
- the relevance part alone, batched, against the published implementation's loop: one backward pass per caption and
  per step (the weights are checked to be the same);
- one LRP-inference SCST step (sampling from the re-weighted logits) against one SCST step (5 samples per image).
Without a checkpoint, an untrained model of the default size on 36 bottom-up regions is used (speed does not depend
on training); the captions are random words of the vocabulary. Where CUDA is available every figure is printed a
second time for the GPU (`--device cpu` or `--device cuda` runs one of them).
"""
import argparse

import torch

from explain_speed import add_device_option, best_of, devices, where  # benchmarks/ is on the path when this script runs
from latentxai.caption_metrics import CiderD
from latentxai.data import Vocab
from latentxai.decoders import Captioner, build_decoder
from latentxai.finetune import lrp_inference_loss, lrp_weights, predictor_relevance, scst_loss, stop_word_mask
from latentxai.training import caption_loss

def setup(checkpoint, batch, length=12):
    "The model (a checkpoint, or an untrained top-down one on bottom-up features), its vocabulary, captions and features."
    if checkpoint: model, ckpt = Captioner.load(checkpoint); vocab = Vocab(ckpt['vocab'][4:])
    else:
        torch.manual_seed(0)
        vocab = Vocab([f'w{i}' for i in range(59)])
        model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=128)), 'bottomup')
    g = torch.Generator().manual_seed(0)
    words = torch.randint(4, len(vocab), (batch, length), generator=g)
    captions = torch.cat([torch.full((batch, 1), vocab.start), words, torch.full((batch, 1), vocab.end)], 1)
    feats = torch.randn(batch, 36, model.decoder.feat_dim, generator=g)
    return model.train(), vocab, captions, feats

def step(model, opt, loss_fn):
    loss = loss_fn()
    loss = loss[0] if isinstance(loss, tuple) else loss
    opt.zero_grad(); loss.backward(); opt.step()

def looped_weights(decoder, inputs, predicted, eps=0.01):
    "The published way: one relevance computation per caption and per step."
    B, T = predicted.shape
    out = {k: torch.empty_like(inputs[k]) for k in decoder.predictor_inputs}
    for b in range(B):
        for t in range(T):
            one = {k: v[b:b + 1, t:t + 1] for k, v in inputs.items()}
            r = predictor_relevance(decoder, one, predicted[b:b + 1, t:t + 1], eps)
            for k in out: out[k][b, t] = lrp_weights(r[k])[0, 0]
    return out

def measure(model, vocab, captions, feats, args):
    "Every figure of the benchmark on the device of `model` and `feats`."
    device = feats.device
    dec, stop = model.decoder, stop_word_mask(vocab).to(device)
    opt = torch.optim.Adam(dec.parameters(), lr=1e-5)
    t_ce = best_of(lambda: step(model, opt, lambda: caption_loss(dec(feats, captions).logits, captions, vocab.pad)), args.repeats)
    t_lrp = best_of(lambda: step(model, opt, lambda: lrp_inference_loss(dec, feats, None, captions, stop, vocab.pad)), args.repeats)
    with torch.no_grad(): out = dec(feats, captions)
    inputs, predicted = {k: out.intermediates[k] for k in dec.predictor_fields}, out.logits.argmax(-1)
    batched = lambda: {k: lrp_weights(r) for k, r in predictor_relevance(dec, inputs, predicted).items()}
    few = slice(0, 4)  # the loop is slow: time it on 4 captions and scale
    looped = looped_weights(dec, {k: v[few] for k, v in inputs.items()}, predicted[few])
    assert all(torch.allclose(looped[k], batched()[k][few], atol=1e-5) for k in looped), 'looped and batched weights differ'
    t_batched = best_of(batched, args.repeats)
    t_looped = best_of(lambda: looped_weights(dec, {k: v[few] for k, v in inputs.items()}, predicted[few]), 2) * args.batch / 4
    images = max(1, args.batch // 5)
    reward = CiderD({i: [vocab.decode(c)] for i, c in enumerate(captions[:images])})
    scst = lambda eps: lambda: scst_loss(dec, vocab, feats[:images], None, list(range(images)), reward, 5, 'greedy', 16,
                                         torch.Generator().manual_seed(0), eps, stop)
    t_scst = best_of(lambda: step(model, opt, scst(None)), args.repeats)
    t_lrp_scst = best_of(lambda: step(model, opt, scst(0.01)), args.repeats)
    T = captions.shape[1] - 1
    print(f'model: {dec.kind} on {model.features} features ({"trained checkpoint" if args.checkpoint else "untrained"}), '
          f'{args.batch} captions of {T} steps, {feats.shape[1]} features, best of {args.repeats}, on '
          f'{where(device)}')
    print(f'cross-entropy step: {t_ce * 1e3:.1f} ms; LRP-inference CE step: {t_lrp * 1e3:.1f} ms; ratio {t_lrp / t_ce:.2f}x')
    print(f'LRP weights of all {args.batch} x {T} steps batched: {t_batched * 1e3:.1f} ms; one caption and step at a time: '
          f'{t_looped * 1e3:.0f} ms (timed on 4 captions, scaled); speed-up {t_looped / t_batched:.0f}x')
    print(f'SCST step ({images} images x 5 samples, greedy baseline): {t_scst * 1e3:.1f} ms; LRP-inference SCST step: {t_lrp_scst * 1e3:.1f} ms; '
          f'ratio {t_lrp_scst / t_scst:.2f}x')

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--batch', type=int, default=50); p.add_argument('--repeats', type=int, default=5)
    add_device_option(p)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, captions, feats = setup(args.checkpoint, args.batch)
    for device in devices(args.device): measure(model.to(device), vocab, captions.to(device), feats.to(device), args)

if __name__ == '__main__': main()
