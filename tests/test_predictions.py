"""Predictions JSONL: reading with FILE:LINE: field errors, and deterministic writing."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from conftest import GOLD, SEEDS

from bench.corpus.columns import SpanColumns
from bench.corpus.gold import load_gold_dir
from bench.corpus.predictions import (
    dump_predictions,
    read_prediction_columns,
    read_predictions,
    write_predictions,
)
from bench.errors import BenchError
from bench.schema import PredictedSpan

TEXTS = {"a": "Putin visited Syria on Monday.", "b": "Twelve soldiers left."}


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "p.jsonl"
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def span(start: int, end: int, label: str, value: object = None, **kw: object) -> dict:
    return {"start": start, "end": end, "label": label, "value": value, **kw}


def test_reads_valid_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"doc_id": "a", "spans": [span(0, 5, "PERSON"), span(23, 29, "DATE", "2017-12-11")]},
        "",
        {"doc_id": "b", "spans": [span(0, 6, "CARDINAL", 12, layer="number", text="Twelve")]},
    )
    preds = read_predictions(path, TEXTS)
    assert list(preds) == ["a", "b"]
    assert preds["a"][1].value == "2017-12-11"
    assert preds["b"][0].span_layer == "number"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "p.jsonl:2: json: "),
        ('{"doc_id": "a", "spans": 3}', "p.jsonl:2: spans: "),
        ({"doc_id": "a", "spanz": []}, "p.jsonl:2: spanz: Extra inputs are not permitted"),
        ({"doc_id": "zz", "spans": []}, "p.jsonl:2: doc_id: 'zz' is not a gold document"),
        ({"doc_id": "b", "spans": []}, "p.jsonl:2: doc_id: 'b' repeated (first on line 1)"),
        (
            {"doc_id": "a", "spans": [span(0, 5, "PERSON"), span(0, 5, "HUMAN")]},
            "p.jsonl:2: spans[1].label: unknown label 'HUMAN'",
        ),
        (
            {"doc_id": "a", "spans": [span(25, 31, "DATE", "2017")]},
            "p.jsonl:2: spans[0].end: offsets 25:31 not within 0 <= start < end <= 30",
        ),
        ({"doc_id": "a", "spans": [span(5, 5, "GPE")]}, "p.jsonl:2: spans[0].end: offsets 5:5"),
        (
            {"doc_id": "a", "spans": [span(-1, 5, "GPE")]},
            "p.jsonl:2: spans[0].start: Input should be greater than or equal to 0",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "PERSON", layer="time")]},
            "p.jsonl:2: spans[0].layer: 'PERSON' is a label of layer 'entity', not 'time'",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "PERSON", "x")]},
            "p.jsonl:2: spans[0].value: entity spans carry no value",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "CARDINAL", "5")]},
            "p.jsonl:2: spans[0].value: number value must be a JSON number or null",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "CARDINAL", 10**400)]},
            "p.jsonl:2: spans[0].value: number value must be finite",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "DATE", 2017)]},
            "p.jsonl:2: spans[0].value: time value must be a string",
        ),
        (
            {"doc_id": "a", "spans": [span(0, 5, "PERSON", text="Putim")]},
            "p.jsonl:2: spans[0].text: 'Putim' != text[0:5] 'Putin'",
        ),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, line: object, message: str) -> None:
    path = write(tmp_path, {"doc_id": "b", "spans": []}, line)
    with pytest.raises(BenchError) as err:
        read_predictions(path, TEXTS)
    assert str(err.value).startswith(str(tmp_path / message.split(":", 1)[0]) + ":")
    assert message.split(":", 1)[1] in str(err.value)
    assert err.value.exit_code == 2
    assert "\n" not in str(err.value)
    assert _columns_outcome(path, TEXTS) == ("error", str(err.value))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="file not found"):
        read_predictions(tmp_path / "none.jsonl", TEXTS)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"doc_id": "a", "spans": []}\n\xff\n')
    with pytest.raises(BenchError, match=r"p.jsonl:2: text: not UTF-8"):
        read_predictions(path, TEXTS)


def test_malformed_time_value_is_read_and_scored_as_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, {"doc_id": "a", "spans": [span(23, 29, "DATE", "last Monday")]})
    assert read_predictions(path, TEXTS)["a"][0].value == "last Monday"


def test_write_is_sorted_and_round_trips(tmp_path: Path) -> None:
    preds = {
        "b": [PredictedSpan(start=0, end=6, label="CARDINAL", value=12)],
        "a": [
            PredictedSpan(start=23, end=29, label="DATE", value="2017-12-11", score=0.5),
            PredictedSpan(start=0, end=5, label="PERSON"),
        ],
    }
    path = tmp_path / "out.jsonl"
    write_predictions(path, preds, errors={"b": "timeout"})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        '{"doc_id": "a", "spans": [{"start": 0, "end": 5, "label": "PERSON", "value": null}, '
        '{"start": 23, "end": 29, "label": "DATE", "value": "2017-12-11", "score": 0.5}]}'
    )
    assert json.loads(lines[1])["error"] == "timeout"
    back = read_predictions(path, TEXTS)
    assert dump_predictions(back, {"b": "timeout"}) == path.read_text(encoding="utf-8")
    shuffled = {k: list(reversed(v)) for k, v in reversed(list(preds.items()))}
    assert dump_predictions(shuffled) == dump_predictions(preds)


# read_prediction_columns checks every span of the file at once and leaves anything off to
# read_predictions; these tests hold the two to the same verdicts and the same messages.


def _view(cols: SpanColumns, present: list[str]) -> tuple:
    return (
        sorted(present),
        sorted(
            zip(
                cols.doc.tolist(),
                cols.start.tolist(),
                cols.end.tolist(),
                cols.label.tolist(),
                [(type(v).__name__, repr(v)) for v in cols.values],
                strict=True,
            )
        ),
    )


def _columns_outcome(path: Path, texts: dict[str, str]) -> tuple:
    ids = sorted(texts)
    try:
        return ("ok", _view(*read_prediction_columns(path, ids, [texts[d] for d in ids])))
    except BenchError as exc:
        return ("error", str(exc))


def _models_outcome(path: Path, texts: dict[str, str]) -> tuple:
    ids = sorted(texts)
    try:
        preds = read_predictions(path, texts)
    except BenchError as exc:
        return ("error", str(exc))
    cols = SpanColumns.from_spans([preds.get(d, ()) for d in ids], "predictions")
    return ("ok", _view(cols, list(preds)))


POOL: list[object] = [
    None, 0, -1, 3, 36, 41, 10**6, 2**70, 1.5, 36.0, True, "x", "", "Putin", [], {},
    "PERSON", "DATE", "CARDINAL", "HUMAN", "entity", "time", "number", "2017", "seven",
    float("nan"), float("inf"), 0.5, 7,
]  # fmt: skip


def _damage(rng: random.Random, records: list[dict], texts: dict[str, str]) -> list[str] | None:
    """Damage one record or line; return the file's lines when the damage is to the lines."""
    rec = rng.choice(records)
    spans = rec.get("spans")
    kind = rng.randrange(16)
    if kind < 8 and isinstance(spans, list) and spans and isinstance(spans[0], dict):
        sp = rng.choice([x for x in spans if isinstance(x, dict)])
        if kind == 0:
            sp[rng.choice(["start", "end", "label", "value"])] = rng.choice(POOL)
        elif kind == 1:
            sp.pop(rng.choice(["start", "end", "label", "value"]), None)
        elif kind == 2:
            sp[rng.choice(["layer", "text", "score", "colour"])] = rng.choice(POOL)
        elif kind == 3:  # the right layer or text, as a system may give them
            if isinstance(sp.get("start"), int) and isinstance(sp.get("end"), int):
                sp["text"] = texts[rec["doc_id"]][sp["start"] : sp["end"]]
            sp["layer"] = rng.choice(["entity", "time", "number"])
        elif kind == 4:
            sp["score"] = rng.choice([0.25, 1, None])
        elif kind == 5:
            if isinstance(sp.get("end"), int):
                sp["end"] += rng.choice([-100, -1, 1, 10**5])
        elif kind == 6:
            spans.append(rng.choice([[1, 2], "span", 5, None]))
        else:
            items = list(sp.items())
            rng.shuffle(items)
            sp.clear()
            sp.update(items)
        return None
    if kind == 8:
        rec["doc_id"] = rng.choice(["nope", "../x", ".", 5, ["a"], records[0]["doc_id"]])
    elif kind == 9:
        rec[rng.choice(["error", "extra"])] = rng.choice(["timeout", 3, None])
    elif kind == 10:
        rec["spans"] = rng.choice([{}, "none", None, []])
    elif kind == 11:
        rec.pop(rng.choice(["spans", "doc_id"]), None)
    elif kind == 12:
        records.remove(rec)
    lines = [json.dumps(r, ensure_ascii=rng.random() < 0.5) for r in records]
    if kind == 13:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(["", "  ", "\u00a0", "\t", "{"]))
    elif kind == 14:
        lines = [line + "\r" for line in lines]
    elif kind == 15:
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + " " + rng.choice(["", "x", "{}", "]"])
    return lines


