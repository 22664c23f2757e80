"""Error pages: outcome classes agree with the scorer, every text is escaped, nothing is loaded."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from conftest import GOLD, SEEDS
from toy_system import ToySystem

from bench.corpus.gold import load_gold_dir
from bench.corpus.texts import sha256_text
from bench.report.errorpage import classify, confusions, render_page, render_text
from bench.run.driver import run_system
from bench.run.timing import RunSettings
from bench.schema import GoldDocument, GoldSpan, IgnoreRegion, PredictedSpan
from bench.scoring.engine import score

TEXT = 'On <b>Monday</b> "Putin" & Assad met 3 times in Moscow; 12 jets flew. Menu'


def at(s: str) -> tuple[int, int]:
    i = TEXT.index(s)
    return i, i + len(s)


def gspan(s: str, layer: str, label: str, value: object = None) -> GoldSpan:
    a, b = at(s)
    return GoldSpan(start=a, end=b, text=s, layer=layer, label=label, value=value)


def pspan(s: str, label: str, value: object = None) -> PredictedSpan:
    a, b = at(s)
    return PredictedSpan(start=a, end=b, label=label, value=value)


GOLD_DOC = GoldDocument(
    doc_id="x",
    document_date=dt.date(2017, 12, 11),
    text_sha256=sha256_text(TEXT),
    spans=[
        gspan("Monday", "time", "DATE", "2017-12-11"),
        gspan("Putin", "entity", "PERSON"),
        gspan("Assad", "entity", "PERSON"),
        gspan("3", "number", "CARDINAL", 3),
        gspan("Moscow", "entity", "GPE"),
        gspan("12 jets", "number", "CARDINAL", 12),
    ],
    ignore=[IgnoreRegion(start=TEXT.index("Menu"), end=len(TEXT), reason="chrome")],
)
PREDS = [
    pspan("Monday", "DATE", "2017-12-04"),  # wrong value
    pspan('"Putin"', "PERSON"),  # partial (boundaries)
    pspan("Assad", "ORG"),  # wrong label
    pspan("3", "CARDINAL", 3),  # correct
    pspan("12", "CARDINAL", 12),  # partial
    pspan("flew", "ORG"),  # spurious
    pspan("Menu", "ORG"),  # ignored
]  # Moscow: missed


def test_each_outcome_kind() -> None:
    outs = classify(GOLD_DOC, PREDS, ("entity", "time", "number"))
    got = {
        (
            o.kind,
            TEXT[o.gold.start : o.gold.end] if o.gold else None,
            TEXT[o.pred.start : o.pred.end] if o.pred else None,
        )
        for o in outs
    }
    assert got == {
        ("wrong value", "Monday", "Monday"),
        ("partial", "Putin", '"Putin"'),
        ("wrong label", "Assad", "Assad"),
        ("correct", "3", "3"),
        ("partial", "12 jets", "12"),
        ("spurious", None, "flew"),
        ("ignored", None, "Menu"),
        ("missed", "Moscow", None),
    }
    assert [o.start for o in outs] == sorted(o.start for o in outs)


def test_only_scored_layers() -> None:
    outs = classify(GOLD_DOC, PREDS, ("time",))
    assert {o.layer for o in outs} == {"time"}


def test_escaping_and_self_contained() -> None:
    outs = classify(
        GOLD_DOC, [*PREDS, pspan("Monday", "TIME", '<img src=x onerror="1">')], ["time"]
    )
    html = render_text(TEXT, outs, [(TEXT.index("Menu"), len(TEXT))])
    assert "<b>" not in html and "&lt;b&gt;Monday&lt;/b&gt;" not in html  # cut at spans
    assert "&lt;b&gt;" in html and "&amp;" in html and "&quot;Putin&quot;" in html
    assert "<img" not in html and "&lt;img src=x onerror=&quot;1&quot;&gt;" in html
    assert '<span class="ign">Menu</span>' in html
    # Removing the markup gives back exactly the (escaped) text, plus the tags.
    plain = re.sub(r"<sup[^>]*>.*?</sup>", "", html)
    plain = re.sub(r"<[^>]+>", "", plain)
    import html as h

    assert h.unescape(plain) == TEXT


@pytest.fixture(scope="module")
def toy_run():
    gold = load_gold_dir(GOLD, SEEDS)
    settings = RunSettings(repeats=1, warmup=0, latency=False)
    out = run_system(ToySystem({"names": "Putin,Assad,Syria"}), gold, settings, bootstrap=0)
    preds = {r.doc_id: r.spans for r in out.records}
    return gold, out.result, preds


def test_outcomes_add_up_to_the_strict_counts(toy_run) -> None:
    gold, result, preds = toy_run
    counts: dict[str, Counter[str]] = {}
    for doc_id, doc in gold.items():
        for o in classify(doc.gold, preds[doc_id], result.metrics.layers):
            counts.setdefault(o.layer, Counter())[o.kind] += 1
    for layer, c in counts.items():
        s = result.metrics.by_layer[layer].strict
        assert c["correct"] + c["wrong value"] == s.correct
        assert c["partial"] + c["wrong label"] == s.incorrect
        assert c["missed"] == s.missed and c["spurious"] == s.spurious
    assert sum(c["ignored"] for c in counts.values()) == result.metrics.ignored_predictions
    assert result.metrics == score(gold, preds, layers=result.metrics.layers, bootstrap=0)


def test_page(toy_run) -> None:
    gold, result, preds = toy_run
    page = render_page(result, gold, preds)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"(src|href)=\"?(https?:|//)", page)  # loads nothing
    # One script, inline, static: the package's file word for word, no data in it.
    from bench.report.errorpage import _script

    assert page.count("<script") == 1 and f"<script>{_script()}</script>" in page
    assert "src=" not in page
    for doc_id in gold:
        assert f'id="{doc_id}"' in page
    assert "Most frequent confusions" in page
    # The confusion table lists the most frequent error first.
    per_doc = {
        d: (doc.text, classify(doc.gold, preds[d], result.metrics.layers))
        for d, doc in gold.items()
    }
    top = confusions(per_doc)
    assert top == sorted(top, key=lambda r: -r[3])
    assert top[0][0] in ("missed", "wrong label", "partial", "spurious", "wrong value")


def test_pair_page_marks_only_differences(toy_run) -> None:
    from bench.report.errorpage import render_pair

    gold, result, preds = toy_run
    same = render_pair((result, preds), (result, preds), gold)
    assert 'data-d="1"' not in same and 'data-d="0"' in same
    first = sorted(preds)[0]
    fewer = {**preds, first: list(preds[first])[1:]}  # the second system drops one span
    page = render_pair((result, preds), (result, fewer), gold)
    assert page.count('data-d="1"') >= 1
    assert 'name="same" value="1">' in page  # spans both got the same way: unticked


def test_report_pair_bad_label_is_one_line(tmp_path) -> None:
    import shutil
    import subprocess
    import sys

    from conftest import ROOT

    results = tmp_path / "results"
    shutil.copytree(ROOT / "results", results, ignore=shutil.ignore_patterns("errors"))
    args = [sys.executable, "-m", "bench", "report", "--results", str(results), "--pair"]
    res = subprocess.run([*args, "spacy", "nosuch"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "no result labelled 'nosuch'" in res.stderr and "Traceback" not in res.stderr
    assert not (results / "errors").exists()
