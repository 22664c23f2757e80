"""Label Studio: a tasks JSON with our gold as predictions, and the labeling config for our labels.

Each layer is its own ``<Labels>`` control (``entity``, ``time``, ``number``, plus ``ignore``)
under a header naming it, each label in its own colour (``LABEL_COLOURS``), so spans of
different layers may overlap as they do in gold. Values and notes are per-region
``<TextArea>`` results (``value``, ``notes``; an ignore region's reason is its note). Offsets
are UTF-16 code units, as Label Studio counts them in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from bench import strictjson
from bench.corpus.formats.base import (
    IGNORE_COLOUR,
    IGNORE_LABEL,
    LABEL_COLOURS,
    GoldFormat,
    GoldRecord,
    gold_record,
    header,
    label_layer,
    make_span,
    need,
    reject_options,
)
from bench.corpus.formats.utf16 import Utf16Offsets
from bench.corpus.formats.values import parse_value, value_text
from bench.corpus.gold import read_json, write_atomic
from bench.errors import BenchError, shorten
from bench.schema import LAYER_LABELS, LAYERS, IgnoreRegion

TASKS_FILE = "tasks.json"
CONFIG_FILE = "labeling-config.xml"
TEXT_NAME = "text"  # the <Text> object every region points to
VALUE_NAME = "value"
NOTES_NAME = "notes"
IGNORE_NAME = "ignore"
MODEL_VERSION = "bench-gold"


def labeling_config() -> str:
    """The Label Studio labeling config (XML) for our layers, labels, values and notes."""
    lines = ["<View>", '  <Header value="$title"/>']
    colours = {**LABEL_COLOURS, IGNORE_LABEL: IGNORE_COLOUR}
    groups = [(layer, LAYER_LABELS[layer]) for layer in LAYERS]
    groups.append((IGNORE_NAME, (IGNORE_LABEL,)))
    for name, labels in groups:
        # A header per layer: the layers stay told apart however many colours there are.
        lines.append(f'  <Header value="{name}" size="6"/>')
        lines.append(f'  <Labels name="{name}" toName="{TEXT_NAME}" showInline="true">')
        for label in labels:
            lines.append(f'    <Label value="{label}" background="{colours[label]}"/>')
        lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT_NAME}" value="$text"/>')
    lines.append('  <View visibleWhen="region-selected">')
    for name, rows, hint in (
        (VALUE_NAME, 1, "Value: TIMEX3 for time spans (2017-12-11), a number for number spans"),
        (NOTES_NAME, 2, "Notes (for an ignore region: why it is ignored)"),
    ):
        lines.append(f"    <Header value={quoteattr(hint)}/>")
        lines.append(
            f'    <TextArea name="{name}" toName="{TEXT_NAME}" perRegion="true" '
            f'editable="true" maxSubmissions="1" rows="{rows}"/>'
        )
    lines += ["  </View>", "</View>"]
    return "\n".join(lines) + "\n"


def _region(rid: str, control: str, kind: str, start: int, end: int, value: dict) -> dict:
    return {
        "id": rid,
        "from_name": control,
        "to_name": TEXT_NAME,
        "type": kind,
        "value": {"start": start, "end": end, **value},
    }


def task(record: GoldRecord) -> dict:
    """One Label Studio task: the text and header as data, the gold as a prediction."""
    gold, text = record.gold, record.text
    u = Utf16Offsets(text)
    result: list[dict] = []
    for i, sp in enumerate(gold.spans):
        a, b = u.to_units(sp.start), u.to_units(sp.end)
        rid = f"s{i}"
        result.append(
            _region(rid, sp.layer, "labels", a, b, {"text": sp.text, "labels": [sp.label]})
        )
        val = value_text(sp.value)
        if val is not None:
            result.append(_region(rid, VALUE_NAME, "textarea", a, b, {"text": [val]}))
        if sp.notes is not None:
            result.append(_region(rid, NOTES_NAME, "textarea", a, b, {"text": [sp.notes]}))
    for j, reg in enumerate(gold.ignore):
        a, b = u.to_units(reg.start), u.to_units(reg.end)
        rid = f"i{j}"
        piece = text[reg.start : reg.end]
        result.append(
            _region(rid, IGNORE_NAME, "labels", a, b, {"text": piece, "labels": [IGNORE_LABEL]})
        )
        result.append(_region(rid, NOTES_NAME, "textarea", a, b, {"text": [reg.reason]}))
    data = {"text": text, "title": record.title}
    data.update({k: v for k, v in header(gold).items() if v is not None})  # type: ignore[misc]
    return {"data": data, "predictions": [{"model_version": MODEL_VERSION, "result": result}]}


def write(records: Sequence[GoldRecord], out_dir: Path) -> None:
    """Write ``tasks.json`` and ``labeling-config.xml``."""
    tasks = [task(r) for r in records]
    write_atomic(out_dir / TASKS_FILE, strictjson.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    write_atomic(out_dir / CONFIG_FILE, labeling_config())


def _pick_result(t: Mapping, choice: str, where: str) -> list:
    """The result list to import: the chosen annotation, else the first prediction."""
    annotations = [a for a in t.get("annotations") or [] if not a.get("was_cancelled")]
    predictions = t.get("predictions") or []
    if choice.isdigit():
        if int(choice) >= len(annotations):
            raise BenchError(
                f"{where}: annotations: no annotation {choice} ({len(annotations)} kept)"
            )
        chosen = annotations[int(choice)]
    elif choice == "latest" and annotations:
        # Label Studio's ISO timestamps sort as text; list order breaks ties.
        chosen = max(enumerate(annotations), key=lambda p: (str(p[1].get("updated_at", "")), p[0]))[
            1
        ]
    elif choice in ("latest", "prediction"):
        if not predictions:
            return []
        chosen = predictions[0]
    else:
        raise BenchError(f"option annotation: {choice!r} is not latest, prediction or an index")
    result = chosen.get("result", [])
    if not isinstance(result, list):
        raise BenchError(f"{where}: result: expected a list")
    return result


def _record(t: object, path: Path, index: int, choice: str, texts_dir: Path) -> GoldRecord:
    where = f"{path}: task {index}"
    if not isinstance(t, dict):
        raise BenchError(f"{where}: expected a task object")
    data = need(t, "data", dict, where)
    assert isinstance(data, dict)
    text = need(data, "text", str, f"{where}: data")
    assert isinstance(text, str)
    doc_id = need(data, "doc_id", str, f"{where}: data")
    where = f"{path}: task {index} ({doc_id})"
    u = Utf16Offsets(text)
    regions: dict[str, dict[str, dict]] = {}
    order: list[str] = []
    for k, item in enumerate(_pick_result(t, choice, where)):
        if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
            raise BenchError(f"{where}: result[{k}]: expected a region with a value")
        rid = str(item.get("id", f"#{k}"))
        if rid not in regions:
            regions[rid] = {}
            order.append(rid)
        name = str(item.get("from_name"))
        if name in regions[rid]:
            raise BenchError(f"{where}: region {rid}: two {name!r} results")
        regions[rid][name] = item["value"]
    spans, ignore = [], []
    for rid in order:
        parts, here = regions[rid], f"{where}: region {rid}"
        controls = [n for n in parts if n in (*LAYERS, IGNORE_NAME)]
        if len(controls) != 1:
            raise BenchError(f"{here}: expected one label result (entity, time, number, ignore)")
        control = controls[0]
        val = parts[control]
        labels = val.get("labels")
        if not isinstance(labels, list) or len(labels) != 1:
            raise BenchError(f"{here}: labels: expected exactly one label, got {labels!r}")
        label = str(labels[0])
        # Offsets are JSON integers: 8.9 or true is an error, never rounded to 8 or 1.
        unit_start, unit_end = need(val, "start", int, here), need(val, "end", int, here)
        try:
            start = u.to_points(unit_start)  # type: ignore[arg-type]
            end = u.to_points(unit_end)  # type: ignore[arg-type]
        except ValueError as exc:
            raise BenchError(f"{here}: start/end: {exc}") from None
        # Every span's text is checked, so offsets counted another way (code points rather
        # than UTF-16 units, after an emoji) cannot import shifted: a region without its text
        # is refused rather than trusted (Label Studio exports the text of every region).
        shown = val.get("text")
        if not isinstance(shown, str):
            raise BenchError(
                f"{here}: text: missing (the region's text is needed to check its offsets)"
            )
        if shown != text[start:end]:
            raise BenchError(
                f"{here}: text: {shorten(shown)} != text[{start}:{end}] "
                f"{shorten(text[start:end])} (offsets are UTF-16 code units)"
            )
        notes = _textarea(parts.get(NOTES_NAME), f"{here}: {NOTES_NAME}")
        if control == IGNORE_NAME:
            if label != IGNORE_LABEL:
                raise BenchError(f"{here}: labels: the ignore control only has {IGNORE_LABEL!r}")
            ignore.append(IgnoreRegion(start=start, end=end, reason=notes or ""))
            continue
        layer = label_layer(label, here)
        if layer != control:
            raise BenchError(f"{here}: labels: {label!r} is a {layer} label, not {control}")
        try:
            value = parse_value(layer, _textarea(parts.get(VALUE_NAME), f"{here}: {VALUE_NAME}"))
        except ValueError as exc:
            raise BenchError(f"{here}: {VALUE_NAME}: {exc}") from None
        spans.append(make_span(text, start, end, label, here, value, notes))
    return gold_record(data, text, spans, ignore, where, texts_dir)


def _textarea(val: dict | None, where: str) -> str | None:
    if val is None:
        return None
    texts = val.get("text")
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, list) or len(texts) > 1 or not all(isinstance(x, str) for x in texts):
        raise BenchError(f"{where}: expected one text, got {texts!r}")
    return texts[0] if texts else None


def read(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[GoldRecord]:
    """Read a Label Studio JSON export (or our ``tasks.json``): one record per task.

    Option ``annotation``: ``latest`` (default: the most recently updated annotation that was
    not cancelled, else the first prediction), ``prediction``, or an index into the kept
    annotations (``0``, ``1``: one per annotator when a task was annotated twice).
    """
    if path.is_dir():
        path = path / TASKS_FILE
    _, tasks = read_json(path)
    if not isinstance(tasks, list):
        raise BenchError(f"{path}: expected a JSON list of tasks")
    reject_options("labelstudio", options, known=("annotation",))
    choice = options.get("annotation", "latest")
    return [_record(t, path, i, choice, texts_dir) for i, t in enumerate(tasks)]


FORMAT = GoldFormat(
    name="labelstudio",
    summary=f"Label Studio tasks ({TASKS_FILE}, gold as predictions) and {CONFIG_FILE}",
    write=write,
    read=read,
    carries_values="per-region TextArea results 'value' and 'notes'; header in task data",
)
