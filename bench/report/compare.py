"""Comparing a candidate run with a baseline: deltas, paired significance and the CI gate.

Results are matched by label (the system's name unless ``bench run --label`` chose another).
Both predictions files are re-scored against the one gold, whose digest must be the one both
results were scored on; every score, confidence interval and p-value below comes from those
per-unit counts (:func:`bench.scoring.units.unit_statistics`), so the comparison is paired unit by
unit. The gate fails a system when a gated score drops by more than ``max_drop`` and the
drop is significant, or when words/s falls by more than ``max_slowdown``. Definitions and
the exit codes: ``docs/ci.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bench.corpus.document import Document
from bench.errors import BenchError, ParameterError
from bench.escape import md_code, md_text
from bench.run.layout import COMPARED, COMPARED_OPTIONAL, ResultFile
from bench.schema import LAYER_LABELS, LAYERS, VALUE_LAYERS, PredictedSpan
from bench.scoring.metrics import MODES
from bench.scoring.resample import Interval, Statistic
from bench.scoring.significance import delta_test

if TYPE_CHECKING:
    from bench.run.result import Result

Gold = Mapping[str, Document]
Predictions = Mapping[str, Sequence[PredictedSpan]]

METRICS: tuple[str, ...] = ("f1", "precision", "recall")
RowKind = Literal["overall", "layer", "value", "label"]
_EPS = 1e-12  # a drop of exactly max_drop is not "more than" it, whatever the float rounding


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class CompareSettings:
    """What is compared and how the gate decides (the ``bench compare`` options)."""

    metric: str = "f1"
    mode: str = "strict"
    layers: tuple[str, ...] | None = None  # None: every layer both results scored
    max_drop: float = 0.01
    max_slowdown: float | None = None  # None: speed is reported, not gated
    significance: bool = True
    alpha: float = 0.05
    trials: int = 10_000  # approximate randomization trials for the p-value
    resamples: int = 1000  # paired bootstrap resamples for the CI of the delta
    seed: int = 0

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ParameterError("metric", f"unknown metric {self.metric!r} ({', '.join(METRICS)})")
        if self.mode not in MODES:
            raise ParameterError("mode", f"unknown mode {self.mode!r} ({', '.join(MODES)})")
        for name in self.layers or ():
            if name not in LAYERS:
                raise ParameterError("layers", f"unknown layer {name!r} ({', '.join(LAYERS)})")
        if not (0.0 <= self.max_drop <= 1.0) or math.isnan(self.max_drop):
            raise ParameterError("max_drop", f"must be within 0..1, got {self.max_drop}")
        if self.max_slowdown is not None and not (0.0 <= self.max_slowdown < 1.0):
            raise ParameterError(
                "max_slowdown",
                f"must be within 0..1 (0.2: 20% fewer words/s), got {self.max_slowdown}",
            )
        if not (0.0 < self.alpha < 1.0):
            raise ParameterError("alpha", f"must be between 0 and 1, got {self.alpha}")


class Row(_Frozen):
    """One compared score: baseline, candidate, delta, its CI and p-value, and the verdict."""

    kind: RowKind
    name: str
    gold: int  # gold spans the score is over
    baseline: float | None
    candidate: float | None
    delta: float | None  # candidate - baseline
    delta_ci: Interval | None  # paired bootstrap percentile interval of the delta
    p_value: float | None  # approximate randomization, two-sided
    gated: bool  # a regression here fails the comparison
    regression: bool  # dropped by more than max_drop (and significantly, unless disabled)
    improvement: bool  # the same, upwards


class Speed(_Frozen):
    """Median words/s of both runs and the relative change."""

    baseline: float | None
    candidate: float | None
    change: float | None  # candidate / baseline - 1
    baseline_cached: bool
    candidate_cached: bool
    gated: bool
    regression: bool


class SystemComparison(_Frozen):
    """One matched pair of results."""

    label: str
    baseline: str  # result file
    candidate: str
    baseline_predictions: str
    candidate_predictions: str
    changes: list[str]  # what differs in how the system was run (version, options)
    layers: list[str]
    unit: str
    units: int
    failures: tuple[int, int]  # documents the system failed on: baseline, candidate
    rows: list[Row]
    speed: Speed

    @property
    def failed(self) -> bool:
        """True when a gated score or the speed gate regressed."""
        return self.speed.regression or any(r.gated and r.regression for r in self.rows)


class Comparison(_Frozen):
    """Everything ``bench compare`` reports; ``exit_code`` is what the command exits with."""

    metric: str
    mode: str
    max_drop: float
    max_slowdown: float | None
    significance: bool
    alpha: float
    trials: int
    resamples: int
    seed: int
    gold: str
    systems: list[SystemComparison]
    only_baseline: list[str]
    only_candidate: list[str]

    @property
    def exit_code(self) -> int:
        """1 when any system regressed, else 0 (bad input never gets this far: exit 2)."""
        return 1 if any(s.failed for s in self.systems) else 0


# ---------------------------------------------------------------------------------------
# Scores of two predictions against one gold


def _only_label(gold: Gold, preds: Predictions, label: str) -> tuple[Gold, Predictions]:
    g = {
        d: replace(
            doc,
            gold=doc.gold.model_copy(
                update={"spans": [s for s in doc.gold.spans if s.label == label]}
            ),
        )
        for d, doc in gold.items()
    }
    p = {d: [s for s in spans if s.label == label] for d, spans in preds.items()}
    return g, p


def _dropped(delta: float | None, p: float | None, s: CompareSettings, sign: int) -> bool:
    if delta is None or sign * delta <= s.max_drop + _EPS:
        return False
    return not s.significance or (p is not None and p < s.alpha)


def _row(
    kind: RowKind,
    name: str,
    a: np.ndarray,
    b: np.ndarray,
    statistic: Statistic,
    *,
    s: CompareSettings,
    gated: bool,
) -> tuple[Row, int, int]:
    """A row from both sides' per-unit counts, and how many spans each predicted in its scope."""
    # p and the interval are shown even when the gate ignores them (--no-significance).
    sa, sb, p, ci = delta_test(a, b, statistic, trials=s.trials, resamples=s.resamples, seed=s.seed)
    delta = None if sa is None or sb is None else sb - sa
    row = Row(
        kind=kind,
        name=name,
        gold=int(a[:, 2].sum()),
        baseline=sa,
        candidate=sb,
        delta=delta,
        delta_ci=ci,
        p_value=p,
        gated=gated,
        regression=_dropped(delta, p, s, -1),
        improvement=_dropped(delta, p, s, +1),
    )
    return row, int(a[:, 1].sum()), int(b[:, 1].sum())


