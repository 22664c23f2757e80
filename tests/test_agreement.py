"""Agreement between annotations, and the committed gold/AGREEMENT.md being current."""

from __future__ import annotations

from conftest import GOLD, NEEDS_SKLEARN, SEEDS

from bench.annotate.agreement import agree, load_passes, report_markdown
from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir

pytestmark = NEEDS_SKLEARN  # token kappa: scikit-learn, pip install 'bench[data]'


def _gold():
    return load_gold_dir(GOLD, SEEDS)


def test_identical_annotations_agree_fully() -> None:
    g = _gold()
    ag = agree(g, g)
    assert ag.disagreements == ()
    for la in ag.layers:
        assert la.strict_f1 == 1.0 and la.partial_f1 == 1.0 and la.kappa == 1.0
    assert ag.ignore_char_jaccard == 1.0


def test_changes_are_found_and_classified() -> None:
    g = _gold()
    doc = "004_11ebdb740a3ae7fd"
    gold, text = g[doc].gold, g[doc].text
    spans = list(gold.spans)
    i_num = next(i for i, s in enumerate(spans) if s.text == "some 465,000")
    i_per = next(i for i, s in enumerate(spans) if s.label == "PERSON")
    spans[i_num] = spans[i_num].model_copy(update={"value": 456000})
    spans[i_per] = spans[i_per].model_copy(update={"label": "ORG"})
    removed = spans.pop(next(i for i, s in enumerate(spans) if s.label == "GPE"))
    b = dict(g)
    b[doc] = Document(gold.model_copy(update={"spans": spans}), text)
    ag = agree(g, b)
    kinds = sorted(d.kind for d in ag.disagreements)
    assert kinds == ["label", "only-a", "value"]
    assert next(d for d in ag.disagreements if d.kind == "only-a").a == removed
    ent = next(la for la in ag.layers if la.layer == "entity")
    num = next(la for la in ag.layers if la.layer == "number")
    assert ent.strict_f1 is not None and ent.strict_f1 < 1.0
    assert ent.kappa is not None and ent.kappa < 1.0
    assert num.value_agreed == num.value_matched - 1


def test_committed_agreement_report_is_current() -> None:
    passes = load_passes(GOLD / "passes", SEEDS)
    text = report_markdown(passes, _gold(), "bench gold agreement-report")
    assert (GOLD / "AGREEMENT.md").read_text("utf-8") == text
