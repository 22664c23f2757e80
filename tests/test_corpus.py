"""Seed corpus integrity and one bad gold file per validation rule."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from conftest import DOC, SEEDS

from bench.corpus import (
    dump_gold,
    load_documents,
    load_gold_dir,
    read_text,
    validate_gold_file,
    word_count,
)
from bench.errors import BenchError
from bench.schema import CorpusMeta, GoldDocument

SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_seed_hashes_match_corpus_json() -> None:
    meta = CorpusMeta.model_validate_json((SEEDS / "corpus.json").read_text("utf-8"))
    ids = {d.doc_id for d in meta.documents}
    assert {p.stem for p in SEEDS.glob("*.txt")} == ids
    seeds = {p.stem for p in SHARED.glob("*.txt")} if SHARED.is_dir() else set()
    assert seeds <= ids
    for d in meta.documents:
        data = (SEEDS / f"{d.doc_id}.txt").read_bytes()
        assert hashlib.sha256(data).hexdigest() == d.sha256
        text = data.decode("utf-8")
        assert d.chars == len(text)
        assert d.words == word_count(text)
        assert d.title in text
        if d.doc_id in seeds:
            assert str(d.document_date) == "2017-12-11"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/seeds not beside the checkout")
def test_seeds_are_byte_copies_of_shared() -> None:
    for src in sorted(SHARED.glob("*.txt")):
        assert (SEEDS / src.name).read_bytes() == src.read_bytes()


def test_texts_are_not_normalised() -> None:
    assert "Mar\u0441h 18" in read_text(SEEDS / "003_2068b77634c10f4a.txt")
    assert "\u00a0" in read_text(SEEDS / "002_ca7f5d1c64f82479.txt")


def test_changed_text_is_detected(tmp_path: Path) -> None:
    for f in SEEDS.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / f"{DOC}.txt").write_bytes(b"changed")
    with pytest.raises(BenchError, match="sha256"):
        load_documents(tmp_path)


def test_bom_and_non_utf8_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfhello")
    (tmp_path / "b.txt").write_bytes(b"ok\n\xff")
    with pytest.raises(BenchError, match="byte-order mark"):
        read_text(tmp_path / "a.txt")
    with pytest.raises(BenchError, match=r"b.txt:2: text: not UTF-8"):
        read_text(tmp_path / "b.txt")


def test_valid_gold_passes(gold_dict, write_gold) -> None:
    check = validate_gold_file(write_gold(gold_dict), SEEDS)
    assert check.violations == []


def test_dump_gold_round_trips(gold_dict) -> None:
    gold = GoldDocument.model_validate(gold_dict)
    again = GoldDocument.model_validate(json.loads(dump_gold(gold)))
    assert again == gold
    assert dump_gold(again) == dump_gold(gold)


def _mutate(gold_dict: dict, fn) -> dict:
    d = copy.deepcopy(gold_dict)
    fn(d)
    return d


def _sp(d: dict, i: int) -> dict:
    return d["spans"][i]


# (name, mutation, expected field, expected words in the problem)
CASES = [
    ("schema: missing field", lambda d: d.pop("text_sha256"), "text_sha256", "Field required"),
    ("schema: wrong type", lambda d: _sp(d, 0).update(start="ten"), "spans[0].start", "integer"),
    (
        "schema: unknown field",
        lambda d: _sp(d, 0).update(colour="red"),
        "spans[0].colour",
        "Extra inputs",
    ),
    ("schema: bad version", lambda d: d.update(schema_version=2), "schema_version", "1"),
    ("hash", lambda d: d.update(text_sha256="0" * 64), "text_sha256", "another text"),
    (
        "offsets: end past text",
        lambda d: _sp(d, -1).update(end=10**6),
        "spans[6].end",
        "not within",
    ),
    (
        "offsets: start >= end",
        lambda d: _sp(d, 0).update(end=_sp(d, 0)["start"]),
        "spans[0].end",
        "not within",
    ),
    (
        "offsets: negative",
        lambda d: _sp(d, 0).update(start=-1),
        "spans[0].start",
        "greater than or equal",
    ),
    ("text != slice", lambda d: _sp(d, 0).update(text="Putin "), "spans[0].text", "!= text["),
    (
        "whitespace",
        lambda d: _sp(d, 0).update(end=_sp(d, 0)["end"] + 1, text=_sp(d, 0)["text"] + " "),
        "spans[0].text",
        "whitespace",
    ),
    (
        "label not in layer",
        lambda d: _sp(d, 0).update(label="DATE"),
        "spans[0].label",
        "not a label of layer",
    ),
    ("value: entity", lambda d: _sp(d, 0).update(value=3), "spans[0].value", "no value"),
    (
        "value: bad timex",
        lambda d: _sp(d, 2).update(value="next monday"),
        "spans[2].value",
        "TIMEX3",
    ),
    (
        "value: number as string",
        lambda d: _sp(d, 3).update(value="7"),
        "spans[3].value",
        "JSON number",
    ),
    (
        "overlap in a layer",
        lambda d: d["spans"].insert(1, dict(_sp(d, 0))),
        "spans[1].start",
        "overlaps",
    ),
    (
        "span in ignore region",
        lambda d: d["ignore"].append(
            {"start": _sp(d, 0)["start"], "end": _sp(d, 0)["end"] + 1, "reason": "x"}
        ),
        "spans[0].start",
        "ignore",
    ),
    (
        "ignore regions overlap",
        lambda d: d["ignore"].append(dict(d["ignore"][0])),
        "ignore[1].start",
        "overlaps",
    ),
    ("doc_id != file name", lambda d: d.update(doc_id="004_other"), "doc_id", "file name"),
    ("doc_id unsafe", lambda d: d.update(doc_id="../etc"), "doc_id", "safe id"),
    ("doc_id dot-dot", lambda d: d.update(doc_id=".."), "doc_id", "safe id"),
    ("unsorted", lambda d: d["spans"].reverse(), "spans[1].start", "not sorted"),
]


@pytest.mark.parametrize(("name", "mutate", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_names_its_field(name, mutate, field, words, gold_dict, write_gold) -> None:
    path = write_gold(_mutate(gold_dict, mutate), name=DOC)
    check = validate_gold_file(path, SEEDS)
    messages = [str(v) for v in check.violations]
    assert messages, name
    assert any(f": {field}: " in m and words in m for m in messages), messages
    assert all(m.startswith(str(path)) for m in messages)


def test_violation_names_the_line(gold_dict, write_gold) -> None:
    d = _mutate(gold_dict, lambda d: _sp(d, 3).update(text="wrong"))
    path = write_gold(d)
    (v,) = validate_gold_file(path, SEEDS).violations
    line = path.read_text("utf-8").splitlines()[v.line - 1]
    assert '"wrong"' in line
    assert str(v).startswith(f"{path}:{v.line}: spans[3].text: ")


def test_all_violations_are_reported(gold_dict, write_gold) -> None:
    def many(d: dict) -> None:
        _sp(d, 0).update(text="x")
        _sp(d, 1).update(label="DATE")
        _sp(d, 3).update(value="seven")

    check = validate_gold_file(write_gold(_mutate(gold_dict, many)), SEEDS)
    assert len(check.violations) == 3


def test_invalid_json_names_line(write_gold, tmp_path: Path) -> None:
    path = tmp_path / f"{DOC}.json"
    path.write_text('{\n  "doc_id": "x",\n  oops\n}\n')
    (v,) = validate_gold_file(path, SEEDS).violations
    assert str(v).startswith(f"{path}:3: json: ")


def test_load_gold_dir_raises_one_line(gold_dict, write_gold) -> None:
    path = write_gold(_mutate(gold_dict, lambda d: _sp(d, 0).update(label="DATE")))
    with pytest.raises(BenchError) as err:
        load_gold_dir(path.parent, SEEDS)
    assert "\n" not in str(err.value)
    assert "spans[0].label" in str(err.value)
