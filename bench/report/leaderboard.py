"""The leaderboard: every result file in a directory as Markdown, CSV and the README's table.

Results are comparable only when their scores were computed the same way on the same gold:
the scoring signature minus the bench version and the layer list (a dates-only system is
compared with spaCy on the time layer). Results with different keys are never mixed in
one table: each key gets its own section, the README shows one board and says how many
results it leaves out. Columns are defined in docs/run.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bench.errors import BenchError
from bench.escape import csv_text, md_code, md_text
from bench.run.layout import ResultFile, comparability_key, signature_fields
from bench.run.result import Result, has_speed
from bench.run.timing import median
from bench.schema import LAYER_LABELS, LAYERS, VALUE_LAYERS

README_START = "<!-- leaderboard:start -->"
README_END = "<!-- leaderboard:end -->"
RANKING = (
    "Rows are ranked within each layer by strict F1 (ties by name); a system appears only in "
    "the layers it predicts, so no average over layers decides an order."
)
MODES_SHOWN = ("strict", "partial")
# Signature fields that may differ between the results of one board, so are not shown for it.
NOT_SHOWN = ("bench", "layers")


@dataclass(frozen=True)
class Board:
    """Results that can be compared: same gold, same scoring settings."""

    key: str
    entries: tuple[ResultFile, ...]

    @property
    def gold(self) -> str:
        """The gold digest of this board's signature."""
        return signature_fields(self.key).get("gold", "?")

    @property
    def signature(self) -> str:
        """The scoring signature shown for the board: its first result's, without the fields
        that may differ inside a board (bench version, layers)."""
        fields = signature_fields(self.entries[0].result.metrics.signature)
        return "|".join(f"{k}:{v}" for k, v in fields.items() if k not in NOT_SHOWN)


def boards(entries: Iterable[ResultFile], current_gold: str | None = None) -> list[Board]:
    """Group results by comparability; the board on ``current_gold`` (a digest) comes first,
    then larger boards, then by key."""
    groups: dict[str, list[ResultFile]] = {}
    for e in entries:
        groups.setdefault(comparability_key(e.result), []).append(e)
    out = [Board(k, tuple(v)) for k, v in groups.items()]
    return sorted(out, key=lambda b: (b.gold != current_gold, -len(b.entries), b.key))


# --- figures -------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}"


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f" [{100 * low:.1f}, {100 * high:.1f}]"


