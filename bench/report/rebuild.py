"""``bench report``: rebuild everything derived from the result files in one directory.

From ``<results>/*.json``: ``LEADERBOARD.md`` and ``leaderboard.csv``
(:mod:`bench.report.leaderboard`), ``f1_vs_speed.png`` (:mod:`bench.report.plot`),
``errors/<label>.html`` (:mod:`bench.report.errorpage`) and
the README's table between the leaderboard markers. Nothing here is written by hand, so
running it twice on the same results gives the same files.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir
from bench.corpus.texts import read_json
from bench.errors import BenchError, ParameterError
from bench.files import write_atomic
from bench.names import check_name
from bench.report.leaderboard import (
    README_END,
    README_START,
    boards,
    readme_table,
    render_csv,
    render_markdown,
    replace_block,
)
from bench.run.layout import ResultFile, predictions_path, read_results_dir, signature_fields
from bench.run.result import Result
from bench.schema import PredictedSpan

LEADERBOARD_MD = "LEADERBOARD.md"
LEADERBOARD_CSV = "leaderboard.csv"
PLOT_PNG = "f1_vs_speed.png"
COST_PNG = "f1_vs_cost.png"  # drawn when a result of the board reports token usage
ERRORS_DIR = "errors"
MANIFEST = ".written.json"  # in errors/: the pages bench report wrote (and may remove)
# A Markdown link to a LEADERBOARD.md, as readme_table writes it.
_LINK = re.compile(r"\]\(([^()\s]*/)?" + re.escape(LEADERBOARD_MD) + r"\)")


@dataclass
class ReportOutcome:
    """Files written, files already as they would be written (left untouched), and things
    left out (with the reason), for the command to print."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def put(self, path: Path, content: str | bytes) -> None:
        """Write ``path`` unless it already holds ``content``; record which it was."""
        (self.written if _write_if_changed(path, content) else self.unchanged).append(path)


def _write_if_changed(path: Path, content: str | bytes) -> bool:
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True