def _in_play(gold: Gold, preds: tuple[Predictions, Predictions], label: str) -> bool:
    """Some gold span or some prediction of either side has ``label``."""
    return any(s.label == label for doc in gold.values() for s in doc.gold.spans) or any(
        s.label == label for side in preds for spans in side.values() for s in spans
    )


def compare_predictions(
    gold: Gold,
    baseline: Predictions,
    candidate: Predictions,
    layers: Sequence[str],
    settings: CompareSettings,
    *,
    ignore: bool = True,
) -> list[Row]:
    """Rows for the overall score, each layer, each value layer and each label in play.

    Overall, layer and value rows are gated; label rows are shown and marked but never fail
    the comparison (one test per label would turn noise into failures). One alignment pass
    per side gives the overall, layer and value rows (their counts are sums over layers);
    each label in play takes one more pass per side, over that label's spans alone.
    """
    from bench.scoring.units import unit_tallies

    s = settings
    ta = unit_tallies(gold, baseline, layers=layers, ignore=ignore)
    tb = unit_tallies(gold, candidate, layers=layers, ignore=ignore)

    def row(kind: RowKind, name: str, mode: str, scope: Sequence[str] | None) -> Row:
        a, statistic = ta.statistics(mode, s.metric, scope)
        b, _ = tb.statistics(mode, s.metric, scope)
        return _row(kind, name, a, b, statistic, s=s, gated=True)[0]

    rows = [row("overall", "overall", s.mode, None)]
    rows += [row("layer", layer, s.mode, [layer]) for layer in layers]
    rows += [
        row("value", f"{layer} value", f"value:{layer}", [layer])
        for layer in layers
        if layer in VALUE_LAYERS
    ]
    for layer in layers:
        for label in LAYER_LABELS[layer]:
            if not _in_play(gold, (baseline, candidate), label):
                continue  # nothing to align: the row would be empty and dropped
            g, p_a = _only_label(gold, baseline, label)
            _, p_b = _only_label(gold, candidate, label)
            a, statistic = unit_tallies(g, p_a, layers=[layer], ignore=ignore).statistics(
                s.mode, s.metric
            )
            b, _ = unit_tallies(g, p_b, layers=[layer], ignore=ignore).statistics(s.mode, s.metric)
            label_row, n_a, n_b = _row("label", label, a, b, statistic, s=s, gated=False)
            if label_row.gold or n_a or n_b:
                rows.append(label_row)
    return rows


