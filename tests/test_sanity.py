"Cross-check of SSIM against scikit-image, and the sanity check's randomisation of the CNN."
import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from latentxai.explain import explain
from latentxai.sanity import encoder_layers, randomised, scaled, ssim
from latentxai.testing import CAPTIONS, tiny_captioner, tiny_vocab, toy_inputs

@pytest.mark.parametrize('seed', range(3))
def test_ssim_equals_scikit_image(seed):
    g = np.random.default_rng(seed)
    a = g.random((40, 32))
    b = np.clip(a + g.normal(0, 0.3, a.shape), 0, 1) if seed else g.random((40, 32))
    ref = structural_similarity(a, b, data_range=1., gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert ssim(torch.from_numpy(a), torch.from_numpy(b)) == pytest.approx(ref, abs=1e-10)

def test_randomising_the_cnn_changes_pixel_relevance_not_the_decoder():
    model, vocab = tiny_captioner('topdown', 'regions'), tiny_vocab()
    inputs = toy_inputs(model)
    before = explain(model, CAPTIONS, vocab, 'lrp', **inputs)[0].pixels
    after = explain(randomised(model, encoder_layers(model), part='encoder'), CAPTIONS, vocab, 'lrp', **inputs)[0].pixels
    assert ssim(scaled(before[0]), scaled(before[0])) == pytest.approx(1.)
    assert ssim(scaled(before[0]), scaled(after[0])) < 0.9
    random = [explain(m, CAPTIONS, vocab, 'random', **inputs)[0].pixels
              for m in (model, randomised(model, encoder_layers(model), part='encoder'))]
    assert torch.equal(*random)  # the failing example: the random baseline ignores the model
