"""Helpers shared by the built-in backends (systems/_base.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.errors import BenchError
from bench.protocol import Option, SystemInfo
from bench.schema import PredictedSpan
from systems._base import (
    Backend,
    as_number,
    drop_nested_in_layer,
    finish,
    nearest,
    trim_edge_words,
)


def _sp(start: int, end: int, label: str) -> PredictedSpan:
    return PredictedSpan(start=start, end=end, label=label)


def test_as_number() -> None:
    assert as_number("465000") == 465000
    assert as_number("465,000") == 465000
    assert as_number("10%") == 10
    assert as_number("3.5") == 3.5
    assert as_number(12e6) == 12_000_000 and isinstance(as_number(12e6), int)
    assert as_number(1e300) == 1e300 and isinstance(as_number(1e300), float)
    for bad in ("two", "", None, True, float("nan"), float("inf"), [1]):
        assert as_number(bad) is None


def test_nearest_prefers_the_closest_then_the_earlier() -> None:
    ref = dt.date(2017, 12, 11)
    assert nearest([dt.date(2017, 12, 4), dt.date(2017, 12, 11)], ref) == 1
    assert nearest([dt.datetime(2016, 12, 11), dt.datetime(2017, 12, 11, 8)], ref) == 1
    assert nearest([dt.date(2017, 12, 18), dt.date(2017, 12, 4)], ref) == 1  # tie: earlier


def test_finish_dedupes_sorts_and_drops_cardinals_in_times() -> None:
    spans = [
        _sp(10, 24, "DATE"),
        _sp(20, 24, "CARDINAL"),
        _sp(20, 24, "CARDINAL"),
        _sp(0, 3, "CARDINAL"),
        _sp(12, 19, "ORDINAL"),
    ]
    kept = finish(spans, drop_cardinals_in_times=True)
    assert [(s.start, s.end, s.label) for s in kept] == [
        (0, 3, "CARDINAL"),
        (10, 24, "DATE"),
        (12, 19, "ORDINAL"),
    ]
    assert len(finish(spans, drop_cardinals_in_times=False)) == 4


def test_drop_nested_in_layer_keeps_other_layers() -> None:
    spans = [_sp(0, 14, "PERSON"), _sp(9, 14, "PERSON"), _sp(9, 14, "CARDINAL"), _sp(0, 5, "DATE")]
    kept = drop_nested_in_layer(spans)
    assert [(s.start, s.end, s.label) for s in kept] == [
        (0, 5, "DATE"),
        (0, 14, "PERSON"),
        (9, 14, "CARDINAL"),
    ]


def test_backend_options_and_mapped_values() -> None:
    class Demo(Backend):
        info = SystemInfo(
            "demo",
            "1",
            ("time", "number"),
            ("DATE", "CARDINAL"),
            label_map={"date": "DATE", "num": "CARDINAL"},
            options=(Option("kinds", "comma list", default="a,b"), Option("n", "", "int", "2")),
        )

    text = "on 2 May"
    demo = Demo({"label_map.num": ""})
    assert demo.opt_list("kinds", ("a", "b", "c")) == ["a", "b"]
    assert demo.opt_min("n", 1) == 2
    with pytest.raises(BenchError, match="option n='2': must be at least 3"):
        demo.opt_min("n", 3)
    with pytest.raises(BenchError, match="option kinds='a,z': unknown 'z'"):
        Demo({"kinds": "a,z"}).opt_list("kinds", ("a", "b"))
    sp = demo.mapped(text, 3, 8, "date", "2017-05-02")
    assert sp is not None and (sp.label, sp.value, sp.text) == ("DATE", "2017-05-02", "2 May")
    assert demo.mapped(text, 3, 8, "date", 5).value is None  # a number is no TIMEX value
    assert demo.mapped(text, 3, 4, "num", 2) is None  # dropped by label_map.num=
    assert demo.mapped(text, 3, 99, "date", None) is None  # outside the text


def test_backend_modules_import_no_library() -> None:
    """Listing the backends must not import their libraries (or start Duckling's runtime)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import systems.recognizers, systems.duckling, systems.dateparser\n"
        "import systems.quantulum3, systems.llm\n"
        "heavy = ['recognizers_suite', 'recognizers_date_time', 'duckling', 'dateparser',\n"
        "         'quantulum3', 'sklearn', 'emoji']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["recognizers", "duckling", "dateparser", "quantulum3"])
def test_through_the_registry(name: str, seed_docs: dict) -> None:
    from bench.protocol import describe
    from bench.registry import BUILTINS, availability, create_system, load_class, resolve
    from bench.run.extract import extract_documents

    info = load_class(resolve(name)).info
    if not availability(info).ok:
        pytest.skip(f"{name} not installed")
    keep = {"cardinals_in_times": "keep"} if name in ("recognizers", "duckling") else {}
    system = create_system(name, keep)
    system.load()
    doc = seed_docs["004_11ebdb740a3ae7fd"]
    got = extract_documents(system, [doc])
    system.close()
    assert got.ok and got.predictions[doc.doc_id]
    record = describe(system)
    assert record["name"] == name and BUILTINS[name].startswith(f"systems.{name}:")
    assert record["versions"] and "not installed" not in record["versions"].values()


@pytest.mark.parametrize(
    ("found", "kept"),
    [
        ("on December 11", "December 11"),
        ("since September 2015", "September 2015"),
        ("September 2015 in", "September 2015"),
        ("On Monday, the", "Monday"),
        ("after a week", "a week"),
        ("the day after", "day after"),  # a trailing "after" stays (guidelines: "day after")
        ("two days after", "two days after"),
        ("in the morning", "morning"),
        ("Monday", "Monday"),
        ("on in", "in"),  # never trimmed to nothing
    ],
)
def test_trim_edge_words(found: str, kept: str) -> None:
    text = f"x {found} y"
    start, end = trim_edge_words(text, 2, 2 + len(found))
    assert text[start:end] == kept
