"""Many systems at once: the matrix of paired differences (``bench compare DIR --systems ...``).

Every pair of the chosen results that scored a layer is compared on that layer, paired unit by
unit on the one gold, exactly as ``bench compare`` compares one pair
(:func:`bench.scoring.significance.paired_test`): the difference of the score, its paired
bootstrap percentile interval, and two p-values, approximate randomization and paired
bootstrap. With ``k`` systems there are ``k(k-1)/2`` pairs per layer, so the p-values are
corrected for multiple comparisons with Holm-Bonferroni over every test in the matrix (all
pairs of all layers: one family); a difference is called significant when its Holm-adjusted
approximate-randomization p-value is below ``alpha``. Definitions: docs/metrics.md, "Many
systems".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bench.errors import ParameterError
from bench.escape import md_code, md_text
from bench.report.compare import CompareSettings, check_comparable, fmt_ci, fmt_delta, fmt_p
from bench.run.layout import ResultFile
from bench.schema import LAYERS
from bench.scoring.resample import Interval

CORRECTION = "holm"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PairCell(_Frozen):
    """System ``b`` against system ``a`` on one layer: delta = score(b) - score(a)."""

    a: str
    b: str
    score_a: float | None
    score_b: float | None
    delta: float | None
    delta_ci: Interval | None  # paired bootstrap percentile interval of the delta
    p_ar: float | None  # approximate randomization, two-sided
    p_bootstrap: float | None  # paired bootstrap, two-sided
    p_holm: float | None  # p_ar adjusted by Holm-Bonferroni over the whole matrix
    p_bootstrap_holm: float | None
    significant: bool  # p_holm < alpha


class LayerMatrix(_Frozen):
    """One layer: each system's score and every pair of systems that scored it."""

    layer: str
    scores: dict[str, float | None]
    pairs: list[PairCell]
    not_scored: list[str]  # chosen systems that did not score this layer


