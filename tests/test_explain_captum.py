"Cross-checks against Captum: its LRP rules on a CNN/linear stack, and its gradient methods on the captioner through a per-word wrapper."
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from captum.attr import LRP as CaptumLRP, GuidedBackprop, InputXGradient, IntegratedGradients, LayerGradCam, Saliency
from captum.attr._utils.lrp_rules import Alpha1_Beta0_Rule, EpsilonRule, GammaRule

from latentxai.data import Vocab
from latentxai.decoders import DECODERS
from latentxai.encoders import GridEncoder
from latentxai.explain import encode_captions, explain
from latentxai.lrp import LRP
from latentxai.rules import AlphaBeta, Epsilon, Gamma
from latentxai.testing import tiny_captioner

class Stack(nn.Module):
    "conv-relu-pool-conv-relu-linear, callable plainly (for Captum) or with our ops."
    def __init__(self):
        super().__init__()
        self.conv1, self.relu1, self.pool = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv2, self.relu2, self.fc = nn.Conv2d(4, 5, 3, padding=1), nn.ReLU(), nn.Linear(5 * 4 * 4, 3)
    def forward(self, x, ops=None):
        if ops is None: return self.fc(self.relu2(self.conv2(self.pool(self.relu1(self.conv1(x))))).flatten(1))
        x = self.pool(ops.act(F.relu, ops.conv(self.conv1, x)))
        return ops.linear(self.fc, ops.act(F.relu, ops.conv(self.conv2, x)).flatten(1))

@pytest.mark.parametrize('name', ['z+', 'gamma', 'epsilon'])
def test_lrp_rules_match_captum(name):
    captum_rule, ours = {'z+': (Alpha1_Beta0_Rule(), AlphaBeta()), 'gamma': (GammaRule(0.25), Gamma(0.25)),
                         'epsilon': (EpsilonRule(0.01), Epsilon(0.01))}[name]
    torch.manual_seed(0)
    net = Stack().double()
    with torch.no_grad(): net.conv2.bias.zero_()  # Captum's z+ and gamma leave the bias out of the rule; ours too when it is zero
    x = torch.rand(2, 3, 8, 8, dtype=torch.double)
    net.conv1.rule, net.conv2.rule, net.fc.rule, net.pool.rule = EpsilonRule(0.01), captum_rule, EpsilonRule(0.01), EpsilonRule(1e-9)
    expected = CaptumLRP(net).attribute(x, target=1)
    xx = x.clone().requires_grad_()
    g, = torch.autograd.grad(net(xx, LRP(Epsilon(0.01), ours, Epsilon(0.01)))[:, 1].sum(), xx)
    assert torch.allclose(xx.detach() * g, expected, atol=1e-8), (xx.detach() * g - expected).abs().max()

class Word(nn.Module):
    "The captioner as Captum sees it: inputs -> logits of word position t of a fixed caption."
    def __init__(self, model, ids, t, images=False):
        super().__init__()
        self.model, self.ids, self.t, self.images = model, ids, t, images
    def forward(self, x, emb=None):
        ids = self.ids.expand(len(x), -1)
        out = self.model(ids, images=x) if self.images else self.model.decoder(x, ids, embeddings=emb)
        return out.logits[:, self.t]

VOCAB = Vocab(['a', 'red', 'blue', 'circle', 'square', 'and'])
CAPTION = ['a', 'red', 'circle', 'and', 'a', 'square']

@pytest.fixture(scope='module', params=sorted(DECODERS))
def model(request):
    torch.manual_seed(0)
    return tiny_captioner(request.param, 'grid', VOCAB, GridEncoder(), dtype=torch.double)

def test_feature_methods_match_captum(model):
    torch.manual_seed(1)
    feats = torch.randn(1, 64, 128, dtype=torch.double)
    ids = encode_captions([CAPTION], VOCAB)
    ours = {m: explain(model, [CAPTION], VOCAB, m, feats=feats, **({'steps': 8} if m == 'integrated_gradients' else {}))[0]
            for m in ('gradient_x_input', 'saliency', 'integrated_gradients')}
    emb = model.decoder.embed(ids[:, :-1]).detach()
    for t in range(len(CAPTION)):
        word, target = Word(model, ids, t), ids[0, t + 1].item()
        ixg = InputXGradient(word).attribute(feats, target=target).sum(-1)[0]
        sal = Saliency(word).attribute(feats, target=target, abs=True).sum(-1)[0]
        ig_f, ig_e = IntegratedGradients(word).attribute((feats, emb), baselines=(feats * 0, emb * 0), target=target,
                                                         n_steps=8, method='riemann_right')
        assert torch.allclose(ours['gradient_x_input'].visual[t], ixg, atol=1e-5)
        assert torch.allclose(ours['saliency'].visual[t], sal, atol=1e-5)
        assert torch.allclose(ours['integrated_gradients'].visual[t], ig_f.sum(-1)[0], atol=1e-5)
        assert torch.allclose(ours['integrated_gradients'].linguistic[t], ig_e.sum(-1)[0, :len(CAPTION)], atol=1e-5)

def test_pixel_methods_match_captum(model):
    torch.manual_seed(2)
    images = torch.rand(1, 3, 128, 128, dtype=torch.double)
    ids = encode_captions([CAPTION[:3]], VOCAB)
    guided = explain(model, [CAPTION[:3]], VOCAB, 'guided_backprop', images=images)[0]
    cam = explain(model, [CAPTION[:3]], VOCAB, 'gradcam', images=images)[0]
    for t in range(3):
        word, target = Word(model, ids, t, images=True), ids[0, t + 1].item()
        gb = GuidedBackprop(word).attribute(images, target=target).sum(1)[0]
        assert torch.allclose(guided.pixels[t], gb, atol=1e-5)
        gc = LayerGradCam(word, model.encoder.features[-1]).attribute(images, target=target, relu_attributions=True)
        assert torch.allclose(cam.visual[t], gc.flatten(1)[0], atol=1e-5)
