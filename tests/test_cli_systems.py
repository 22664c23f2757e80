"""``bench systems`` through the real console entry point."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import NEEDS_RULES, NEEDS_SPACY


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], capture_output=True, text=True, check=False
    )


@NEEDS_SPACY
def test_lists_every_builtin_with_labels_and_state() -> None:
    out = bench("systems")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("spacy  [available]  builtin: systems.spacy:SpacySystem\n")
    assert "rules  [available]  builtin: systems.rules:RulesSystem" in out.stdout
    assert "    labels: DATE TIME CARDINAL ORDINAL PERCENT MONEY QUANTITY" in out.stdout
    assert "--option path=<path>  predictions JSONL file (required)" in out.stdout
    for name in ("recognizers", "duckling", "dateparser", "quantulum3", "llm"):
        assert f"\n{name}  [" in out.stdout


@NEEDS_RULES
def test_json_and_filter() -> None:
    out = bench("systems", "rules", "--json")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert row["name"] == "rules" and row["available"] is True
    assert row["options"] == {"values": "true"}
    assert row["label_map"]["DATE"] == "DATE"


def test_unknown_name_is_one_line() -> None:
    out = bench("systems", "nope")
    assert out.returncode == 2
    assert out.stderr.startswith("error: unknown system 'nope'")
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
