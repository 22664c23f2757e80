"""Token mode: predictions snapped to the corpus's tokens; bench's strict F1 equals conlleval.pl's.

conlleval.pl is not ours to ship: the differential tests run it where found
(``BENCH_CONLLEVAL=/path/to/conlleval.pl``, or on the PATH) and are skipped otherwise.
"""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import NEEDS_RULES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_iob import ANY_TAGS, CONLLEVAL, needs_conlleval

from bench.corpus.document import Document
from bench.corpus.formats import conll_columns
from bench.corpus.formats.textdoc import TextDocument
from bench.errors import ParameterError
from bench.schema import GoldSpan, PredictedSpan
from bench.scoring.engine import score
from bench.scoring.tokens import snap

DATA = Path(__file__).parent / "data" / "formats"
# bench's entity labels standing in for CoNLL's (a renaming cannot change a count).
AS_BENCH = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG", "MISC": "NORP"}


def _snap(text: str, tokens: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list:
    doc = np.zeros(len(spans), dtype=np.int64)
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, b in spans], dtype=np.int64)
    src, s, e = snap(doc, starts, ends, [tokens], 100, [text])
    return [(int(i), int(a), int(b)) for i, a, b in zip(src, s, e, strict=True)]


def test_snap_rules() -> None:
    text = "Robert Galvin\nsaid New-York"  # tokens: Robert, Galvin / said, New-York
    tokens = [(0, 6), (7, 13), (14, 18), (19, 27)]
    assert _snap(
        text,
        tokens,
        [
            (0, 14),  # 'Robert Galvin\n': the trailing line break trimmed
            (8, 11),  # inside one token: that whole token
            (3, 9),  # cuts into two tokens: both, whole
            (13, 14),  # white space only: dropped
            (19, 22),  # 'New' of 'New-York': the token
            (7, 13),  # already a token span: unchanged
            (7, 18),  # 'Galvin\nsaid': cut at the line break, one piece per sentence
        ],
    ) == [
        (0, 0, 13),
        (1, 7, 13),
        (2, 0, 13),
        (4, 19, 27),
        (5, 7, 13),
        (6, 7, 13),
        (6, 14, 18),
    ]


def test_overlapping_snapped_predictions_keep_the_first() -> None:
    """Two predictions inside one token become that token twice; a token carries one tag."""
    text = "Anna-Maria left"
    doc = Document.from_text(
        text, [GoldSpan(start=0, end=10, text="Anna-Maria", layer="entity", label="PERSON")]
    )
    doc = Document(doc.gold.model_copy(update={"tokens": [(0, 10), (11, 15)]}), text)
    pred = [
        PredictedSpan(start=0, end=4, label="PERSON"),
        PredictedSpan(start=5, end=10, label="ORG"),
        PredictedSpan(start=0, end=15, label="ORG"),  # overlaps the first: dropped
    ]
    s = score([doc], {"doc": pred}, bootstrap=0, tokens=True).overall.strict
    assert (s.correct, s.actual, s.spurious) == (1, 1, 0)


def _documents(docs_gold: list[TextDocument]) -> list[Document]:
    out = []
    for d in docs_gold:
        spans = [
            GoldSpan(
                start=s.start,
                end=s.end,
                text=d.text[s.start : s.end],
                layer="entity",
                label=AS_BENCH[s.label],
            )
            for s in d.spans
        ]
        doc = Document.from_text(d.text, spans, doc_id=d.doc_id)
        out.append(Document(doc.gold.model_copy(update={"tokens": d.tokens}), d.text))
    return out


def _predictions(docs_pred: list[TextDocument], rnd: random.Random | None) -> dict:
    """Predicted chunks as character spans; with ``rnd``, each one's ends moved at random into
    the surrounding white space or inside its first and last tokens (what snapping undoes)."""
    out = {}
    for d in docs_pred:
        assert d.tokens is not None
        starts = {a: i for i, (a, _) in enumerate(d.tokens)}
        ends = {b: i for i, (_, b) in enumerate(d.tokens)}
        spans = []
        for s in d.spans:
            a, b = s.start, s.end
            if rnd is not None:
                ta, tb = d.tokens[starts[a]], d.tokens[ends[b]]
                a = rnd.randint(ta[0], ta[1] - 1)
                prev_end = d.tokens[starts[s.start] - 1][1] if starts[s.start] else 0
                if rnd.random() < 0.3:
                    a = rnd.randint(prev_end, s.start)  # into the white space before
                b = rnd.randint(tb[0] + 1, tb[1])
                nxt = starts.get(b + 1)
                if rnd.random() < 0.3 and b == tb[1] and b < len(d.text) and nxt is not None:
                    b += 1  # the space or line break after
                if a >= b:
                    a, b = ta[0], tb[1]
            spans.append(PredictedSpan(start=a, end=b, label=AS_BENCH[s.label]))
        if rnd is not None:  # join predictions across a sentence break: token mode cuts them
            joined: list[PredictedSpan] = []
            for sp in spans:
                prev = joined[-1] if joined else None
                if (
                    prev is not None
                    and prev.label == sp.label
                    and d.text[prev.end : sp.start].strip() == ""
                    and "\n" in d.text[prev.end : sp.start]
                    and rnd.random() < 0.5
                ):
                    joined[-1] = PredictedSpan(start=prev.start, end=sp.end, label=sp.label)
                else:
                    joined.append(sp)
            spans = joined
        out[d.doc_id] = spans
    return out


