"""Predictions JSONL: reading with FILE:LINE: field errors, and deterministic writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.predictions import dump_predictions, read_predictions, write_predictions
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
