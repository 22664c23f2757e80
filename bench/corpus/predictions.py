"""Predictions files: JSON Lines, one :class:`~bench.schema.PredictionRecord` per document.

``{"doc_id": "...", "spans": [{"start": 10, "end": 15, "label": "PERSON", "value": null}]}``
Offsets are code points into the document text, end-exclusive, as in gold. Every problem is
reported as ``FILE:LINE: field: problem`` (a :class:`~bench.errors.BenchError`, exit code 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np
from pydantic import ValidationError
from pydantic_core import from_json

from bench import strictjson
from bench.corpus.columns import SpanColumns, dict_columns, label_ids, label_layers, only_types
from bench.corpus.rules import values_fit_layers
from bench.corpus.texts import format_loc, read_text
from bench.errors import BenchError, shorten
from bench.files import write_atomic
from bench.schema import (
    LABEL_LAYER,
    LAYERS,
    PredictedSpan,
    PredictionRecord,
    check_doc_id_safe,
    is_finite,
)


def _value_problem(layer: str, value: object) -> str | None:
    """Why a predicted value has the wrong type for its layer (any string passes for time:
    a malformed TIMEX3 value is a wrong value, scored as such, not a broken file)."""
    if value is None:
        return None
    if layer == "entity":
        return f"entity spans carry no value, got {value!r}"
    if layer == "time":
        return None if isinstance(value, str) else f"time value must be a string, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"number value must be a JSON number or null, got {value!r}"
    if not is_finite(value):
        return f"number value must be finite, got {value!r}"
    return None


def _record(path: Path, lineno: int, line: str) -> PredictionRecord:
    where = f"{path}:{lineno}"
    try:
        return PredictionRecord.model_validate_json(line)
    except ValidationError as exc:
        try:
            strictjson.loads(line)
        except strictjson.JsonError as jexc:
            raise BenchError(f"{where}: json: {jexc.msg}") from None
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        raise BenchError(f"{where}: {format_loc(err['loc'])}: {msg}") from None


def iter_records(path: Path | str) -> Iterator[tuple[int, PredictionRecord]]:
    """(line number, record) for each non-blank line; a malformed one is a BenchError."""
    path = Path(path)
    raw = read_text(path)  # same errors as texts: missing, BOM, not UTF-8
    for lineno, line in enumerate(raw.split("\n"), start=1):
        if line.strip():
            yield lineno, _record(path, lineno, line)


def _fine(sp: PredictedSpan, text: str) -> bool:
    """The quick test every span of a good file passes (the checks below, inlined)."""
    value = sp.value
    layer = LABEL_LAYER[sp.label]
    return (
        sp.start < sp.end <= len(text)
        and (sp.layer is None or sp.layer == layer)
        and (
            value is None
            or (layer == "time" and type(value) is str)
            or (layer == "number" and type(value) in (int, float) and is_finite(value))  # type: ignore[arg-type]
        )
        and (sp.text is None or sp.text == text[sp.start : sp.end])
    )


def check_spans(where: str, spans: Sequence[PredictedSpan], text: str) -> None:
    """Offsets, layer, value type and text of a record's spans against the document text."""
    if all(map(_fine, spans, repeat(text))):
        return
    n = len(text)
    for i, sp in enumerate(spans):  # something is wrong: find and name it
        if not (sp.start < sp.end <= n):
            fld = "end" if sp.end > n or sp.end <= sp.start else "start"
            raise BenchError(
                f"{where}: spans[{i}].{fld}: offsets {sp.start}:{sp.end} not within "
                f"0 <= start < end <= {n}"
            )
        layer = LABEL_LAYER[sp.label]
        if sp.layer is not None and sp.layer != layer:
            raise BenchError(
                f"{where}: spans[{i}].layer: {sp.label!r} is a label of layer "
                f"{layer!r}, not {sp.layer!r}"
            )
        problem = _value_problem(layer, sp.value)
        if problem:
            raise BenchError(f"{where}: spans[{i}].value: {problem}")
        if sp.text is not None and sp.text != text[sp.start : sp.end]:
            raise BenchError(
                f"{where}: spans[{i}].text: {shorten(sp.text)} != text[{sp.start}:{sp.end}] "
                f"{shorten(text[sp.start : sp.end])}"
            )


def read_predictions(
    path: Path | str, gold_texts: Mapping[str, str]
) -> dict[str, list[PredictedSpan]]:
    """Read and check a predictions JSONL file against the gold documents' texts.

    Returns spans by doc_id. A malformed line, an unknown or repeated doc_id, an offset
    outside the text, an unknown label or a value of the wrong type is a BenchError naming
    ``FILE:LINE: field``. Blank lines are skipped. Gold documents without a line are simply
    absent from the result (the scorer counts them as predicting nothing).
    """
    out: dict[str, list[PredictedSpan]] = {}
    first_line: dict[str, int] = {}
    for lineno, rec in iter_records(path):
        where = f"{path}:{lineno}"
        if rec.doc_id in first_line:
            raise BenchError(
                f"{where}: doc_id: {rec.doc_id!r} repeated (first on line {first_line[rec.doc_id]})"
            )
        text = gold_texts.get(rec.doc_id)
        if text is None:
            raise BenchError(f"{where}: doc_id: {shorten(rec.doc_id)} is not a gold document")
        check_spans(where, rec.spans, text)
        first_line[rec.doc_id] = lineno
        out[rec.doc_id] = rec.spans
    if not first_line:
        # A system that finds nothing still writes a line per document; an empty file is a
        # run that never happened (or the wrong file), not a system that predicts nothing.
        raise BenchError(f"{path}: no prediction lines (the file is empty)")
    return out


