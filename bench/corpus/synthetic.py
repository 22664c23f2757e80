"""Random gold and predictions with known structure, for differential tests and speed benchmarks.

Documents are cut into slots separated by a gap; each slot holds at most one gold span and,
in the one-to-one regime, at most one prediction, so every prediction overlaps at most one
gold span and vice versa (the regime where greedy and optimal alignment must agree). The
tangled regime adds predictions that straddle neighbouring slots and overlap each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from bench.corpus.document import Document
from bench.corpus.texts import sha256_text
from bench.schema import (
    LABEL_LAYER,
    LAYER_LABELS,
    SEED_LABELS,
    GoldDocument,
    GoldSpan,
    PredictedSpan,
)

_TIMEX = ("2017-12-11", "2017-12", "2017", "P7Y", "2017-12-11TMO", "2015-09", "PRESENT_REF")
SLOT = 24  # characters per slot: a gold span is at most 12 long and a prediction can shift


@dataclass(frozen=True)
class SyntheticCorpus:
    """Gold (as ``load_gold_dir`` returns it) and predictions for it."""

    gold: dict[str, Document]
    predictions: dict[str, list[PredictedSpan]]

    @property
    def n_spans(self) -> int:
        """Gold plus predicted spans."""
        return sum(len(d.gold.spans) for d in self.gold.values()) + sum(
            len(p) for p in self.predictions.values()
        )


def _value(rng: np.random.Generator, layer: str) -> object:
    if layer == "time":
        return _TIMEX[int(rng.integers(len(_TIMEX)))]
    if layer == "number":
        return int(rng.integers(0, 20))
    return None


def random_document(
    rng: np.random.Generator,
    doc_id: str,
    n_slots: int,
    *,
    labels: tuple[str, ...] | None = None,
    tangled: float = 0.0,
) -> tuple[Document, list[PredictedSpan]]:
    """One random document of ``n_slots`` slots; ``tangled`` is the share of extra
    predictions that straddle slot boundaries (0 keeps the one-to-one regime)."""
    labels = labels or SEED_LABELS
    text = "x" * (n_slots * SLOT)
    gold: list[GoldSpan] = []
    pred: list[PredictedSpan] = []
    kinds = rng.integers(0, 8, size=n_slots)
    for slot in range(n_slots):
        base = slot * SLOT + 4
        length = int(rng.integers(1, 13))
        g_label = labels[int(rng.integers(len(labels)))]
        layer = LABEL_LAYER[g_label]
        same_layer = [x for x in LAYER_LABELS[layer] if x in labels] or [g_label]
        p_label = g_label if rng.random() < 0.6 else same_layer[int(rng.integers(len(same_layer)))]
        g_value = _value(rng, layer)
        p_value = g_value if rng.random() < 0.7 else _value(rng, layer)
        kind = int(kinds[slot])
        g_span: tuple[int, int] | None = (base, base + length)
        p_span: tuple[int, int] | None
        if kind == 0:  # gold only
            p_span = None
        elif kind == 1:  # prediction only
            g_span, p_span = None, (base, base + length)
            p_label = labels[int(rng.integers(len(labels)))]
            p_value = _value(rng, LABEL_LAYER[p_label])
        elif kind in (2, 3):  # same boundaries
            p_span = g_span
        elif kind == 4:  # shifted
            d = int(rng.integers(-3, 4)) or 1
            p_span = (max(base + d, base - 3), base + length + d)
            if p_span[0] >= g_span[1] or p_span[1] <= g_span[0]:  # type: ignore[index]
                p_span = (base, base + length + 1)
        elif kind == 5:  # inside or around
            p_span = (base - 2, base + length + 2) if length < 3 else (base + 1, base + length - 1)
        elif kind == 6:  # adjacent, not overlapping (end-exclusive)
            p_span = (base + length, base + length + int(rng.integers(1, 5)))
        else:  # nothing
            g_span = p_span = None
        if g_span is not None:
            gold.append(
                GoldSpan(
                    start=g_span[0],
                    end=g_span[1],
                    text=text[g_span[0] : g_span[1]],
                    layer=layer,  # type: ignore[arg-type]
                    label=g_label,
                    value=g_value,  # type: ignore[arg-type]
                )
            )
        if p_span is not None:
            pred.append(PredictedSpan(start=p_span[0], end=p_span[1], label=p_label, value=p_value))  # type: ignore[arg-type]
    n_extra = round(tangled * n_slots)
    for _ in range(n_extra):
        slot = int(rng.integers(0, max(n_slots - 1, 1)))
        start = slot * SLOT + int(rng.integers(4, SLOT))
        end = min(start + int(rng.integers(2, SLOT + 8)), len(text))
        if end <= start:
            continue
        label = labels[int(rng.integers(len(labels)))]
        pred.append(
            PredictedSpan(start=start, end=end, label=label, value=_value(rng, LABEL_LAYER[label]))  # type: ignore[arg-type]
        )
    gold.sort(key=lambda s: (s.start, s.end))
    doc = GoldDocument(
        doc_id=doc_id,
        document_date=dt.date(2017, 12, 11),
        text_sha256=sha256_text(text),
        spans=gold,
    )
    return Document(doc, text), pred


def random_corpus(
    n_docs: int,
    slots_per_doc: int,
    seed: int = 0,
    *,
    labels: tuple[str, ...] | None = None,
    tangled: float = 0.0,
) -> SyntheticCorpus:
    """A seeded random corpus of ``n_docs`` documents (see :func:`random_document`)."""
    rng = np.random.default_rng(seed)
    gold: dict[str, Document] = {}
    preds: dict[str, list[PredictedSpan]] = {}
    for i in range(n_docs):
        doc_id = f"doc{i:06d}"
        gold[doc_id], preds[doc_id] = random_document(
            rng, doc_id, slots_per_doc, labels=labels, tangled=tangled
        )
    return SyntheticCorpus(gold, preds)


# --- synthetic news: readable documents for corpus-scale benchmarks --------------------------

_PEOPLE = (
    "Anna Petrova", "John Carter", "Maria Lopez", "Ahmed Hassan", "Li Wei", "Olga Ivanova",
    "David Miller", "Fatima Khan", "Peter Novak", "Sara Cohen", "Kenji Sato", "Elena Rossi",
    "Mark Wilson", "Yusuf Demir", "Ingrid Berg", "Carlos Mendes",
)  # fmt: skip
_PLACES = (
    "Moscow", "Damascus", "Paris", "Berlin", "Cairo", "Ankara", "Tehran", "Beijing", "London",
    "Madrid", "Warsaw", "Vienna", "Athens", "Lisbon", "Oslo", "Prague",
)  # fmt: skip
_ORGS = (
    "NATO", "UNICEF", "Reuters", "Gazprom", "Siemens", "Greenpeace", "Airbus", "OPEC",
    "Amnesty International", "Interfax",
)  # fmt: skip
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")

# Sentences as pieces: plain text, or a slot {KIND} filled with a gold span of that kind.
_TEMPLATES = (
    "{PERSON} arrived in {GPE} on {DMY} for talks with {PERSON}.",
    "{ORG} said {CARDINAL} people had left {GPE} since {MY}.",
    "It was the {ORDINAL} visit by {PERSON} to {GPE}.",
    "In {YEAR}, {ORG} employed {CARDINAL} workers in {GPE}.",
    "{PERSON} told reporters in {GPE} that the talks would resume on {MDY}.",
    "Officials from {GPE} and {GPE} met for the {ORDINAL} time.",
    "The talks covered trade, energy and security.",
    "Observers said the mood was calm and the tone was friendly.",
    "{ORG} has reported on the region since {YEAR}.",
)
_KIND_LABEL = {
    "PERSON": "PERSON", "GPE": "GPE", "ORG": "ORG", "DMY": "DATE", "MDY": "DATE", "MY": "DATE",
    "YEAR": "DATE", "CARDINAL": "CARDINAL", "ORDINAL": "ORDINAL",
}  # fmt: skip


def _fill(rng: np.random.Generator, kind: str) -> tuple[str, object]:
    """Surface text and gold value of one slot."""

    def pick(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(len(options)))]

    year = int(rng.integers(1995, 2024))
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    if kind == "PERSON":
        return pick(_PEOPLE), None
    if kind == "GPE":
        return pick(_PLACES), None
    if kind == "ORG":
        return pick(_ORGS), None
    if kind == "DMY":
        return f"{day} {_MONTHS[month - 1]} {year}", f"{year:04d}-{month:02d}-{day:02d}"
    if kind == "MDY":
        return f"{_MONTHS[month - 1]} {day}, {year}", f"{year:04d}-{month:02d}-{day:02d}"
    if kind == "MY":
        return f"{_MONTHS[month - 1]} {year}", f"{year:04d}-{month:02d}"
    if kind == "YEAR":
        return str(year), str(year)
    if kind == "CARDINAL":
        n = int(rng.integers(2, 90_000))
        return f"{n:,}", n
    k = int(rng.integers(len(_ORDINALS)))
    return _ORDINALS[k], k + 1


def news_document(seed: int, index: int, sentences: int = 8) -> Document:
    """Document ``index`` of the synthetic news corpus ``seed``: gold, text and title.

    Each document comes from its own generator (seeded with ``(seed, index)``), so any
    document can be made alone, in any order, by any process, and is always the same.
    """
    rng = np.random.default_rng([seed, index])
    parts: list[str] = []
    spans: list[GoldSpan] = []
    pos = 0
    for s in range(sentences):
        template = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))]
        if s:
            parts.append(" ")
            pos += 1
        for piece in _split_template(template):
            if piece.startswith("{"):
                kind = piece[1:-1]
                surface, value = _fill(rng, kind)
                label = _KIND_LABEL[kind]
                spans.append(
                    GoldSpan.model_construct(
                        start=pos,
                        end=pos + len(surface),
                        text=surface,
                        layer=LABEL_LAYER[label],
                        label=label,
                        value=value,
                        notes=None,
                    )
                )
            else:
                surface = piece
            parts.append(surface)
            pos += len(surface)
    text = "".join(parts) + "\n"
    date = dt.date(2015, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3000)))
    gold = GoldDocument.model_construct(
        schema_version=1,
        doc_id=f"news{index:07d}",
        document_date=date,
        text_sha256=sha256_text(text),
        annotator="synthetic",
        status=None,
        notes=None,
        spans=spans,
        ignore=[],
    )
    return Document(gold, text, f"Synthetic report {index}", f"synthetic:{seed}:{index}")


def _split_template(template: str) -> list[str]:
    out: list[str] = []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        kind, _, rest = tail.partition("}")
        if before:
            out.append(before)
        out.append("{" + kind + "}")
    if rest:
        out.append(rest)
    return out
