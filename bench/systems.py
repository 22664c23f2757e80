"""The system protocol: what every extractor backend implements, and the types it exchanges.

A system is constructed with its options (``--option key=value``, strings), loaded once
(timed apart), then asked to extract spans from batches of documents. Built-ins live in
``systems/``; third-party plugins register through the ``bench.systems`` entry-point group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bench.schema import PredictedSpan


@dataclass(frozen=True)
class DocInput:
    """What a system sees of a document: its id, exact text and document date."""

    doc_id: str
    text: str
    document_date: dt.date


@dataclass(frozen=True)
class SystemInfo:
    """Static description of a system: shown by ``bench systems`` and recorded in results."""

    name: str
    version: str
    layers: tuple[str, ...]
    labels: tuple[str, ...]
    description: str = ""
    requires: tuple[str, ...] = ()  # pip requirement strings needed to run it
    label_map: Mapping[str, str | None] = field(default_factory=dict)  # system label -> ours


@runtime_checkable
class System(Protocol):
    """An extractor under test."""

    info: SystemInfo
    options: Mapping[str, str]

    def load(self) -> None:
        """Load models and resources; timed apart from extraction."""

    def extract(self, docs: Sequence[DocInput]) -> list[list[PredictedSpan]]:
        """Spans for each document of the batch, in the batch's order."""

    def close(self) -> None:
        """Release resources (servers, processes, files)."""