def read_prediction_columns(
    path: Path | str, doc_ids: Sequence[str], texts: Sequence[str]
) -> tuple[SpanColumns, list[str]]:
    """:func:`read_predictions` as columns for the scorer: the same checks, the same errors.

    ``texts[k]`` is the text of gold document ``doc_ids[k]``; a span's ``doc`` is that index.
    Also returns the doc_ids that have a line. Every check runs first on all spans of the
    file at once; when anything at all is off, the file goes through
    :func:`read_predictions`, which finds and names the problem.
    """
    quick = _quick_columns(Path(path), doc_ids, texts)
    if quick is not None:
        return quick
    preds = read_predictions(path, dict(zip(doc_ids, texts, strict=True)))
    cols = SpanColumns.from_spans([preds.get(d, ()) for d in doc_ids], "predictions")
    return cols, [d for d in doc_ids if d in preds]


_RECORD_KEYS = {"doc_id", "spans", "error"}


def _quick_columns(
    path: Path, doc_ids: Sequence[str], texts: Sequence[str]
) -> tuple[SpanColumns, list[str]] | None:
    """The columns when every line passes every check; None when anything is off."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")  # the whole file must be UTF-8, as iter_records checks
    except (OSError, UnicodeDecodeError):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        return None
    index = {d: k for k, d in enumerate(doc_ids)}
    docs: list[int] = []
    counts: list[int] = []
    items: list[object] = []
    for line in data.split(b"\n"):
        # Blank in bytes is blank as text too; a line blank only as text (say, U+00A0)
        # fails to parse here and so goes the slow way, which skips it.
        if not line.strip():
            continue
        try:
            rec = from_json(line)
        except ValueError:
            return None
        if type(rec) is not dict or not rec.keys() <= _RECORD_KEYS:
            return None
        doc_id, spans, error = rec.get("doc_id"), rec.get("spans", []), rec.get("error")
        if (
            type(doc_id) is not str
            or type(spans) is not list
            or type(error) not in (str, type(None))
        ):
            return None
        k = index.get(doc_id)
        if k is None:
            return None
        try:
            check_doc_id_safe(doc_id)
        except ValueError:
            return None
        docs.append(k)
        counts.append(len(spans))
        items += spans
    if not docs or len(set(docs)) != len(docs):  # an empty file; a doc_id repeated
        return None
    cols = dict_columns(
        items, ("start", "end", "label"), ("value", "layer", "text", "score"), usual=1
    )
    if cols is None:
        return None
    starts, ends, labels, values, layers, pieces, scores = cols
    if not (
        only_types(starts, int) and only_types(ends, int) and only_types(scores, float, type(None))
    ):
        return None
    n = len(starts)
    try:
        start = np.array(starts, dtype=np.int64)
        end = np.array(ends, dtype=np.int64)
        label = label_ids(labels)
    except (OverflowError, TypeError):  # an offset beyond int64; an unhashable label
        return None
    doc = np.repeat(np.array(docs, dtype=np.int64), counts)
    text_len = np.array([len(t) for t in texts], dtype=np.int64)
    if n:
        if label.min() < 0:
            return None
        layer = label_layers(label)
        if not (
            np.all((start >= 0) & (start < end) & (end <= text_len[doc]))
            and values_fit_layers(values, layer, gold=False)
        ):
            return None
        if layers.count(None) != n:  # an explicit layer must be the label's
            named = [LAYERS[x] for x in layer.tolist()]
            if any(a is not None and a != b for a, b in zip(layers, named, strict=True)):
                return None
        if pieces.count(None) != n:  # a text given must be the slice (and so a string)
            for i in [i for i, piece in enumerate(pieces) if piece is not None]:
                text = texts[int(doc[i])]
                if pieces[i] != text[starts[i] : ends[i]]:  # type: ignore[index, misc]
                    return None
    present = [doc_ids[k] for k in sorted(docs)]
    return SpanColumns(doc=doc, start=start, end=end, label=label, values=values), present  # type: ignore[arg-type]


def _span_key(sp: PredictedSpan) -> tuple:
    return (sp.start, sp.end, sp.label, json.dumps(sp.value), sp.layer or "", sp.text or "")


def prediction_line(doc_id: str, spans: Sequence[PredictedSpan], error: str | None = None) -> str:
    """One document's canonical JSON line (no newline): spans by (start, end, label, value)."""
    out = []
    for sp in sorted(spans, key=_span_key):
        d: dict[str, object] = {
            "start": sp.start,
            "end": sp.end,
            "label": sp.label,
            "value": sp.value,
        }
        for key in ("layer", "text", "score"):
            if getattr(sp, key) is not None:
                d[key] = getattr(sp, key)
        out.append(d)
    rec: dict[str, object] = {"doc_id": doc_id, "spans": out}
    if error is not None:
        rec["error"] = error
    return strictjson.dumps(rec, ensure_ascii=False)


def dump_predictions(
    preds: Mapping[str, Sequence[PredictedSpan]], errors: Mapping[str, str] | None = None
) -> str:
    """Canonical JSONL text: documents sorted by doc_id, spans by (start, end, label, value)."""
    errors = errors or {}
    lines = [
        prediction_line(doc_id, preds.get(doc_id, ()), errors.get(doc_id))
        for doc_id in sorted(set(preds) | set(errors))
    ]
    return "".join(line + "\n" for line in lines)


def write_predictions(
    path: Path | str,
    preds: Mapping[str, Sequence[PredictedSpan]],
    errors: Mapping[str, str] | None = None,
) -> None:
    """Write predictions JSONL deterministically and atomically (``errors``: doc_id -> message)."""
    write_atomic(Path(path), dump_predictions(preds, errors))
