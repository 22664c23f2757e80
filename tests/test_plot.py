"""The F1-against-speed picture: a real PNG, the same bytes for the same results."""

from __future__ import annotations

import struct

import pytest
from conftest import GOLD, SEEDS
from toy_system import ToySystem

from bench.corpus.gold import load_gold_dir
from bench.report.leaderboard import Board
from bench.report.plot import render_png
from bench.run.driver import run_system
from bench.run.layout import ResultFile
from bench.run.timing import RunSettings

pytest.importorskip("matplotlib")


def board(layers: tuple[str, ...] | None = None) -> Board:
    gold = load_gold_dir(GOLD, SEEDS)
    settings = RunSettings(repeats=2, warmup=0, latency=False)
    entries = []
    for label, opts in (("a", {}), ("b", {"names": "Putin,Syria"})):
        s = ToySystem(opts)
        if layers:
            s.info = s.info.__class__(**{**s.info.__dict__, "layers": layers})
        r = run_system(s, gold, settings, label=label, bootstrap=50).result
        entries.append(ResultFile(path=None, result=r))  # type: ignore[arg-type]
    return Board("k", tuple(entries))


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_png_is_deterministic() -> None:
    b = board()
    one, two = render_png(b), render_png(b)
    assert one == two
    w, h = size(one)
    assert w > 1000 and 300 < h < w  # three panels side by side
    assert b"Software" not in one  # no version stamp


def test_layer_without_scores_still_draws() -> None:
    png = render_png(board(("time",)))
    assert size(png)[0] > 1000