# ---------------------------------------------------------------------------------------
# Result files


def load_results(path: Path) -> tuple[list[ResultFile], bool]:
    """The result files at ``path`` (a file, or a directory's ``*.json``) and whether it is a
    directory; two results with one label in a directory are an error."""
    from bench.run.layout import read_result_file, read_results_dir

    if path.is_dir():
        out = read_results_dir(path)
        if not out:
            raise BenchError(f"{path}: no result files (*.json)")
        return out, True
    if not path.exists():
        raise BenchError(f"{path}: no such result file or directory")
    return [read_result_file(path)], False


def match_results(
    baseline: Sequence[ResultFile],
    candidate: Sequence[ResultFile],
    by_label: bool = True,
) -> tuple[list[tuple[ResultFile, ResultFile]], list[str], list[str]]:
    """Pairs with the same label, and the labels found on one side only.

    With ``by_label`` False (two single files) the one baseline is paired with the one
    candidate whatever their labels.
    """
    if not by_label:
        return [(baseline[0], candidate[0])], [], []
    base = {r.label: r for r in baseline}
    cand = {r.label: r for r in candidate}
    pairs = [(base[k], cand[k]) for k in sorted(base.keys() & cand.keys())]
    if not pairs:
        raise BenchError(
            "no system has a result on both sides: baseline "
            f"{', '.join(sorted(base)) or 'none'}; candidate {', '.join(sorted(cand)) or 'none'}"
            "; results are matched by label: run the candidate with `bench run --label LABEL` "
            "(e.g. a replayed predictions file as the system it replays), or give two result "
            "files to compare them whatever their labels"
        )
    return pairs, sorted(base.keys() - cand.keys()), sorted(cand.keys() - base.keys())


def check_comparable(base: ResultFile, cand: ResultFile, gold_digest: str) -> None:
    """Both results were scored the same way on the gold given here, or a BenchError (exit 2)."""
    sa, sb = base.signature, cand.signature
    if sa.get("gold") != sb.get("gold") or sa.get("docs") != sb.get("docs"):
        raise BenchError(
            f"{cand.path}: gold.signature: gold signatures differ: baseline {base.path} "
            f"was scored on gold:{sa.get('gold')} ({sa.get('docs')} docs), the candidate on "
            f"gold:{sb.get('gold')} ({sb.get('docs')} docs); rerun both on the same gold"
        )
    for key in (*COMPARED, *COMPARED_OPTIONAL):
        if sa.get(key) != sb.get(key):
            raise BenchError(
                f"{cand.path}: gold.signature: {key}:{sb.get(key)} but baseline {base.path} "
                f"has {key}:{sa.get(key)}; results scored differently cannot be compared"
            )
    if sa.get("gold") != gold_digest:
        raise ParameterError(
            ("gold_dir", "texts_dir"),
            f"{base.path}: gold.signature: scored on gold:{sa.get('gold')}, but the gold "
            f"given here is gold:{gold_digest}; give the gold and texts it was scored on",
        )


