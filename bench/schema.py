"""Pydantic models: the single definition of every file format bench reads or writes."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
)

from bench.errors import shorten
from bench.names import check_name
from bench.timex import is_timex_value

SCHEMA_VERSION: Literal[1] = 1

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
# The seeds' label set (OntoNotes entity, date/time and number labels) is LAYER_LABELS; other
# corpora declare theirs (LabelSet), drawn from the labels bench knows: these plus CoNLL-2003's
# PER and MISC and TimeML's DURATION and SET (docs/formats.md, "Label sets"). The extra labels
# come after the seeds' in ALL_LABELS, so the seeds' label ids (and gold digests) are unchanged.
EXTRA_LABELS: dict[str, tuple[str, ...]] = {
    "entity": ("PER", "MISC"),
    "time": ("DURATION", "SET"),
    "number": (),
}
KNOWN_LABELS: dict[str, tuple[str, ...]] = {
    layer: LAYER_LABELS[layer] + EXTRA_LABELS[layer] for layer in LAYER_LABELS
}
LABEL_LAYER: dict[str, str] = {
    label: layer
    for table in (LAYER_LABELS, EXTRA_LABELS)
    for layer, labels in table.items()
    for label in labels
}
ALL_LABELS: tuple[str, ...] = tuple(LABEL_LAYER)
SEED_LABELS: tuple[str, ...] = tuple(label for labels in LAYER_LABELS.values() for label in labels)
# The layers whose spans carry a value that is scored (docs/metrics.md, "Values").
VALUE_LAYERS: tuple[str, ...] = ("time", "number")
# Small integer ids of labels and layers, for the array code of scoring and gold columns.
LABEL_ID: dict[str, int] = {label: i for i, label in enumerate(ALL_LABELS)}
LAYER_ID: dict[str, int] = {layer: i for i, layer in enumerate(LAYERS)}


def check_doc_id_safe(doc_id: str) -> str:
    """``doc_id`` when it is safe as a file name (:func:`bench.names.check_name`)."""
    return check_name(doc_id, "id")


DocId = Annotated[str, AfterValidator(check_doc_id_safe)]
# Strict: JSON "5" or true is a wrong type, not the offset 5 or 1 (pydantic's lax mode would
# convert both silently); 5.0 is refused too. Values likewise keep the type they were given.
Offset = Annotated[int, Strict(), Field(ge=0)]
Count = Annotated[int, Strict(), Field(ge=0)]


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a number, a string or null, got a boolean")
    return value


Value = Annotated[int | float | str | None, BeforeValidator(_not_bool)]


def value_problem(layer: str, value: object) -> str | None:
    """Why ``value`` is not well-formed for ``layer``, or None when it is."""
    if layer == "entity":
        return None if value is None else f"entity spans carry no value, got {shorten(value)}"
    if layer == "time":
        if not isinstance(value, str):
            return f"time value must be a TIMEX3 string, got {shorten(value)}"
        if not is_timex_value(value):
            return f"{shorten(value)} is not a TIMEX3 value"
        return None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"number value must be a JSON number or null, got {shorten(value)}"
    if not is_finite(value):
        return f"number value must be finite, got {shorten(value)}"
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

    start: Offset
    end: Offset
    text: str
    layer: Layer
    label: str
    value: Value = None
    notes: str | None = None


class IgnoreRegion(_Model):
    """A stretch of page chrome: not annotated, and predictions inside it are dropped."""

    start: Offset
    end: Offset
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
    nested: list[Layer] | None = Field(
        default=None,
        description="Layers whose gold spans may overlap (nested entities); others may not.",
    )
    tokens: list[tuple[Offset, Offset]] | None = Field(
        default=None,
        description="Token offsets (start, end) in text order, for scoring with --tokens.",
    )


class DocumentMeta(_Model):
    """Metadata of one corpus document, an entry of ``seeds/corpus.json``."""

    doc_id: DocId
    title: str
    outlet: str | None = None
    language: str = "en"
    document_date: dt.date
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    chars: Count
    words: Count


class CorpusMeta(_Model):
    """``seeds/corpus.json``: the documents of the corpus and what their texts must hash to."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str = "seeds"
    documents: list[DocumentMeta]


class PredictedSpan(_Model):
    """A span predicted by a system; the layer follows from the label when not given."""

    start: Offset
    end: Offset
    label: str
    value: Value = None
    layer: Layer | None = None
    text: str | None = None
    score: Annotated[float, Strict()] | None = None

    @field_validator("label")
    @classmethod
    def _known_label(cls, label: str) -> str:
        if label not in LABEL_LAYER:
            raise ValueError(f"unknown label {shorten(label)}")
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


