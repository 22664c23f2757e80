"""The one gold digest (bench.corpus.digest): the same from objects, from columns and fed in
batches; changed by every change that can change a score, and by nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from conftest import GOLD, SEEDS

from bench.corpus.columns import SpanColumns
from bench.corpus.digest import GoldDigest, gold_digest, gold_sha256, table_sha256
from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir
from bench.corpus.goldtable import GoldTable, load_gold_table
from bench.corpus.synthetic import random_corpus
from bench.corpus.texts import sha256_text
from bench.schema import GoldSpan, IgnoreRegion
from bench.scoring.engine import score
from bench.scoring.report import parse_signature
from bench.scoring.streaming import StreamingScorer


@pytest.fixture(scope="module")
def gold() -> dict[str, Document]:
    return load_gold_dir(GOLD, SEEDS)


def test_columns_and_objects_give_the_same_digest(gold) -> None:
    # bench score reads columns (load_gold_table); a run, objects (load_gold_dir).
    assert table_sha256(load_gold_table(GOLD, SEEDS)) == gold_sha256(gold)
    c = random_corpus(50, 20, seed=4)
    assert table_sha256(GoldTable.from_documents(c.gold)) == gold_sha256(c.gold)


def test_fed_in_batches_it_is_the_same_digest(gold) -> None:
    docs = [gold[d] for d in sorted(gold)]
    for size in (1, 2, 3, 5):
        h = GoldDigest()
        for i in range(0, len(docs), size):
            h.update(GoldDigest.part(docs[i : i + size]))
        assert h.hexdigest() == gold_sha256(gold)


def test_signature_gold_field_is_the_digest_prefix(gold) -> None:
    preds = {d: [] for d in gold}
    assert parse_signature(score(gold, preds, bootstrap=0).signature)["gold"] == gold_digest(gold)
    scorer = StreamingScorer(bootstrap=0)
    docs = [gold[d] for d in sorted(gold)]
    scorer.add(docs[:2], {})
    scorer.add(docs[2:], {})
    assert scorer.gold_sha256 == gold_sha256(gold)
    assert parse_signature(str(scorer.signature()))["gold"] == gold_sha256(gold)[:12]


def _changed(gold: dict[str, Document], change) -> dict[str, Document]:
    doc_id = sorted(gold)[1]
    out = dict(gold)
    out[doc_id] = change(gold[doc_id])
    return out


def _spans(doc: Document, f) -> Document:
    spans = list(doc.gold.spans)
    i = next(k for k, s in enumerate(spans) if s.value is not None)
    spans[i] = f(spans[i])
    return replace(doc, gold=doc.gold.model_copy(update={"spans": spans}))


def _text(doc: Document) -> Document:
    text = doc.text + " "
    return Document(doc.gold.model_copy(update={"text_sha256": sha256_text(text)}), text)


CHANGES = {
    "text": _text,
    "span offsets": lambda d: _spans(d, lambda s: s.model_copy(update={"end": s.end - 1})),
    "value": lambda d: _spans(d, lambda s: s.model_copy(update={"value": "changed"})),
    "value type": lambda d: _spans(
        d,
        lambda s: s.model_copy(
            update={"value": float(s.value) if isinstance(s.value, int) else str(s.value) + "1"}
        ),
    ),
    "label": lambda d: _spans(
        d, lambda s: s.model_copy(update={"label": "TIME" if s.label == "DATE" else "DATE"})
    ),
    "span removed": lambda d: replace(
        d, gold=d.gold.model_copy(update={"spans": d.gold.spans[1:]})
    ),
    "ignore region": lambda d: replace(
        d,
        gold=d.gold.model_copy(
            update={"ignore": [*d.gold.ignore, IgnoreRegion(start=0, end=1, reason="test")]}
        ),
    ),
    "document date": lambda d: replace(
        d,
        gold=d.gold.model_copy(
            update={"document_date": d.gold.document_date + dt.timedelta(days=1)}
        ),
    ),
    "tokens": lambda d: replace(d, gold=d.gold.model_copy(update={"tokens": [(0, 1)]})),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_every_change_changes_the_digest(gold, what: str) -> None:
    changed = _changed(gold, CHANGES[what])
    assert gold_sha256(changed) != gold_sha256(gold)
    assert table_sha256(GoldTable.from_documents(changed)) == gold_sha256(changed)


def test_order_and_notes_do_not_change_it(gold) -> None:
    def shuffled(d: Document) -> Document:
        spans = [s.model_copy(update={"notes": "a note"}) for s in reversed(d.gold.spans)]
        regions = list(reversed(d.gold.ignore))
        return replace(d, gold=d.gold.model_copy(update={"spans": spans, "ignore": regions}))

    assert gold_sha256({d: shuffled(doc) for d, doc in gold.items()}) == gold_sha256(gold)
    assert gold_sha256(dict(reversed(list(gold.items())))) == gold_sha256(gold)


def test_the_same_span_twice_is_ordered_by_value() -> None:
    # Two spans alike but for their values (a nested layer may hold them): listed either way,
    # the same digest, from objects and from columns.
    text = "On Monday it was 5 degrees."
    spans = [
        GoldSpan(start=3, end=9, text="Monday", layer="time", label="DATE", value=v)
        for v in ("2017-12-11", "XXXX-WXX-1")
    ]
    a = Document.from_text(text, spans, nested=["time"])
    b = Document.from_text(text, list(reversed(spans)), nested=["time"])
    assert gold_sha256({"doc": a}) == gold_sha256({"doc": b})
    cols = SpanColumns.from_spans([list(reversed(spans))], "gold")
    table = GoldTable(["doc"], [text], [a.gold.text_sha256], [a.document_date], [[]], cols, [None])
    assert table_sha256(table) == gold_sha256({"doc": a})
