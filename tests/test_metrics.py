"The caption-metric wrapper gives exactly what pycocoevalcap gives when called directly; SPICE is never faked."
import numpy as np
import pytest
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

from latentxai import caption_metrics
from latentxai.caption_metrics import caption_scores, human_scores, spice_status

REFS = {'a.png': ['A red circle to the left of a blue square.', 'A red disc and a blue box.', 'Two shapes: a circle and a square.'],
        'b.png': ['Two green stars on a grey background.', 'There are two stars.', 'A picture of two green stars.'],
        'c.png': ['A big yellow hexagon.', 'There is a yellow hexagon.', 'A large hexagon.']}
CANDS = {'a.png': 'a red circle left of a square', 'b.png': 'two green stars', 'c.png': 'a small purple cross'}

def direct(refs, cands):
    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{'caption': c} for c in v] for k, v in refs.items()})
    res = tok.tokenize({k: [{'caption': c}] for k, c in cands.items()})
    out = {}
    bleu, bleu_each = Bleu(4).compute_score(gts, res, verbose=0)
    for n in range(4): out[f'BLEU-{n + 1}'] = (bleu[n], bleu_each[n])
    for name, scorer in (('METEOR', Meteor), ('ROUGE-L', Rouge), ('CIDEr', Cider)): out[name] = scorer().compute_score(gts, res)
    return out

def test_wrapper_equals_pycocoevalcap():
    ours, theirs = caption_scores(REFS, CANDS), direct(REFS, CANDS)
    for name, (score, each) in theirs.items():
        assert ours.scores[name] == pytest.approx(float(score), abs=1e-12), name
        np.testing.assert_allclose(ours.per_image[name], np.asarray(each, float), atol=1e-12, err_msg=name)
    assert ours.n == 3

def test_spice_unavailable_is_reported_not_faked(monkeypatch, tmp_path):
    (tmp_path/'spice'/'lib').mkdir(parents=True)
    monkeypatch.setattr(caption_metrics, '_coco_dir', lambda: tmp_path)  # a pycocoevalcap without the CoreNLP jars
    ok, reason = spice_status()
    assert not ok and 'stanford-corenlp-3.6.0.jar' in reason
    s = caption_scores(REFS, CANDS)
    assert 'SPICE' not in s.scores and s.row()['SPICE'] is None and s.unavailable['SPICE'] == reason

def test_spice_status_here():
    ok, reason = spice_status()
    s = caption_scores(REFS, CANDS)
    if ok: assert 'SPICE' in s.scores or s.unavailable['SPICE'].startswith('SPICE failed')
    else: assert s.unavailable['SPICE'] == reason

def test_bad_input():
    with pytest.raises(ValueError, match='only in candidates'): caption_scores(REFS, {**CANDS, 'd.png': 'x'})
    with pytest.raises(ValueError, match='one string'): caption_scores(REFS, {**CANDS, 'a.png': ['x']})
    with pytest.raises(ValueError, match='no captions'): caption_scores({}, {})

def test_human_scores_leave_one_out():
    h = human_scores(REFS, spice=False)
    first = caption_scores({k: v[1:] for k, v in REFS.items()}, {k: v[0] for k, v in REFS.items()}, spice=False)
    assert 0 < h.scores['CIDEr'] and h.scores != first.scores  # an average over held-out references, not one of them
