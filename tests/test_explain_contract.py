"The contract every attribution method keeps, on every decoder and every feature source: one named case per combination."
import pytest
import torch

from latentxai.decoders import DECODERS, FEATURE_KINDS
from latentxai.explain import METHODS, explain
from latentxai.testing import CAPTIONS, n_features, tiny_captioner, tiny_vocab, toy_inputs

CASES = [(m, d, f) for m in METHODS for d in sorted(DECODERS) for f in FEATURE_KINDS]

def _hooks(model):
    return sum(len(x._forward_hooks) + len(x._forward_pre_hooks) + len(x._backward_hooks) for x in model.modules())

def _options(method, n, batch):
    "What a method needs beyond the inputs: object ids for object-level LIME; few steps for Integrated Gradients."
    names = {o.name for o in METHODS[method].options}
    opts = dict(objects=torch.tensor([[0, 1, -1] * (n // 3) + [2] * (n % 3)] * batch)) if 'objects' in names else {}
    return dict(opts, steps=4) if 'steps' in names else opts

def _pick(inputs, index):
    return {k: v[index] for k, v in inputs.items()}

@pytest.mark.parametrize('method,decoder,features', CASES, ids=['-'.join(c) for c in CASES])
def test_method_contract(method, decoder, features):
    model, vocab = tiny_captioner(decoder, features), tiny_vocab()
    inputs = toy_inputs(model)
    N, declared = n_features(model, inputs), METHODS[method]
    ex = explain(model, CAPTIONS, vocab, method, **inputs, **_options(method, N, 2))
    # shapes, and the declaration honoured: what is explained, word relevance exactly where declared, pixels where possible
    assert [e.visual.shape for e in ex] == [(6, N), (3, N)]
    assert all(e.target == declared.target and torch.isfinite(e.visual).all() for e in ex)
    assert all((e.linguistic is None) != declared.linguistic for e in ex)
    if declared.linguistic: assert [e.linguistic.shape for e in ex] == [(6, 6), (3, 3)]
    has_pixels = declared.pixels is not None and features != 'bottomup'
    assert all((e.pixels is not None) == has_pixels for e in ex)
    if has_pixels: assert ex[1].pixels.shape == (3, *inputs['images'].shape[-2:])
    # batched equals one by one (random draws for the batch as a whole, so only its shapes are compared)
    one = explain(model, CAPTIONS[1:], vocab, method, **_pick(inputs, slice(1, 2)), **_options(method, N, 1))[0]
    if method != 'random':
        torch.testing.assert_close(one.visual, ex[1].visual, atol=1e-5, rtol=1e-4)
        if declared.linguistic: torch.testing.assert_close(one.linguistic, ex[1].linguistic, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(one.logits, ex[1].logits, atol=1e-5, rtol=1e-4)
    # deterministic
    assert torch.equal(explain(model, CAPTIONS, vocab, method, **inputs, **_options(method, N, 2))[0].visual, ex[0].visual)
    # computed where the model is: under another default device, the same numbers, on the CPU (see test_device.py)
    opts = _options(method, N, 2)
    with torch.device('meta'): elsewhere = explain(model, CAPTIONS, vocab, method, **inputs, **opts)
    for a, b in zip(ex, elsewhere):
        for field in ('visual', 'linguistic', 'pixels', 'heatmap', 'logits', 'probs'):
            x, y = getattr(a, field), getattr(b, field)
            assert (x is None and y is None) or (y.device == torch.device('cpu') and torch.equal(x, y)), field
    # the same relevance over the features whether the captioner computes them or is given them
    if features != 'bottomup':
        with torch.no_grad(): feats, mask = model.visual(**inputs)
        given = explain(model, CAPTIONS, vocab, method, feats=feats, mask=mask, **_options(method, N, 2))
        torch.testing.assert_close(given[0].visual, ex[0].visual, atol=1e-5, rtol=1e-4)
        assert given[0].pixels is None or declared.pixels == 'spread'
    # nothing left on the modules, also after an error inside the forward pass
    bad = dict(inputs, regions=inputs['regions'].masked_fill(torch.ones_like(inputs['regions'], dtype=torch.bool), float('nan'))) \
          if features == 'bottomup' else dict(inputs, images=inputs['images'][..., :16, :16])
    with pytest.raises(ValueError): explain(model, CAPTIONS, vocab, method, **bad, **_options(method, N, 2))
    assert _hooks(model) == 0

@pytest.mark.parametrize('method', list(METHODS))
def test_unknown_option_names_method_and_allowed(method):
    model, vocab = tiny_captioner('topdown', 'bottomup'), tiny_vocab()
    with pytest.raises(ValueError, match=f"method '{method}' has no option 'colour'; its options: "):
        explain(model, CAPTIONS, vocab, method, **toy_inputs(model), colour='red')