class Matrix(_Frozen):
    """Everything ``bench compare --systems`` reports (its ``--json`` output)."""

    metric: str
    mode: str
    alpha: float
    trials: int
    resamples: int
    seed: int
    correction: str
    tests: int  # the size of the corrected family
    gold: str
    unit: str
    units: int
    systems: list[str]
    layers: list[LayerMatrix]
    single: dict[str, list[str]]  # layers scored by fewer than two of the systems: who did


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1); None stays None
    and does not count in the family."""
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(known)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def pick_systems(entries: Sequence[ResultFile], systems: Sequence[str]) -> list[ResultFile]:
    """The results labelled ``systems``, in that order; an unknown or repeated label is an
    error naming the labels there are."""
    by_label = {e.label: e for e in entries}
    if len(set(systems)) != len(systems):
        raise ParameterError("systems", f"a system is named twice: {', '.join(systems)}")
    if len(systems) < 2:
        raise ParameterError("systems", "name at least two systems, separated by commas")
    missing = [s for s in systems if s not in by_label]
    if missing:
        raise ParameterError(
            "systems",
            f"no result labelled {', '.join(map(repr, missing))} "
            f"(there are: {', '.join(sorted(by_label)) or 'none'})",
        )
    return [by_label[s] for s in systems]


def compare_many(
    results_dir: Path,
    systems: Sequence[str],
    settings: CompareSettings,
    *,
    gold_dir: Path = Path("gold"),
    texts_dir: Path = Path("seeds"),
) -> Matrix:
    """The matrix of paired differences of ``systems`` (labels in ``results_dir``)."""
    from bench.corpus.digest import gold_digest
    from bench.corpus.gold import load_gold_dir
    from bench.corpus.predictions import read_predictions
    from bench.report.compare import load_results
    from bench.scoring.significance import paired_test
    from bench.scoring.units import unit_tallies

    entries, is_dir = load_results(results_dir)
    if not is_dir:
        raise ParameterError("systems", f"{results_dir}: needs a directory of results")
    chosen = pick_systems(entries, systems)
    gold = load_gold_dir(gold_dir, texts_dir)
    digest = gold_digest(gold)
    for other in chosen[1:]:
        check_comparable(chosen[0], other, digest)
    texts = {d: doc.text for d, doc in gold.items()}
    ignore = chosen[0].signature.get("ignore", "on") == "on"
    wanted = settings.layers or LAYERS
    tallies = {}
    for e in chosen:
        layers = [x for x in LAYERS if x in e.result.metrics.layers]
        preds = read_predictions(e.predictions, texts)
        tallies[e.label] = unit_tallies(gold, preds, layers=layers, ignore=ignore)
    s = settings
    raw: list[tuple[str, dict[str, float | None], list[dict], list[str]]] = []
    unit, units = "", 0
    for layer in [x for x in LAYERS if x in wanted]:
        have = [e.label for e in chosen if layer in tallies[e.label].layers]
        if len(have) < 2:
            continue  # nothing to pair: said in ``single``
        stats = {k: tallies[k].statistics(s.mode, s.metric, [layer]) for k in have}
        unit = tallies[have[0]].unit
        units = int(stats[have[0]][0].shape[0])
        scores: dict[str, float | None] = {}
        cells = []
        for a, b in itertools.combinations(have, 2):
            (xa, statistic), (xb, _) = stats[a], stats[b]
            sa, sb, p_ar, _ = paired_test(
                xa, xb, statistic, method="ar", resamples=s.trials, seed=s.seed
            )
            _, _, p_boot, ci = paired_test(
                xa, xb, statistic, method="bootstrap", resamples=s.resamples, seed=s.seed
            )
            scores[a], scores[b] = sa, sb
            delta = None if sa is None or sb is None else sb - sa
            cells.append(
                {"a": a, "b": b, "score_a": sa, "score_b": sb, "delta": delta, "delta_ci": ci}
                | {"p_ar": p_ar, "p_bootstrap": p_boot}
            )
        for k in have:
            if k not in scores:
                xk, statistic = stats[k]
                v = float(statistic(xk.sum(axis=0)))
                scores[k] = None if v != v else v
        raw.append((layer, scores, cells, [e.label for e in chosen if e.label not in have]))
    every = [c for _, _, cells, _ in raw for c in cells]
    adj_ar = holm([c["p_ar"] for c in every])
    adj_boot = holm([c["p_bootstrap"] for c in every])
    for c, pa, pb in zip(every, adj_ar, adj_boot, strict=True):
        c["p_holm"], c["p_bootstrap_holm"] = pa, pb
        c["significant"] = pa is not None and pa < s.alpha
    return Matrix(
        metric=s.metric,
        mode=s.mode,
        alpha=s.alpha,
        trials=s.trials,
        resamples=s.resamples,
        seed=s.seed,
        correction=CORRECTION,
        tests=sum(1 for p in adj_ar if p is not None),
        gold=digest,
        unit=unit,
        units=units,
        systems=[e.label for e in chosen],
        single={
            x: [e.label for e in chosen if x in tallies[e.label].layers]
            for x in LAYERS
            if x in wanted and sum(x in tallies[e.label].layers for e in chosen) < 2
        },
        layers=[
            LayerMatrix(
                layer=layer,
                scores=scores,
                pairs=[PairCell(**c) for c in cells],
                not_scored=missing,
            )
            for layer, scores, cells, missing in raw
        ],
    )


# ---------------------------------------------------------------------------------------
# Text and Markdown


def score_name(m: Matrix) -> str:
    """``strict F1``, ``partial recall``..."""
    return f"{m.mode} " + {"f1": "F1", "precision": "precision", "recall": "recall"}[m.metric]


def method_text(m: Matrix) -> str:
    """What the numbers are and how they were corrected, in one paragraph."""
    return (
        f"Cell (row, column): {score_name(m)} of the column minus that of the row, paired over "
        f"{m.units} {m.unit}s; * marks a difference significant after correction. Per pair: "
        f"95% interval of the difference (paired bootstrap, {m.resamples} resamples), p from "
        f"approximate randomization ({m.trials} trials) and from the paired bootstrap, both "
        f"two-sided, seed {m.seed}. Multiple comparisons: Holm-Bonferroni over all {m.tests} "
        f"tests of this matrix (every pair of every layer); significant when the adjusted "
        f"approximate-randomization p < {m.alpha:g}."
    )


def matrix_cell(m: LayerMatrix, row: str, col: str) -> str:
    """The delta of ``col`` minus ``row`` with its mark; empty on the diagonal."""
    if row == col:
        return ""
    for c in m.pairs:
        if (c.a, c.b) in ((row, col), (col, row)):
            if c.delta is None:
                return "-"
            d = c.delta if (c.a, c.b) == (row, col) else -c.delta
            return fmt_delta(d) + ("*" if c.significant else "")
    return "n/a"


def _fmt_score(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render_markdown(m: Matrix) -> str:
    """The matrix as GitHub-flavoured Markdown; deterministic."""
    lines = [
        f"## bench compare: {len(m.systems)} systems, {score_name(m)}",
        "",
        method_text(m) + f" Gold `{md_code(m.gold)}`.",
        "",
    ]
    for lm in m.layers:
        names = [x for x in m.systems if x in lm.scores]
        lines += [f"### {md_text(lm.layer)}", ""]
        lines.append("| | score | " + " | ".join(md_text(x) for x in names) + " |")
        lines.append("|---|---:|" + "---:|" * len(names))
        for row in names:
            cells = [matrix_cell(lm, row, col) for col in names]
            lines.append(
                f"| {md_text(row)} | {_fmt_score(lm.scores[row])} | " + " | ".join(cells) + " |"
            )
        lines += [
            "",
            "| pair | Δ | 95% CI of Δ | p (AR) | p (bootstrap) | p Holm (AR) "
            "| p Holm (bootstrap) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for c in lm.pairs:
            lines.append(
                f"| {md_text(c.b)} − {md_text(c.a)} | {fmt_delta(c.delta)}"
                f"{'*' if c.significant else ''} | {fmt_ci(c.delta_ci)} | {fmt_p(c.p_ar)} | "
                f"{fmt_p(c.p_bootstrap)} | {fmt_p(c.p_holm)} | {fmt_p(c.p_bootstrap_holm)} |"
            )
        if lm.not_scored:
            lines += ["", f"Not scored on this layer: {', '.join(map(md_text, lm.not_scored))}."]
        lines.append("")
    for layer, who in m.single.items():
        lines.append(f"Not compared on {layer}: {_scored_by(who, md_text)}.")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _scored_by(who: Sequence[str], esc: Callable[[str], str]) -> str:
    if not who:
        return "no system scored it"
    return f"only {', '.join(map(esc, who))} scored it"


def single_text(m: Matrix, esc: Callable[[str], str]) -> list[str]:
    """One line per layer left out of the matrix."""
    return [f"not compared on {layer}: {_scored_by(who, esc)}" for layer, who in m.single.items()]
