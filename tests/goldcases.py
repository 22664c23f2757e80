"""Gold made for format tests: a document with characters outside the BMP and every field set."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from bench.annotate.add import add_document
from bench.corpus.gold import dump_gold
from bench.corpus.texts import sha256_text
from bench.schema import GoldDocument

ROOT = Path(__file__).resolve().parents[1]
EMOJI_ID = "900_emoji"
# 🇷🇺 is two astral code points, 😀 and 👍 one each, 𝒳 (U+1D4B3) is a letter outside the BMP.
EMOJI_TEXT = (
    "🇷🇺 Putin 😀 met Assad in 𝒳-Corp’s Hmeimim air base on Monday morning.\n"
    "It was his 3rd visit; some 2.5 km away, hundreds waited.\n\n"
    "👍 Like 👍 Share\n"
    "Source: 😀 Wire\n"
)


def _at(text: str, piece: str) -> tuple[int, int]:
    i = text.index(piece)
    return i, i + len(piece)


def emoji_gold() -> GoldDocument:
    """Gold for ``EMOJI_TEXT``: every layer, int, float, str and null values, notes, ignore."""
    t = EMOJI_TEXT
    spans = []
    for piece, layer, label, value, notes in [
        ("Putin", "entity", "PERSON", None, None),
        ("Assad", "entity", "PERSON", None, "short form"),
        ("𝒳-Corp", "entity", "ORG", None, None),
        ("Hmeimim air base", "entity", "FAC", None, None),
        ("Monday morning", "time", "TIME", "2017-12-11TMO", None),
        ("3rd", "number", "ORDINAL", 3, None),
        ("some 2.5 km", "number", "QUANTITY", 2.5, "value in the text's unit"),
        ("hundreds", "number", "CARDINAL", None, None),
        ("😀 Wire", "entity", "ORG", None, None),
    ]:
        a, b = _at(t, piece)
        spans.append(
            {"start": a, "end": b, "text": piece, "layer": layer, "label": label, "value": value}
            | ({"notes": notes} if notes else {})
        )
    spans.sort(key=lambda s: (s["start"], s["end"]))
    a, b = _at(t, "👍 Like 👍 Share")
    return GoldDocument.model_validate(
        {
            "doc_id": EMOJI_ID,
            "document_date": "2017-12-11",
            "text_sha256": sha256_text(t),
            "annotator": "format tests",
            "status": "annotated",
            "notes": "characters outside the BMP",
            "spans": spans,
            "ignore": [{"start": a, "end": b, "reason": "share buttons 👍"}],
        }
    )


def make_corpus(tmp: Path, with_emoji: bool = True) -> tuple[Path, Path]:
    """A copy of the seeds and gold in ``tmp``, plus the emoji document added as a user would."""
    texts, gold = tmp / "seeds", tmp / "gold"
    shutil.copytree(ROOT / "seeds", texts)
    gold.mkdir()
    for path in sorted((ROOT / "gold").glob("*.json")):
        shutil.copy(path, gold / path.name)
    if with_emoji:
        src = tmp / "emoji.txt"
        src.write_bytes(EMOJI_TEXT.encode("utf-8"))
        add_document(src, texts, gold, document_date=dt.date(2017, 12, 11), doc_id=EMOJI_ID)
        (gold / f"{EMOJI_ID}.json").write_text(dump_gold(emoji_gold()), encoding="utf-8")
    return texts, gold