def _changes(base: Result, cand: Result) -> list[str]:
    """How the candidate's system set-up differs from the baseline's, one line each."""
    a, b = base.system, cand.system
    out = []
    if a.name != b.name:
        out.append(f"system {a.name} -> {b.name}")
    if a.version != b.version:
        out.append(f"version {a.version} -> {b.version}")
    for key in sorted(a.options.keys() | b.options.keys()):
        va, vb = a.options.get(key), b.options.get(key)
        if va != vb:
            out.append(f"option {key}: {_opt(va)} -> {_opt(vb)}")
    return out


def _opt(value: str | None) -> str:
    return "(unset)" if value is None else repr(value)


def _check_reproduced(
    loaded: ResultFile, rows: Sequence[Row], side: int, s: CompareSettings
) -> None:
    """The re-scored layer and value scores equal the ones stored in the result, or the
    predictions file is not the one the result was made from (exit 2)."""
    from bench.scoring.report import SCORING_VERSION

    if loaded.signature.get("scoring") != str(SCORING_VERSION):
        return  # scored by another definition: the stored numbers legitimately differ
    report = loaded.result.metrics
    for row in rows:
        layer = row.name.split()[0]
        if row.kind == "layer" and layer in report.by_layer:
            where = f"metrics.by_layer.{layer}.{s.mode}.{s.metric}"
            stored = getattr(getattr(report.by_layer[layer], s.mode), s.metric)
        elif row.kind == "value" and layer in report.values:
            where = f"metrics.values.{layer}.{s.metric}"
            stored = getattr(report.values[layer], s.metric)
        else:
            continue
        got = row.baseline if side == 0 else row.candidate
        same = (stored is None and got is None) or (
            stored is not None and got is not None and abs(stored - got) <= 1e-9
        )
        if not same:
            raise BenchError(
                f"{loaded.predictions}: re-scored {where} is {_num(got)}, but {loaded.path} "
                f"says {_num(stored)}: this is not the predictions file the result was "
                "scored from"
            )


def _num(x: float | None) -> str:
    return "undefined" if x is None else f"{x:.6f}"


def _speed(base: Result, cand: Result, s: CompareSettings) -> Speed:
    a = base.throughput.words_per_second.median
    b = cand.throughput.words_per_second.median
    change = b / a - 1.0 if a > 0 else None
    return Speed(
        baseline=a,
        candidate=b,
        change=change,
        baseline_cached=base.throughput.cached,
        candidate_cached=cand.throughput.cached,
        gated=s.max_slowdown is not None,
        regression=s.max_slowdown is not None
        and change is not None
        and change < -s.max_slowdown - _EPS,
    )


def _units(gold: Gold) -> tuple[str, int]:
    from bench.scoring.resample import choose_unit, sentence_starts

    unit = choose_unit(len(gold))
    if unit == "document":
        return unit, len(gold)
    return unit, sum(len(sentence_starts(doc.text)) for doc in gold.values())