def _conlleval(text: str) -> tuple[int, int, int, str]:
    out = subprocess.run(
        ["perl", str(CONLLEVAL)], input=text, capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"with (\d+) phrases; found: (\d+) phrases; correct: (\d+)\.", out)
    f = re.search(r"FB1:\s+(\S+)", out)
    assert m and f, out
    return int(m[1]), int(m[2]), int(m[3]), f[1]


def _ours(path: Path, rnd: random.Random | None, tokens: bool = True) -> tuple[int, int, int, str]:
    gold = conll_columns.read(path, {"tag_column": "-2"})
    pred = conll_columns.read(path, {"tag_column": "-1"})
    docs = _documents(gold)
    r = score(docs, _predictions(pred, rnd), bootstrap=0, tokens=tokens)
    s = r.overall.strict
    return s.possible, s.actual, s.correct, f"{100 * (s.f1 or 0):.2f}"


def test_fixture_figures_by_hand() -> None:
    """The fixture's figures, worked out by hand (conlleval.pl prints the same, checked below)."""
    assert _ours(DATA / "system.conll", None) == (8, 9, 6, "70.59")


@needs_conlleval
@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_fixture_equals_conlleval(seed: int | None) -> None:
    path = DATA / "system.conll"
    lines = [x for x in path.read_text().splitlines() if not x.startswith("-DOCSTART-")]
    theirs = _conlleval("\n".join(lines) + "\n")
    rnd = None if seed is None else random.Random(seed)
    assert _ours(path, rnd) == theirs == (8, 9, 6, "70.59")
    if seed is not None:  # the moved ends do change the character-level score
        assert _ours(path, random.Random(seed), tokens=False)[2] < 6


def test_untokenised_gold_refused() -> None:
    doc = Document.from_text("Anna flew", doc_id="d")
    with pytest.raises(ParameterError, match="tokens: document 'd' records no tokens"):
        score([doc], {}, bootstrap=0, tokens=True)


TYPES = [t for t in ANY_TAGS if t[0] in "BIO"]  # IOB tags: what CoNLL-2003 output holds


@needs_conlleval
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.integers(1, 10).flatmap(
            lambda n: st.tuples(
                st.lists(st.sampled_from(TYPES), min_size=n, max_size=n),
                st.lists(st.sampled_from(TYPES), min_size=n, max_size=n),
            )
        ),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 2**16),
)
def test_random_tags_equal_conlleval(
    tmp_path_factory: pytest.TempPathFactory,
    sentences: list[tuple[list[str], list[str]]],
    seed: int,
) -> None:
    rnd = random.Random(seed)
    lines = []
    for gold, pred in sentences:
        words = ["".join(rnd.choice("abXY") for _ in range(rnd.randint(1, 4))) for _ in gold]
        lines += [f"{w} {g} {p}" for w, g, p in zip(words, gold, pred, strict=True)] + [""]
    text = "\n".join(lines) + "\n"
    path = tmp_path_factory.mktemp("conll") / "random.conll"
    path.write_text(text, encoding="utf-8")
    theirs = _conlleval(text)
    if theirs[0] + theirs[1] == 0:
        return  # conlleval prints FB1 0.00 where bench's F1 is undefined
    ours = _ours(path, rnd)
    assert ours == theirs


# ---- the command ----


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "bench", *args], capture_output=True, text=True, check=False
    )


