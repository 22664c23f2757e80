"""IOB1/IOB2/BIOES decoding: conlleval.pl's chunks, seqeval's, and the strict schemes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import NEEDS_SEQEVAL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus.formats.iob import Chunk, TagError, conlleval_chunks, decode, encode


def spans(tags: list[str], scheme: str = "iob2", strict: bool = False) -> list[tuple]:
    return [(c.start, c.end, c.label) for c in decode(tags, scheme, strict=strict)]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["B-PER", "I-PER", "O"], [(0, 2, "PER")]),
        (["I-PER", "I-PER"], [(0, 2, "PER")]),  # IOB1 / I- after O starts a chunk
        (["O", "I-PER", "O"], [(1, 2, "PER")]),
        (["B-PER", "B-PER"], [(0, 1, "PER"), (1, 2, "PER")]),
        (["I-PER", "B-PER", "I-PER"], [(0, 1, "PER"), (1, 3, "PER")]),  # IOB1 separator
        (["B-PER", "B-LOC"], [(0, 1, "PER"), (1, 2, "LOC")]),  # B- of another type
        (["B-PER", "I-LOC", "I-LOC"], [(0, 1, "PER"), (1, 3, "LOC")]),  # I- of another type
        (["I-PER", "I-LOC"], [(0, 1, "PER"), (1, 2, "LOC")]),
        (["B-ORG", "I-ORG", "I-ORG"], [(0, 3, "ORG")]),
        (["B-A-B", "I-A-B"], [(0, 2, "A-B")]),  # types with hyphens, as conlleval since 2004
        ([], []),
        (["O", "O"], []),
    ],
)
def test_conlleval_rules(tags: list[str], expected: list[tuple]) -> None:
    assert spans(tags, "iob2") == expected
    assert spans(tags, "iob1") == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["S-PER", "S-PER"], [(0, 1, "PER"), (1, 2, "PER")]),
        (["B-PER", "E-PER", "B-PER", "E-PER"], [(0, 2, "PER"), (2, 4, "PER")]),
        (["B-PER", "I-PER", "E-PER", "O"], [(0, 3, "PER")]),
        (["E-PER", "E-PER"], [(0, 1, "PER"), (1, 2, "PER")]),
        (["S-PER", "I-PER", "E-PER"], [(0, 1, "PER"), (1, 3, "PER")]),
    ],
)
def test_bioes_lenient(tags: list[str], expected: list[tuple]) -> None:
    assert spans(tags, "bioes") == expected


def test_conlleval_without_s_joins_them() -> None:
    """What conlleval.pl itself does with BIOES tags (it knows no S- and joins E-X B-X)."""
    assert conlleval_chunks(["S-PER", "S-PER"]) == [Chunk(0, 2, "PER")]
    assert conlleval_chunks(["B-PER", "E-PER", "B-PER", "E-PER"]) == [Chunk(0, 4, "PER")]


@pytest.mark.parametrize(
    ("scheme", "tags", "index", "problem"),
    [
        ("iob2", ["O", "I-PER"], 1, "I-PER after O: in IOB2"),
        ("iob2", ["B-LOC", "I-PER"], 1, "I-PER after B-LOC"),
        ("iob2", ["I-PER"], 0, "I-PER after O"),
        ("iob1", ["O", "B-PER"], 1, "in IOB1 B- only separates"),
        ("iob1", ["I-LOC", "B-PER"], 1, "B-PER after I-LOC"),
        ("bioes", ["B-PER", "O"], 0, "B-PER before O"),
        ("bioes", ["O", "I-PER", "E-PER"], 1, "I-PER after O"),
        ("bioes", ["O", "E-PER"], 1, "E-PER after O"),
        ("bioes", ["B-PER", "I-PER"], 1, "I-PER before O"),
        ("bioes", ["B-PER", "E-LOC"], 0, "B-PER before E-LOC"),
    ],
)
def test_strict_refuses(scheme: str, tags: list[str], index: int, problem: str) -> None:
    with pytest.raises(TagError, match=re.escape(problem)) as info:
        decode(tags, scheme, strict=True)
    assert info.value.index == index
    decode(tags, scheme)  # lenient decoding repairs it


@pytest.mark.parametrize(
    ("scheme", "tag"),
    [("iob2", "E-PER"), ("iob1", "S-PER"), ("bioes", "L-PER"), ("iob2", "B-"), ("iob2", "PER")],
)
def test_unknown_prefix(scheme: str, tag: str) -> None:
    with pytest.raises(TagError, match="is not O or"):
        decode(["O", tag], scheme)


def test_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unknown scheme 'bilou'"):
        decode(["O"], "bilou")


# ---- round trips: encode then decode, strictly ----

chunk_lists = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 2), st.sampled_from(["PER", "LOC", "MISC"])),
    max_size=6,
)


def _layout(parts: list[tuple[int, int, str]]) -> tuple[int, list[Chunk]]:
    pos, chunks = 0, []
    for length, gap, label in parts:
        pos += gap
        chunks.append(Chunk(pos, pos + length, label))
        pos += length
    return pos + 1, chunks


@given(chunk_lists, st.sampled_from(["iob1", "iob2", "bioes"]))
def test_round_trip(parts: list[tuple[int, int, str]], scheme: str) -> None:
    length, chunks = _layout(parts)
    tags = encode(length, chunks, scheme)
    assert decode(tags, scheme, strict=True) == chunks
    assert decode(tags, scheme) == chunks


# ---- differential: seqeval ----

BIO = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
BIOES = [*BIO, "E-PER", "S-PER", "E-LOC", "S-LOC"]


@NEEDS_SEQEVAL
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BIOES), max_size=12))
def test_same_as_seqeval_default(tags: list[str]) -> None:
    from seqeval.metrics.sequence_labeling import get_entities

    theirs = [(s, e + 1, t) for t, s, e in get_entities(tags)]
    assert spans(tags, "bioes") == theirs
    bio = [t if t[0] in "BIO" else "O" for t in tags]
    assert spans(bio, "iob2") == [(s, e + 1, t) for t, s, e in get_entities(bio)]


@NEEDS_SEQEVAL
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BIOES), max_size=12))
def test_strict_agrees_with_seqeval_strict(tags: list[str]) -> None:
    """Where our strict mode accepts a sequence, seqeval's strict mode finds the same chunks."""
    from seqeval.scheme import IOB2, IOBES, Entities

    for scheme, theirs, pool in (("iob2", IOB2, BIO), ("bioes", IOBES, BIOES)):
        seq = [t if t in pool else "O" for t in tags]
        try:
            ours = spans(seq, scheme, strict=True)
        except TagError:
            continue
        found = Entities([seq], theirs).entities[0]
        assert ours == [(e.start, e.end, e.tag) for e in found]


