"""What ``bench run`` and ``bench score`` print: one table of P, R, F1 per layer with their 95%
intervals, value accuracy and support, optionally per label (as ``spacy evaluate`` does), and
a throughput line under it.

Both commands call :func:`scores_table`, so they cannot drift apart. Every text that comes
from data (a result label) goes through :func:`bench.escape.visible` and rich's markup
escaping before it reaches the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.escape import visible
from bench.schema import LAYER_LABELS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from bench.run.result import Result
    from bench.scoring.report import ScoreReport
    from bench.scoring.resample import Interval

NO_SPEED = "—"
WIDTH = 160  # columns of the tables when stdout is not a terminal


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}"


def _with_ci(x: float | None, iv: Interval | None) -> str:
    if x is None:
        return "—"
    if iv is None or iv.low is None or iv.high is None:
        return _pct(x)
    return f"{_pct(x)} [{_pct(iv.low)}–{_pct(iv.high)}]"


def safe(text: str) -> str:
    """Text from data made inert for a rich console: control characters escaped, markup too."""
    from rich.markup import escape

    return escape(visible(text))


def scores_table(report: ScoreReport, *, per_label: bool = False, title: str = "") -> Table:
    """Strict P, R, F1 (95% intervals), value accuracy and support per layer, with an overall
    row when several layers were scored; ``per_label`` adds a row per label that has gold or
    predicted spans under its layer (P, R, F1, support; no intervals)."""
    from rich import box
    from rich.table import Table

    ci = report.ci
    conf = f"{round(ci.confidence * 100)}% CI" if ci else "no CI"  # escaped: not markup
    table = Table(
        title=title or None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        caption=f"strict match, %; \\[{conf}]; support = gold spans",
        caption_justify="left",
    )
    for i, head in enumerate(["layer", "P", "R", "F1", "value acc.", "support", "predicted"]):
        table.add_column(head, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for layer in report.layers:
        s = report.by_layer[layer].strict
        ivs = ci.by_layer[layer].strict if ci and layer in ci.by_layer else None
        value = report.values.get(layer)
        viv = ci.values.get(layer) if ci else None
        table.add_row(
            layer,
            _with_ci(s.precision, ivs.precision if ivs else None),
            _with_ci(s.recall, ivs.recall if ivs else None),
            _with_ci(s.f1, ivs.f1 if ivs else None),
            _with_ci(value.accuracy, viv.accuracy if viv else None) if value else "—",
            str(s.possible),
            str(s.actual),
            style="bold" if per_label else None,
        )
        if per_label:
            for label in LAYER_LABELS[layer]:
                ls = report.by_label[label].strict
                if ls.possible == 0 and ls.actual == 0:
                    continue
                table.add_row(
                    f"  {label}",
                    _pct(ls.precision),
                    _pct(ls.recall),
                    _pct(ls.f1),
                    "",
                    str(ls.possible),
                    str(ls.actual),
                    style="dim" if ls.possible == 0 else None,
                )
            table.rows[-1].end_section = True
    if len(report.layers) > 1:
        s = report.overall.strict
        ivo = ci.overall.strict if ci else None
        table.add_row(
            "overall (micro)",
            _with_ci(s.precision, ivo.precision if ivo else None),
            _with_ci(s.recall, ivo.recall if ivo else None),
            _with_ci(s.f1, ivo.f1 if ivo else None),
            "",
            str(s.possible),
            str(s.actual),
        )
    return table


def throughput_line(result: Result) -> str:
    """The line under a run's table: words/s (median and range over the timed passes), docs/s,
    load time and peak memory; "—" for replayed predictions, which have no speed."""
    from bench.run.result import has_speed

    t = result.throughput
    if not has_speed(result):
        return f"throughput: {NO_SPEED} (replayed predictions: no system was timed)"
    w = t.words_per_second
    passes = "pass" if t.repeats == 1 else "passes"
    line = (
        f"throughput: {w.median:,.0f} words/s (median of {t.repeats} timed {passes}, "
        f"{w.min:,.0f}–{w.max:,.0f}), {t.docs_per_second.median:,.1f} docs/s; "
        f"load {t.load_seconds:.2f} s"
    )
    if t.peak_rss_mb is not None:
        line += f"; peak {t.peak_rss_mb:,.0f} MiB"
    if t.cached:
        line += f"; cached: timings measured {t.measured_at:%Y-%m-%d %H:%M} UTC"
    return line


def summary_line(result: Result) -> str:
    """One line (``bench run --quiet``): label, strict F1 per layer, words/s."""
    from bench.run.result import has_speed

    parts = []
    for layer, scores in result.metrics.by_layer.items():
        f1 = scores.strict.f1
        parts.append(f"{layer} F1 {'—' if f1 is None else f'{100 * f1:.1f}'}")
    t = result.throughput
    if not has_speed(result):
        speed = f"{NO_SPEED} words/s (replayed predictions)"
    else:
        speed = f"{t.words_per_second.median:,.0f} words/s (median of {t.repeats})"
    if t.cached and has_speed(result):
        speed += f", cached: timings measured {t.measured_at:%Y-%m-%d %H:%M} UTC"
    return f"{visible(result.system.label)}: {'; '.join(parts)}; {speed}"


def subset_line(report: ScoreReport) -> str | None:
    """What part of the gold a subset score covers, from its signature; None for all of it."""
    from bench.scoring.report import parse_signature

    subset = parse_signature(report.signature).get("subset")
    if not subset:
        return None
    return f"subset: {subset} ({report.documents} documents); not comparable with full runs"


def console() -> Console:
    """A stdout console that never adds colour codes to data and, when stdout is not a
    terminal (a pipe, a file, a test), is wide enough for the tables not to wrap."""
    import sys

    from rich.console import Console

    tty = sys.stdout.isatty()
    return Console(highlight=False, width=None if tty else WIDTH)


def print_run(result: Result, *, per_label: bool = False) -> None:
    """The table of a run, titled with its label, and its throughput line, on stdout."""
    out = console()
    docs = result.gold.documents
    out.print(
        scores_table(
            result.metrics,
            per_label=per_label,
            title=f"{safe(result.system.label)}: {docs} document{'s' if docs != 1 else ''}",
        )
    )
    extra = subset_line(result.metrics)
    if extra:
        out.print(extra)
    out.print(throughput_line(result))


# --- bench score: the same table, then the SemEval modes, counts and values in full ---------


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


_COUNT_HEADS = {"correct": "corr", "incorrect": "inc", "partial": "part", "missed": "miss"}
_COUNT_HEADS |= {"spurious": "spur", "possible": "gold", "actual": "pred"}


def _plain_table(title: str, heads: list[str], left: int = 1) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1)
    )
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i < left else "right", no_wrap=True)
    return table


def _mode_tables(rows: dict[str, dict], ci: dict | None, confidence: float) -> list[Table]:
    heads = ["", "mode", "P", "R", "F1"]
    if ci is not None:
        heads.append(f"F1 {round(confidence * 100)}% CI")
    scores = _plain_table("Scores by SemEval mode", heads, left=2)
    counts = _plain_table(
        "Counts (gold = possible, pred = actual)", ["", "mode", *_COUNT_HEADS.values()], left=2
    )
    for key, modes in rows.items():
        for i, (mode, s) in enumerate(modes.items()):
            first = [key if i == 0 else "", mode]
            cells = first + [_fmt(s[n]) for n in ("precision", "recall", "f1")]
            if ci is not None:
                iv = ci.get(key, {}).get(mode, {}).get("f1")
                cells.append(
                    "-" if not iv or iv["low"] is None else f"{iv['low']:.3f}-{iv['high']:.3f}"
                )
            last = i == len(modes) - 1
            scores.add_row(*cells, end_section=last)
            counts.add_row(*first, *(str(s[n]) for n in _COUNT_HEADS), end_section=last)
    return [scores, counts]


def print_score(report: ScoreReport, *, per_label: bool = True) -> None:
    """What ``bench score`` prints: :func:`scores_table`, then P/R/F1 and counts in every
    SemEval mode, value scores, macro averages, the intervals' method and the signature."""
    out = console()
    out.print(scores_table(report, per_label=per_label, title="Scores"))
    extra = subset_line(report)
    if extra:
        out.print(extra)
    data = report.model_dump(mode="json")
    ci = data["ci"]
    ci_rows = {"overall": ci["overall"], **ci["by_layer"]} if ci else None
    rows = {"overall": data["overall"], **data["by_layer"]}
    for table in _mode_tables(rows, ci_rows, ci["confidence"] if ci else 0.95):
        out.print(table)

    if data["values"]:
        heads = ["layer", "matched", "correct", "accuracy", "P", "R", "F1"]
        values = _plain_table("Values (pairs of one layer; right value = true positive)", heads)
        for layer, v in data["values"].items():
            values.add_row(
                layer,
                str(v["matched"]),
                str(v["correct"]),
                *(_fmt(v[n]) for n in ("accuracy", "precision", "recall", "f1")),
            )
        out.print(values)

    if data.get("relaxed"):
        heads = ["layer", "matched", "P", "R", "F1"]
        relaxed = _plain_table("Relaxed (TempEval-3: any overlap, any label, one-to-one)", heads)
        for layer, r in data["relaxed"].items():
            relaxed.add_row(
                layer, str(r["matched"]), *(_fmt(r[n]) for n in ("precision", "recall", "f1"))
            )
        out.print(relaxed)

    macro = data["macro"]
    out.print(
        "macro F1 (strict): by label "
        f"{_fmt(macro['by_label']['strict']['f1'])} over {macro['by_label']['strict']['classes']}"
        f" labels, by document {_fmt(macro['by_doc']['strict']['f1'])} over "
        f"{macro['by_doc']['strict']['classes']} documents"
    )
    if report.ignored_predictions:
        out.print(f"{report.ignored_predictions} prediction(s) in ignore regions dropped")
    if ci:
        out.print(
            f"CIs: {ci['method']}, {ci['resamples']} resamples of {ci['units']} {ci['unit']}s"
        )
    out.print(f"signature: {safe(report.signature)}", soft_wrap=True)