class LabelSet(_Model):
    """The layers a corpus annotates and the labels of each (docs/formats.md, "Label sets").

    Labels come from the labels bench knows (:data:`KNOWN_LABELS`), each in its own layer; the
    seeds' set is OntoNotes' (:data:`LAYER_LABELS`). Scoring reports the labels of the set
    and its digest is part of the scoring signature.
    """

    name: str = Field(description="A short name: ontonotes, conll2003, timeml, or your own.")
    layers: dict[Layer, list[str]] = Field(
        description="Layer -> its labels, in the order reports list them."
    )

    @field_validator("layers")
    @classmethod
    def _known(cls, layers: dict[str, list[str]]) -> dict[str, list[str]]:
        if not layers:
            raise ValueError("at least one layer")
        for layer, labels in layers.items():
            if not labels:
                raise ValueError(f"layer {layer!r} has no labels")
            for label in labels:
                if label not in KNOWN_LABELS[layer]:
                    home = LABEL_LAYER.get(label)
                    hint = (
                        f" (it belongs to {home!r})"
                        if home
                        else f" (known: {', '.join(KNOWN_LABELS[layer])})"
                    )
                    raise ValueError(f"{shorten(label)} is not a label of layer {layer!r}{hint}")
            if len(set(labels)) != len(labels):
                raise ValueError(f"layer {layer!r} names a label twice")
        return {layer: list(layers[layer]) for layer in LAYERS if layer in layers}

    def labels_of(self, layer: str) -> tuple[str, ...]:
        """The labels of ``layer`` (empty when the set has no such layer)."""
        return tuple(self.layers.get(layer, ()))  # type: ignore[call-overload]

    def digest(self, layers: tuple[str, ...] | None = None) -> str:
        """12 hex digits identifying the labels of ``layers`` (all the set's by default)."""
        import hashlib

        chosen = [layer for layer in LAYERS if layer in self.layers]
        if layers is not None:
            chosen = [layer for layer in chosen if layer in layers]
        text = "\n".join(f"{layer}:{','.join(self.labels_of(layer))}" for layer in chosen)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


SEED_LABEL_SET = LabelSet.model_validate(
    {"name": "ontonotes", "layers": {k: list(v) for k, v in LAYER_LABELS.items()}}
)


class CorpusHeader(_Model):
    """The optional first line of a JSON Lines corpus: its name, label set, and where it came
    from. A corpus without one has the seeds' label set."""

    bench_corpus: Literal[1] = Field(1, description="Marks the line as the header (always 1).")
    name: str
    label_set: LabelSet
    source: str | None = Field(None, description="What it was imported from: FORMAT PATH.")


class LabelMapSpec(_Model):
    """A label map from a system's (bench's) labels onto a corpus's: ``--label-map NAME|FILE``.

    ``labels`` maps a label to another, or to null to drop it; unlisted labels pass unchanged.
    Then, for time spans, a value that is a duration (``P...``) gives the label ``durations``
    and a recurring value (``XXXX-WXX-1``, ``XXXX-XX-XXT...``, ``R...``) the label ``sets``,
    when those are set (docs/formats.md, "Label maps").
    """

    name: str
    description: str = ""
    labels: dict[str, str | None] = Field(default_factory=dict)
    durations: str | None = None
    sets: str | None = None


class CorpusSpan(_Model):
    """A gold span in a corpus record: a gold span whose ``layer`` and ``text`` may be left out
    (the layer follows from the label; the text is cut from the document, and checked when
    given)."""

    start: Offset
    end: Offset
    label: str
    layer: Layer | None = None
    text: str | None = None
    value: Value = None
    notes: str | None = None


class CorpusRecord(_Model):
    """One document of a corpus file: a line of JSON Lines, a row of Parquet or of a dataset.

    The text and its gold together; the same rules as a gold file apply to the spans.
    """

    doc_id: DocId
    text: str
    document_date: dt.date
    title: str | None = None
    text_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    annotator: str | None = None
    status: Literal["draft", "annotated", "adjudicated"] | None = None
    notes: str | None = None
    spans: list[CorpusSpan] = Field(default_factory=list)
    ignore: list[IgnoreRegion] = Field(default_factory=list)
    nested: list[Layer] | None = None
    tokens: list[tuple[Offset, Offset]] | None = Field(
        None,
        description="Each token's [start, end) offsets, in order, for corpora imported from "
        "tokens (CoNLL, hf-tokens); absent for untokenised text.",
    )


class Usage(_Model):
    """Tokens and cost of a run, for systems that report them (API and local LLM servers).

    A system that reports nothing (every local library) has ``reported`` false and zeros:
    it costs no tokens. Prices are US dollars per million tokens, as given to the system;
    without prices the cost is 0. Deterministic given the answers (timings are apart, in
    ``throughput.tokens_per_second``).
    """

    reported: bool = Field(description="The system reported token counts for its documents.")
    docs: int = Field(description="Documents of the run.")
    docs_reported: int = Field(description="Documents whose answer came with a token count.")
    prompt_tokens: int
    completion_tokens: int
    tokens_per_doc: float = Field(description="(prompt + completion tokens) / docs_reported.")
    price_in: float | None = Field(description="US dollars per million prompt tokens.")
    price_out: float | None = Field(description="US dollars per million completion tokens.")
    cost: float = Field(description="US dollars for the run's documents.")
    cost_per_1000_docs: float

    @classmethod
    def none(cls, docs: int) -> Usage:
        """The usage of a system that reports none: zero tokens, zero cost."""
        return cls(
            reported=False,
            docs=docs,
            docs_reported=0,
            prompt_tokens=0,
            completion_tokens=0,
            tokens_per_doc=0.0,
            price_in=None,
            price_out=None,
            cost=0.0,
            cost_per_1000_docs=0.0,
        )

    @classmethod
    def of(
        cls,
        docs: int,
        per_doc: list[tuple[int, int]],
        price_in: float | None,
        price_out: float | None,
    ) -> Usage:
        """The usage of ``docs`` documents of which ``per_doc`` (prompt, completion) reported."""
        p = sum(x for x, _ in per_doc)
        c = sum(y for _, y in per_doc)
        cost = (p * (price_in or 0.0) + c * (price_out or 0.0)) / 1_000_000
        n = len(per_doc)
        return cls(
            reported=n > 0,
            docs=docs,
            docs_reported=n,
            prompt_tokens=p,
            completion_tokens=c,
            tokens_per_doc=round((p + c) / n, 1) if n else 0.0,
            price_in=price_in,
            price_out=price_out,
            cost=round(cost, 6),
            cost_per_1000_docs=round(1000 * cost / n, 4) if n else 0.0,
        )
