"""doccano sequence labeling: JSONL with ``label: [[start, end, LABEL], …]``, and its label types.

doccano stores a line's other keys as the example's metadata, which its export spreads back
at the top level of each line, so the gold header and what doccano has no field for ride
along as top-level keys: ``values``, ``span_notes`` (``[start, end, LABEL, x]``) and
``ignore_reasons`` (``[start, end, reason]``). Ignore regions are spans labelled
``IGNORE``. All offsets are UTF-16 code units, as doccano counts them in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.formats.base import (
    IGNORE_COLOUR,
    IGNORE_LABEL,
    LAYER_COLOURS,
    ExtrasIndex,
    GoldFormat,
    header,
    label_groups,
    make_document,
    make_span,
    need,
    reject_options,
    span_extras,
)
from bench.corpus.formats.utf16 import Utf16Offsets
from bench.corpus.texts import read_text
from bench.errors import BenchError
from bench.files import write_atomic
from bench.schema import IgnoreRegion

DATA_FILE = "gold.jsonl"
LABELS_FILE = "labels.json"


def line(record: Document) -> dict:
    """One doccano example: text, labels and the metadata bench needs to rebuild the gold."""
    gold, text = record.gold, record.text
    u = Utf16Offsets(text)
    labels = [[u.to_units(s.start), u.to_units(s.end), s.label] for s in gold.spans]
    labels += [[u.to_units(r.start), u.to_units(r.end), IGNORE_LABEL] for r in gold.ignore]
    labels.sort(key=lambda x: (x[0], x[1], str(x[2])))
    out: dict = {"text": text, "label": labels, "title": record.title}
    out.update({k: v for k, v in header(gold).items() if v is not None})
    out.update(span_extras(gold, u.to_units))
    return out


def label_types() -> list[dict]:
    """doccano span types to import into the project (Labels > Import)."""
    return [
        {
            "text": label,
            "background_color": LAYER_COLOURS.get(group, IGNORE_COLOUR),
            "text_color": "#000000",
            "description": f"{group} layer" if group != "ignore" else "page chrome: not annotated",
        }
        for group, labels in label_groups().items()
        for label in labels
    ]


def write(records: Sequence[Document], out_dir: Path) -> None:
    """Write ``gold.jsonl`` (one example a line) and ``labels.json``."""
    body = "".join(strictjson.dumps(line(r), ensure_ascii=False) + "\n" for r in records)
    write_atomic(out_dir / DATA_FILE, body)
    write_atomic(out_dir / LABELS_FILE, strictjson.dumps(label_types(), indent=2) + "\n")


def _labels(obj: Mapping, where: str) -> list[tuple[int, int, str]]:
    """Spans from ``label`` triples, or from ``entities`` (the export with relations)."""
    if "entities" in obj:
        items = obj["entities"]
        if not isinstance(items, list):
            raise BenchError(f"{where}: entities: expected a list")
        out = []
        for i, e in enumerate(items):
            if not isinstance(e, dict):
                raise BenchError(f"{where}: entities[{i}]: expected an object")
            out.append((e.get("start_offset"), e.get("end_offset"), e.get("label")))
    else:
        items = obj.get("label", obj.get("labels", []))
        if not isinstance(items, list):
            raise BenchError(f"{where}: label: expected a list of [start, end, label]")
        out = [
            tuple(x) if isinstance(x, list) and len(x) == 3 else (None, None, None) for x in items
        ]
    for i, (a, b, lab) in enumerate(out):
        if not (isinstance(a, int) and isinstance(b, int) and isinstance(lab, str)):
            raise BenchError(f"{where}: label[{i}]: expected [start, end, label], got {items[i]!r}")
    return out  # type: ignore[return-value]


def _record(obj: object, path: Path, lineno: int, texts_dir: Path) -> Document:
    where = f"{path}:{lineno}"
    if not isinstance(obj, dict):
        raise BenchError(f"{where}: expected a JSON object")
    text = obj.get("text", obj.get("data"))
    if not isinstance(text, str):
        raise BenchError(f"{where}: text: missing or not a string")
    doc_id = need(obj, "doc_id", str, where)
    where = f"{path}:{lineno} ({doc_id})"
    u = Utf16Offsets(text)
    extras = ExtrasIndex.parse(obj, where)
    spans, ignore = [], []
    for i, (a, b, label) in enumerate(_labels(obj, where)):
        here = f"{where}: label[{i}]"
        try:
            start, end = u.to_points(a), u.to_points(b)
        except ValueError as exc:
            raise BenchError(f"{here}: {exc}") from None
        if label == IGNORE_LABEL:
            ignore.append(IgnoreRegion(start=start, end=end, reason=extras.reasons.get((a, b), "")))
            continue
        value, note = extras.value(a, b, label), extras.note(a, b, label)
        spans.append(make_span(text, start, end, label, here, value, note))
    return make_document(obj, text, spans, ignore, where, texts_dir, extras.dropped(where))


def read(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[Document]:
    """Read a doccano JSONL export (or our ``gold.jsonl``): one record per line."""
    reject_options("doccano", options)
    if path.is_dir():
        path = path / DATA_FILE
    out = []
    # Split on "\n" only: str.splitlines() would also split at U+2028 inside a JSON string.
    for lineno, raw in enumerate(read_text(path).split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = strictjson.loads(raw)
        except strictjson.JsonError as exc:
            raise BenchError(f"{path}:{lineno}: json: {exc.msg}") from None
        out.append(_record(obj, path, lineno, texts_dir))
    return out


FORMAT = GoldFormat(
    name="doccano",
    summary=f"doccano sequence-labeling JSONL ({DATA_FILE}) and span types ({LABELS_FILE})",
    write=write,
    read=read,
    carries_values="top-level metadata keys values / span_notes / ignore_reasons, keyed by offsets",
)
