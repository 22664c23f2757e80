"""What every format module shares: the record it reads and writes, and how spans are rebuilt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bench.corpus.gold import format_loc, load_corpus_meta, sha256_text
from bench.errors import BenchError
from bench.schema import (
    LABEL_LAYER,
    LAYER_LABELS,
    LAYERS,
    GoldDocument,
    GoldSpan,
    IgnoreRegion,
    Value,
)

IGNORE_LABEL = "IGNORE"  # the label of ignore regions in formats that carry them as spans
HEADER_FIELDS = ("doc_id", "document_date", "text_sha256", "annotator", "status", "notes")

# One colour per layer, so every tool shows the layers alike (Label Studio, doccano, brat).
LAYER_COLOURS = {"entity": "#8ecae6", "time": "#b7e4c7", "number": "#f4acb7"}
IGNORE_COLOUR = "#d9d9d9"
# One colour per label, from colour-blind-safe palettes: Okabe & Ito (2008) for the entity
# layer's first seven labels, Paul Tol's "muted" for the other four and the time layer, Tol's
# "light" for the number layer. Each layer keeps its own block of hues; no two labels share a
# colour (docs/annotate.md, "Label Studio").
LABEL_COLOURS: dict[str, str] = {
    "PERSON": "#E69F00",  # Okabe-Ito orange
    "NORP": "#56B4E9",  # sky blue
    "FAC": "#009E73",  # bluish green
    "ORG": "#F0E442",  # yellow
    "GPE": "#0072B2",  # blue
    "LOC": "#D55E00",  # vermillion
    "PRODUCT": "#CC79A7",  # reddish purple
    "EVENT": "#332288",  # Tol muted indigo
    "WORK_OF_ART": "#882255",  # wine
    "LAW": "#999933",  # olive
    "LANGUAGE": "#AA4499",  # purple
    "DATE": "#44AA99",  # Tol muted teal
    "TIME": "#CC6677",  # rose
    "CARDINAL": "#77AADD",  # Tol light blue
    "QUANTITY": "#EE8866",  # orange
    "MONEY": "#BBCC33",  # pear
    "PERCENT": "#FFAABB",  # pink
    "ORDINAL": "#EEDD88",  # light yellow
}


@dataclass(frozen=True)
class GoldRecord:
    """One document's gold with its exact text; ``where`` names the file (and line) it came from."""

    gold: GoldDocument
    text: str
    title: str = ""
    where: str = ""
    # What the import dropped or changed on the way (a value no span took), one line per span:
    # printed on stderr by `bench gold import`, never silently lost.
    notices: tuple[str, ...] = ()


Writer = Callable[[Sequence[GoldRecord], Path], None]
Reader = Callable[[Path, Path, Mapping[str, str]], list[GoldRecord]]


@dataclass(frozen=True)
class GoldFormat:
    """An annotation-tool format: writes records into a directory and reads them back."""

    name: str
    summary: str
    write: Writer  # (records, empty output directory)
    read: Reader  # (file or export directory, texts directory, options)
    carries_values: str  # where the format keeps values: shown by `bench gold formats`
    loses: str = ""  # what does not survive a round trip, "" when nothing is lost


def header(gold: GoldDocument) -> dict[str, object]:
    """The document-level fields of a gold document, JSON-ready (None where unset)."""
    data = gold.model_dump(mode="json", include=set(HEADER_FIELDS))
    return {key: data.get(key) for key in HEADER_FIELDS}


def label_layer(label: str, where: str) -> str:
    """The layer a label belongs to; a one-line error naming ``where`` for unknown labels."""
    layer = LABEL_LAYER.get(label)
    if layer is None:
        raise BenchError(
            f"{where}: label: unknown label {label!r} (known: {', '.join(LABEL_LAYER)})"
        )
    return layer