# ---- differential: conlleval.pl (its source is not ours to ship: found, or skipped) ----


def _conlleval() -> Path | None:
    candidates = [os.environ.get("BENCH_CONLLEVAL"), shutil.which("conlleval.pl")]
    candidates.append(shutil.which("conlleval"))
    for c in candidates:
        if c and Path(c).is_file() and "endOfChunk" in Path(c).read_text(errors="replace"):
            return Path(c)
    return None


CONLLEVAL = _conlleval()
needs_conlleval = pytest.mark.skipif(
    CONLLEVAL is None or shutil.which("perl") is None,
    reason="conlleval.pl not found (set BENCH_CONLLEVAL=/path/to/conlleval.pl) or no perl",
)


def _run_conlleval(sentences: list[tuple[list[str], list[str]]]) -> tuple[int, int, int, Counter]:
    lines = []
    for gold, pred in sentences:
        lines += [f"w {g} {p}" for g, p in zip(gold, pred, strict=True)] + [""]
    out = subprocess.run(
        ["perl", str(CONLLEVAL)], input="\n".join(lines) + "\n", capture_output=True, text=True
    ).stdout
    m = re.search(r"with (\d+) phrases; found: (\d+) phrases; correct: (\d+)\.", out)
    assert m, out
    per_type = Counter(
        {t: int(n) for t, n in re.findall(r"^\s*(\S+): precision:.*FB1:\s+\S+\s+(\d+)$", out, re.M)}
    )
    return int(m[1]), int(m[2]), int(m[3]), per_type


ANY_TAGS = [*BIOES, "B-MISC", "I-MISC"]


@needs_conlleval
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.integers(1, 10).flatmap(
            lambda n: st.tuples(
                st.lists(st.sampled_from(ANY_TAGS), min_size=n, max_size=n),
                st.lists(st.sampled_from(ANY_TAGS), min_size=n, max_size=n),
            )
        ),
        min_size=1,
        max_size=4,
    )
)
def test_same_as_conlleval_pl(sentences: list[tuple[list[str], list[str]]]) -> None:
    gold_n = pred_n = correct = 0
    per_type: Counter = Counter()
    for gold, pred in sentences:
        g, p = set(conlleval_chunks(gold)), conlleval_chunks(pred)
        gold_n += len(g)
        pred_n += len(p)
        correct += len(g & set(p))
        per_type.update(c.label for c in p)
    assert _run_conlleval(sentences)[:3] == (gold_n, pred_n, correct)
    assert +_run_conlleval(sentences)[3] == +per_type
