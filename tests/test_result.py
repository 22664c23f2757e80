"""The result file: its content, reruns byte-identical outside the timings, reading errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GOLD, SEEDS
from toy_system import ToySystem

from bench.corpus.digest import gold_sha256
from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir
from bench.corpus.predictions import read_predictions
from bench.errors import BenchError
from bench.run.driver import run_system
from bench.run.layout import check_label, write_run
from bench.run.result import VOLATILE_FIELDS, Result, read_result
from bench.run.timing import RunSettings
from bench.scoring.engine import score

FAST = RunSettings(repeats=2, warmup=1, batch_size=2)


@pytest.fixture(scope="module")
def gold():
    return load_gold_dir(GOLD, SEEDS)


def stable_part(text: str) -> str:
    data = json.loads(text)
    for key in VOLATILE_FIELDS:
        data.pop(key)
    return json.dumps(data, indent=2)


def test_rerun_is_byte_identical_but_for_timings(gold, tmp_path: Path) -> None:
    a = run_system(ToySystem(), gold, FAST, bootstrap=200)
    write_run(a, tmp_path / "a")
    b = run_system(ToySystem(), gold, FAST, bootstrap=200)
    write_run(b, tmp_path / "b")
    ta = (tmp_path / "a" / "toy.json").read_text(encoding="utf-8")
    tb = (tmp_path / "b" / "toy.json").read_text(encoding="utf-8")
    assert stable_part(ta) == stable_part(tb)
    # The volatile fields are the last ones, so the files agree byte for byte up to them.
    assert ta[: ta.index('"throughput"')] == tb[: tb.index('"throughput"')]
    assert list(json.loads(ta))[-3:] == list(VOLATILE_FIELDS)
    pa = (tmp_path / "a" / "predictions" / "toy.jsonl").read_bytes()
    assert pa == (tmp_path / "b" / "predictions" / "toy.jsonl").read_bytes()


def test_result_content_matches_the_engine(gold, tmp_path: Path) -> None:
    out = run_system(ToySystem({"names": "Putin"}), gold, FAST, label="toy-putin", bootstrap=100)
    res_path, preds_path = write_run(out, tmp_path)
    assert res_path == tmp_path / "toy-putin.json"
    r = read_result(res_path)
    assert r == out.result
    assert r.system.label == "toy-putin" and r.system.name == "toy"
    assert r.system.options == {"names": "Putin"}
    assert r.gold.documents == 5 and r.gold.spans == sum(
        len(doc.gold.spans) for doc in gold.values()
    )
    assert r.gold.signature == r.metrics.signature and "gold:" in r.gold.signature
    assert r.gold.sha256 == gold_sha256(gold)
    # One digest: the signature's gold field is the first 12 hex digits of gold.sha256.
    assert f"gold:{r.gold.sha256[:12]}" in r.gold.signature.split("|")
    # Scoring the written predictions file again gives the metrics in the result.
    preds = read_predictions(preds_path, {d: doc.text for d, doc in gold.items()})
    assert score(gold, preds, bootstrap=100) == r.metrics
    t = r.throughput
    assert t.docs == 5 and t.repeats == 2 and t.warmup == 1 and t.batch_size == 2
    assert len(t.pass_seconds) == 2 and t.seconds.min <= t.seconds.median <= t.seconds.max
    assert r.environment.python and r.environment.packages["bench"]
    assert r.created_at.tzinfo is not None


def test_failures_recorded_and_scored_as_nothing(gold, tmp_path: Path) -> None:
    out = run_system(ToySystem({"fail_on": "Hmeimim"}), gold, FAST, bootstrap=0)
    failed = {f.doc_id for f in out.result.failures}
    assert failed and all("RuntimeError" in f.error for f in out.result.failures)
    assert set(out.result.metrics.missing_predictions) == failed
    _res, preds = write_run(out, tmp_path)
    lines = [json.loads(x) for x in preds.read_text(encoding="utf-8").splitlines()]
    assert {x["doc_id"] for x in lines if x.get("error")} == failed


def test_gold_hash_follows_the_gold(gold) -> None:
    doc_id = sorted(gold)[0]
    g, text = gold[doc_id].gold, gold[doc_id].text
    changed = dict(gold)
    changed[doc_id] = Document(g.model_copy(update={"spans": g.spans[1:]}), text)
    assert gold_sha256(changed) != gold_sha256(gold)
    assert gold_sha256(dict(reversed(list(gold.items())))) == gold_sha256(gold)


def test_bad_result_file_is_one_line(tmp_path: Path, gold) -> None:
    out = run_system(ToySystem(), gold, FAST, bootstrap=0)
    res, _ = write_run(out, tmp_path)
    data = json.loads(res.read_text(encoding="utf-8"))
    data["throughput"]["docs"] = "five"
    res.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BenchError, match=r"toy\.json: throughput\.docs: "):
        read_result(res)
    res.write_text("{", encoding="utf-8")
    with pytest.raises(BenchError, match=r"toy\.json:1: json: "):
        read_result(res)


def test_labels_checked() -> None:
    assert check_label("spacy-md_2.1+x") == "spacy-md_2.1+x"
    for bad in ("", "../x", ".hidden", "a b", "a/b"):
        with pytest.raises(BenchError, match=r"^label: "):
            check_label(bad)


def test_schema_is_pydantic() -> None:
    schema = Result.model_json_schema()
    assert {"system", "gold", "metrics", "throughput", "environment", "created_at"} <= set(
        schema["properties"]
    )


def test_written_result_validates_against_the_committed_schema(gold, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from conftest import ROOT

    schema = json.loads((ROOT / "docs" / "schema" / "result.schema.json").read_text("utf-8"))
    res, _ = write_run(run_system(ToySystem(), gold, FAST, bootstrap=50), tmp_path)
    data = json.loads(res.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    data["throughput"]["speed"] = "fast"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
