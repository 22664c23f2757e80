"""``bench.report.compare`` at the score level: predictions made from the real gold with edits."""

from __future__ import annotations

import random

import pytest
from conftest import GOLD, SEEDS

from bench.errors import BenchError
from bench.report.compare import (
    CompareSettings,
    Comparison,
    Row,
    Speed,
    SystemComparison,
    compare_predictions,
    fmt_p,
    render_markdown,
)
from bench.schema import LAYERS, PredictedSpan
from bench.scoring.engine import score


@pytest.fixture(scope="module")
def gold():
    from bench.corpus.gold import load_gold_dir

    return load_gold_dir(GOLD, SEEDS)


@pytest.fixture(scope="module")
def perfect(gold):
    return {
        d: [
            PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
            for s in doc.gold.spans
        ]
        for d, doc in gold.items()
    }


def fast(**kwargs: object) -> CompareSettings:
    """Fewer trials and resamples than the defaults: the same decisions here, in less time."""
    return CompareSettings(trials=2000, resamples=200, **kwargs)  # type: ignore[arg-type]


def n_labelled(gold, label: str) -> int:
    return sum(s.label == label for doc in gold.values() for s in doc.gold.spans)


def by_name(rows: list[Row]) -> dict[str, Row]:
    return {r.name: r for r in rows}


def test_reordered_predictions_pass(gold, perfect) -> None:
    rng = random.Random(7)
    # The baseline drops every 5th span so that scores are not all 1.0.
    base = {d: [s for i, s in enumerate(sp) if i % 5] for d, sp in perfect.items()}
    shuffled = {}
    for d in rng.sample(sorted(base), len(base)):
        spans = list(base[d])
        rng.shuffle(spans)
        shuffled[d] = spans
    rows = compare_predictions(gold, base, shuffled, LAYERS, fast())
    assert rows[0].baseline is not None and rows[0].baseline < 1.0
    for r in rows:
        assert r.delta == 0.0, r
        assert r.p_value == 1.0, r
        assert r.delta_ci is not None and r.delta_ci.low == r.delta_ci.high == 0.0
        assert not r.regression and not r.improvement


def test_dropped_label_is_a_significant_regression(gold, perfect) -> None:
    cand = {d: [s for s in sp if s.label != "GPE"] for d, sp in perfect.items()}
    rows = by_name(compare_predictions(gold, perfect, cand, LAYERS, fast()))
    report = score(gold, cand, bootstrap=0)
    assert rows["overall"].candidate == report.overall.strict.f1
    assert rows["entity"].candidate == report.by_layer["entity"].strict.f1
    for name in ("overall", "entity"):
        r = rows[name]
        assert r.gated and r.regression, r
        assert r.p_value is not None and r.p_value < 0.001
        assert r.delta_ci is not None and r.delta_ci.high is not None and r.delta_ci.high < 0
        assert r.delta_ci.low <= r.delta <= r.delta_ci.high
    for name in ("time", "number", "time value", "number value", "PERSON"):
        assert not rows[name].regression and rows[name].delta == 0.0
    gpe = rows["GPE"]
    assert gpe.kind == "label" and not gpe.gated and gpe.regression
    assert (gpe.baseline, gpe.candidate, gpe.gold) == (1.0, 0.0, n_labelled(gold, "GPE"))


def test_a_small_change_is_not_significant(gold, perfect) -> None:
    """One entity span lost out of hundreds: not a failure, even with --max-drop 0, unless
    significance is switched off."""
    first = sorted(perfect)[0]
    cand = dict(perfect)
    cand[first] = perfect[first][1:]
    rows = by_name(compare_predictions(gold, perfect, cand, LAYERS, fast(max_drop=0)))
    assert rows["overall"].delta < 0
    assert rows["overall"].p_value > 0.5
    assert not any(r.regression for r in rows.values())
    loose = fast(max_drop=0, significance=False)
    rows = by_name(compare_predictions(gold, perfect, cand, LAYERS, loose))
    assert rows["overall"].regression and rows["overall"].p_value > 0.5  # shown, not used


def test_max_drop_is_a_strict_bound(gold, perfect) -> None:
    cand = {d: [s for s in sp if s.label != "GPE"] for d, sp in perfect.items()}
    rows = by_name(compare_predictions(gold, perfect, cand, ["entity"], fast()))
    drop = -rows["entity"].delta
    at = fast(max_drop=drop)
    assert not by_name(compare_predictions(gold, perfect, cand, ["entity"], at))[
        "entity"
    ].regression
    below = fast(max_drop=drop - 1e-6)
    assert by_name(compare_predictions(gold, perfect, cand, ["entity"], below))["entity"].regression


def test_improvement_and_value_rows(gold, perfect) -> None:
    # The baseline gets every time value wrong; the candidate has them right.
    base = {
        d: [s.model_copy(update={"value": "XXXX"}) if s.label == "DATE" else s for s in sp]
        for d, sp in perfect.items()
    }
    rows = by_name(compare_predictions(gold, base, perfect, LAYERS, fast()))
    assert rows["time value"].improvement and not rows["time value"].regression
    assert rows["time"].delta == 0.0  # spans are the same: only the value changed
    back = by_name(compare_predictions(gold, perfect, base, LAYERS, fast()))
    assert back["time value"].regression and back["time value"].gated


