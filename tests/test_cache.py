"""The prediction cache: what invalidates it, what a cached result says, what is not cached."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import GOLD, SEEDS
from toy_system import ToySystem

from bench.corpus.gold import load_gold_dir
from bench.protocol import DocInput
from bench.run.cache import CACHE_ENV, PredictionCache, cache_key, code_digest, default_dir
from bench.run.driver import run_system
from bench.run.timing import RunSettings

FAST = RunSettings(repeats=1, warmup=0, batch_size=2, latency=False)


def documents(gold) -> list[DocInput]:
    """What the system sees of each gold document, in doc_id order (the order of a run)."""
    return [gold[i].input() for i in sorted(gold)]


@pytest.fixture(scope="module")
def gold():
    return load_gold_dir(GOLD, SEEDS)


def key_for(gold, **change):
    args = {
        "name": "toy",
        "version": "1.0",
        "options": {},
        "code_sha256": "abc",
        "batch_size": 2,
        "docs": documents(gold),
    }
    args.update(change)
    return cache_key(**args)


def test_key_changes_with_everything_that_changes_predictions(gold) -> None:
    base = key_for(gold)
    assert key_for(gold) == base  # stable
    docs = documents(gold)
    edited = [dataclasses.replace(docs[0], text=docs[0].text + " "), *docs[1:]]
    redated = [dataclasses.replace(docs[0], document_date=dt.date(2018, 1, 1)), *docs[1:]]
    variants = [
        key_for(gold, name="toy2"),
        key_for(gold, version="1.1"),
        key_for(gold, options={"names": "Putin"}),
        key_for(gold, code_sha256="abd"),
        key_for(gold, batch_size=3),
        key_for(gold, docs=edited),
        key_for(gold, docs=redated),
        key_for(gold, docs=docs[:-1]),
    ]
    assert base not in variants and len(set(variants)) == len(variants)
    # Option order does not matter.
    assert key_for(gold, options={"a": "1", "b": "2"}) == key_for(
        gold, options={"b": "2", "a": "1"}
    )


def test_code_digest_is_the_source_file() -> None:
    assert code_digest(ToySystem()) == code_digest(ToySystem({"names": "X"}))
    assert code_digest(ToySystem()) is not None and len(code_digest(ToySystem()) or "") == 64


def test_hit_skips_loading_and_says_cached(gold, tmp_path: Path) -> None:
    cache = PredictionCache(tmp_path / "cache")
    first = run_system(ToySystem(), gold, FAST, cache=cache, bootstrap=0)
    assert not first.result.throughput.cached
    assert len(list((tmp_path / "cache" / "toy").glob("*.json"))) == 1

    again = ToySystem()
    second = run_system(again, gold, FAST, cache=cache, bootstrap=0)
    assert not again.loaded and again.calls == []  # never loaded, never called
    t1, t2 = first.result.throughput, second.result.throughput
    assert t2.cached is True
    # The timings are those measured the first time, with when they were measured.
    assert t2.measured_at == t1.measured_at
    assert t2.pass_seconds == t1.pass_seconds
    assert second.result.metrics == first.result.metrics
    assert second.result.system == first.result.system
    assert second.records == first.records


def test_other_options_miss_the_cache(gold, tmp_path: Path) -> None:
    cache = PredictionCache(tmp_path)
    run_system(ToySystem(), gold, FAST, cache=cache, bootstrap=0)
    other = ToySystem({"names": "Assad"})
    out = run_system(other, gold, FAST, cache=cache, bootstrap=0)
    assert other.loaded and not out.result.throughput.cached


def test_failed_runs_are_not_cached(gold, tmp_path: Path) -> None:
    cache = PredictionCache(tmp_path)
    out = run_system(ToySystem({"fail_on": "Putin"}), gold, FAST, cache=cache, bootstrap=0)
    assert out.result.failures
    assert not list(tmp_path.rglob("*.json"))
    again = ToySystem({"fail_on": "Putin"})
    run_system(again, gold, FAST, cache=cache, bootstrap=0)
    assert again.loaded  # ran again rather than reusing a failure


def test_corrupt_entry_is_a_miss_and_is_rewritten(gold, tmp_path: Path) -> None:
    cache = PredictionCache(tmp_path)
    run_system(ToySystem(), gold, FAST, cache=cache, bootstrap=0)
    (entry,) = tmp_path.rglob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    s = ToySystem()
    out = run_system(s, gold, FAST, cache=cache, bootstrap=0)
    assert s.loaded and not out.result.throughput.cached
    assert cache.get("toy", entry.stem, documents(gold)) is not None


def test_no_cache_means_none(gold) -> None:
    s = ToySystem()
    out = run_system(s, gold, FAST, cache=None, bootstrap=0)
    assert s.loaded and not out.result.throughput.cached


def test_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert default_dir(tmp_path / "results") == tmp_path / "results" / ".cache"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    assert default_dir(tmp_path / "results") == tmp_path / "elsewhere"


def test_unsafe_system_name_stays_inside_the_root(tmp_path: Path) -> None:
    for name in ("../../etc/x", "..", "."):
        path = PredictionCache(tmp_path).path(name, "k")
        assert tmp_path in path.parents and ".." not in path.relative_to(tmp_path).parts
        assert path.parent != tmp_path


def test_code_digest_covers_shared_normalizer(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.run.cache

    with_shared = code_digest(ToySystem())
    monkeypatch.setattr(bench.run.cache, "SHARED_MODULES", ("bench.timex",))
    assert code_digest(ToySystem()) != with_shared
