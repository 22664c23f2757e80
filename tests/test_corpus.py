"""Seed corpus integrity and one bad gold file per validation rule."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from pathlib import Path

import pytest
from conftest import DOC, GOLD, SEEDS

from bench.corpus.gold import dump_gold, load_gold_dir, validate_gold_file
from bench.corpus.goldtable import GoldTable, load_gold_table
from bench.corpus.texts import load_documents, read_text, word_count
from bench.errors import BenchError
from bench.schema import LAYER_LABELS, CorpusMeta, GoldDocument

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
        "value: number beyond float",
        lambda d: _sp(d, 3).update(value=10**400),
        "spans[3].value",
        "finite",
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


# load_gold_table checks every rule on all spans at once and leaves anything off to
# load_gold_dir; these tests hold the two to the same verdicts and the same messages.

POOL: list[object] = [
    None, 0, -1, 3, 36, 41, 10**6, 2**70, 1.5, 36.0, True, "x", "", " Putin", "Putin",
    [], {}, "PERSON", "DATE", "CARDINAL", "entity", "time", "number", "2017", "P7Y", "seven",
    float("nan"), float("inf"), "2017-12-11TMO", 7,
]  # fmt: skip


def _table_view(table) -> tuple:
    sp = table.spans
    return (
        table.doc_ids,
        table.texts,
        table.text_sha256,
        table.ignore,
        sp.doc.tolist(),
        sp.start.tolist(),
        sp.end.tolist(),
        sp.label.tolist(),
        [(type(v).__name__, repr(v)) for v in sp.values],
    )


def _outcome(fn) -> tuple:
    try:
        return ("ok", _table_view(fn()))
    except BenchError as exc:
        return ("error", str(exc))


def _random_mutation(rng: random.Random, docs: list[dict]) -> None:
    d = rng.choice(docs)
    spans = d.get("spans")
    if not isinstance(spans, list) or not spans or not isinstance(spans[0], dict):
        d[rng.choice(["doc_id", "text_sha256"])] = rng.choice(POOL)
        return
    i = rng.randrange(len(spans))
    sp = spans[i] if isinstance(spans[i], dict) else spans[0]
    kind = rng.randrange(18)
    if kind >= 14:  # changes that keep the file valid
        for sp in (x for x in spans if isinstance(x, dict)):
            if kind == 14 and sp.get("layer") == "entity":
                sp.pop("value", None)
            elif kind == 15:
                sp["notes"] = rng.choice([None, "a note"])
            elif (
                kind == 16
                and isinstance(sp.get("value"), int)
                and not isinstance(sp["value"], bool)
            ):
                sp["value"] = float(sp["value"])
            elif kind == 17:
                items = list(sp.items())
                rng.shuffle(items)
                sp.clear()
                sp.update(items)
    elif kind == 0:
        sp[rng.choice(["start", "end", "text", "layer", "label", "value"])] = rng.choice(POOL)
    elif kind == 1:
        sp.pop(rng.choice(["start", "end", "text", "layer", "label", "value"]))
    elif kind == 2:
        sp[rng.choice(["notes", "colour"])] = rng.choice([None, "a note", 5])
    elif kind == 3:
        j = rng.randrange(len(spans))
        spans[i], spans[j] = spans[j], spans[i]
    elif kind == 4:
        spans.insert(i, dict(sp))
    elif kind == 5:
        spans.pop(i)
    elif kind == 6:  # move a boundary, with or without the text
        key, delta = rng.choice(["start", "end"]), rng.choice([-2, -1, 1, 2])
        if not isinstance(sp.get(key), int):
            return
        sp[key] += delta
        if (
            rng.random() < 0.5
            and isinstance(sp.get("start"), int)
            and isinstance(sp.get("end"), int)
        ):
            text = (SEEDS / f"{DOC}.txt").read_text("utf-8")
            sp["text"] = text[sp["start"] : sp["end"]]
    elif kind == 7:
        spans[i] = rng.choice([[1, 2], "span", 5, None])
    elif kind == 8:
        key = rng.choice(["doc_id", "document_date", "text_sha256", "schema_version", "status"])
        d[key] = rng.choice([*POOL, "2017-13-01", "2018-01-01", "004_other", "0" * 64])
    elif kind == 9:
        d[rng.choice(["extra", "annotator"])] = rng.choice(["x", 3])
    elif kind == 10:
        d.setdefault("ignore", []).append(
            {"start": sp.get("start", 0), "end": sp.get("end", 1), "reason": "test"}
            if rng.random() < 0.7
            else {"start": rng.choice([-1, 0, 5, 10**6]), "end": rng.choice([0, 4, 10**7])}
        )
    elif kind == 11:
        d["spans"] = rng.choice([{}, "none", None])
    elif kind == 12:  # another span of the same layer over this one
        other = dict(sp)
        other["label"] = rng.choice(LAYER_LABELS.get(sp.get("layer"), ("PERSON",)))
        spans.insert(i + 1, other)
    else:
        d.pop(rng.choice(["ignore", "spans", "annotator", "status"]), None)


def _write_docs(gold_dir: Path, docs: list[dict]) -> None:
    for p in gold_dir.glob("*.json"):
        p.unlink()
    for d in docs:
        name = d["doc_id"] if isinstance(d.get("doc_id"), str) and "/" not in d["doc_id"] else "x"
        (gold_dir / f"{name}.json").write_text(json.dumps(d, indent=1), encoding="utf-8")


def test_gold_table_equals_the_models(tmp_path: Path) -> None:
    table = load_gold_table(GOLD, SEEDS)
    assert _table_view(table) == _table_view(GoldTable.from_documents(load_gold_dir(GOLD, SEEDS)))
    assert len(table.spans) == 660


@pytest.mark.parametrize(("name", "mutate", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_gold_table_reports_each_rule_as_load_gold_dir(
    name, mutate, field, words, gold_dict, write_gold
) -> None:
    path = write_gold(_mutate(gold_dict, mutate), name=DOC)
    fast = _outcome(lambda: load_gold_table(path.parent, SEEDS))
    assert fast == _outcome(lambda: GoldTable.from_documents(load_gold_dir(path.parent, SEEDS)))
    assert fast[0] == "error" and f": {field}: " in fast[1], fast


def test_gold_table_agrees_with_load_gold_dir_on_random_damage(tmp_path: Path) -> None:
    originals = [json.loads(p.read_text("utf-8")) for p in sorted(GOLD.glob("*.json"))]
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    rng = random.Random(5)
    verdicts = set()
    for _ in range(300):
        docs = copy.deepcopy(originals)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            _random_mutation(rng, docs)
        _write_docs(gold_dir, docs)
        fast = _outcome(lambda: load_gold_table(gold_dir, SEEDS))
        assert fast == _outcome(lambda: GoldTable.from_documents(load_gold_dir(gold_dir, SEEDS))), (
            docs
        )
        verdicts.add(fast[0])
    assert verdicts == {"ok", "error"}  # both outcomes occur, so the comparison bites


def test_gold_table_sorts_documents_by_id(tmp_path: Path) -> None:
    from bench.corpus.synthetic import random_corpus

    corpus = random_corpus(3, 20, seed=1)
    texts, gold_dir = tmp_path / "texts", tmp_path / "gold"
    gold_dir.mkdir()
    texts.mkdir()
    # File names sort "a-b.json" < "a.b.json" < "a.json"; the ids sort "a" < "a-b" < "a.b".
    for new_id, doc in zip(["a", "a-b", "a.b"], corpus.gold.values(), strict=True):
        (texts / f"{new_id}.txt").write_text(doc.text, encoding="utf-8")
        (gold_dir / f"{new_id}.json").write_text(
            dump_gold(doc.gold.model_copy(update={"doc_id": new_id})), encoding="utf-8"
        )
    table = load_gold_table(gold_dir, texts)
    assert table.doc_ids == ["a", "a-b", "a.b"]
    assert _table_view(table) == _table_view(
        GoldTable.from_documents(load_gold_dir(gold_dir, texts))
    )


def test_gold_table_rejects_a_file_named_for_another_document(tmp_path: Path) -> None:
    src, other = sorted(GOLD.glob("*.json"))[:2]
    (tmp_path / other.name).write_bytes(src.read_bytes())  # a valid document, misnamed
    fast = _outcome(lambda: load_gold_table(tmp_path, SEEDS))
    assert fast == _outcome(lambda: GoldTable.from_documents(load_gold_dir(tmp_path, SEEDS)))
    assert fast[0] == "error" and ": doc_id: " in fast[1] and "file name" in fast[1]


def _swap_neighbours_of_two_layers(d: dict) -> None:
    spans = d["spans"]
    i = next(i for i in range(len(spans) - 1) if spans[i]["layer"] != spans[i + 1]["layer"])
    spans[i], spans[i + 1] = spans[i + 1], spans[i]


def _empty_span(d: dict) -> None:
    _sp(d, 0).update(end=_sp(d, 0)["start"], text="")


def _negative_offsets(d: dict, text: str) -> None:
    _sp(d, 0).update(start=-5, end=-1, text=text[-5:-1])


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d, t: _swap_neighbours_of_two_layers(d), "start"),
        (lambda d, t: _empty_span(d), "end"),
        (_negative_offsets, "start"),
        (lambda d, t: d.update(document_date="2018-01-01"), "document_date"),
        (lambda d, t: _sp(d, 0).update(layer=None, label="HUMAN", value=None), "layer"),
    ],
    ids=[
        "unsorted across layers",
        "empty span",
        "negative offsets",
        "date not corpus.json's",
        "no layer, unknown label",
    ],
)
def test_gold_table_rejects_what_only_one_rule_catches(
    mutate, field, gold_dict, seed_text, write_gold
) -> None:
    d = copy.deepcopy(gold_dict)
    mutate(d, seed_text)
    path = write_gold(d, name=DOC)
    fast = _outcome(lambda: load_gold_table(path.parent, SEEDS))
    assert fast == _outcome(lambda: GoldTable.from_documents(load_gold_dir(path.parent, SEEDS)))
    assert fast[0] == "error" and field in fast[1], fast


def test_gold_table_refuses_a_known_label_outside_the_seed_label_set(gold_dict, write_gold) -> None:
    """MISC is a label bench knows (CoNLL-2003's) but not one of the seeds' label set: both
    readers apply the one label rule of corpus/rules.py, so both refuse it."""
    d = copy.deepcopy(gold_dict)
    next(s for s in d["spans"] if s["layer"] == "entity")["label"] = "MISC"
    path = write_gold(d, name=DOC)
    fast = _outcome(lambda: load_gold_table(path.parent, SEEDS))
    assert fast == _outcome(lambda: GoldTable.from_documents(load_gold_dir(path.parent, SEEDS)))
    assert fast[0] == "error" and "'MISC' is not a label of layer 'entity'" in fast[1], fast