@pytest.mark.parametrize("mode", ["strict", "type", "partial"])
def test_label_rows_equal_the_scorers_by_label(gold, perfect, mode) -> None:
    rng = random.Random(3)
    cand = {}
    for d, sp in perfect.items():
        out = []
        for s in sp:
            r = rng.random()
            if r < 0.15:
                continue
            if r < 0.3:
                s = s.model_copy(update={"end": s.end - 1}) if s.end - s.start > 1 else s
            out.append(s)
        cand[d] = out
    settings = fast(mode=mode, metric="recall", significance=False)
    rows = compare_predictions(gold, perfect, cand, LAYERS, settings)
    report = score(gold, cand, bootstrap=0)
    labels = [r for r in rows if r.kind == "label"]
    assert labels
    for r in labels:
        assert r.candidate == getattr(report.by_label[r.name], mode).recall, r.name
        assert r.gold == getattr(report.by_label[r.name], mode).possible


def test_rows_are_deterministic(gold, perfect) -> None:
    cand = {d: sp[::2] for d, sp in perfect.items()}
    a = compare_predictions(gold, perfect, cand, LAYERS, fast())
    b = compare_predictions(gold, perfect, cand, LAYERS, fast())
    assert a == b


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"metric": "accuracy"}, "metric:"),
        ({"mode": "loose"}, "mode:"),
        ({"layers": ("entity", "dates")}, "layers:"),
        ({"max_drop": -0.1}, "max_drop:"),
        ({"max_slowdown": 1.5}, "max_slowdown:"),
        ({"alpha": 0.0}, "alpha:"),
    ],
)
def test_bad_settings_are_one_line_errors(kwargs, field) -> None:
    with pytest.raises(BenchError) as err:
        CompareSettings(**kwargs)
    assert str(err.value).startswith(field) and "\n" not in str(err.value)


def _comparison(rows: list[Row], speed_regression: bool = False) -> Comparison:
    speed = Speed(
        baseline=1000.0,
        candidate=700.0 if speed_regression else 990.0,
        change=-0.3 if speed_regression else -0.01,
        baseline_cached=False,
        candidate_cached=False,
        gated=True,
        regression=speed_regression,
    )
    system = SystemComparison(
        label="spacy",
        baseline="results/spacy.json",
        candidate="out/spacy.json",
        baseline_predictions="results/predictions/spacy.jsonl",
        candidate_predictions="out/predictions/spacy.jsonl",
        changes=["option label_map.GPE: (unset) -> ''"],
        layers=list(LAYERS),
        unit="sentence",
        units=190,
        failures=(0, 0),
        rows=rows,
        speed=speed,
    )
    return Comparison(
        metric="f1",
        mode="strict",
        max_drop=0.01,
        max_slowdown=0.2,
        significance=True,
        alpha=0.05,
        trials=10_000,
        resamples=1000,
        seed=0,
        gold="0123456789ab",
        systems=[system],
        only_baseline=["rules"],
        only_candidate=[],
    )


def test_exit_code_and_markdown(gold, perfect) -> None:
    cand = {d: [s for s in sp if s.label != "GPE"] for d, sp in perfect.items()}
    bad = _comparison(compare_predictions(gold, perfect, cand, LAYERS, fast()))
    assert bad.exit_code == 1
    md = render_markdown(bad)
    assert md.startswith("## bench compare: ❌ 1 of 1 system regressed\n")
    n = sum(len(doc.gold.spans) for doc in gold.values())
    f1 = score(gold, cand, bootstrap=0).overall.strict.f1
    assert f"| **overall** | {n} | 1.000 | {f1:.3f} | {f1 - 1:+.3f} |" in md
    assert "❌ **regression**" in md and "| drop |" in md
    gpe = n_labelled(gold, "GPE")
    assert f"| GPE | {gpe} | 1.000 | 0.000 | -1.000 | [-1.000, -1.000] | <0.001 |" in md
    # Escaped as Markdown: renders as "option label_map.GPE: (unset) -> ''".
    assert "option label\\_map.GPE: (unset) -&gt; ''" in md
    assert "Not compared, baseline only: rules." in md
    assert md == render_markdown(bad)

    good = _comparison(compare_predictions(gold, perfect, perfect, LAYERS, fast()))
    assert good.exit_code == 0
    assert render_markdown(good).startswith("## bench compare: ✅ no regression in 1 system\n")
    slow = _comparison(good.systems[0].rows, speed_regression=True)
    assert slow.exit_code == 1
    assert "| words/s | | 1,000 | 700 | -30.0% | | | ❌ **regression** |" in render_markdown(slow)


def test_p_value_format() -> None:
    assert [fmt_p(x) for x in (None, 1.0, 0.04999, 0.0001)] == ["-", "1.000", "0.050", "<0.001"]
