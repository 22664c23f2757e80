"""Issue 15, open world: label sets as data, ``bench corpus import``, ``bench predictions
import``, ``bench score --corpus``, ``bench run --layer`` and the label-map presets.

Fixtures are small files written for these tests (tests/data/formats/), not public data.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from bench.corpus.labels import (
    CONLL2003,
    LABEL_MAPS,
    TIMEML,
    apply_label_map,
    is_recurring,
    load_label_map,
    map_label,
)
from bench.errors import BenchError
from bench.schema import SEED_LABEL_SET, LabelSet, PredictedSpan

DATA = Path(__file__).resolve().parent / "data" / "formats"


def bench(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        check=False,
    )


def ok(*args: str | Path) -> subprocess.CompletedProcess[str]:
    res = bench(*args)
    assert res.returncode == 0, res.stderr
    return res


def refused(*args: str | Path) -> str:
    """The one error line of a command that must fail with exit 2."""
    res = bench(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def records(path: Path) -> tuple[dict, list[dict]]:
    """The header and the documents of a JSON Lines corpus."""
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    return lines[0], lines[1:]


def comparable(docs: list[dict]) -> list[dict]:
    """Documents without what a format need not carry (tokens, empty titles)."""
    keep = ("doc_id", "text", "document_date", "spans", "ignore")
    return [{k: d.get(k) for k in keep} for d in docs]


# --- label sets and the signature -----------------------------------------------------------


def test_label_sets_refuse_a_label_of_another_layer() -> None:
    with pytest.raises(ValueError, match="'DATE' is not a label of layer 'entity'"):
        LabelSet(name="x", layers={"entity": ["DATE"]})
    with pytest.raises(ValueError, match="'DISEASE' is not a label of layer 'entity'"):
        LabelSet(name="x", layers={"entity": ["DISEASE"]})
    assert CONLL2003.digest() != SEED_LABEL_SET.digest(("entity",))
    assert SEED_LABEL_SET.digest() != SEED_LABEL_SET.digest(("time",))


def test_seed_signature_names_the_seed_label_set() -> None:
    from bench.corpus.gold import load_gold_dir
    from bench.scoring.engine import score

    real_gold = load_gold_dir(ROOT / "gold", ROOT / "seeds")
    from bench.scoring.report import SCORING_VERSION, parse_signature

    report = score(real_gold, {}, layers=["time"], bootstrap=0)
    sig = parse_signature(report.signature)
    assert sig["scoring"] == str(SCORING_VERSION) == "3"
    assert sig["labels"] == SEED_LABEL_SET.digest()  # the corpus's set, whatever is scored
    assert list(report.by_label) == ["DATE", "TIME"]


# --- label maps -----------------------------------------------------------------------------


def test_ontonotes_conll2003_preset_is_the_usual_convention() -> None:
    spec = LABEL_MAPS["ontonotes-conll2003"]
    want = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}
    want |= dict.fromkeys(["NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"], "MISC")
    assert {k: map_label(spec, k, None) for k in want} == want
    assert map_label(spec, "DATE", "2012") == "DATE"  # other layers pass unchanged


@pytest.mark.parametrize(
    ("label", "value", "want"),
    [
        ("DATE", "2012-03-18", "DATE"),
        ("DATE", "P3D", "DURATION"),
        ("TIME", "PT3H", "DURATION"),
        ("DATE", "XXXX-WXX-1", "SET"),
        ("TIME", "XXXX-XX-XXT08:00", "SET"),
        ("DATE", "R/P1W", "SET"),
        ("DATE", "PAST_REF", "DATE"),
        ("TIME", "2012-03-11TNI", "TIME"),
        ("CARDINAL", 3, "CARDINAL"),
    ],
)
def test_ontonotes_timeml_preset_uses_the_value(label: str, value: object, want: str) -> None:
    assert map_label(LABEL_MAPS["ontonotes-timeml"], label, value) == want


def test_label_map_file_and_dropping(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"name": "mine", "labels": {"NORP": None, "GPE": "LOC"}}))
    spec = load_label_map(str(path))
    spans = [
        PredictedSpan(start=0, end=3, label="NORP"),
        PredictedSpan(start=4, end=9, label="GPE", layer="entity"),
    ]
    out = apply_label_map(spec, spans)
    assert [(s.label, s.layer) for s in out] == [("LOC", None)]
    path.write_text(json.dumps({"name": "bad", "labels": {"GPE": "COUNTRY"}}))
    with pytest.raises(BenchError, match="unknown label 'COUNTRY'"):
        load_label_map(str(path))
    with pytest.raises(BenchError, match="neither a preset"):
        load_label_map("no-such-preset")
    assert is_recurring("XXXX-WXX-7") and not is_recurring("2012-W11-7")


# --- CoNLL ----------------------------------------------------------------------------------


def test_conll_import_round_trips(tmp_path: Path) -> None:
    from bench.corpus.formats import conll_columns

    first = tmp_path / "a.jsonl"
    ok("corpus", "import", "conll", DATA / "sample.conll", "--out", first)
    header, docs = records(first)
    assert header["label_set"] == CONLL2003.model_dump()
    assert [s["label"] for s in docs[0]["spans"]] == ["PER", "LOC", "ORG"]
    text = docs[0]["text"]
    assert [text[a:b] for a, b in docs[0]["tokens"][:2]] == ["Anna", "Kowalski"]
    # Written back as CoNLL columns and imported again: the same corpus.
    docs_read = conll_columns.read(DATA / "sample.conll")
    again = tmp_path / "sample.conll"
    again.write_text(conll_columns.write(docs_read), encoding="utf-8")
    second = tmp_path / "b.jsonl"
    ok("corpus", "import", "conll", again, "--out", second)
    assert records(second)[1] == docs


def test_conll_scored_end_to_end(tmp_path: Path) -> None:
    corpus, preds = tmp_path / "c.jsonl", tmp_path / "p.jsonl"
    src = DATA / "predicted.conll"
    ok("corpus", "import", "conll", src, "--out", corpus, "--option", "tag_column=-2")
    ok("predictions", "import", "conll", src, "--corpus", corpus, "--out", preds,
       "--option", "tag_column=-1")  # fmt: skip
    res = ok("score", "--corpus", corpus, "--predictions", preds, "--json", "--bootstrap", "0")
    report = json.loads(res.stdout)
    assert report["layers"] == ["entity"]
    assert list(report["by_label"]) == ["PER", "LOC", "ORG", "MISC"]
    strict = report["overall"]["strict"]
    # conlleval on this file: 2 of 5 found chunks correct, 5 gold chunks: P = R = F1 = 40.00.
    assert (strict["correct"], strict["actual"], strict["possible"]) == (2, 5, 5)
    assert strict["f1"] == pytest.approx(0.4)
    assert report["overall"]["exact"]["correct"] == 3  # New York: right span, wrong type
    assert report["overall"]["type"]["correct"] == 3  # Acme staff overlaps Acme as ORG
    sig = dict(p.split(":", 1) for p in report["signature"].split("|"))
    assert sig["labels"] == CONLL2003.digest()
    # A layer the corpus does not have is refused.
    line = refused("score", "--corpus", corpus, "-p", preds, "--layer", "time")
    assert "label set 'conll2003' has no layer 'time'" in line


# --- TimeML ---------------------------------------------------------------------------------


def _system_dir(tmp_path: Path) -> Path:
    """The sample as a system would have tagged it: the SET typed DATE, the night missed."""
    out = tmp_path / "system"
    out.mkdir()
    text = (DATA / "sample.tml").read_text(encoding="utf-8")
    text = text.replace('type="SET" value="XXXX-WXX-1"', 'type="DATE" value="XXXX-WXX-1"')
    text = text.replace(
        '<TIMEX3 tid="t2" type="TIME" value="2012-03-11TNI">night</TIMEX3>', "night"
    )
    (out / "sample.tml").write_text(text, encoding="utf-8")
    return out


def test_timeml_corpus_scored_on_time_only(tmp_path: Path) -> None:
    corpus, preds = tmp_path / "t.jsonl", tmp_path / "p.jsonl"
    ok("corpus", "import", "timeml", DATA, "--out", corpus)
    header, docs = records(corpus)
    assert header["label_set"] == TIMEML.model_dump()
    (doc,) = docs
    assert doc["document_date"] == "2012-03-18"  # the DCT, which is not a span
    got = [(doc["text"][s["start"] : s["end"]], s["label"], s["value"]) for s in doc["spans"]]
    assert got == [
        ("last Sunday", "DATE", "2012-W11-7"),
        ("night", "TIME", "2012-03-11TNI"),
        ("three hours", "DURATION", "PT3H"),
        ("every Monday", "SET", "XXXX-WXX-1"),
    ]
    ok("predictions", "import", "timeml", _system_dir(tmp_path), "--corpus", corpus, "--out", preds)
    args = ("score", "--corpus", corpus, "-p", preds, "--json", "--bootstrap", "0")
    report = json.loads(ok(*args).stdout)
    assert report["layers"] == ["time"]
    assert list(report["by_label"]) == ["DATE", "TIME", "DURATION", "SET"]
    assert report["overall"]["strict"]["correct"] == 2  # the SET typed DATE is wrong
    assert report["overall"]["exact"]["correct"] == 3
    assert report["overall"]["strict"]["missed"] == 1
    # With the OntoNotes -> TimeML preset, the recurring value makes the DATE a SET.
    mapped = json.loads(ok(*args, "--label-map", "ontonotes-timeml").stdout)
    assert mapped["overall"]["strict"]["correct"] == 3
    assert "no layer 'entity'" in refused("score", "--corpus", corpus, "-p", preds, "-l", "entity")


def test_timeml_import_round_trips(tmp_path: Path) -> None:
    from bench.corpus.formats import timeml

    first = tmp_path / "a.jsonl"
    ok("corpus", "import", "timeml", DATA / "sample.tml", "--out", first)
    written = tmp_path / "tml"
    written.mkdir()
    for doc in timeml.read(DATA / "sample.tml"):
        (written / f"{doc.doc_id}.tml").write_text(timeml.write(doc), encoding="utf-8")
    second = tmp_path / "b.jsonl"
    ok("corpus", "import", "timeml", written, "--out", second)
    assert records(second)[1] == records(first)[1]


def test_run_scores_only_the_corpus_layers(tmp_path: Path) -> None:
    corpus = tmp_path / "t.jsonl"
    ok("corpus", "import", "timeml", DATA / "sample.tml", "--out", corpus)
    out = tmp_path / "out"
    ok("run", "--system", "tests.toy_system:ToySystem", "--corpus", corpus, "--out", out,
       "--no-report", "--no-cache", "--quiet", "--bootstrap", "0")  # fmt: skip
    result = (
        json.loads((out / "ToySystem.json").read_text())
        if (out / "ToySystem.json").exists()
        else json.loads(next(out.glob("*.json")).read_text())
    )
    assert result["metrics"]["layers"] == ["time"]
    assert list(result["metrics"]["by_label"]) == ["DATE", "TIME", "DURATION", "SET"]
    line = refused("run", "--system", "tests.toy_system:ToySystem", "--corpus", corpus,
                   "--out", out, "--no-report", "--layer", "number")  # fmt: skip
    assert "no layer 'number'" in line


def test_run_layer_on_the_seeds(tmp_path: Path) -> None:
    ok("run", "--system", "tests.toy_system:ToySystem", "--out", tmp_path, "--no-report",
       "--no-cache", "--quiet", "--bootstrap", "0", "--repeats", "1", "--warmup", "0",
       "--layer", "time")  # fmt: skip
    result = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert result["metrics"]["layers"] == ["time"]
    assert "labels:" + SEED_LABEL_SET.digest() in result["gold"]["signature"]


# --- the other importers --------------------------------------------------------------------


def _tool_records(path: Path) -> list:
    """The documents of a corpus JSONL file (what the tool writers take)."""
    from bench.corpus.stream import open_corpus

    return list(open_corpus(path).documents())


@pytest.mark.parametrize("fmt", ["labelstudio", "doccano", "brat", "docbin"])
def test_tool_formats_round_trip(tmp_path: Path, fmt: str) -> None:
    from bench.corpus.formats import get_format

    if fmt == "docbin":
        pytest.importorskip("spacy")
    corpus = tmp_path / "c.jsonl"
    ok("corpus", "import", "timeml", DATA / "sample.tml", "--out", corpus)
    export = tmp_path / "export"
    export.mkdir()
    get_format(fmt).write(_tool_records(corpus), export)
    files = sorted(
        p for p in export.rglob("*") if p.is_file() and p.suffix not in (".conf", ".xml")
    )
    source = export if fmt == "brat" else files[0]
    back = tmp_path / "back.jsonl"
    ok("corpus", "import", fmt, source, "--out", back, "--option", "label_set=timeml")
    assert comparable(records(back)[1]) == comparable(records(corpus)[1])
    assert records(back)[0]["label_set"] == TIMEML.model_dump()


def test_hf_tokens_import_round_trips(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names)),
        }
    )
    rows = {
        "id": ["s1", "s2"],
        "tokens": [["Anna", "Kowalski", "flew", "to", "New", "York", "."], ["EU", "rejects"]],
        "ner_tags": [[1, 2, 0, 0, 3, 4, 0], [5, 0]],
    }
    saved = tmp_path / "ds"
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(saved))
    out = tmp_path / "h.jsonl"
    ok("corpus", "import", "hf-tokens", saved, "--out", out)
    header, docs = records(out)
    assert header["label_set"]["name"] == "conll2003"
    assert [(d["doc_id"], [s["text"] for s in d["spans"]]) for d in docs] == [
        ("s1", ["Anna Kowalski", "New York"]),
        ("s2", ["EU"]),
    ]
    assert docs[1]["tokens"] == [[0, 2], [3, 10]]


# --- bad input ------------------------------------------------------------------------------


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert "unknown format 'nope'" in refused("corpus", "import", "nope", DATA, "--out", out)
    line = refused("corpus", "import", "conll", DATA / "sample.conll", "--out", out,
                   "--option", "tag_column=9")  # fmt: skip
    assert "sample.conll:3: tag_column: column 9 does not exist" in line
    bad = tmp_path / "bad.conll"
    bad.write_text("Anna B-PER\nKowalski I-LOC\n", encoding="utf-8")
    line = refused("corpus", "import", "conll", bad, "--out", out, "--option", "strict=true")
    assert line.startswith(f"error: {bad}:2: tag column -1: ")
    no_text = tmp_path / "no_text.tml"
    no_text.write_text("<TimeML>\n<DCT/>\n</TimeML>\n", encoding="utf-8")
    assert refused("corpus", "import", "timeml", no_text, "--out", out).endswith(
        "no_text.tml: no <TEXT> element"
    )
    odd = tmp_path / "odd.conll"
    odd.write_text("Anna B-PER\nGEN-X B-GENE\n", encoding="utf-8")
    assert "'GENE' is in no label set" in refused("corpus", "import", "conll", odd, "--out", out)
    assert not out.exists()
    # Predictions whose text is not the corpus's.
    corpus = tmp_path / "c.jsonl"
    ok("corpus", "import", "conll", DATA / "sample.conll", "--out", corpus)
    other = tmp_path / "other.conll"
    other.write_text(
        (DATA / "sample.conll").read_text(encoding="utf-8").replace("Acme", "Acne"),
        encoding="utf-8",
    )
    preds = tmp_path / "p.jsonl"
    line = refused("predictions", "import", "conll", other, "--corpus", corpus, "--out", preds)
    assert (
        f"{other}:13: text: differs from the corpus's document 'sample-0001' at offset 43" in line
    )
    assert not preds.exists()
    line = refused("score", "--predictions", preds, "--label-map", "ontonotes-conll2003")
    assert "--label-map: needs --corpus" in line


def test_corpus_header_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    header = {
        "bench_corpus": 1,
        "name": "x",
        "label_set": {"name": "x", "layers": {"entity": ["GENE"]}},
    }
    doc = {"doc_id": "d", "text": "Anna", "document_date": "2020-01-01",
           "spans": [{"start": 0, "end": 4, "label": "PER"}]}  # fmt: skip
    path.write_text(json.dumps(header) + "\n" + json.dumps(doc) + "\n", encoding="utf-8")
    line = refused("corpus", "validate", path)
    assert f"{path}:1: label_set.layers: " in line and "'GENE'" in line
    # Without a header the seeds' label set applies: PER is not one of its labels.
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    res = bench("corpus", "validate", path)
    assert res.returncode == 1 and "'PER' is not a label of layer 'entity'" in res.stdout


def test_run_with_a_label_map_on_a_conll_corpus(tmp_path: Path) -> None:
    corpus, out = tmp_path / "c.jsonl", tmp_path / "out"
    ok("corpus", "import", "conll", DATA / "sample.conll", "--out", corpus)
    run = ("run", "--system", "tests.toy_system:ToySystem", "--option", "names=Anna Kowalski",
           "--corpus", corpus, "--out", out, "--no-report", "--no-cache", "--quiet",
           "--bootstrap", "0")  # fmt: skip
    ok(*run)
    plain = json.loads(next(out.glob("*.json")).read_text())
    assert plain["metrics"]["layers"] == ["entity"]  # the corpus has no time or number layer
    assert plain["metrics"]["overall"]["strict"]["correct"] == 0  # PERSON is not PER
    assert plain["metrics"]["overall"]["type"]["incorrect"] == 1
    ok(*run, "--label-map", "ontonotes-conll2003")
    mapped = json.loads(next(out.glob("*.json")).read_text())
    assert mapped["metrics"]["by_label"]["PER"]["strict"]["correct"] == 1
    preds = next((out / "predictions").glob("*.jsonl")).read_text()
    assert '"PER"' in preds and '"PERSON"' not in preds  # the file holds the mapped labels
    # bench score on that file gives the run's numbers without the map.
    rescored = ok("score", "--corpus", corpus, "-p", next((out / "predictions").glob("*.jsonl")),
                  "--json", "--bootstrap", "0")  # fmt: skip
    assert json.loads(rescored.stdout)["overall"] == mapped["metrics"]["overall"]