def compare_pair(
    base: ResultFile, cand: ResultFile, gold: Gold, settings: CompareSettings
) -> SystemComparison:
    """Compare one matched pair on ``gold`` (checked to be the gold both were scored on)."""
    from bench.corpus.digest import gold_digest
    from bench.corpus.predictions import read_predictions
    from bench.run.pair import check_pair

    check_comparable(base, cand, gold_digest(gold))
    scored = set(base.result.metrics.layers) & set(cand.result.metrics.layers)
    wanted = settings.layers or LAYERS
    layers = [x for x in LAYERS if x in scored and x in wanted]
    if not layers:
        raise BenchError(
            f"{cand.path}: metrics.layers: no layer scored in both results among "
            f"{', '.join(wanted)} (baseline {', '.join(base.result.metrics.layers)}, "
            f"candidate {', '.join(cand.result.metrics.layers)})"
        )
    texts = {d: doc.text for d, doc in gold.items()}
    for loaded in (base, cand):  # a result and its predictions are one unit (bench.run.pair)
        check_pair(loaded.path, loaded.result.predictions_sha256, loaded.predictions)
    preds_a = read_predictions(base.predictions, texts)
    preds_b = read_predictions(cand.predictions, texts)
    ignore = base.signature.get("ignore", "on") == "on"
    rows = compare_predictions(gold, preds_a, preds_b, layers, settings, ignore=ignore)
    _check_reproduced(base, rows, 0, settings)
    _check_reproduced(cand, rows, 1, settings)
    unit, units = _units(gold)
    return SystemComparison(
        label=cand.label,
        baseline=str(base.path),
        candidate=str(cand.path),
        baseline_predictions=str(base.predictions),
        candidate_predictions=str(cand.predictions),
        changes=_changes(base.result, cand.result),
        layers=layers,
        unit=unit,
        units=units,
        failures=(len(base.result.failures), len(cand.result.failures)),
        rows=rows,
        speed=_speed(base.result, cand.result, settings),
    )


def compare(
    baseline: Path,
    candidate: Path,
    settings: CompareSettings,
    *,
    gold_dir: Path = Path("gold"),
    texts_dir: Path = Path("seeds"),
) -> Comparison:
    """Compare every system with a result on both sides (files or directories of results)."""
    from bench.corpus.digest import gold_digest
    from bench.corpus.gold import load_gold_dir

    base, base_dir = load_results(baseline)
    cand, cand_dir = load_results(candidate)
    pairs, only_base, only_cand = match_results(base, cand, by_label=base_dir or cand_dir)
    gold = load_gold_dir(gold_dir, texts_dir)
    systems = [compare_pair(a, b, gold, settings) for a, b in pairs]
    return Comparison(
        metric=settings.metric,
        mode=settings.mode,
        max_drop=settings.max_drop,
        max_slowdown=settings.max_slowdown,
        significance=settings.significance,
        alpha=settings.alpha,
        trials=settings.trials,
        resamples=settings.resamples,
        seed=settings.seed,
        gold=gold_digest(gold),
        systems=systems,
        only_baseline=only_base,
        only_candidate=only_cand,
    )


# ---------------------------------------------------------------------------------------
# Markdown


def fmt_score(x: float | None) -> str:
    """A score with three decimals, ``-`` when undefined."""
    return "-" if x is None else f"{x:.3f}"


def fmt_delta(x: float | None) -> str:
    """A signed delta with three decimals."""
    return "-" if x is None else f"{x:+.3f}"


def fmt_ci(ci: Interval | None) -> str:
    """``[low, high]`` of a delta."""
    if ci is None or ci.low is None or ci.high is None:
        return "-"
    return f"[{ci.low:+.3f}, {ci.high:+.3f}]"


def fmt_p(p: float | None) -> str:
    """A p-value; below 0.001 as ``<0.001``."""
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_rate(x: float | None) -> str:
    """Words/s without decimals."""
    return "-" if x is None else f"{x:,.0f}"


def verdict(row: Row) -> str:
    """What a row's mark says: a gated regression, a drop shown only, an improvement."""
    if row.regression:
        return "REGRESSION" if row.gated else "drop"
    return "improved" if row.improvement else ""


def speed_verdict(speed: Speed) -> str:
    """The mark of the words/s row."""
    if speed.regression:
        return "REGRESSION"
    return "" if speed.gated else "not gated"


def score_name(c: Comparison) -> str:
    """``strict F1``, ``partial recall``..."""
    metric = {"f1": "F1", "precision": "precision", "recall": "recall"}[c.metric]
    return f"{c.mode} {metric}"


