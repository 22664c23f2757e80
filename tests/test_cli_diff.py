"""``bench diff A B`` through the real command, on the committed spaCy predictions and a copy
changed in known ways; and ``bench gold diff`` on predictions pointing to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GOLD, ROOT, SEEDS

from bench.corpus.gold import load_gold_dir
from bench.corpus.predictions import read_predictions
from bench.report.errorpage import classify
from bench.schema import LABEL_LAYER

SPACY = ROOT / "results" / "predictions" / "spacy.jsonl"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A copy of spacy.jsonl with five known changes in one document."""
    gold = load_gold_dir(GOLD, SEEDS)
    texts = {d: doc.text for d, doc in gold.items()}
    preds = read_predictions(SPACY, texts)
    for doc in sorted(preds):  # the first document with a correct value to change
        g, text = gold[doc].gold, gold[doc].text
        outs = classify(g, preds[doc], ["entity", "time", "number"])
        correct = [o.pred for o in outs if o.kind == "correct" and o.pred is not None]
        ents = [s for s in correct if LABEL_LAYER[s.label] == "entity" and len(s.text) > 3]
        values = [s for s in correct if LABEL_LAYER[s.label] != "entity" and s.value is not None]
        if values:
            valued = values[0]
            break
    removed, relabelled, moved = ents[0], ents[1], ents[2]
    new_label = "ORG" if relabelled.label != "ORG" else "GPE"
    spans = [s.model_dump(mode="json") for s in preds[doc]]
    out = []
    for s in spans:
        key = (s["start"], s["end"], s["label"])
        if key == (removed.start, removed.end, removed.label):
            continue
        if key == (relabelled.start, relabelled.end, relabelled.label):
            s = {**s, "label": new_label}
        if key == (moved.start, moved.end, moved.label):
            s = {**s, "end": s["end"] - 1, "text": text[s["start"] : s["end"] - 1]}
        if key == (valued.start, valued.end, valued.label):
            v = "1999" if LABEL_LAYER[valued.label] == "time" else 123456789
            s = {**s, "value": v}
        out.append(s)
    covered = [(s["start"], s["end"]) for s in spans]
    free = next(
        i
        for i in range(1, len(text) - 4)
        if not text[i - 1].isalpha()
        and text[i : i + 4].isalpha()
        and not any(a < i + 4 and i < b for a, b in covered)
        and not any(r.start < i + 4 and i < r.end for r in g.ignore)
    )
    out.append({"start": free, "end": free + 4, "label": "LAW", "text": text[free : free + 4]})
    lines = []
    for line in SPACY.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["doc_id"] == doc:
            rec["spans"] = out
        lines.append(json.dumps(rec))
    path = tmp_path_factory.mktemp("diff") / "changed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    want = {
        "removed": removed,
        "relabelled": relabelled,
        "moved": moved,
        "revalued": valued,
        "added": free,
        "doc": doc,
    }
    return path, want


def test_diff_names_each_change_and_its_effect(changed) -> None:
    path, want = changed
    res = bench("diff", "spacy", str(path), "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["a"].endswith("predictions/spacy.jsonl") and d["b"] == str(path)
    assert [doc["doc_id"] for doc in d["documents"]] == [want["doc"]]
    changes = d["documents"][0]["changes"]
    by_kind = {c["kind"]: c for c in changes}
    assert sorted(by_kind) == ["added", "moved", "relabelled", "removed", "revalued"]
    assert len(changes) == 5
    r = by_kind["removed"]
    assert r["b"] is None and r["a"]["start"] == want["removed"].start
    assert r["a"]["outcome"] == "correct" and r["effect"] == "broke"
    rl = by_kind["relabelled"]
    assert (rl["a"]["outcome"], rl["b"]["outcome"], rl["effect"]) == (
        "correct",
        "wrong label",
        "broke",
    )
    mv = by_kind["moved"]
    assert mv["b"]["end"] == want["moved"].end - 1 and mv["b"]["outcome"] == "wrong boundary"
    assert mv["effect"] == "broke"
    rv = by_kind["revalued"]
    assert (rv["a"]["outcome"], rv["b"]["outcome"], rv["effect"]) == (
        "correct",
        "wrong value",
        "broke value",
    )
    ad = by_kind["added"]
    assert ad["a"] is None and ad["b"]["start"] == want["added"]
    assert ad["b"]["outcome"] == "spurious" and ad["effect"] == ""
    # The score moved as the changes say: the entity F1 dropped.
    ent = next(s for s in d["scores"] if s["layer"] == "entity")
    assert ent["b"] < ent["a"]

    # And back again: B to A fixes what A to B broke.
    back = json.loads(bench("diff", str(path), str(SPACY), "--json").stdout)
    effects = sorted(c["effect"] for c in back["documents"][0]["changes"])
    assert effects == ["", "fixed", "fixed", "fixed", "fixed value"]


def test_diff_text_and_exit_code(changed) -> None:
    path, _ = changed
    res = bench("diff", "spacy", str(path), "--exit-code")
    assert res.returncode == 1, res.stderr
    lines = res.stdout.splitlines()
    assert lines[-2] == (
        "5 change(s) in 1 document(s): 1 added, 1 removed, 1 relabelled, 1 moved, 1 revalued; "
        "score: 3 broke, 1 broke value"
    )
    committed = json.loads((ROOT / "results" / "spacy.json").read_text(encoding="utf-8"))
    before = committed["metrics"]["by_layer"]["entity"]["strict"]["f1"] * 100
    assert lines[-1].startswith(f"strict F1: entity {before:.1f} -> ")
    assert any(x.startswith("  - removed    entity ") and x.endswith("[broke]") for x in lines)
    same = bench("diff", "spacy", "results/spacy.json", "--exit-code")
    assert same.returncode == 0, same.stderr
    assert "no differences" in same.stdout


def test_diff_bad_input_is_one_line() -> None:
    res = bench("diff", "spacy", "nosuch")
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "nosuch: not a file, nor a result label in results" in res.stderr
    assert "Traceback" not in res.stderr


def test_gold_diff_on_predictions_points_to_bench_diff() -> None:
    res = bench("gold", "diff", str(SPACY), "results/predictions/rules.jsonl")
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "a predictions file (JSON Lines), not gold" in res.stderr
    assert "bench diff A B" in res.stderr