def _num(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def layer_figures(result: Result, layer: str, mode: str) -> dict[str, float | None] | None:
    """P, R, F1 and their interval bounds of one layer and mode; None if it was not scored."""
    m = result.metrics
    scores = m.by_layer.get(layer)
    if scores is None:
        return None
    s = getattr(scores, mode)
    out: dict[str, float | None] = {"p": s.precision, "r": s.recall, "f1": s.f1}
    ci = m.ci.by_layer.get(layer) if m.ci else None
    for short, name in (("p", "precision"), ("r", "recall"), ("f1", "f1")):
        iv = getattr(getattr(ci, mode), name) if ci else None
        out[f"{short}_low"] = iv.low if iv else None
        out[f"{short}_high"] = iv.high if iv else None
    return out


def value_figures(result: Result, layer: str) -> dict[str, float | None] | None:
    """Value accuracy of a layer (over aligned pairs) with its interval; None if not scored."""
    m = result.metrics
    v = m.values.get(layer)
    if v is None:
        return None
    iv = m.ci.values.get(layer) if m.ci else None
    return {
        "acc": v.accuracy,
        "acc_low": iv.accuracy.low if iv else None,
        "acc_high": iv.accuracy.high if iv else None,
        "matched": float(v.matched),
    }


def _f1_cell(result: Result, layer: str, mode: str = "strict") -> str:
    f = layer_figures(result, layer, mode)
    if f is None:
        return "—"
    return _pct(f["f1"]) + _ci(f["f1_low"], f["f1_high"])


def _value_cell(result: Result, layer: str) -> str:
    f = value_figures(result, layer)
    if f is None:
        return "—"
    return _pct(f["acc"]) + _ci(f["acc_low"], f["acc_high"])


def _name_cell(e: ResultFile) -> str:
    r = e.result
    marks = ""
    if r.throughput.cached:
        marks += " †"
    if r.failures:
        marks += f" ‡{len(r.failures)}"
    return f"{_md(e.label)}{marks}"


def _md(text: str) -> str:
    """Text from data, inert inside a Markdown table cell (:func:`bench.escape.md_text`)."""
    return md_text(text)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> str:
    lines = ["| " + " | ".join(head) + " |"]
    lines.append(
        "|" + "|".join(":---" if i < right_from else "---:" for i in range(len(head))) + "|"
    )
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _speed_cells(result: Result) -> list[str]:
    """words/s, load s, peak MiB; "—" for replayed predictions, which have no speed."""
    t = result.throughput
    if not has_speed(result):
        return ["—", "—", "—"]
    return [_num(t.words_per_second.median), _num(t.load_seconds, 2), _num(t.peak_rss_mb)]


def layer_table(board: Board, layer: str) -> str | None:
    """P/R/F1 strict and partial with F1 intervals (and value accuracy) of one layer."""
    head = ["system"]
    for mode in MODES_SHOWN:
        head += [f"{mode} P", f"{mode} R", f"{mode} F1 [95% CI]"]
    if layer in VALUE_LAYERS:
        head += ["value acc. [95% CI]", "pairs"]
    # TempEval-3's relaxed F1 (any overlap, any label), for results that report it.
    relaxed_shown = layer == "time" and any(
        layer in e.result.metrics.relaxed for e in board.entries
    )
    if relaxed_shown:
        head += ["relaxed F1 (TE3)"]
    scored = ranked_in_layer(board.entries, layer)
    if not scored:
        return None
    rows = []
    for e in scored:
        row = [_name_cell(e)]
        for mode in MODES_SHOWN:
            f = layer_figures(e.result, layer, mode) or {}
            row += [_pct(f.get("p")), _pct(f.get("r")), _f1_cell(e.result, layer, mode)]
        if layer in VALUE_LAYERS:
            v = value_figures(e.result, layer)
            row += [_value_cell(e.result, layer), _num(v["matched"] if v else None)]
        if relaxed_shown:
            relaxed = e.result.metrics.relaxed.get(layer)
            row += [_pct(relaxed.f1) if relaxed else "—"]
        rows.append(row)
    return _table(head, rows)


def ranked_in_layer(entries: Iterable[ResultFile], layer: str) -> list[ResultFile]:
    """The results scored on ``layer``, best strict F1 first (an undefined F1 counts as 0),
    ties by label."""

    def f1_of(e: ResultFile) -> float:
        f = layer_figures(e.result, layer, "strict")
        return (f or {}).get("f1") or 0.0

    scored = [e for e in entries if layer_figures(e.result, layer, "strict") is not None]
    return sorted(scored, key=lambda e: (-f1_of(e), e.label))


def label_details(board: Board, layer: str) -> str | None:
    """A collapsed ``<details>`` section: strict P, R, F1 and support of every label of
    ``layer`` with gold or predicted spans, per system in the layer's ranking."""
    rows = []
    for e in ranked_in_layer(board.entries, layer):
        by_label = e.result.metrics.by_label
        for label in LAYER_LABELS[layer]:
            s = by_label[label].strict if label in by_label else None
            if s is None or (s.possible == 0 and s.actual == 0):
                continue
            cells = [_pct(s.precision), _pct(s.recall), _pct(s.f1), str(s.possible), str(s.actual)]
            rows.append([_md(e.label), label, *cells])
    if not rows:
        return None
    table = _table(["system", "label", "P", "R", "F1", "support", "predicted"], rows, 2)
    return "\n".join(
        [
            "<details>",
            f"<summary>{layer}: strict P, R, F1 per label and system</summary>",
            "",
            table,
            "",
            "</details>",
        ]
    )


def system_notes(entries: Iterable[ResultFile]) -> list[str]:
    """A Markdown list item per result whose system declares a note (``SystemInfo.note``)."""
    return [
        f"- **{_md(e.label)}**: {_md(e.result.system.note)}"
        for e in sorted(entries, key=lambda e: e.label)
        if e.result.system.note
    ]


def speed_table(board: Board) -> str:
    """Throughput (median and range over the repeats), latency, load time, memory."""
    head = [
        "system",
        "docs/s",
        "words/s (min–max)",
        "words/s without values",
        "chars/s",
        "latency p50 / p95 / max ms",
        "load s",
        "peak MiB",
        "tokens/doc",
        "$ per 1k docs",
        "repeats × batch",
        "measured",
    ]
    rows = []
    for e in sorted(
        board.entries,
        key=lambda e: (
            not has_speed(e.result),
            -e.result.throughput.words_per_second.median,
            e.label,
        ),
    ):
        t = e.result.throughput
        if not has_speed(e.result):
            rows.append([_name_cell(e), *["—"] * (len(head) - 2), "replayed predictions: no speed"])
            continue
        w = t.words_per_second
        lat = t.latency
        rows.append(
            [
                _name_cell(e),
                _num(t.docs_per_second.median, 1),
                f"{_num(w.median)} ({_num(w.min)}–{_num(w.max)})",
                _num(t.extraction_words_per_second.median)
                if t.extraction_words_per_second
                else "—",
                _num(t.chars_per_second.median),
                "—"
                if lat is None
                else f"{_num(lat.p50_ms, 1)} / {_num(lat.p95_ms, 1)} / {_num(lat.max_ms, 1)}",
                _num(t.load_seconds, 2),
                _num(t.peak_rss_mb),
                *usage_cells(e.result),
                f"{t.repeats} × {t.batch_size}",
                t.measured_at.strftime("%Y-%m-%d %H:%M") + (" (cached)" if t.cached else ""),
            ]
        )
    return _table(head, rows)


def usage_cells(result: Result) -> list[str]:
    """Tokens per document and US dollars per 1,000 documents; 0 for a system that reports
    no usage (a local library), "—" for a result written before usage was recorded."""
    u = result.usage
    if u is None:
        return ["—", "—"]
    return [_num(u.tokens_per_doc, 1), f"{u.cost_per_1000_docs:.4f}"]


def machines(board: Board) -> list[str]:
    """One line per distinct machine the board's timings come from, with its systems."""
    by_machine: dict[str, list[str]] = {}
    for e in board.entries:
        env = e.result.environment
        cpu = env.cpu_model or "unknown CPU"
        desc = (
            f"{cpu}, {env.usable_cpus or env.logical_cpus or '?'} usable cores, Python {env.python}"
        )
        by_machine.setdefault(desc, []).append(e.label)
    return [
        f"{_md(desc)}: {', '.join(_md(label) for label in labels)}"
        for desc, labels in sorted(by_machine.items())
    ]


def _notes(board: Board) -> list[str]:
    notes = []
    if any(e.result.throughput.cached for e in board.entries):
        notes.append(
            "† predictions from the cache: the timings are those measured when the "
            "predictions were made (see the *measured* column), not a fresh measurement."
        )
    failed = [e for e in board.entries if e.result.failures]
    if failed:
        parts = ", ".join(f"{_md(e.label)} ({len(e.result.failures)})" for e in failed)
        notes.append(f"‡n: n documents failed and are scored as predicting nothing: {parts}.")
    return notes


def _board_header(board: Board) -> list[str]:
    fields = signature_fields(board.signature)
    docs = fields.get("docs", "?")
    return [
        f"Gold `{md_code(board.gold)}` ({_md(docs)} documents); "
        f"scoring signature `{md_code(board.signature)}`.",
        "",
        "F1 and value accuracy in %, strict match unless marked; 95% bootstrap intervals "
        f"in brackets; the resampling unit is the {_md(fields.get('ci', '?'))}.",
    ]


def render_markdown(all_boards: Sequence[Board]) -> str:
    """``LEADERBOARD.md``: per board an overview, a table per layer, and a speed table."""
    out = [
        "# Leaderboard",
        "",
        "Generated by `bench report` from the result files in this directory; do not edit.",
        "Definitions: [docs/metrics.md](../docs/metrics.md) and [docs/run.md](../docs/run.md).",
        "",
    ]
    if not all_boards:
        out += ["No results yet: run `bench run --system NAME`.", ""]
    if len(all_boards) > 1:
        out += [
            f"**{len(all_boards)} incomparable groups of results** (different gold or scoring "
            "settings); each has its own tables below and they must not be compared.",
            "",
        ]
    for i, board in enumerate(all_boards, 1):
        title = f"## Board {i}" if len(all_boards) > 1 else "## Results"
        out += [title, "", *_board_header(board), "", RANKING]
        notes = system_notes(board.entries)
        if notes:
            out += ["", "Notes the systems declare:", "", *notes]
        for layer in LAYERS:
            table = layer_table(board, layer)
            if table:
                out += ["", f"### {layer}", "", table]
                details = label_details(board, layer)
                if details:
                    out += ["", details]
        out += ["", "### Speed", "", speed_table(board), ""]
        out += ["Machines: " + "; ".join(machines(board)) + ".", ""]
        notes = _notes(board)
        if notes:
            out += [*notes, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def readme_table(all_boards: Sequence[Board], leaderboard_link: str) -> str:
    """The README's block: the first board's overview and a pointer to the full leaderboard."""
    if not all_boards:
        return (
            "No results yet: run `bench run --system NAME`, then `bench report --readme`; "
            f"they will be in [the leaderboard]({leaderboard_link}).\n"
        )
    board = all_boards[0]
    lines = [*_board_header(board), "", RANKING, ""]
    for layer in LAYERS:
        table = readme_layer_table(board, layer)
        if table:
            lines += [f"**{layer}**", "", table, ""]
    notes = system_notes(board.entries)
    if notes:
        lines += ["Notes the systems declare:", "", *notes, ""]
    lines += [*_notes(board)]
    others = sum(len(b.entries) for b in all_boards[1:])
    if others:
        lines += [
            f"{others} result(s) on other gold or scoring settings are not shown here; "
            f"see [the leaderboard]({leaderboard_link}).",
        ]
    else:
        lines += [
            f"Per-layer P/R/F1, partial match and speed: [the leaderboard]({leaderboard_link})."
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def readme_layer_table(board: Board, layer: str) -> str | None:
    """The README's table of one layer: strict F1 with its interval, P, R, value accuracy
    and words/s, ranked by strict F1."""
    head = ["system", "F1 [95% CI]", "P", "R"]
    if layer in VALUE_LAYERS:
        head.append("value acc.")
    head.append("words/s")
    rows = []
    for e in ranked_in_layer(board.entries, layer):
        r = e.result
        f = layer_figures(r, layer, "strict") or {}
        row = [_name_cell(e), _f1_cell(r, layer), _pct(f.get("p")), _pct(f.get("r"))]
        if layer in VALUE_LAYERS:
            row.append(_value_cell(r, layer))
        row.append(_speed_cells(r)[0])
        rows.append(row)
    return _table(head, rows) if rows else None


def replace_block(text: str, block: str, where: str) -> str:
    """``text`` with the part between the leaderboard markers replaced by ``block``."""
    start = text.find(README_START)
    end = text.find(README_END)
    if start < 0 or end < 0 or end < start:
        raise BenchError(
            f"{where}: no {README_START} ... {README_END} markers to write the leaderboard between"
        )
    head = text[: start + len(README_START)]
    return head + "\n" + block + text[end:]


# --- CSV ----------------------------------------------------------------------------------


def csv_columns() -> list[str]:
    """The CSV header, in order."""
    cols = ["board", "label", "system", "version", "options", "gold", "signature"]
    for layer in LAYERS:
        for mode in MODES_SHOWN:
            for metric in ("p", "r", "f1"):
                cols += [f"{layer}_{mode}_{metric}"]
                cols += [f"{layer}_{mode}_{metric}_low", f"{layer}_{mode}_{metric}_high"]
    for layer in VALUE_LAYERS:
        cols += [f"{layer}_value_acc", f"{layer}_value_acc_low", f"{layer}_value_acc_high"]
    cols += [
        "docs_per_s",
        "docs_per_s_min",
        "docs_per_s_max",
        "words_per_s",
        "words_per_s_min",
        "words_per_s_max",
        "chars_per_s",
        "cpu_s_per_pass",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_max_ms",
        "load_s",
        "peak_rss_mb",
        "peak_rss_children_mb",
        "tokens_per_doc",
        "cost_per_1000_docs",
        "tokens_per_s",
        "repeats",
        "warmup",
        "batch_size",
        "cached",
        "measured_at",
        "failures",
        "cpu_model",
        "usable_cpus",
    ]
    return cols


def _cell(x: object) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        return repr(x)
    return csv_text(str(x))  # text from data: never a spreadsheet formula


def csv_row(board_no: int, e: ResultFile) -> dict[str, str]:
    """One CSV row of a result."""
    r = e.result
    t = r.throughput
    row: dict[str, object] = {
        "board": board_no,
        "label": e.label,
        "system": r.system.name,
        "version": r.system.version,
        "options": json.dumps(r.system.options, sort_keys=True, ensure_ascii=False),
        "gold": signature_fields(r.metrics.signature).get("gold"),
        "signature": r.metrics.signature,
    }
    for layer in LAYERS:
        for mode in MODES_SHOWN:
            f = layer_figures(r, layer, mode) or {}
            for k, v in f.items():
                row[f"{layer}_{mode}_{k}"] = v
    for layer in VALUE_LAYERS:
        vf = value_figures(r, layer) or {}
        for k in ("acc", "acc_low", "acc_high"):
            row[f"{layer}_value_{k}"] = vf.get(k)
    lat = t.latency
    speed = has_speed(r)
    row |= {
        "docs_per_s": t.docs_per_second.median,
        "docs_per_s_min": t.docs_per_second.min,
        "docs_per_s_max": t.docs_per_second.max,
        "words_per_s": t.words_per_second.median,
        "words_per_s_min": t.words_per_second.min,
        "words_per_s_max": t.words_per_second.max,
        "chars_per_s": t.chars_per_second.median,
        "cpu_s_per_pass": median(t.pass_cpu_seconds) if t.pass_cpu_seconds else None,
        "latency_p50_ms": lat.p50_ms if lat else None,
        "latency_p95_ms": lat.p95_ms if lat else None,
        "latency_max_ms": lat.max_ms if lat else None,
        "load_s": t.load_seconds,
        "peak_rss_mb": t.peak_rss_mb,
        "peak_rss_children_mb": t.peak_rss_children_mb,
        "tokens_per_doc": r.usage.tokens_per_doc if r.usage else None,
        "cost_per_1000_docs": r.usage.cost_per_1000_docs if r.usage else None,
        "tokens_per_s": t.tokens_per_second,
        "repeats": t.repeats,
        "warmup": t.warmup,
        "batch_size": t.batch_size,
        "cached": t.cached,
        "measured_at": t.measured_at.isoformat(),
        "failures": len(r.failures),
        "cpu_model": r.environment.cpu_model,
        "usable_cpus": r.environment.usable_cpus,
    }
    cols = csv_columns()
    if not speed:  # replayed predictions: the timings are of reading a file, not a system
        first = cols.index("docs_per_s")
        for c in cols[first : cols.index("tokens_per_s") + 1]:
            row[c] = None
    return {c: _cell(row.get(c)) for c in cols}


def render_csv(all_boards: Sequence[Board]) -> str:
    """``leaderboard.csv``: one row per result; the ``board`` column keeps groups apart."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=csv_columns(), lineterminator="\n")
    writer.writeheader()
    for i, board in enumerate(all_boards, 1):
        for e in board.entries:
            writer.writerow(csv_row(i, e))
    return buf.getvalue()
