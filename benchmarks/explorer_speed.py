"""How fast the explorer answers, measured in one run: the first explanation of a caption per method, then a click.

    python benchmarks/explorer_speed.py --checkpoint models/<data>/topdown_grid.pt [--methods lrp gradcam saliency] [--repeats 5]

An uploaded image (random pixels, 300 x 200, resized and cropped as a user's file) is captioned (greedy); for each
method, the explanation of all words of the caption is computed once (what the first click on a method costs), then
drawing one word from the cache (what every later click costs) is timed, and their ratio printed. Without a checkpoint, an untrained top-down grid captioner of the default size is used.
"""
import argparse, io, time

import numpy as np
import torch
from PIL import Image

from explain_speed import best_of  # benchmarks/ is on the path when this script runs
from latentxai.data import Vocab
from latentxai.decoders import Captioner, build_decoder
from latentxai.encoders import GridEncoder
from latentxai.explorer import Explorer

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--checkpoint'); p.add_argument('--methods', nargs='+', default=['lrp', 'gradient_x_input', 'saliency', 'gradcam', 'guided_backprop'])
    p.add_argument('--repeats', type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(2)
    if a.checkpoint: model, ckpt = Captioner.load(a.checkpoint); vocab = Vocab(ckpt['vocab'][4:])
    else:
        torch.manual_seed(0)
        vocab = Vocab([f'w{i}' for i in range(59)])
        model = Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=128, hidden_dim=256)), 'grid', GridEncoder(image_size=128)).eval()
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(buf, 'PNG')
    ex = Explorer(vocab, lambda name: model)
    ex.use_model('model'); ex.use_image(buf.getvalue(), 'photo.png')
    t = time.perf_counter(); words, _ = ex.caption(); caption_s = time.perf_counter() - t
    print(f'{model.decoder.kind} {model.features}, caption of {len(words)} words ("{" ".join(words)}") in {caption_s * 1e3:.0f} ms')
    for m in a.methods:
        t = time.perf_counter(); ex.word_view(m, 0); first = time.perf_counter() - t
        click = best_of(lambda: ex.word_view(m, len(words) - 1), a.repeats)
        print(f'{m:>18}: all {len(words)} words explained and drawn once {first * 1e3:6.0f} ms; a later click {click * 1e3:5.1f} ms '
              f'({first / click:.0f}x faster than the first)')

if __name__ == '__main__': main()
