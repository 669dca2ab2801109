"Cross-checks of latent-space LIME against scikit-learn, and its bad input."
import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

from latentxai.data import Vocab
from latentxai.testing import tiny_captioner, tiny_vocab
from latentxai.explain import encode_captions, explain
from latentxai.lime import kernel_weights, pair_design, perturb, ridge, subset_design, word_logprobs, lime_relevance

def test_ridge_equals_sklearn_with_and_without_weights():
    g = np.random.default_rng(0)
    X = (g.random((80, 12)) > 0.3).astype(float)
    Y = g.normal(size=(80, 5))
    w = g.random(80)
    for weights in (None, w):
        ours = ridge(torch.from_numpy(X), torch.from_numpy(Y), 1.0, None if weights is None else torch.from_numpy(weights)).numpy()
        ref = Ridge(alpha=1.0).fit(X, Y, sample_weight=weights).coef_.T
        np.testing.assert_allclose(ours, ref, atol=1e-10)

def small_model(seed=0):
    "A tiny untrained captioner on 12-dimensional bottom-up features, and its vocabulary."
    return tiny_captioner('topdown', 'bottomup', seed=seed), tiny_vocab()

@pytest.mark.parametrize('variant,value', [('lime1', 'min'), ('lime2', 'max'), ('lime3', 'noise'), ('lime5', 'min')])
def test_lime_equals_sklearn_on_the_same_perturbations(variant, value):
    model, vocab = small_model()
    feats = torch.rand(10, 12)
    caption = ['a', 'red', 'circle', 'and', 'a', 'square']
    ids = encode_captions([caption], vocab)[0]
    ours = lime_relevance(model.decoder, feats, ids, variant=variant, value=value if variant != 'lime3' else None, kernel_width=0.5)
    # the same design, perturbations and targets, fitted by sklearn
    z = pair_design(10) if variant in ('lime1', 'lime3') else subset_design(10, 5 if variant == 'lime2' else 13, 50 if variant == 'lime2' else 500)
    logp = word_logprobs(model.decoder, perturb(feats, z, value, generator=torch.Generator().manual_seed(0)), ids)
    ref = Ridge(alpha=1.0).fit(z.double().numpy(), logp.double().numpy(), sample_weight=kernel_weights(z, 0.5).numpy()).coef_
    np.testing.assert_allclose(ours.double().numpy(), ref, atol=1e-5)

def test_lime_through_explain_bad_input():
    model, vocab = small_model()
    feats = torch.rand(2, 10, 12)
    caps = [['a', 'red', 'circle'], ['a', 'square']]
    with pytest.raises(ValueError, match="needs option 'objects'"):
        explain(model, caps, vocab, 'lime_obj', feats=feats)
    with pytest.raises(ValueError, match='one id per feature'):
        explain(model, caps, vocab, 'lime_obj', feats=feats, objects=torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match=r"option .value. takes str \(one of .min., .max., .noise.\)"):
        explain(model, caps, vocab, 'lime1', feats=feats, value='mean')
    with pytest.raises(ValueError, match='NaN'):
        explain(model, caps, vocab, 'lime1', feats=feats.masked_fill(torch.rand(2, 10, 12) > 0.9, float('nan')))

def test_lime_positive_means_supporting():
    "A region that carries the evidence for a word gets the largest positive relevance for that word (1 = kept)."
    model, vocab = small_model()
    feats = torch.zeros(8, 12)
    feats[3] = 4.0  # only region 3 has signal
    caption = ['a', 'red', 'circle']
    ids = encode_captions([caption], vocab)[0]
    logp_clean = word_logprobs(model.decoder, feats[None], ids)[0]
    r = lime_relevance(model.decoder, feats, ids, variant='lime1')
    # removing region 3 changes each word's log-probability by (clean - without) ~ its relevance (all other regions are zero already)
    gone = feats.clone(); gone[3] = 0
    effect = logp_clean - word_logprobs(model.decoder, gone[None], ids)[0]
    assert torch.equal(r[:, 3].sign(), effect.sign())
    # perturbing a zero region to zero changes nothing: the ridge gives those regions only a small share (its shrinkage)
    assert (r[:, [0, 1, 2, 4, 5, 6, 7]].abs() < 0.1 * r[:, 3:4].abs()).all()
