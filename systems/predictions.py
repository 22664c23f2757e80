"""``predictions``: replays a predictions JSONL file, so any external tool can be benchmarked.

The file has one ``PredictionRecord`` per line (bench/schema.py; docs/systems.md):
``{"doc_id": "...", "spans": [{"start": 0, "end": 5, "label": "PERSON", "value": null}]}``.
A line with an ``error`` replays that document's failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bench.corpus import format_loc
from bench.errors import BenchError
from bench.schema import ALL_LABELS, LABEL_LAYER, LAYERS, PredictedSpan, PredictionRecord
from bench.systems import BaseSystem, DocInput, Option, SystemInfo


def read_prediction_lines(path: Path) -> dict[str, tuple[int, PredictionRecord]]:
    """doc_id -> (line number, record) of a predictions JSONL file; errors name FILE:LINE."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BenchError(f"{path}: file not found") from None
    except OSError as exc:
        raise BenchError(f"{path}: cannot read: {exc.strerror}") from None
    out: dict[str, tuple[int, PredictionRecord]] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BenchError(f"{path}:{number}: line: not UTF-8") from None
        try:
            record = PredictionRecord.model_validate_json(line)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = format_loc(err["loc"]) if err["loc"] else "line"
            raise BenchError(f"{path}:{number}: {loc}: {err['msg']}") from None
        if record.doc_id in out:
            first = out[record.doc_id][0]
            raise BenchError(f"{path}:{number}: doc_id: {record.doc_id!r} already on line {first}")
        out[record.doc_id] = (number, record)
    return out


class PredictionsSystem(BaseSystem):
    """Spans read from a predictions file instead of computed."""

    info = SystemInfo(
        name="predictions",
        version="1",
        layers=LAYERS,
        labels=ALL_LABELS,
        description="replays a predictions JSONL file (output of any external tool)",
        options=(
            Option("path", "predictions JSONL file", kind="path", required=True),
            Option(
                "missing",
                "a document without a line: empty (predicts nothing) or fail",
                default="empty",
                choices=("empty", "fail"),
            ),
        ),
    )

    def load(self) -> None:
        """Read and validate the whole file; record its sha256."""
        path: Path = self.params["path"]
        self.records = read_prediction_lines(path)
        self.versions = {"file_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """The file's spans for each document, checked against its text."""
        return [self._spans(doc) for doc in docs]

    def _spans(self, doc: DocInput) -> list[PredictedSpan]:
        path = self.params["path"]
        found = self.records.get(doc.doc_id)
        if found is None:
            if self.params["missing"] == "fail":
                raise LookupError(f"{path}: no line for document {doc.doc_id!r}")
            return []
        line, record = found
        if record.error is not None:
            raise RuntimeError(f"{path}:{line}: recorded error: {record.error}")
        out = []
        for i, span in enumerate(record.spans):
            if not span.start < span.end <= len(doc.text):
                raise ValueError(
                    f"{path}:{line}: spans[{i}].end: {span.start}:{span.end} "
                    f"not within 0 <= start < end <= {len(doc.text)}"
                )
            if span.layer is not None and span.layer != LABEL_LAYER[span.label]:
                raise ValueError(
                    f"{path}:{line}: spans[{i}].layer: {span.label} belongs to "
                    f"{LABEL_LAYER[span.label]!r}, not {span.layer!r}"
                )
            piece = doc.text[span.start : span.end]
            if span.text is not None and span.text != piece:
                raise ValueError(f"{path}:{line}: spans[{i}].text: {span.text!r} != {piece!r}")
            mapped = self.span(span.start, span.end, span.label, span.value, piece, span.score)
            if mapped is not None:
                out.append(mapped)
        return out
