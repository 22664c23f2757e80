"""Pydantic models: the single definition of every file format bench reads or writes."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from bench.timex import is_timex_value

SCHEMA_VERSION = 1

Layer = Literal["entity", "time", "number"]
LAYERS: tuple[str, ...] = ("entity", "time", "number")

LAYER_LABELS: dict[str, tuple[str, ...]] = {
    "entity": (
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
        "LANGUAGE",
    ),
    "time": ("DATE", "TIME"),
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"),
}
LABEL_LAYER: dict[str, str] = {
    label: layer for layer, labels in LAYER_LABELS.items() for label in labels
}
ALL_LABELS: tuple[str, ...] = tuple(LABEL_LAYER)

_DOC_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def is_doc_id(doc_id: str) -> bool:
    """True when ``doc_id`` is a safe id: letters, digits, '_', '.', '-'; not '.' or '..'."""
    return bool(_DOC_ID.fullmatch(doc_id)) and doc_id not in (".", "..")


def _check_doc_id(doc_id: str) -> str:
    if not is_doc_id(doc_id):
        raise ValueError(
            f"{doc_id!r} is not a safe id (letters, digits, '_', '.', '-'; not '.' or '..')"
        )
    return doc_id


DocId = Annotated[str, AfterValidator(_check_doc_id)]
Value = int | float | str | None


def value_problem(layer: str, value: object) -> str | None:
    """Why ``value`` is not well-formed for ``layer``, or None when it is."""
    if layer == "entity":
        return None if value is None else f"entity spans carry no value, got {value!r}"
    if layer == "time":
        if not isinstance(value, str):
            return f"time value must be a TIMEX3 string, got {value!r}"
        if not is_timex_value(value):
            return f"{value!r} is not a TIMEX3 value"
        return None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"number value must be a JSON number or null, got {value!r}"
    if not is_finite(value):
        return f"number value must be finite, got {value!r}"
    return None


def is_finite(value: int | float) -> bool:
    """A number that is finite as a float (an integer too large for a float is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldSpan(_Model):
    """One annotated mention: half-open code-point offsets into the document text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    layer: Layer
    label: str
    value: Value = None
    notes: str | None = None


class IgnoreRegion(_Model):
    """A stretch of page chrome: not annotated, and predictions inside it are dropped."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    reason: str


class GoldDocument(_Model):
    """The gold annotation of one document, ``gold/<doc_id>.json``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    doc_id: DocId
    document_date: dt.date
    text_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    annotator: str | None = None
    status: Literal["draft", "annotated", "adjudicated"] | None = None
    notes: str | None = None
    spans: list[GoldSpan] = Field(default_factory=list)
    ignore: list[IgnoreRegion] = Field(default_factory=list)


class DocumentMeta(_Model):
    """Metadata of one corpus document, an entry of ``seeds/corpus.json``."""

    doc_id: DocId
    title: str
    outlet: str | None = None
    language: str = "en"
    document_date: dt.date
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    chars: int = Field(ge=0)
    words: int = Field(ge=0)


class CorpusMeta(_Model):
    """``seeds/corpus.json``: the documents of the corpus and what their texts must hash to."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = "seeds"
    documents: list[DocumentMeta]


class PredictedSpan(_Model):
    """A span predicted by a system; the layer follows from the label when not given."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str
    value: Value = None
    layer: Layer | None = None
    text: str | None = None
    score: float | None = None

    @field_validator("label")
    @classmethod
    def _known_label(cls, label: str) -> str:
        if label not in LABEL_LAYER:
            raise ValueError(f"unknown label {label!r}")
        return label

    @property
    def span_layer(self) -> str:
        """The layer of this span: explicit, or the label's."""
        return self.layer or LABEL_LAYER[self.label]


class PredictionRecord(_Model):
    """One line of a predictions JSONL file: a document's predicted spans."""

    doc_id: DocId
    spans: list[PredictedSpan] = Field(default_factory=list)
    error: str | None = None
