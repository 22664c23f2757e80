"""Label Studio: UTF-16 offsets, the config as Label Studio's SDK sees it, reading its exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from goldcases import EMOJI_ID, EMOJI_TEXT, emoji_gold, make_corpus

from bench.corpus.formats.base import GoldRecord
from bench.corpus.formats.exchange import export_gold, read_records
from bench.corpus.formats.labelstudio import labeling_config, task
from bench.errors import BenchError
from bench.schema import SEED_LABELS as ALL_LABELS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_offsets_are_utf16_code_units() -> None:
    t = task(GoldRecord(emoji_gold(), EMOJI_TEXT))
    regions = [r for r in t["predictions"][0]["result"] if r["type"] == "labels"]
    putin = next(r for r in regions if r["value"]["text"] == "Putin")
    start = EMOJI_TEXT.index("Putin")
    assert start == 3  # two regional indicators and a space, in code points
    assert putin["value"]["start"] == _units(EMOJI_TEXT[:start]) == 5
    for r in regions:
        v = r["value"]
        # Slicing the UTF-16 encoding at those offsets gives the region's text back.
        units = EMOJI_TEXT.encode("utf-16-le")[2 * v["start"] : 2 * v["end"]]
        assert units.decode("utf-16-le") == v["text"]


def test_label_studio_sdk_accepts_config_and_predictions(corpus, tmp_path: Path) -> None:
    sdk = pytest.importorskip("label_studio_sdk.label_interface")
    texts, gold_dir = corpus
    export_gold("labelstudio", gold_dir, texts, tmp_path / "ls")
    config = (tmp_path / "ls" / "labeling-config.xml").read_text("utf-8")
    interface = sdk.LabelInterface(config)
    interface.validate()
    labels = {label for c in interface.controls for label in (getattr(c, "labels", None) or [])}
    assert labels == {*ALL_LABELS, "IGNORE"}
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text("utf-8"))
    assert len(tasks) == 6
    for t in tasks:
        assert interface.validate_prediction(t["predictions"][0], return_errors=True) == []
    # The check can fail: a label of another layer is refused by the SDK too.
    bad = json.loads(json.dumps(tasks[0]["predictions"][0]))
    bad["result"][0]["value"]["labels"] = ["DATE"]
    assert interface.validate_prediction(bad, return_errors=True)


def _annotated(tasks: list[dict], result: list[dict], **extra) -> list[dict]:
    """Tasks as Label Studio exports them once someone has annotated the first."""
    tasks[0]["annotations"] = [
        {
            "id": 1,
            "completed_by": 1,
            "was_cancelled": False,
            "updated_at": "2025-01-02",
            "result": result,
            **extra,
        }
    ]
    return tasks


def test_reads_the_latest_annotation_over_predictions(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("labelstudio", gold_dir, texts, tmp_path / "ls", [EMOJI_ID])
    path = tmp_path / "ls" / "tasks.json"
    tasks = json.loads(path.read_text("utf-8"))
    result = json.loads(json.dumps(tasks[0]["predictions"][0]["result"]))
    # The annotator relabels Putin and corrects a value, as Label Studio would record it.
    for r in result:
        if r["from_name"] == "entity" and r["value"]["text"] == "Putin":
            r["value"]["labels"] = ["ORG"]
        if r["from_name"] == "value" and r["value"]["text"] == ["2.5"]:
            r["value"]["text"] = ["3"]
    older = {"id": 0, "was_cancelled": False, "updated_at": "2025-01-01", "result": []}
    cancelled = {"id": 2, "was_cancelled": True, "updated_at": "2025-01-03", "result": []}
    tasks = _annotated(tasks, result)
    tasks[0]["annotations"] += [older, cancelled]
    path.write_text(json.dumps(tasks), "utf-8")
    (rec,) = read_records("labelstudio", path, texts)
    by_text = {s.text: s for s in rec.gold.spans}
    assert by_text["Putin"].label == "ORG"
    assert by_text["some 2.5 km"].value == 3
    (rec,) = read_records("labelstudio", path, texts, {"annotation": "prediction"})
    assert rec.gold == emoji_gold()
    (rec,) = read_records("labelstudio", path, texts, {"annotation": "1"})
    assert rec.gold.spans == [] and rec.gold.ignore == []


def test_bad_value_and_surrogate_offsets_are_one_line_errors(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("labelstudio", gold_dir, texts, tmp_path / "ls", [EMOJI_ID])
    path = tmp_path / "ls" / "tasks.json"
    tasks = json.loads(path.read_text("utf-8"))
    result = tasks[0]["predictions"][0]["result"]
    value = next(r for r in result if r["from_name"] == "value" and r["value"]["text"] == ["2.5"])
    value["value"]["text"] = ["two and a half"]
    path.write_text(json.dumps(tasks), "utf-8")
    with pytest.raises(
        BenchError, match=r"task 0 \(900_emoji\): region s\d+: value: .*not a number"
    ):
        read_records("labelstudio", path, texts)
    value["value"]["text"] = ["2.5"]
    result[0]["value"]["start"] = 1  # between the two halves of 🇷
    path.write_text(json.dumps(tasks), "utf-8")
    with pytest.raises(BenchError, match="inside a surrogate pair"):
        read_records("labelstudio", path, texts)


def test_config_lists_every_label_once() -> None:
    config = labeling_config()
    for label in (*ALL_LABELS, "IGNORE"):
        assert config.count(f'<Label value="{label}"') == 1


def test_config_gives_each_label_its_own_colour_and_each_layer_its_block() -> None:
    import re
    import xml.etree.ElementTree as ET

    from bench.schema import LAYER_LABELS, LAYERS

    root = ET.fromstring(labeling_config())
    colours = {
        lab.get("value"): lab.get("background", "").lower()
        for block in root.iter("Labels")
        for lab in block.iter("Label")
    }
    assert set(colours) == {*ALL_LABELS, "IGNORE"}
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())
    assert len(set(colours.values())) == len(colours)  # no two labels look the same
    blocks = {b.get("name"): [x.get("value") for x in b.iter("Label")] for b in root.iter("Labels")}
    assert blocks == {
        **{layer: list(LAYER_LABELS[layer]) for layer in LAYERS},
        "ignore": ["IGNORE"],
    }
    headers = [h.get("value") for h in root.findall("Header")]
    assert [*LAYERS, "ignore"] == [h for h in headers if h in (*LAYERS, "ignore")]
