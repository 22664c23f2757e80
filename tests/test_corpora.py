"""Streamed corpora: four sources give the same documents, in batches, checked record by record."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_DATA, NEEDS_PARQUET, ROOT, SEEDS

from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir, validate_gold_file
from bench.corpus.stream import (
    open_corpus,
    record,
    synthetic_documents,
    write_corpus,
    write_jsonl,
)
from bench.errors import BenchError


def key(doc: Document) -> tuple:
    """What must survive every source: id, date, text, title, spans and ignore regions."""
    return (
        doc.doc_id,
        doc.document_date,
        doc.text,
        doc.title,
        [s.model_dump() for s in doc.gold.spans],
        [r.model_dump() for r in doc.gold.ignore],
    )


@pytest.fixture(scope="module")
def seeds_jsonl(tmp_path_factory) -> Path:
    """The real corpus (this repository: gold/ + seeds/) written as JSON Lines."""
    path = tmp_path_factory.mktemp("seeds") / "seeds.jsonl"
    write_jsonl(open_corpus(ROOT).documents(), path)
    return path


def test_repository_is_a_directory_corpus() -> None:
    corpus = open_corpus(ROOT)
    assert corpus.kind == "dir" and corpus.count() == 5
    docs = list(corpus.documents())
    gold = load_gold_dir(GOLD, SEEDS)
    assert [d.doc_id for d in docs] == sorted(gold)
    for d in docs:
        assert (d.gold, d.text) == (gold[d.doc_id].gold, gold[d.doc_id].text)
        assert d.title and d.where.endswith(f"{d.doc_id}.json")


@pytest.mark.parametrize(
    "suffix",
    [
        "jsonl",
        pytest.param("parquet", marks=NEEDS_PARQUET),
        pytest.param("hf-disk", marks=NEEDS_DATA),
    ],
)
def test_every_source_gives_the_real_gold_back(suffix: str, tmp_path: Path) -> None:
    originals = list(open_corpus(ROOT).documents())
    if suffix == "hf-disk":
        from bench.corpus.formats.exchange import export_gold

        export_gold("hf-disk", GOLD, SEEDS, tmp_path / "ds")
        path = tmp_path / "ds"
    else:
        path = tmp_path / f"c.{suffix}"
        assert write_corpus(originals, path) == 5
    corpus = open_corpus(path, batch_size=2)
    assert corpus.kind == suffix
    assert [key(d) for d in corpus.documents()] == [key(d) for d in originals]


@pytest.mark.parametrize("suffix", ["jsonl", pytest.param("parquet", marks=NEEDS_PARQUET)])
def test_synthetic_corpus_round_trips_and_passes_every_gold_rule(
    suffix: str, tmp_path: Path
) -> None:
    made = list(synthetic_documents(300, seed=7))
    path = tmp_path / f"syn.{suffix}"
    write_corpus(made, path)
    back = list(open_corpus(path, batch_size=64).documents())  # checked on the way in
    assert [key(d) for d in back] == [key(d) for d in made]
    # ...and as gold files, by the validator of `bench gold validate`.
    from bench.corpus.gold import dump_gold

    texts, gold = tmp_path / "texts", tmp_path / "gold"
    for d in made[:20]:
        (texts / f"{d.doc_id}.txt").parent.mkdir(exist_ok=True)
        (texts / f"{d.doc_id}.txt").write_text(d.text, "utf-8")
        gold.mkdir(exist_ok=True)
        (gold / f"{d.doc_id}.json").write_text(dump_gold(d.gold), "utf-8")
        assert validate_gold_file(gold / f"{d.doc_id}.json", texts).violations == []


def test_synthetic_documents_are_deterministic_and_independent() -> None:
    a = [key(d) for d in synthetic_documents(50, seed=3)]
    assert a == [key(d) for d in synthetic_documents(50, seed=3)]
    assert a[20:30] == [key(d) for d in synthetic_documents(10, seed=3, start=20)]
    assert a != [key(d) for d in synthetic_documents(50, seed=4)]
    labels = {s.label for d in synthetic_documents(50, seed=3) for s in d.gold.spans}
    assert labels == {"PERSON", "GPE", "ORG", "DATE", "CARDINAL", "ORDINAL"}


def test_cli_generate_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bench.cli import app

    runner = CliRunner()
    for name in ("a.jsonl", "b.jsonl"):
        res = runner.invoke(app, ["corpus", "generate", str(tmp_path / name), "--docs", "40"])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert len((tmp_path / "a.jsonl").read_text("utf-8").splitlines()) == 40
    res = runner.invoke(app, ["corpus", "validate", str(tmp_path / "a.jsonl")])
    assert res.exit_code == 0 and "40 document(s)" in res.output


def test_batches() -> None:
    corpus = open_corpus(ROOT)
    sizes = [len(b) for b in corpus.batches(2)]
    assert sizes == [2, 2, 1]
    with pytest.raises(BenchError, match=r"^batch_size: "):
        next(corpus.batches(0))


def test_reading_is_lazy(tmp_path: Path) -> None:
    """A broken last line is only met when the stream gets there: nothing is read ahead."""
    path = tmp_path / "c.jsonl"
    write_jsonl(synthetic_documents(100), path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    batches = open_corpus(path).batches(10)
    assert next(batches)[0].doc_id == "news0000000"
    got = sum(len(b) for b in _until_error(batches))
    assert got == 90


def _until_error(batches):
    try:
        yield from batches
    except BenchError as exc:
        assert str(exc).startswith(f"{exc.args[0].split(':')[0]}:101: json:")


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        n = sum(len(b) for b in open_corpus(path, batch_size=50).batches(50))
        assert n > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", ["jsonl", pytest.param("parquet", marks=NEEDS_PARQUET)])
def test_memory_does_not_grow_with_the_corpus(suffix: str, tmp_path: Path) -> None:
    """Python allocations while streaming 3,000 documents stay near those for 300: only a
    batch and the ids are held (an id costs ~100 bytes)."""
    small, large = tmp_path / f"s.{suffix}", tmp_path / f"l.{suffix}"
    write_corpus(synthetic_documents(3000), large)
    write_corpus(synthetic_documents(300), small)
    assert large.stat().st_size > 8 * small.stat().st_size  # Parquet compresses
    p_small, p_large = _peak_bytes(small), _peak_bytes(large)
    assert p_large < 1.3 * p_small + 3000 * 200, (p_small, p_large)


# --- bad records --------------------------------------------------------------------------------


def _jsonl(tmp_path: Path, records: list[object], raw: bytes | None = None) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        raw if raw is not None else b"".join(json.dumps(r).encode() + b"\n" for r in records)
    )
    return path


def _good(seeds_jsonl: Path) -> list[dict]:
    return [json.loads(x) for x in seeds_jsonl.read_text("utf-8").splitlines()]


BAD = {
    "string-offset": (lambda r: r[1]["spans"][2].update(start="3"), "2: spans[2].start:"),
    "unknown-label": (lambda r: r[2]["spans"][0].update(label="HERO"), "3: spans[0].label:"),
    "span-text": (lambda r: r[0]["spans"][1].update(text="Nope"), "1: spans[1].text:"),
    "past-end": (lambda r: r[4]["spans"][-1].update(end=10**6), ".end: offsets"),
    "overlap": (
        lambda r: r[3]["spans"].insert(1, {**r[3]["spans"][0], "end": r[3]["spans"][0]["end"]}),
        "4: spans[1].start:",
    ),
    "duplicate-id": (lambda r: r.append(dict(r[0])), "6: doc_id: '000_"),
    "duplicate-id-line": (lambda r: r.append(dict(r[1])), "(first on line 2)"),
    "unsafe-id": (lambda r: r[1].update(doc_id="../x"), "2: doc_id:"),
    "empty-text": (lambda r: r[1].update(text="", spans=[], ignore=[]), "2: text: empty"),
    "bad-date": (lambda r: r[0].update(document_date="11/12/2017"), "1: document_date:"),
    "missing-text": (lambda r: r[0].pop("text"), "1: text: Field required"),
    "bad-hash": (lambda r: r[0].update(text_sha256="0" * 64), "1: text_sha256:"),
    "time-value": (
        lambda r: next(s for s in r[0]["spans"] if s["layer"] == "time").update(value="soon"),
        "TIMEX3",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_jsonl_record_names_line_and_field(
    case: str, seeds_jsonl: Path, tmp_path: Path
) -> None:
    mutate, words = BAD[case]
    recs = _good(seeds_jsonl)
    mutate(recs)
    path = _jsonl(tmp_path, recs)
    with pytest.raises(BenchError) as exc:
        list(open_corpus(path).documents())
    msg = str(exc.value)
    assert msg.startswith(f"{path}:") and "\n" not in msg and words in msg, msg


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "no documents"),
        (b"\n\n", "no documents"),
        (b"\xef\xbb\xbf{}\n", "byte-order mark"),
        (b'{"doc_id": "a", "text": "\xff"}\n', "bad.jsonl:1: text: not UTF-8"),
        (b"[1, 2]\n", r"bad.jsonl:1: \(document\):"),
        (b'{"doc_id": "a"', "bad.jsonl:1: json:"),
    ],
)
def test_bad_jsonl_files(raw: bytes, words: str, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [], raw)
    with pytest.raises(BenchError, match=words):
        list(open_corpus(path).documents())


@NEEDS_PARQUET
def test_bad_parquet_row_names_row_and_field(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "c.parquet"
    write_corpus(synthetic_documents(30), path)
    rows = pq.read_table(path).to_pylist()
    rows[17]["spans"][0]["value"] = "ten"
    rows[17]["spans"][0]["label"] = "CARDINAL"
    rows[17]["spans"][0]["layer"] = "number"
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    with pytest.raises(BenchError, match=r"c.parquet row 17: spans\[0\].value: number value"):
        list(open_corpus(path, batch_size=8).documents())
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(BenchError, match=r"x\.parquet: not a Parquet file"):
        list(open_corpus(tmp_path / "x.parquet").documents())


def test_unknown_corpus_path_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="not found"):
        open_corpus(tmp_path / "nope.jsonl")
    (tmp_path / "c.csv").write_text("a,b\n")
    with pytest.raises(BenchError, match="not a corpus"):
        open_corpus(tmp_path / "c.csv")
    (tmp_path / "d").mkdir()
    with pytest.raises(BenchError, match="not a corpus"):
        open_corpus(tmp_path / "d")


def test_directory_corpus_reports_bad_gold(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "texts")
    shutil.copytree(GOLD, tmp_path / "gold", ignore=shutil.ignore_patterns("passes", "*.md"))
    victim = sorted((tmp_path / "gold").glob("*.json"))[2]
    victim.write_text(victim.read_text("utf-8").replace('"label": "GPE"', '"label": "CITY"', 1))
    corpus = open_corpus(tmp_path)
    with pytest.raises(BenchError, match=rf"{victim.name}:\d+: spans\[\d+\]\.label:"):
        list(corpus.documents())


def test_cli_validate_lists_every_bad_record_and_goes_on(seeds_jsonl: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bench.cli import app

    recs = _good(seeds_jsonl)
    recs[1]["spans"][0]["label"] = "HERO"
    lines = [json.dumps(r) for r in recs]
    lines.insert(3, "{not json")
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    res = CliRunner().invoke(app, ["corpus", "validate", str(path)])
    assert res.exit_code == 1
    out = res.stdout.splitlines()
    assert out[0].startswith(f"{path}:2: spans[0].label:")
    assert out[1].startswith(f"{path}:4: json:")
    assert "2 violation(s); 4 valid document(s)" in res.stderr


def test_jsonl_records_validate_against_the_committed_schema(seeds_jsonl: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs/schema/corpus-record.schema.json").read_text("utf-8"))
    lines = seeds_jsonl.read_text("utf-8").splitlines()
    lines += [json.dumps(record(d)) for d in synthetic_documents(5)]
    for line in lines:
        jsonschema.validate(json.loads(line), schema)
    bad = json.loads(lines[0])
    bad["spans"][0]["start"] = "3"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
