"""Every path runs where its model is, checked without a GPU.

A CUDA run fails where the library makes a tensor without naming its device (it lands on the CPU while the model
is on the GPU). Under another default device, `torch.device('meta')`, such a tensor lands on `meta` and mixing it
with the CPU model's tensors is an error, while a tensor made on the model's device (or explicitly on the CPU) is
unaffected. So each test runs a path twice with a CPU model, once plainly and once under the meta default device,
and asks for the same numbers. (The explanation methods are checked the same way, case by case, in
test_explain_contract.py.)"""
import copy

import pytest
import torch

from latentxai.core import module_device, resolve_device, to_device
from latentxai.data import FEATURE_PARTS, DatasetFiles, load_split, training_vocab
from latentxai.decoders import DECODERS, FEATURE_KINDS, Captioner, build_decoder
from latentxai.decoding import DECODING_METHODS, beam_word_scores, decode
from latentxai.encoders import pretrain_encoder
from latentxai.explain import encode_captions, explain
from latentxai.filters import channel_relevance, layer_activations
from latentxai.finetune import FINETUNE_MODES, finetune_captioner
from latentxai.lime import FeatureRange
from latentxai.perturbation import Redecoder, ablate, faithfulness, perturbation_curves, pixel_ablation, word_ablation
from latentxai.sanity import encoder_layers, randomised
from latentxai.testing import CAPTIONS, tiny_benchmark, tiny_captioner, tiny_encoder, tiny_vocab, toy_images, toy_inputs
from latentxai.training import encode_images, parameter_checksum, split_features, train_captioner

META = torch.device('meta')

def _same(a, b):
    "Equal nested results: tensors bit for bit (and both on the CPU), other values by ==."
    if torch.is_tensor(a):
        assert torch.is_tensor(b) and a.device == b.device == torch.device('cpu'), (a.device, getattr(b, 'device', b))
        assert torch.equal(a, b)
    elif isinstance(a, dict): assert a.keys() == b.keys() and all(_same(a[k], b[k]) is None for k in a)
    elif isinstance(a, (list, tuple)): assert len(a) == len(b) and all(_same(x, y) is None for x, y in zip(a, b))
    else: assert a == b

def test_device_helpers():
    assert resolve_device('cpu') == torch.device('cpu')
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda'"): resolve_device('gpu')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='sees no CUDA device'): resolve_device('cuda:0')
    assert module_device(tiny_captioner('topdown', 'bottomup')) == torch.device('cpu')
    assert to_device((torch.ones(1), [torch.zeros(1)]), torch.device('cpu'))[1][0].device == torch.device('cpu')

@pytest.mark.parametrize('decoder', sorted(DECODERS))
def test_decoding_on_any_default_device(decoder):
    model, vocab = tiny_captioner(decoder, 'bottomup'), tiny_vocab()
    inputs = toy_inputs(model, n=3)
    for method in DECODING_METHODS:
        plain = decode(model.decoder, vocab, inputs['regions'], inputs['region_mask'], method, max_len=6)
        with META: other = decode(model.decoder, vocab, inputs['regions'], inputs['region_mask'], method, max_len=6)
        assert [c.ids for c in plain] == [c.ids for c in other]
    plain = beam_word_scores(model.decoder, vocab, inputs['regions'], inputs['region_mask'], max_len=6)
    with META: other = beam_word_scores(model.decoder, vocab, inputs['regions'], inputs['region_mask'], max_len=6)
    assert [c.ids for c in plain[0]] == [c.ids for c in other[0]]
    _same(plain[1], other[1])

