"""The scoring engine on the real gold, on hand-made cases, and against nervaluate."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_NERVALUATE, SEEDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus.document import Document
from bench.corpus.gold import dump_gold, load_gold_dir
from bench.corpus.predictions import read_predictions, write_predictions
from bench.corpus.synthetic import random_corpus
from bench.corpus.texts import sha256_text
from bench.errors import BenchError
from bench.files import write_atomic
from bench.schema import LAYER_LABELS, GoldDocument, GoldSpan, IgnoreRegion, PredictedSpan
from bench.scoring.engine import score, score_files
from bench.scoring.metrics import COUNT_FIELDS, MODES
from bench.scoring.report import parse_signature

TEN_KEYS = [*COUNT_FIELDS, "possible", "actual", "precision", "recall", "f1"]


@pytest.fixture(scope="module")
def real_gold() -> dict[str, Document]:
    return load_gold_dir(GOLD, SEEDS)


def as_predictions(gold: dict[str, Document]) -> dict[str, list[PredictedSpan]]:
    return {
        d: [
            PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
            for s in doc.gold.spans
        ]
        for d, doc in gold.items()
    }


def test_gold_against_itself_is_perfect(real_gold) -> None:
    r = score(real_gold, as_predictions(real_gold), bootstrap=200)
    n = sum(len(doc.gold.spans) for doc in real_gold.values())
    assert r.overall.strict.correct == n == 660
    blocks = [r.overall, *r.by_layer.values(), *r.by_doc.values()]
    blocks += [s for s in r.by_label.values() if s.strict.possible]
    for block in blocks:
        for mode in MODES:
            s = getattr(block, mode)
            assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
            assert s.incorrect == s.partial == s.missed == s.spurious == 0
    for v in r.values.values():
        assert (v.accuracy, v.precision, v.recall, v.f1) == (1.0, 1.0, 1.0, 1.0)
    for mode in MODES:
        assert getattr(r.macro.by_label, mode).f1 == 1.0
        assert getattr(r.macro.by_doc, mode).f1 == 1.0
        iv = getattr(r.ci.overall, mode).f1
        assert (iv.low, iv.high) == (1.0, 1.0)


def test_pass_a_against_adjudicated_gold(real_gold) -> None:
    passes = load_gold_dir(GOLD / "passes" / "A", SEEDS)
    r = score(real_gold, as_predictions(passes), bootstrap=0)
    assert r.overall.strict.possible == 660
    assert r.ci is None


def test_json_has_the_key_paths_of_the_issue(real_gold) -> None:
    data = json.loads(score(real_gold, as_predictions(real_gold), bootstrap=10).to_json())
    for mode in MODES:
        assert list(data["overall"][mode]) == TEN_KEYS
        for layer in ("entity", "time", "number"):
            assert list(data["by_layer"][layer][mode]) == TEN_KEYS
        for label in ("PERSON", "DATE", "CARDINAL"):
            assert list(data["by_label"][label][mode]) == TEN_KEYS
    for layer in ("time", "number"):
        assert list(data["values"][layer]) == [
            "matched",
            "correct",
            "accuracy",
            "precision",
            "recall",
            "f1",
        ]
    assert "entity" not in data["values"]
    # A label nobody used: counts 0 and every score undefined (null), not 0 or 1.
    assert data["by_label"]["LAW"]["strict"]["precision"] is None
    assert data["by_label"]["LAW"]["strict"]["f1"] is None


def test_json_is_byte_identical_across_runs(real_gold) -> None:
    preds = as_predictions(real_gold)
    for spans in preds.values():
        del spans[::5]
    a = score(real_gold, preds, bootstrap=100, seed=3).to_json()
    shuffled = {d: list(reversed(s)) for d, s in reversed(list(preds.items()))}
    b = score(real_gold, shuffled, bootstrap=100, seed=3).to_json()
    assert a == b
    assert score(real_gold, preds, bootstrap=100, seed=4).to_json() != a


def test_signature_fields(real_gold) -> None:
    r = score(real_gold, {}, layers=["time"], bootstrap=50, seed=9)
    sig = parse_signature(r.signature)
    assert sig["bench"] == r.bench_version
    assert sig["layers"] == "time"
    assert sig["align"] == "optimal"
    assert sig["ignore"] == "on"
    assert sig["boot"] == "50"
    assert sig["seed"] == "9"
    assert sig["ci"] == "sentence"  # 5 documents: resample sentences
    assert len(sig["gold"]) == 12
    other = score(real_gold, {}, layers=["time"], bootstrap=50, seed=9, ignore=False)
    assert parse_signature(other.signature)["ignore"] == "off"


def test_missing_documents_predict_nothing(real_gold) -> None:
    preds = as_predictions(real_gold)
    gone = sorted(preds)[0]
    n_gone = len(preds.pop(gone))
    r = score(real_gold, preds, bootstrap=0)
    assert r.missing_predictions == [gone]
    assert r.overall.strict.missed == n_gone
    assert r.by_doc[gone].strict.recall == 0.0
    assert r.by_doc[gone].strict.precision is None


def test_unknown_document_is_an_error(real_gold) -> None:
    with pytest.raises(BenchError, match="'nope' is not a gold document"):
        score(real_gold, {"nope": []})


def test_unknown_layer_is_an_error(real_gold) -> None:
    with pytest.raises(BenchError, match="unknown layer 'dates'"):
        score(real_gold, {}, layers=["dates"])


def test_offsets_outside_text_are_an_error(real_gold) -> None:
    doc = sorted(real_gold)[0]
    n = len(real_gold[doc].text)
    with pytest.raises(BenchError, match=r"spans\[0\].end"):
        score(real_gold, {doc: [PredictedSpan(start=n - 1, end=n + 1, label="PERSON")]})


def _doc(text: str, spans: list[tuple], ignore: list[tuple[int, int]] = ()) -> Document:
    gold_spans = [
        GoldSpan(
            start=a,
            end=b,
            text=text[a:b],
            layer=layer,
            label=label,
            value=value,
        )
        for a, b, layer, label, value in spans
    ]
    g = GoldDocument(
        doc_id="d1",
        document_date=dt.date(2017, 12, 11),
        text_sha256=sha256_text(text),
        spans=gold_spans,
        ignore=[IgnoreRegion(start=a, end=b, reason="test") for a, b in ignore],
    )
    return Document(g, text)


TEXT = "On Monday 5 soldiers left Syria. Share this. Then 12 more came on 2017-12-12."
#       0123456789012345678901234567890123456789012345678901234567890123456789012345


def _at(s: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = TEXT.index(s, i + 1)
    return i, i + len(s)


def _small_gold() -> dict:
    spans = [
        (*_at("Monday"), "time", "DATE", "2017-12-11"),
        (*_at("5"), "number", "CARDINAL", 5),
        (*_at("Syria"), "entity", "GPE", None),
        (*_at("12", 0), "number", "CARDINAL", 12),
        (*_at("2017-12-12"), "time", "DATE", "2017-12-12"),
    ]
    spans.sort()
    return {"d1": _doc(TEXT, spans, ignore=[_at("Share this.")])}


def P(s: str, label: str, value=None, nth: int = 0, shrink: int = 0) -> PredictedSpan:
    a, b = _at(s, nth)
    return PredictedSpan(start=a, end=b - shrink, label=label, value=value)


def test_values_and_ignore_regions() -> None:
    gold = _small_gold()
    preds = {
        "d1": [
            P("Monday", "DATE", "2017-12-11"),  # right value
            P("5", "CARDINAL", 5.0000000001),  # equal within 1e-9 relative
            P("Syria", "GPE"),
            P("12", "CARDINAL", 13),  # wrong value
            P("2017-12-12", "TIME", "2017-12-12", shrink=3),  # overlap, other label, right value
            P("Share", "ORG"),  # inside the ignore region: dropped
        ]
    }
    r = score(gold, preds, bootstrap=0)
    assert r.ignored_predictions == 1
    assert r.overall.strict.actual == 5
    t, n = r.values["time"], r.values["number"]
    assert (t.matched, t.correct, t.accuracy, t.precision, t.recall, t.f1) == (
        2,
        2,
        1.0,
        1.0,
        1.0,
        1.0,
    )
    assert (n.matched, n.correct, n.accuracy, n.precision, n.recall, n.f1) == (
        2,
        1,
        0.5,
        0.5,
        0.5,
        0.5,
    )
    assert r.by_layer["time"].strict.incorrect == 1
    assert r.by_layer["time"].partial.partial == 1
    assert r.by_label["DATE"].strict.missed == 1
    assert r.by_label["TIME"].strict.spurious == 1
    kept = score(gold, preds, bootstrap=0, ignore=False)
    assert kept.ignored_predictions == 0
    assert kept.overall.strict.spurious == 1


def test_timex_values_compare_case_insensitively() -> None:
    gold = _small_gold()
    r = score(gold, {"d1": [P("Monday", "DATE", "2017-12-11"), P("2017-12-12", "DATE", "x")]})
    assert r.values["time"].correct == 1
    gold["d1"].gold.spans[0].value = "2017-W50-1"
    r = score(gold, {"d1": [P("Monday", "DATE", "2017-w50-1")]}, bootstrap=0)
    assert r.values["time"].correct == 1


def test_layers_are_scored_apart() -> None:
    # An exact-boundary prediction of another layer is not a match in any mode.
    gold = _small_gold()
    r = score(gold, {"d1": [P("5", "ORDINAL", 5), P("Syria", "DATE", "2017")]}, bootstrap=0)
    assert r.by_layer["number"].exact.correct == 1
    assert r.by_layer["time"].exact.spurious == 1
    assert r.by_layer["entity"].exact.missed == 1
    only_time = score(gold, {"d1": [P("5", "ORDINAL", 5)]}, layers=["time"], bootstrap=0)
    assert list(only_time.by_layer) == ["time"]
    assert only_time.overall.strict.actual == 0
    assert set(only_time.by_label) == set(LAYER_LABELS["time"])


def test_overall_is_the_sum_of_layers_and_of_documents(real_gold) -> None:
    rnd = random.Random(5)
    preds = as_predictions(real_gold)
    for spans in preds.values():
        for i, sp in enumerate(spans):
            if rnd.random() < 0.2 and sp.end - sp.start > 1:
                spans[i] = sp.model_copy(update={"end": sp.end - 1})
            elif rnd.random() < 0.1:
                spans[i] = sp.model_copy(update={"label": "ORG" if sp.label != "ORG" else "GPE"})
        del spans[::9]
    r = score(real_gold, preds, bootstrap=0)
    for mode in MODES:
        for field in COUNT_FIELDS:
            total = getattr(getattr(r.overall, mode), field)
            assert total == sum(getattr(getattr(b, mode), field) for b in r.by_layer.values())
            assert total == sum(getattr(getattr(b, mode), field) for b in r.by_doc.values())
        possible = sum(getattr(b, mode).possible for b in r.by_label.values())
        assert possible == getattr(r.overall, mode).possible


def test_macro_leaves_out_empty_classes(real_gold) -> None:
    r = score(real_gold, as_predictions(real_gold), bootstrap=0)
    used = sum(1 for s in r.by_label.values() if s.strict.possible or s.strict.actual)
    assert r.macro.by_label.strict.classes == used < len(r.by_label)
    assert r.macro.by_doc.strict.classes == 5


# ---------------------------------------------------------------------------------------
# Differential test against nervaluate, in the regime where every prediction overlaps at
# most one gold span and vice versa (there greedy and optimal alignment must agree).

NERVALUATE_MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}


def _nerv(spans) -> list[dict]:
    # nervaluate's offsets are end-inclusive.
    return [{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans]


def _same(ours, theirs) -> None:
    for field in ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual"):
        assert getattr(ours, field) == getattr(theirs, field), field
    for field in ("precision", "recall", "f1"):
        # nervaluate reports an undefined ratio as 0; we report None.
        assert (getattr(ours, field) or 0.0) == pytest.approx(getattr(theirs, field), abs=1e-12)


@NEEDS_NERVALUATE
@pytest.mark.parametrize("seed", [1, 2])
def test_counts_equal_nervaluate_one_to_one(seed: int) -> None:
    from nervaluate import Evaluator
    from nervaluate.strategies import (
        EntityTypeEvaluation,
        ExactEvaluation,
        PartialEvaluation,
        StrictEvaluation,
    )

    from bench.corpus.synthetic import random_corpus
    from bench.schema import SEED_LABELS as ALL_LABELS

    corpus = random_corpus(1500, 6, seed=seed)
    ours = score(corpus.gold, corpus.predictions, bootstrap=0)
    doc_ids = sorted(corpus.gold)
    true = [_nerv(corpus.gold[d].gold.spans) for d in doc_ids]
    pred = [_nerv(corpus.predictions[d]) for d in doc_ids]
    theirs = Evaluator(true, pred, tags=list(ALL_LABELS), loader="dict").evaluate()
    assert ours.overall.strict.possible > 3000
    # Every outcome occurs, so the comparison is not vacuous.
    assert min(ours.overall.strict.correct, ours.overall.strict.incorrect) > 500
    assert min(ours.overall.partial.partial, ours.overall.type.incorrect) > 100
    assert min(ours.overall.strict.missed, ours.overall.strict.spurious) > 500
    for mode, name in NERVALUATE_MODES.items():
        _same(getattr(ours.overall, mode), theirs["overall"][name])
        for label, modes in theirs["entities"].items():
            _same(getattr(ours.by_label[label], mode), modes[name])
    # Document by document, with nervaluate's strategies directly.
    strategies = {
        "strict": StrictEvaluation(),
        "exact": ExactEvaluation(),
        "partial": PartialEvaluation(),
        "type": EntityTypeEvaluation(),
    }
    from nervaluate.entities import Entity

    for k, doc_id in enumerate(doc_ids):
        t = [Entity(**e) for e in true[k]]
        p = [Entity(**e) for e in pred[k]]
        for mode, strategy in strategies.items():
            result, _ = strategy.evaluate(t, p, list(ALL_LABELS))
            _same(getattr(ours.by_doc[doc_id], mode), result)


# ---------------------------------------------------------------------------------------
# Properties (hypothesis)


H_LABELS = ("PERSON", "ORG", "GPE", "DATE", "TIME", "CARDINAL", "ORDINAL")
H_TEXT = "x" * 40


def _span_tuples(max_size: int = 8):
    return st.lists(
        st.tuples(
            st.integers(0, 38),
            st.integers(1, 8),
            st.sampled_from(H_LABELS),
            st.integers(0, 2),
        ),
        max_size=max_size,
    )


def _value(label: str, k: int) -> object:
    from bench.schema import LABEL_LAYER

    layer = LABEL_LAYER[label]
    return {"time": ("2017", "2017-12", "P7Y")[k], "number": k, "entity": None}[layer]


def _h_gold(docs: list[list[tuple]]) -> dict:
    from bench.schema import LABEL_LAYER

    out = {}
    for i, spans in enumerate(docs):
        gspans = [
            GoldSpan(
                start=a,
                end=min(a + n, len(H_TEXT)),
                text=H_TEXT[a : min(a + n, len(H_TEXT))],
                layer=LABEL_LAYER[label],
                label=label,
                value=_value(label, k),
            )
            for a, n, label, k in spans
        ]
        g = GoldDocument(
            doc_id=f"h{i}",
            document_date=dt.date(2017, 12, 11),
            text_sha256=sha256_text(H_TEXT),
            spans=gspans,
        )
        out[g.doc_id] = Document(g, H_TEXT)
    return out


def _h_pred(docs: list[list[tuple]]) -> dict:
    return {
        f"h{i}": [
            PredictedSpan(start=a, end=min(a + n, len(H_TEXT)), label=label, value=_value(label, k))
            for a, n, label, k in spans
        ]
        for i, spans in enumerate(docs)
    }


H_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOCS = st.lists(_span_tuples(), min_size=1, max_size=3)


def _all_blocks(r):
    return [r.overall, *r.by_layer.values(), *r.by_label.values(), *r.by_doc.values()]


@H_SETTINGS
@given(DOCS)
def test_property_predictions_equal_to_gold_score_one(docs) -> None:
    r = score(_h_gold(docs), _h_pred(docs), bootstrap=0)
    for block in _all_blocks(r):
        for mode in MODES:
            s = getattr(block, mode)
            assert s.missed == s.spurious == s.incorrect == s.partial == 0
            for value in (s.precision, s.recall, s.f1):
                assert value in (1.0, None)
            assert (s.f1 is None) == (s.possible == 0)
    for v in r.values.values():
        assert v.correct == v.matched
        assert v.f1 in (1.0, None)


@H_SETTINGS
@given(DOCS, DOCS, st.randoms(use_true_random=False))
def test_property_permuting_spans_changes_nothing(gdocs, pdocs, rnd) -> None:
    n = min(len(gdocs), len(pdocs))
    gdocs, pdocs = gdocs[:n], pdocs[:n]
    a = score(_h_gold(gdocs), _h_pred(pdocs), bootstrap=20)
    shuffled_g = [rnd.sample(d, len(d)) for d in gdocs]
    shuffled_p = [rnd.sample(d, len(d)) for d in pdocs]
    b = score(_h_gold(shuffled_g), _h_pred(shuffled_p), bootstrap=20)
    assert a.to_json() == b.to_json()


@H_SETTINGS
@given(DOCS, DOCS, st.data())
def test_property_removing_a_prediction_never_raises_recall(gdocs, pdocs, data) -> None:
    n = min(len(gdocs), len(pdocs))
    gdocs, pdocs = gdocs[:n], pdocs[:n]
    # Half the time remove a span that is a correct (gold-equal) prediction.
    if data.draw(st.booleans()) and gdocs[0]:
        pdocs[0] = [*pdocs[0], data.draw(st.sampled_from(gdocs[0]))]
    if not any(pdocs):
        return
    gold = _h_gold(gdocs)
    before = score(gold, _h_pred(pdocs), bootstrap=0)
    d = data.draw(st.sampled_from([i for i, p in enumerate(pdocs) if p]))
    j = data.draw(st.integers(0, len(pdocs[d]) - 1))
    fewer = [list(p) for p in pdocs]
    del fewer[d][j]
    after = score(gold, _h_pred(fewer), bootstrap=0)
    for b1, b2 in zip(_all_blocks(before), _all_blocks(after), strict=True):
        for mode in MODES:
            r1, r2 = getattr(b1, mode).recall, getattr(b2, mode).recall
            if r1 is not None:
                assert r2 <= r1 + 1e-12


@H_SETTINGS
@given(DOCS, DOCS)
def test_property_count_identities(gdocs, pdocs) -> None:
    n = min(len(gdocs), len(pdocs))
    gdocs, pdocs = gdocs[:n], pdocs[:n]
    r = score(_h_gold(gdocs), _h_pred(pdocs), bootstrap=0)
    n_gold = sum(len(d) for d in gdocs)
    n_pred = sum(len(d) for d in pdocs)
    for mode in MODES:
        s = getattr(r.overall, mode)
        assert s.possible == s.correct + s.incorrect + s.partial + s.missed == n_gold
        assert s.actual == s.correct + s.incorrect + s.partial + s.spurious == n_pred
        for block in _all_blocks(r):
            b = getattr(block, mode)
            assert b.possible == b.correct + b.incorrect + b.partial + b.missed
            assert b.actual == b.correct + b.incorrect + b.partial + b.spurious
            for value in (b.precision, b.recall, b.f1):
                assert value is None or 0.0 <= value <= 1.0
    # Modes are nested: a strict match is an exact and a type match; an exact-mode
    # alignment is a partial-mode alignment of at least the same credit.
    o = r.overall
    assert o.strict.correct <= min(o.exact.correct, o.type.correct)
    if n_gold:
        assert o.exact.recall <= o.partial.recall


@H_SETTINGS
@given(DOCS, DOCS)
def test_property_swapping_gold_and_predictions_swaps_precision_and_recall(gdocs, pdocs) -> None:
    n = min(len(gdocs), len(pdocs))
    gdocs, pdocs = gdocs[:n], pdocs[:n]
    a = score(_h_gold(gdocs), _h_pred(pdocs), bootstrap=0)
    b = score(_h_gold(pdocs), _h_pred(gdocs), bootstrap=0)
    for mode in MODES:
        x, y = getattr(a.overall, mode), getattr(b.overall, mode)
        assert (x.correct, x.incorrect, x.partial) == (y.correct, y.incorrect, y.partial)
        assert (x.missed, x.spurious) == (y.spurious, y.missed)
        assert (x.precision, x.recall) == (y.recall, y.precision)


def test_explicit_layer_must_agree_with_label(real_gold) -> None:
    doc = sorted(real_gold)[0]
    ok = PredictedSpan(start=0, end=3, label="DATE", layer="time")
    bad = PredictedSpan(start=0, end=3, label="DATE", layer="number")
    assert score(real_gold, {doc: [ok]}, bootstrap=0, ignore=False).overall.strict.actual == 1
    with pytest.raises(BenchError, match=r"spans\[1\].layer: 'DATE' is a label of layer 'time'"):
        score(real_gold, {doc: [ok, bad]}, bootstrap=0)


@NEEDS_NERVALUATE
def test_nervaluate_is_order_dependent_where_we_are_not() -> None:
    # The example of docs/metrics.md ("Greedy versus optimal").
    from nervaluate.entities import Entity
    from nervaluate.strategies import StrictEvaluation

    from bench.scoring.align import align

    gold = [Entity("PER", 0, 4), Entity("PER", 10, 14)]  # end-inclusive: [0,5), [10,15)
    wide, exact = Entity("PER", 3, 11), Entity("PER", 0, 4)
    first, _ = StrictEvaluation().evaluate(gold, [wide, exact], ["PER"])
    second, _ = StrictEvaluation().evaluate(gold, [exact, wide], ["PER"])
    assert (first.correct, first.incorrect, first.missed, first.spurious) == (0, 1, 1, 1)
    assert (second.correct, second.incorrect, second.missed, second.spurious) == (1, 1, 0, 0)

    def ours(entities):
        return [PredictedSpan(start=e.start, end=e.end + 1, label="PERSON") for e in entities]

    g = ours(gold)
    for order in ([wide, exact], [exact, wide]):
        c = align(g, ours(order), "strict").counts
        assert (c.correct, c.incorrect, c.missed, c.spurious) == (1, 1, 0, 0)


def test_score_files_equals_score_of_the_models(tmp_path: Path) -> None:
    # The real gold against pass B (one document without a line), and a tangled
    # synthetic corpus with ignore regions, each with several options.
    passes = load_gold_dir(GOLD / "passes" / "B", SEEDS)
    real = tmp_path / "real.jsonl"
    write_predictions(real, dict(list(as_predictions(passes).items())[1:]))
    corpus = random_corpus(12, 40, seed=3, tangled=0.8)
    texts, gold_dir = tmp_path / "texts", tmp_path / "gold"
    for doc_id, doc in corpus.gold.items():
        g = doc.gold.model_copy(update={"ignore": [IgnoreRegion(start=0, end=3, reason="chrome")]})
        write_atomic(gold_dir / f"{doc_id}.json", dump_gold(g))
        write_atomic(texts / f"{doc_id}.txt", doc.text)
    synthetic = tmp_path / "syn.jsonl"
    write_predictions(synthetic, corpus.predictions)
    options = [
        {"bootstrap": 50},
        {"bootstrap": 0, "layers": ["time", "number"], "unit": "document"},
        {"bootstrap": 20, "ignore": False, "unit": "sentence", "seed": 3},
    ]
    for g_dir, t_dir, pred in [(GOLD, SEEDS, real), (gold_dir, texts, synthetic)]:
        gold = load_gold_dir(g_dir, t_dir)
        preds = read_predictions(pred, {d: doc.text for d, doc in gold.items()})
        for opts in options:
            ours = score_files(g_dir, t_dir, pred, **opts).to_json()
            assert ours == score(gold, preds, **opts).to_json()
