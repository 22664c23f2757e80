"""``predictions``: replays a predictions JSONL file, so any external tool can be benchmarked.

The file has one ``PredictionRecord`` per line (bench/schema.py; docs/systems.md):
``{"doc_id": "...", "spans": [{"start": 0, "end": 5, "label": "PERSON", "value": null}]}``.
A line with an ``error`` replays that document's failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from bench.corpus.predictions import check_spans, iter_records
from bench.errors import BenchError
from bench.protocol import BaseSystem, DocInput, Option, SystemInfo
from bench.schema import ALL_LABELS, LAYERS, PredictedSpan, PredictionRecord


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
        """Read and validate every line (bench.corpus.predictions); record the file's sha256."""
        path: Path = self.params["path"]
        self.records: dict[str, tuple[int, PredictionRecord]] = {}
        for lineno, record in iter_records(path):
            if record.doc_id in self.records:
                first = self.records[record.doc_id][0]
                raise BenchError(
                    f"{path}:{lineno}: doc_id: {record.doc_id!r} repeated (first on line {first})"
                )
            self.records[record.doc_id] = (lineno, record)
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
        # the scorer's checks (offsets, layer, value type, text), failing this document only
        check_spans(f"{path}:{line}", record.spans, doc.text)
        out = []
        for span in record.spans:
            piece = doc.text[span.start : span.end]
            mapped = self.span(span.start, span.end, span.label, span.value, piece, span.score)
            if mapped is not None:
                out.append(mapped)
        return out