@pytest.mark.parametrize('features', FEATURE_KINDS)
def test_perturbation_tables_on_any_default_device(features):
    model, vocab = tiny_captioner('topdown', features), tiny_vocab()
    inputs = toy_inputs(model)
    with torch.no_grad(): feats, mask = model.visual(**inputs)
    if mask is None: mask = torch.ones(feats.shape[:2], dtype=torch.bool)
    captions = decode(model.decoder, vocab, feats, mask, 'greedy', max_len=5)
    captions = [c if c.words else type(c)(['a'], [vocab.index('a')], 0.) for c in captions]
    ex = explain(model, [c.words for c in captions], vocab, 'gradient_x_input', **inputs)
    relevance, positions = [e.visual for e in ex], [list(range(len(c.words))) for c in captions]
    ranges = FeatureRange.of(feats, mask)
    objects = torch.arange(feats.shape[1]).expand(len(feats), -1) % 3
    linguistic = [torch.rand(len(c.words), len(c.words), generator=torch.Generator().manual_seed(0)) for c in captions]
    patches = [torch.rand(len(c.words), (inputs['images'].shape[-1] // 8) ** 2, generator=torch.Generator().manual_seed(1)) for c in captions] \
              if model.encoder is not None else None
    ids = encode_captions([captions[0].words], vocab)[0]

    def tables():
        red = Redecoder(model.decoder, vocab)
        out = {f'{kind}-{value}': ablate(model.decoder, vocab, feats, mask, captions, relevance, positions, kind, 1, value, objects, ranges, redecoder=red)
               for kind in ('vf', 'ob') for value in ('min', 'max', 'noise')}
        out['curves'] = perturbation_curves(model.decoder, vocab, feats, mask, captions, relevance, positions, steps=3, redecoder=red)
        out['words'] = word_ablation(model.decoder, vocab, feats, mask, captions, linguistic, k=1, start=1)
        out['faithfulness'] = faithfulness(model.decoder, feats[0], mask[0], ids, relevance[0], subsets=5)
        if patches is not None:
            out['pixels'] = pixel_ablation(model, vocab, inputs, feats, mask, captions, patches, positions, k=2)
        return out
    plain = tables()
    with META: other = tables()
    _same(plain, other)

@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    "A tiny benchmark's training and validation features (bottom-up) and its vocabulary."
    files = DatasetFiles.benchmark(tiny_benchmark(tmp_path_factory.mktemp('device')/'bench'))
    vocab = training_vocab(files)
    train, val = (split_features(load_split(files, s, parts=FEATURE_PARTS['bottomup'], progress=False), vocab, 'bottomup', progress=False)
                  for s in ('train', 'val'))
    return vocab, train, val

def test_training_and_finetuning_on_any_default_device(tiny_data, tmp_path):
    vocab, train, val = tiny_data
    def fresh():
        torch.manual_seed(0)
        return Captioner(build_decoder(dict(kind='topdown', vocab_size=len(vocab), feat_dim=train.feats.shape[-1], hidden_dim=16, embed_dim=16, att_dim=16)), 'bottomup', None)
    plain, other = fresh(), fresh()
    train_captioner(plain, vocab, train, val, tmp_path/'plain.pt', 1, 10, progress=False)
    with META: train_captioner(other, vocab, train, val, tmp_path/'other.pt', 1, 10, progress=False)
    assert parameter_checksum(plain) == parameter_checksum(other)
    for mode in FINETUNE_MODES:
        a, b = copy.deepcopy(plain), copy.deepcopy(plain)
        ha = finetune_captioner(a, vocab, train, val, mode, 1, 4, n_images=4, n_samples=2, progress=False)
        with META: hb = finetune_captioner(b, vocab, train, val, mode, 1, 4, n_images=4, n_samples=2, progress=False)
        assert parameter_checksum(a) == parameter_checksum(b), mode
        assert ha[0]['val_CIDEr'] == hb[0]['val_CIDEr']

def test_encoder_filters_and_sanity_on_any_default_device():
    images, labels = toy_images(8), (torch.rand(8, 4, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    plain, other = tiny_encoder(), tiny_encoder()
    pretrain_encoder(plain, images, labels, epochs=1, batch_size=4, progress=False)
    with META: pretrain_encoder(other, images, labels, epochs=1, batch_size=4, progress=False)
    assert parameter_checksum(plain) == parameter_checksum(other)
    uint8 = (images * 255).to(torch.uint8)
    with META: grid = encode_images(plain, uint8, progress=False)
    _same(encode_images(plain, uint8, progress=False), grid)
    with META: acts = layer_activations(plain, images)
    _same(layer_activations(plain, images), acts)
    for features in FEATURE_KINDS:
        model, vocab = tiny_captioner('topdown', features), tiny_vocab()
        inputs = toy_inputs(model)
        with META: got = channel_relevance(model, CAPTIONS, vocab, **inputs)
        _same(channel_relevance(model, CAPTIONS, vocab, **inputs), got)
        layers = encoder_layers(model)[:1] if model.encoder is not None else ('out',)
        part = 'encoder' if model.encoder is not None else 'decoder'
        with META: shuffled = randomised(model, layers, 3, part)
        assert parameter_checksum(shuffled) == parameter_checksum(randomised(model, layers, 3, part))