def make_span(
    text: str,
    start: int,
    end: int,
    label: str,
    where: str,
    value: Value = None,
    notes: str | None = None,
) -> GoldSpan:
    """A gold span cut from ``text``; the layer follows from the label."""
    if not (0 <= start < end <= len(text)):
        raise BenchError(
            f"{where}: offsets {start}:{end} not within 0 <= start < end <= {len(text)}"
        )
    layer = label_layer(label, where)
    return GoldSpan(
        start=start,
        end=end,
        text=text[start:end],
        layer=layer,  # type: ignore[arg-type]
        label=label,
        value=value,
        notes=notes,
    )


def sort_spans(spans: Iterable[GoldSpan]) -> list[GoldSpan]:
    """Spans in gold order: by start, end, then layer (entity, time, number)."""
    return sorted(spans, key=lambda s: (s.start, s.end, LAYERS.index(s.layer), s.label))


def build_gold(
    head: Mapping[str, object],
    spans: Iterable[GoldSpan],
    ignore: Iterable[IgnoreRegion],
    where: str,
) -> GoldDocument:
    """A gold document from header fields and spans; schema errors name ``where`` and the field."""
    data = {key: head.get(key) for key in HEADER_FIELDS if head.get(key) is not None}
    data["spans"] = [s.model_dump() for s in sort_spans(spans)]
    data["ignore"] = [r.model_dump() for r in sorted(ignore, key=lambda r: (r.start, r.end))]
    try:
        return GoldDocument.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BenchError(f"{where}: {format_loc(err['loc'])}: {err['msg']}") from None


def corpus_date(texts_dir: Path, doc_id: str) -> dt.date | None:
    """The document date ``corpus.json`` records for ``doc_id``, or None."""
    meta = load_corpus_meta(texts_dir)
    if meta is None:
        return None
    return next((d.document_date for d in meta.documents if d.doc_id == doc_id), None)


def complete_header(head: Mapping[str, object], text: str, texts_dir: Path) -> dict[str, object]:
    """Header fields a tool's own export may lack: the date from ``corpus.json``, the text's hash.

    Taking the hash from the text itself is safe: the import still checks the text against
    the seed text of the same id.
    """
    out = dict(head)
    if not out.get("document_date") and isinstance(out.get("doc_id"), str):
        out["document_date"] = corpus_date(texts_dir, str(out["doc_id"]))
    if not out.get("text_sha256"):
        out["text_sha256"] = sha256_text(text)
    return out


def gold_record(
    head: Mapping[str, object],
    text: str,
    spans: Iterable[GoldSpan],
    ignore: Iterable[IgnoreRegion],
    where: str,
    texts_dir: Path,
    notices: Iterable[str] = (),
) -> GoldRecord:
    """A record from what a file gave: header fields and title (completed by
    :func:`complete_header`), the text, spans and ignore regions; errors name ``where``."""
    full = complete_header({k: head.get(k) for k in (*HEADER_FIELDS, "title")}, text, texts_dir)
    gold = build_gold(full, spans, ignore, where)
    return GoldRecord(gold, text, str(full.get("title") or ""), where, tuple(notices))


def reject_options(fmt: str, options: Mapping[str, str], known: Iterable[str] = ()) -> None:
    """A one-line error naming the options ``fmt`` does not take (those not in ``known``)."""
    unknown = set(options) - set(known)
    if unknown:
        raise BenchError(f"unknown option(s) for {fmt}: {', '.join(sorted(unknown))}")


def need(obj: Mapping[str, object], key: str, kind: type | tuple[type, ...], where: str) -> object:
    """``obj[key]`` checked to be of ``kind``; a one-line error naming ``where`` and the key."""
    if key not in obj:
        raise BenchError(f"{where}: {key}: missing")
    val = obj[key]
    if not isinstance(val, kind) or (kind is int and isinstance(val, bool)):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BenchError(f"{where}: {key}: expected {name}, got {type(val).__name__}")
    return val


def label_groups() -> dict[str, tuple[str, ...]]:
    """Our labels by layer, plus the ignore label: what the generated tool configurations list."""
    return {**LAYER_LABELS, "ignore": (IGNORE_LABEL,)}


