"""The committed JSON Schema files are what the models generate, and the real files validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.schemafiles import MODELS, schema_files, stale_files

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "docs" / "schema"


def test_committed_schema_files_are_up_to_date() -> None:
    stale = stale_files(SCHEMA_DIR)
    assert stale == [], f"run `bench schema export` (stale: {', '.join(map(str, stale))})"
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(MODELS)


def test_real_files_validate_against_the_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    files = schema_files()
    gold = json.loads(files["gold-document.schema.json"])
    corpus = json.loads(files["corpus-meta.schema.json"])
    prediction = json.loads(files["prediction-record.schema.json"])
    for validator_schema in (gold, corpus, prediction):
        jsonschema.Draft202012Validator.check_schema(validator_schema)
    for path in sorted((ROOT / "gold").glob("**/*.json")):
        jsonschema.validate(json.loads(path.read_text("utf-8")), gold)
    jsonschema.validate(json.loads((ROOT / "seeds" / "corpus.json").read_text("utf-8")), corpus)
    jsonschema.validate(
        {"doc_id": "x", "spans": [{"start": 0, "end": 1, "label": "DATE"}]}, prediction
    )
    # And they refuse what the models refuse.
    bad = json.loads((ROOT / "gold" / "004_11ebdb740a3ae7fd.json").read_text("utf-8"))
    bad["spans"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, gold)


def test_cli_export_and_check(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "schema"
    res = runner.invoke(app, ["schema", "export", "--check", "--out", str(out)])
    assert res.exit_code == 1 and "out of date" in res.output
    res = runner.invoke(app, ["schema", "export", "--out", str(out)])
    assert res.exit_code == 0
    assert (out / "gold-document.schema.json").read_text("utf-8") == (
        SCHEMA_DIR / "gold-document.schema.json"
    ).read_text("utf-8")
    res = runner.invoke(app, ["schema", "export", "--check", "--out", str(out)])
    assert res.exit_code == 0