def test_prediction_columns_agree_with_read_predictions(tmp_path: Path) -> None:
    gold = load_gold_dir(GOLD, SEEDS)
    texts = {d: doc.text for d, doc in gold.items()}
    records = [
        {
            "doc_id": d,
            "spans": [
                {"start": s.start, "end": s.end, "label": s.label, "value": s.value}
                for s in doc.gold.spans
            ],
        }
        for d, doc in gold.items()
    ]
    path = tmp_path / "p.jsonl"
    rng = random.Random(7)
    verdicts = set()
    for _ in range(300):
        recs = copy.deepcopy(records)
        lines = None
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            lines = _damage(rng, recs, texts) or lines
        if lines is None:
            lines = [json.dumps(r) for r in recs]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        fast = _columns_outcome(path, texts)
        assert fast == _models_outcome(path, texts), lines
        verdicts.add(fast[0])
    assert verdicts == {"ok", "error"}  # both outcomes occur, so the comparison bites


def test_prediction_columns_of_unreadable_files(tmp_path: Path) -> None:
    for name, data in [
        ("bad.jsonl", b'{"doc_id": "a", "spans": []}\n\xff\n'),
        ("bom.jsonl", b'\xef\xbb\xbf{"doc_id": "a", "spans": []}\n'),
        ("empty.jsonl", b""),
        ("blank.jsonl", b"\n  \n"),
        ("none", None),
    ]:
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        assert _columns_outcome(path, TEXTS) == _models_outcome(path, TEXTS)
        assert _columns_outcome(path, TEXTS)[0] == "error"


def test_prediction_columns_check_the_id_pattern_too(tmp_path: Path) -> None:
    texts = {"a b": "Putin visited Syria."}  # not a safe id, whatever the caller passes
    path = write(tmp_path, {"doc_id": "a b", "spans": [span(0, 5, "PERSON")]})
    assert _columns_outcome(path, texts) == _models_outcome(path, texts)
    assert _columns_outcome(path, texts)[0] == "error"
