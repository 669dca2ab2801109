"""Cost of the batched filter-concept code against one-at-a-time loops, measured in one run (ratios, not absolute targets).

    python benchmarks/filters_speed.py [--checkpoint models/<data>/topdown_grid.pt] [--batch 16] [--repeats 3]

On the same model and inputs:
- `channel_relevance`: the LRP relevance of every word of `batch` captions at the CNN's map, in one backward pass,
  against one call per caption (the relevance is checked to be the same);
- `filter_scores`: the explanations of all 128 filters on their 25 top images, from each image's channel Gram matrix
  (64 images per pass), against the definition computed one filter at a time (checked to be the same).
Without a checkpoint, an untrained top-down grid captioner of the default size on 128 px images is used (speed does not
depend on training); images and captions are random. Where CUDA is available the `channel_relevance` figures are
printed a second time for the GPU (`--device cpu` or `--device cuda` runs one of them); `filter_scores` works on
activations kept on the CPU, so it is measured there.
"""
import argparse

import torch

from explain_speed import add_device_option, best_of, devices, where  # benchmarks/ is on the path when this script runs
from latentxai.data import Vocab
from latentxai.decoders import Captioner, build_decoder
from latentxai.encoders import GridEncoder
import torch.nn.functional as F

from latentxai.filters import FilterExplainer, channel_relevance, filter_scores, layer_activations, top_images

def setup(checkpoint, batch, length=12):
    "The model (a checkpoint, or an untrained top-down grid captioner), its vocabulary, random captions and images."
    if checkpoint: model, ckpt = Captioner.load(checkpoint); vocab = Vocab(ckpt['vocab'][4:])
    else:
        torch.manual_seed(0)
        vocab = Vocab([f'w{i}' for i in range(59)])
        encoder = GridEncoder()
        model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=encoder.channels)), 'grid', encoder)
    if model.encoder is None: raise SystemExit('the benchmark explains the filters of a CNN: give a grid or regions captioner')
    g = torch.Generator().manual_seed(0)
    words = vocab.itos[4:]
    captions = [[words[i] for i in torch.randint(len(words), (length,), generator=g).tolist()] for _ in range(batch)]
    images = torch.rand(batch, 3, model.encoder.image_size, model.encoder.image_size, generator=g)
    boxes = None
    if model.features == 'regions':
        S = model.encoder.image_size
        xy = torch.rand(batch, 36, 2, generator=g) * S / 2
        boxes = torch.cat([xy, xy + S / 2], -1)
    return model.eval(), vocab, captions, images, boxes

@torch.no_grad()
def looped_filter_scores(explainer, acts, concepts, top=25):
    "The definition, one filter at a time: its map weights its top images' maps, z = mean(A c) / ||c||, cosine to each concept."
    images, out = top_images(acts, top), []
    for f in range(acts.shape[1]):
        A = acts[images[f]]; c = A[:, f]
        z = (A * c[:, None]).mean((2, 3)) / c.flatten(1).norm(dim=1).clamp(min=1e-12)[:, None]
        s = F.normalize(explainer(z), dim=1) @ F.normalize(concepts, dim=1).T
        w = c.flatten(1).amax(1).clamp(min=0)
        out.append((s * w[:, None]).sum(0) / w.sum().clamp(min=1e-12))
    return torch.stack(out)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint'); p.add_argument('--batch', type=int, default=16); p.add_argument('--repeats', type=int, default=3)
    add_device_option(p)
    args = p.parse_args()
    torch.set_num_threads(2)
    model, vocab, captions, images, boxes = setup(args.checkpoint, args.batch)
    for device in devices(args.device):
        model.to(device)
        visual = {k: v.to(device) for k, v in (dict(images=images) if boxes is None else dict(images=images, boxes=boxes)).items()}
        batched = channel_relevance(model, captions, vocab, **visual)
        one = lambda b: channel_relevance(model, captions[b:b + 1], vocab, **{k: v[b:b + 1] for k, v in visual.items()})[0]
        for b in range(len(captions)): torch.testing.assert_close(one(b), batched[b], rtol=1e-4, atol=1e-5)
        t_batched = best_of(lambda: channel_relevance(model, captions, vocab, **visual), args.repeats)
        t_loop = best_of(lambda: [one(b) for b in range(len(captions))], args.repeats)
        words = sum(map(len, captions))
        print(f'channel_relevance on {where(device)}, {len(captions)} captions ({words} words): batched {t_batched * 1e3:.1f} ms, one caption per call '
              f'{t_loop * 1e3:.1f} ms: {t_loop / t_batched:.1f}x')
    model.cpu()
    g = torch.Generator().manual_seed(1)
    acts = layer_activations(model.encoder, torch.rand(200, 3, model.encoder.image_size, model.encoder.image_size, generator=g))
    torch.manual_seed(0)
    explainer, concepts = FilterExplainer(acts.shape[1], 384).eval(), torch.randn(16, 384, generator=g)
    fast, slow = filter_scores(explainer, acts, concepts, 25)[0], looped_filter_scores(explainer, acts, concepts, 25)
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-5)
    t_fast = best_of(lambda: filter_scores(explainer, acts, concepts, 25), args.repeats)
    t_loop = best_of(lambda: looped_filter_scores(explainer, acts, concepts, 25), args.repeats)
    print(f'filter_scores, {acts.shape[1]} filters x 25 top images of 200: Gram matrices {t_fast * 1e3:.1f} ms, one filter at a time '
          f'{t_loop * 1e3:.1f} ms: {t_loop / t_fast:.1f}x')

if __name__ == '__main__': main()