def update_readme(readme: Path, block: str) -> bool:
    """Rewrite the README's leaderboard block; True when the file changed."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"{readme}: cannot read: {exc.strerror}") from None
    return _write_if_changed(readme, replace_block(text, block, str(readme)))


def check_readme_target(readme: Path, results_dir: Path) -> str:
    """The link to ``results_dir``'s leaderboard as the README writes it; BenchError unless
    ``readme`` has the leaderboard markers and its block links to that very directory.

    The README's block is the committed leaderboard: a scratch directory (``--results``,
    ``bench run --out``) must never replace it. The block's link says which directory it
    shows; a block without one (a new README) belongs to ``results/`` beside the README.
    """
    if readme.is_dir():
        raise BenchError(f"{readme}: is a directory, not a README")
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"{readme}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BenchError(f"{readme}: not UTF-8 text") from None
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise BenchError(f"{readme}: no {README_START} ... {README_END} markers")
    base = readme.resolve().parent
    links = _LINK.findall(text[start:end])
    shown = (base / (links[0] or ".")).resolve() if links else (base / "results").resolve()
    if shown != results_dir.resolve():
        raise BenchError(
            f"{readme}: its leaderboard shows {shown}, not {results_dir}; "
            "refusing to replace it with other results"
        )
    return Path(os.path.relpath(results_dir.resolve() / LEADERBOARD_MD, base)).as_posix()


def build_report(
    results_dir: Path,
    *,
    readme: Path | None = None,
    gold_dir: Path | None = None,
    texts_dir: Path | None = None,
    plot: bool = True,
    error_pages: bool = True,
) -> ReportOutcome:
    """Regenerate the leaderboard files, picture, error pages and README table."""
    out = ReportOutcome()
    entries = read_results_dir(results_dir)
    check_pairs(results_dir, entries)
    gold = None
    current = None
    if gold_dir is not None and texts_dir is not None and gold_dir.is_dir():
        from bench.corpus.digest import gold_digest

        gold = load_gold_dir(gold_dir, texts_dir)
        current = gold_digest(gold)
    all_boards = boards(entries, current)

    md = results_dir / LEADERBOARD_MD
    out.put(md, render_markdown(all_boards))
    out.put(results_dir / LEADERBOARD_CSV, render_csv(all_boards))

    if readme is not None:
        link = check_readme_target(readme, results_dir)
        changed = update_readme(readme, readme_table(all_boards, link))
        (out.written if changed else out.unchanged).append(readme)

    png = results_dir / PLOT_PNG
    if plot and all_boards:
        if importlib.util.find_spec("matplotlib") is None:
            out.notes.append(
                f"{png}: not drawn, matplotlib is not installed (pip install 'bench[report]')"
            )
        else:
            from bench.report.plot import render_png

            board = all_boards[0]
            out.put(png, render_png(board))
            if any(e.result.usage and e.result.usage.reported for e in board.entries):
                out.put(results_dir / COST_PNG, render_png(board, x="cost"))
            if len(all_boards) > 1:
                out.notes.append(
                    f"{png}: shows board 1 (gold {board.gold}) only; "
                    f"{len(all_boards) - 1} other board(s) are in {md}"
                )

    if error_pages:
        _error_pages(results_dir, entries, gold, current, out)
        _pair_pages(results_dir, entries, gold, current, out)
    return out


def check_pairs(results_dir: Path, entries: list[ResultFile]) -> None:
    """Refuse to report a result beside predictions it was not written with (bench.run.pair)."""

    from bench.run.pair import check_pair

    for e in entries:
        check_pair(e.path, e.result.predictions_sha256, predictions_path(results_dir, e.label))


def _error_pages(
    results_dir: Path,
    entries: list[ResultFile],
    gold: dict[str, Document] | None,
    current: str | None,
    out: ReportOutcome,
) -> None:
    from bench.corpus.predictions import read_predictions
    from bench.report.errorpage import render_page

    errors_dir = results_dir / ERRORS_DIR
    notes = out.notes
    labels = {e.label for e in entries}
    # Pages of results that no longer exist would be stale: remove those this command wrote
    # (listed in the manifest), never a file it did not write.
    manifest = errors_dir / MANIFEST
    ours = read_manifest(manifest)
    for name in sorted(ours):
        if name.removesuffix(".html") not in labels:
            (errors_dir / name).unlink(missing_ok=True)
            ours.discard(name)
    if gold is None:
        if entries:
            notes.append("error pages: not made, no gold directory to compare with")
        return
    texts = {d: doc.text for d, doc in gold.items()}
    try:
        for e in entries:
            page = errors_dir / f"{check_name(e.label, 'label')}.html"
            digest = signature_fields(e.result.metrics.signature).get("gold")
            if digest != current:
                notes.append(f"{page}: not made, {e.path} was scored on other gold ({digest})")
                continue
            preds_file = predictions_path(results_dir, e.label)
            if not preds_file.exists():
                notes.append(f"{page}: not made, {preds_file} is missing")
                continue
            preds = read_predictions(preds_file, texts)
            ours.add(page.name)  # before writing: a page half-way there is ours to remove
            _write_manifest(manifest, ours)
            out.put(page, render_page(e.result, gold, preds))
    finally:
        _write_manifest(manifest, ours)


# errors/pairs/<a>--<b>.html: made by `bench report --pair`, listed in errors/pairs/.written.json,
# refreshed (or removed with either result) by every full `bench report`.
PAIRS_DIR = "pairs"


def build_pair_page(
    results_dir: Path, labels: tuple[str, str], *, gold_dir: Path, texts_dir: Path
) -> Path:
    """Write ``errors/pairs/<a>--<b>.html``, the two results side by side, and return its path.

    Both results must have been scored on the gold given here (or a BenchError, exit 2).
    """
    from bench.corpus.digest import gold_digest
    from bench.report.errorpage import render_pair

    a, b = labels
    for label in labels:
        try:
            check_name(label, "label")
        except ValueError as exc:
            raise BenchError(f"pair: {exc}") from None
    if a == b:
        raise BenchError(f"pair: two different results are needed, got {a!r} twice")
    entries = {e.label: e for e in read_results_dir(results_dir)}
    missing = [x for x in labels if x not in entries]
    if missing:
        raise BenchError(
            f"{results_dir}: no result labelled {', '.join(map(repr, missing))} "
            f"(there are: {', '.join(sorted(entries)) or 'none'})"
        )
    gold = load_gold_dir(gold_dir, texts_dir)
    sides = _pair_sides(results_dir, [entries[a], entries[b]], gold, gold_digest(gold))
    page = results_dir / ERRORS_DIR / PAIRS_DIR / f"{a}--{b}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    manifest = page.parent / MANIFEST
    pairs = read_pairs_manifest(manifest)
    pairs.add((a, b))  # before writing: a page half-way there is ours to remove
    _write_pairs_manifest(manifest, pairs)
    _write_if_changed(page, render_pair(sides[0], sides[1], gold))
    return page


def _pair_pages(
    results_dir: Path,
    entries: list[ResultFile],
    gold: dict[str, Document] | None,
    current: str | None,
    out: ReportOutcome,
) -> None:
    """Keep the side-by-side pages ``bench report --pair`` wrote current: each is rewritten
    from the results as they are now, or removed when either result is gone (only pages the
    manifest lists: never a file bench did not write)."""
    from bench.report.errorpage import render_pair

    pairs_dir = results_dir / ERRORS_DIR / PAIRS_DIR
    manifest = pairs_dir / MANIFEST
    pairs = read_pairs_manifest(manifest)
    if not pairs:
        return
    by_label = {e.label: e for e in entries}
    for a, b in sorted(pairs):
        page = pairs_dir / f"{a}--{b}.html"
        if a not in by_label or b not in by_label:
            page.unlink(missing_ok=True)
            pairs.discard((a, b))
            continue
        if gold is None or current is None:
            out.notes.append(f"{page}: not refreshed, no gold directory to compare with")
            continue
        try:
            sides = _pair_sides(results_dir, [by_label[a], by_label[b]], gold, current)
        except BenchError as exc:
            out.notes.append(f"{page}: not refreshed: {exc}")
            continue
        out.put(page, render_pair(sides[0], sides[1], gold))
    _write_pairs_manifest(manifest, pairs)


def _pair_sides(
    results_dir: Path, sides: list[ResultFile], gold: dict[str, Document], current: str
) -> list[tuple[Result, dict[str, list[PredictedSpan]]]]:
    """Each result of a pair with its predictions, checked to be on ``gold`` (digest
    ``current``) and to have its predictions file."""
    from bench.corpus.predictions import read_predictions

    texts = {d: doc.text for d, doc in gold.items()}
    out = []
    for e in sides:
        digest = signature_fields(e.result.metrics.signature).get("gold")
        if digest != current:
            raise ParameterError(
                ("gold_dir", "texts_dir"),
                f"{e.path}: gold.signature: scored on gold:{digest}, but the gold given here "
                f"is gold:{current}; give the gold and texts it was scored on",
            )
        preds_file = predictions_path(results_dir, e.label)
        if not preds_file.exists():
            raise BenchError(f"{preds_file}: no such predictions file (result {e.path})")
        out.append((e.result, read_predictions(preds_file, texts)))
    return out


def read_manifest(path: Path) -> set[str]:
    """The error pages ``bench report`` wrote, from ``errors/.written.json`` (none if absent).

    Only names of the form ``<safe name>.html`` count: a hand-edited manifest cannot make the
    report delete anything else.
    """
    if not path.exists():
        return set()
    _raw, data = read_json(path)
    ok = isinstance(data, dict) and data.get("written_by") == "bench report"
    pages = data.get("pages") if isinstance(data, dict) else None
    if not ok or not isinstance(pages, list):
        raise BenchError(f"{path}: not a manifest of bench report (move it away)")
    out = set()
    for name in pages:
        if isinstance(name, str) and name.endswith(".html"):
            try:
                out.add(check_name(name.removesuffix(".html")) + ".html")
            except ValueError:
                continue
    return out


def read_pairs_manifest(path: Path) -> set[tuple[str, str]]:
    """The pairs ``bench report --pair`` wrote, from ``errors/pairs/.written.json``; only
    pairs of safe names count (a hand-edited manifest cannot make the report delete anything
    else)."""
    if not path.exists():
        return set()
    _raw, data = read_json(path)
    ok = isinstance(data, dict) and data.get("written_by") == "bench report --pair"
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not ok or not isinstance(pairs, list):
        raise BenchError(f"{path}: not a manifest of bench's pair pages (move it away)")
    out = set()
    for pair in pairs:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
            try:
                out.add((check_name(pair[0]), check_name(pair[1])))
            except ValueError:
                continue
    return out


def _write_pairs_manifest(path: Path, pairs: set[tuple[str, str]]) -> None:
    if not pairs and not path.exists():
        return
    data = {"written_by": "bench report --pair", "pairs": [list(p) for p in sorted(pairs)]}
    _write_if_changed(path, json.dumps(data, indent=1) + "\n")


def _write_manifest(path: Path, pages: set[str]) -> None:
    if not pages and not path.exists():
        return
    data = {"written_by": "bench report", "pages": sorted(pages)}
    _write_if_changed(path, json.dumps(data, indent=1) + "\n")