def test_cli_score_tokens(tmp_path: Path) -> None:
    """A gold directory whose documents record tokens, scored with and without --tokens."""
    from bench.corpus.gold import dump_gold
    from bench.corpus.predictions import write_predictions

    path = DATA / "system.conll"
    docs = _documents(conll_columns.read(path, {"tag_column": "-2"}))
    (tmp_path / "gold").mkdir()
    (tmp_path / "texts").mkdir()
    for d in docs:
        (tmp_path / "gold" / f"{d.doc_id}.json").write_text(dump_gold(d.gold), encoding="utf-8")
        (tmp_path / "texts" / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8")
    preds = _predictions(conll_columns.read(path, {"tag_column": "-1"}), random.Random(1))
    write_predictions(tmp_path / "p.jsonl", preds)
    base = ["score", "-p", str(tmp_path / "p.jsonl"), "--gold", str(tmp_path / "gold")]
    base += ["--texts", str(tmp_path / "texts"), "--bootstrap", "0", "--json"]
    import json

    snapped = json.loads(_bench(*base, "--tokens").stdout)
    plain = json.loads(_bench(*base).stdout)
    assert (snapped["overall"]["strict"]["correct"], plain["overall"]["strict"]["correct"]) == (
        6,
        1,
    )
    assert "|tokens:" in snapped["signature"] and "|tokens:" not in plain["signature"]
    assert snapped["relaxed"]["entity"]["matched"] == 8
    table = _bench(*base[:-1], "--tokens").stdout
    assert "Relaxed (TempEval-3" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tokens"], "error: --tokens: document "),
        (["--min-overlap", "0"], "error: --min-overlap: must be > 0 and <= 100, got 0"),
        (["--min-overlap", "101"], "error: --min-overlap: must be > 0 and <= 100, got 101"),
    ],
)
def test_cli_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    from conftest import GOLD, ROOT, SEEDS

    preds = ROOT / "results" / "predictions" / "rules.jsonl"
    r = _bench("score", "-p", str(preds), "--gold", str(GOLD), "--texts", str(SEEDS), *args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith(message), r.stderr
    assert "Traceback" not in r.stderr


def test_prediction_across_a_sentence_break_is_cut() -> None:
    text = "Paris\nLyon"
    gold = [
        GoldSpan(start=0, end=5, text="Paris", layer="entity", label="GPE"),
        GoldSpan(start=6, end=10, text="Lyon", layer="entity", label="GPE"),
    ]
    doc = Document.from_text(text, gold)
    doc = Document(doc.gold.model_copy(update={"tokens": [(0, 5), (6, 10)]}), text)
    pred = {"doc": [PredictedSpan(start=0, end=10, label="GPE")]}
    assert score([doc], pred, bootstrap=0, tokens=True).overall.strict.correct == 2
    assert score([doc], pred, bootstrap=0).overall.strict.correct == 0


@NEEDS_RULES
def test_streamed_run_in_token_mode(tmp_path: Path) -> None:
    """`bench run --corpus C --tokens` on a corpus that records tokens (white-space tokens)."""
    import json

    text = "The council met on Wednesday and again next month."
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
    record = {
        "doc_id": "d1",
        "text": text,
        "document_date": "2013-03-21",
        "spans": [{"start": 19, "end": 28, "label": "DATE", "value": "2013-03-20"}],
        "tokens": tokens,
    }
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(record) + "\n", encoding="utf-8")
    args = ["run", "--corpus", str(corpus), "--system", "rules", "--out", str(tmp_path / "o")]
    args += ["--no-report", "--bootstrap", "0", "-q", "--no-cache"]
    r = _bench(*args, "--tokens")
    assert r.returncode == 0, r.stderr
    result = json.loads((tmp_path / "o" / "rules.json").read_text(encoding="utf-8"))
    assert "|tokens:" in result["metrics"]["signature"]
    assert result["metrics"]["relaxed"]["time"]["matched"] >= 1
    bad = _bench("run", "--system", "rules", "--tokens", "--out", str(tmp_path / "p"))
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith("error: --tokens: only with --corpus")


def test_token_mode_results_are_not_comparable_with_character_ones() -> None:
    from types import SimpleNamespace

    from bench.run.layout import comparability_key

    base = "bench:0.1.0|scoring:2|gold:abc|docs:5|labels:def|layers:entity|align:optimal"
    base += "|ignore:on"
    base += "|ci:sentence|conf:95|boot:0|seed:0"

    def key(sig: str) -> str:
        return comparability_key(SimpleNamespace(metrics=SimpleNamespace(signature=sig)))  # type: ignore[arg-type]

    assert key(base) == "scoring:2|gold:abc|docs:5|labels:def|align:optimal|ignore:on"
    assert key(base + "|tokens:0123456789ab") == key(base) + "|tokens:0123456789ab"
    assert key(base + "|overlap:50") != key(base)