def span_extras(
    gold: GoldDocument, offset: Callable[[int], int] = int
) -> dict[str, list[list[object]]]:
    """Values, span notes and ignore reasons keyed by offsets, for formats with no field for them.

    Keys are ``[start, end, label]`` (``[start, end]`` for ignore regions) in the format's own
    offsets (``offset`` converts ours), so they still find their span after a tool re-orders
    spans; a span whose offsets or label were changed in the tool loses its value.
    """
    return {
        "values": [
            [offset(s.start), offset(s.end), s.label, s.value]
            for s in gold.spans
            if s.value is not None
        ],
        "span_notes": [
            [offset(s.start), offset(s.end), s.label, s.notes]
            for s in gold.spans
            if s.notes is not None
        ],
        "ignore_reasons": [[offset(r.start), offset(r.end), r.reason] for r in gold.ignore],
    }


@dataclass
class ExtrasIndex:
    """Looks up the values, notes and ignore reasons that :func:`span_extras` wrote."""

    values: dict[tuple[int, int, str], Value]
    notes: dict[tuple[int, int, str], str]
    reasons: dict[tuple[int, int], str]
    used: set[tuple[int, int, str]] = field(default_factory=set)

    def _find(
        self, table: Mapping[tuple[int, int, str], object], a: int, b: int, label: str
    ) -> tuple[int, int, str] | None:
        """The key of ``table`` for a span at ``a:b`` labelled ``label``: its own, else the one
        entry at the same offsets whose label is of the same layer (a relabel within a layer,
        QUANTITY to MONEY, keeps the value); None when there is none or more than one."""
        if (a, b, label) in table:
            return (a, b, label)
        layer = LABEL_LAYER.get(label)
        near = [k for k in table if k[:2] == (a, b) and LABEL_LAYER.get(k[2]) == layer]
        return near[0] if len(near) == 1 else None

    def value(self, a: int, b: int, label: str) -> Value:
        """The value written for the span at ``a:b`` (see :meth:`_find`); marks it taken."""
        key = self._find(self.values, a, b, label)
        if key is None:
            return None
        self.used.add(key)
        return self.values[key]

    def note(self, a: int, b: int, label: str) -> str | None:
        """The note written for the span at ``a:b`` (same lookup as :meth:`value`)."""
        key = self._find(self.notes, a, b, label)
        return None if key is None else self.notes[key]

    def dropped(self, where: str) -> list[str]:
        """One line per value that no span took (its span was deleted, moved or relabelled
        into another layer in the tool): the import says so instead of losing it silently."""
        return [
            f"{where}: values[{i}]: value {v!r} of span {a}:{b} {label} dropped: "
            f"no span {a}:{b} with a {LABEL_LAYER.get(label, '?')} label any more"
            for i, ((a, b, label), v) in enumerate(self.values.items())
            if (a, b, label) not in self.used and v is not None
        ]

    @classmethod
    def parse(cls, data: Mapping[str, object], where: str) -> ExtrasIndex:
        """Read the three lists from ``data`` (each optional); malformed entries are errors."""

        def rows(key: str, width: int) -> list[list[object]]:
            items = data.get(key) or []
            # msgpack (spaCy's user data) gives tuples where JSON gives lists.
            if not isinstance(items, list | tuple):
                raise BenchError(f"{where}: {key}: expected a list")
            for i, row in enumerate(items):
                ok = isinstance(row, list | tuple) and len(row) == width
                ok = ok and all(isinstance(x, int) and not isinstance(x, bool) for x in row[:2])
                if not ok:
                    raise BenchError(
                        f"{where}: {key}[{i}]: expected [start, end{', label' * (width == 4)}, …]"
                    )
            return list(items)

        return cls(
            values={(r[0], r[1], str(r[2])): r[3] for r in rows("values", 4)},  # type: ignore[misc]
            notes={(r[0], r[1], str(r[2])): str(r[3]) for r in rows("span_notes", 4)},  # type: ignore[misc]
            reasons={(r[0], r[1]): str(r[2]) for r in rows("ignore_reasons", 3)},  # type: ignore[misc]
        )
