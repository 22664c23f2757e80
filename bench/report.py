"""``bench report``: rebuild everything derived from the result files in one directory.

From ``<results>/*.json``: ``LEADERBOARD.md`` and ``leaderboard.csv`` (:mod:`bench.leaderboard`),
``f1_vs_speed.png`` (:mod:`bench.plot`), ``errors/<label>.html`` (:mod:`bench.errorpage`) and
the README's table between the leaderboard markers. Nothing here is written by hand, so
running it twice on the same results gives the same files.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import load_gold_dir, write_atomic
from bench.errors import BenchError
from bench.leaderboard import (
    README_END,
    README_START,
    Entry,
    boards,
    load_entries,
    readme_table,
    render_csv,
    render_markdown,
    replace_block,
    signature_fields,
)
from bench.schema import GoldDocument

LEADERBOARD_MD = "LEADERBOARD.md"
LEADERBOARD_CSV = "leaderboard.csv"
PLOT_PNG = "f1_vs_speed.png"
ERRORS_DIR = "errors"


@dataclass
class ReportOutcome:
    """Files written and things left out (with the reason), for the command to print."""

    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def build_report(
    results_dir: Path,
    *,
    readme: Path | None = None,
    readme_required: bool = False,
    gold_dir: Path | None = None,
    texts_dir: Path | None = None,
    plot: bool = True,
    error_pages: bool = True,
) -> ReportOutcome:
    """Regenerate the leaderboard files, picture, error pages and README table."""
    out = ReportOutcome()
    entries = load_entries(results_dir)
    check_pairs(results_dir, entries)
    gold = None
    current = None
    if gold_dir is not None and texts_dir is not None and gold_dir.is_dir():
        from bench.scoring import gold_digest

        gold = load_gold_dir(gold_dir, texts_dir)
        current = gold_digest(gold)
    all_boards = boards(entries, current)

    md = results_dir / LEADERBOARD_MD
    _write_if_changed(md, render_markdown(all_boards))
    csv_path = results_dir / LEADERBOARD_CSV
    _write_if_changed(csv_path, render_csv(all_boards))
    out.written += [md, csv_path]

    if readme is not None:
        text = readme.read_text(encoding="utf-8") if readme.exists() else None
        has_markers = text is not None and README_START in text and README_END in text
        if has_markers:
            link = Path(os.path.relpath(md.resolve(), readme.resolve().parent))
            update_readme(readme, readme_table(all_boards, link.as_posix()))
            out.written.append(readme)
        elif readme_required:
            raise BenchError(f"{readme}: no {README_START} ... {README_END} markers")
        else:
            out.notes.append(f"{readme}: no leaderboard markers, left alone")

    png = results_dir / PLOT_PNG
    if plot and all_boards:
        if importlib.util.find_spec("matplotlib") is None:
            out.notes.append(
                f"{png}: not drawn, matplotlib is not installed (pip install 'bench[report]')"
            )
        else:
            from bench.plot import render_png

            board = all_boards[0]
            _write_if_changed(png, render_png(board))
            out.written.append(png)
            if len(all_boards) > 1:
                out.notes.append(
                    f"{png}: shows board 1 (gold {board.gold}) only; "
                    f"{len(all_boards) - 1} other board(s) are in {md}"
                )

    if error_pages:
        out.written += _error_pages(results_dir, entries, gold, current, out.notes)
    return out


def check_pairs(results_dir: Path, entries: list[Entry]) -> None:
    """Refuse to report a result beside predictions it was not written with (bench.runfiles)."""
    from bench.run import predictions_path
    from bench.runfiles import check_pair

    for e in entries:
        check_pair(e.path, e.result.predictions_sha256, predictions_path(results_dir, e.label))


def _error_pages(
    results_dir: Path,
    entries: list[Entry],
    gold: dict[str, tuple[GoldDocument, str]] | None,
    current: str | None,
    notes: list[str],
) -> list[Path]:
    from bench.errorpage import render_page
    from bench.predictions import read_predictions
    from bench.run import predictions_path

    errors_dir = results_dir / ERRORS_DIR
    written = []
    labels = {e.label for e in entries}
    # Pages of results that no longer exist would be stale: remove them (only our *.html).
    if errors_dir.is_dir():
        for page in errors_dir.glob("*.html"):
            if page.stem not in labels:
                page.unlink()
    if gold is None:
        if entries:
            notes.append("error pages: not made, no gold directory to compare with")
        return written
    texts = {d: t for d, (_, t) in gold.items()}
    for e in entries:
        page = errors_dir / f"{e.label}.html"
        digest = signature_fields(e.result.metrics.signature).get("gold")
        if digest != current:
            notes.append(f"{page}: not made, {e.path} was scored on other gold ({digest})")
            continue
        preds_file = predictions_path(results_dir, e.label)
        if not preds_file.exists():
            notes.append(f"{page}: not made, {preds_file} is missing")
            continue
        preds = read_predictions(preds_file, texts)
        _write_if_changed(page, render_page(e.result, gold, preds))
        written.append(page)
    return written