def gate_text(c: Comparison) -> str:
    """One sentence saying when a system fails."""
    if c.significance:
        test = (
            f"and the drop is significant (approximate randomization, {c.trials} trials, "
            f"p < {c.alpha:g})"
        )
    else:
        test = "(significance not required: --no-significance)"
    speed = (
        "words/s is not gated"
        if c.max_slowdown is None
        else f"it also fails when words/s falls by more than {c.max_slowdown:.0%}"
    )
    return (
        f"A system fails when its overall, per-layer or value {score_name(c)} drops by more "
        f"than {c.max_drop:g} {test}; {speed}. Per-label rows are shown, not gated."
    )


def _md_cell(text: str) -> str:
    """Text from data (labels, options, names), inert in Markdown (:func:`md_text`)."""
    return md_text(text)


def _md_mark(mark: str) -> str:
    if mark == "REGRESSION":
        return "❌ **regression**"
    if mark == "improved":
        return "✅ improved"
    return mark


def render_markdown(c: Comparison) -> str:
    """The comparison as GitHub-flavoured Markdown (the step summary); deterministic."""
    failed = [s for s in c.systems if s.failed]
    n = len(c.systems)
    if failed:
        head = f"❌ {len(failed)} of {n} system{'s' if n > 1 else ''} regressed"
    else:
        head = f"✅ no regression in {n} system{'s' if n > 1 else ''}"
    lines = [f"## bench compare: {head}", "", gate_text(c), ""]
    if c.systems:
        s0 = c.systems[0]
        lines += [
            f"Paired over {s0.units} {s0.unit}s; confidence intervals of the delta: paired "
            f"bootstrap, {c.resamples} resamples; gold `{md_code(c.gold)}`.",
            "",
        ]
    ci_head = "95% CI of Δ"
    for s in c.systems:
        lines += [f"### {'❌' if s.failed else '✅'} {_md_cell(s.label)}", ""]
        lines.append(f"Baseline `{md_code(s.baseline)}`, candidate `{md_code(s.candidate)}`.")
        if s.changes:
            lines.append("Changed: " + "; ".join(_md_cell(x) for x in s.changes) + ".")
        if any(s.failures):
            lines.append(
                f"Failed documents (scored as predicting nothing): baseline {s.failures[0]}, "
                f"candidate {s.failures[1]}."
            )
        lines += [
            "",
            f"| {score_name(c)} | gold | baseline | candidate | Δ | {ci_head} | p | |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        main = [r for r in s.rows if r.kind != "label"]
        for r in main:
            name = f"**{_md_cell(r.name)}**" if r.kind == "overall" else _md_cell(r.name)
            lines.append(_md_row(name, r))
        sp = s.speed
        change = "-" if sp.change is None else f"{sp.change:+.1%}"
        cached = " (cached)" if sp.baseline_cached or sp.candidate_cached else ""
        lines.append(
            f"| words/s{cached} | | {fmt_rate(sp.baseline)} | {fmt_rate(sp.candidate)} | "
            f"{change} | | | {_md_mark(speed_verdict(sp))} |"
        )
        labels = [r for r in s.rows if r.kind == "label"]
        if labels:
            lines += [
                "",
                "<details><summary>By label (shown, not gated)</summary>",
                "",
                f"| label | gold | baseline | candidate | Δ | {ci_head} | p | |",
                "|---|---:|---:|---:|---:|---:|---:|---|",
            ]
            lines += [_md_row(_md_cell(r.name), r) for r in labels]
            lines += ["", "</details>"]
        lines.append("")
    if c.only_baseline:
        lines.append(f"Not compared, baseline only: {', '.join(map(_md_cell, c.only_baseline))}.")
    if c.only_candidate:
        lines.append(f"Not compared, candidate only: {', '.join(map(_md_cell, c.only_candidate))}.")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _md_row(name: str, r: Row) -> str:
    cells = [
        name,
        str(r.gold),
        fmt_score(r.baseline),
        fmt_score(r.candidate),
        fmt_delta(r.delta),
        fmt_ci(r.delta_ci),
        fmt_p(r.p_value),
        _md_mark(verdict(r)),
    ]
    return "| " + " | ".join(cells) + " |"
