"""How much a result moves between machines, measured on one machine: the same training under the processor's own code
paths and under the AVX2 code paths another x86 processor would take (`latentxai.core.PORTABLE_ENV`), beside a second
training seed (the noise of training itself) and a repeat of each.

    python benchmarks/machine_variation.py [--data data/shapes-<digest>] [--models models] [--epochs 3]

Each condition is a fresh process (the code paths are chosen when PyTorch loads) that trains the top-down captioner on
the benchmark's bottom-up (detector) features exactly as nbs/train_models.ipynb does (same epochs, batch size, learning
rate, seed), then captions the 500 test images with beam search. Printed per condition: the parameters' checksum, the
test CIDEr, and the share of test captions identical to the first condition's. Run train_models first (it writes the
detector features). Takes about 15 minutes on 2 CPU cores.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

from latentxai.core import PORTABLE_ENV, project_root

CHILD = r'''
import json, sys
import torch
from latentxai.caption_metrics import cider
from latentxai.data import DatasetFiles, load_split, training_vocab
from latentxai.decoders import Captioner
from latentxai.decoding import decode
from latentxai.training import main, parameter_checksum
data, features, out, epochs, seed = sys.argv[1:6]
main(['--captions', f'{data}/dataset_shapes.json', '--features-dir', features, '--decoder', 'topdown', '--features', 'bottomup',
      '--out', out, '--epochs', epochs, '--seed', seed])
files = DatasetFiles(DatasetFiles.benchmark(data).captions, None, __import__('pathlib').Path(features))
vocab = training_vocab(files)
model = Captioner.load(out, 'topdown', 'bottomup', vocab.itos)[0]
test = load_split(files, 'test', parts=['regions'], progress=False)
v = test.visual('bottomup')
caps = decode(model.decoder, vocab, v['regions'], test.region_mask, 'beam')
words = {i: c.words for i, c in enumerate(caps)}
refs = {i: [s.tokens for s in r.sentences] for i, r in enumerate(test.records)}
print('RESULT ' + json.dumps(dict(parameters=parameter_checksum(model.decoder), cider=cider(refs, words)[0], captions=[' '.join(w) for w in words.values()],
                                  threads=torch.get_num_threads())))
'''

def run(name, env, args, tmp):
    t = time.time()
    res = subprocess.run([sys.executable, '-c', CHILD, str(args.data), str(args.features), str(tmp/f'{name}.pt'), str(args.epochs), str(env.pop('SEED', 0))],
                         env={**os.environ, **env}, capture_output=True, text=True)
    if res.returncode: raise SystemExit(f'{name} failed:\n{res.stderr[-3000:]}')
    out = json.loads(next(l for l in res.stdout.splitlines() if l.startswith('RESULT '))[7:])
    return dict(out, seconds=time.time() - t)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', type=Path, default=None, help='the benchmark folder (default: the only data/shapes-* folder)')
    p.add_argument('--models', type=Path, default=project_root()/'models')
    p.add_argument('--epochs', type=int, default=3)
    args = p.parse_args()
    if args.data is None:
        found = [f for f in sorted((project_root()/'data').glob('shapes-*')) if '.' not in f.name]  # (not a .partial one)
        if len(found) != 1: raise SystemExit(f'give --data: found {[str(f) for f in found]}')
        args.data = found[0]
    args.features = args.models/args.data.name/'detector'
    if not args.features.exists(): raise SystemExit(f'no detector features at {args.features}: run latentxai-results train_models first')
    conditions = {'this processor (AVX-512)': {'OMP_NUM_THREADS': '2'}, 'repeated': {'OMP_NUM_THREADS': '2'},
                  'AVX2 code paths (PORTABLE_ENV)': dict(PORTABLE_ENV), 'AVX2, 1 thread': {**PORTABLE_ENV, 'OMP_NUM_THREADS': '1'},
                  'this processor, training seed 1': {'OMP_NUM_THREADS': '2', 'SEED': 1}}
    with tempfile.TemporaryDirectory() as tmp:
        results = {name: run(name.replace(' ', '_').replace('/', '_'), dict(env), args, Path(tmp)) for name, env in conditions.items()}
    first = next(iter(results.values()))
    print(f'top-down captioner on bottom-up features, {args.epochs} epochs on {args.data.name}; test CIDEr (beam, 500 images)')
    print(f"{'condition':<34} {'parameters':<17} {'CIDEr':>7} {'same captions':>14} {'seconds':>8}")
    for name, r in results.items():
        same = sum(a == b for a, b in zip(r['captions'], first['captions'])) / len(first['captions'])
        print(f"{name:<34} {r['parameters']:<17} {r['cider']:7.4f} {same:14.1%} {r['seconds']:8.0f}")

if __name__ == '__main__':
    main()
