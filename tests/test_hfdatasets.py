"""Hugging Face datasets: the exports load with datasets' own loaders."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldcases import EMOJI_ID, make_corpus

from bench.corpus.formats.exchange import export_gold

datasets = pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def _check(rows: list[dict]) -> None:
    assert len(rows) == 6
    emoji = next(r for r in rows if r["doc_id"] == EMOJI_ID)
    values = {s["text"]: s["value"] for s in emoji["spans"]}
    assert values["some 2.5 km"] == "2.5" and values["3rd"] == "3"
    assert values["Monday morning"] == "2017-12-11TMO" and values["Putin"] is None
    assert emoji["ignore"][0]["reason"] == "share buttons 👍"
    for r in rows:
        for s in r["spans"]:
            assert r["text"][s["start"] : s["end"]] == s["text"]


def test_load_from_disk(corpus, tmp_path: Path) -> None:
    texts, gold_dir = corpus
    export_gold("hf-disk", gold_dir, texts, tmp_path / "ds")
    ds = datasets.load_from_disk(str(tmp_path / "ds"))
    _check(list(ds))


def test_load_dataset_parquet(corpus, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    texts, gold_dir = corpus
    export_gold("hf-parquet", gold_dir, texts, tmp_path / "pq")
    cache = str(tmp_path / "cache")
    ds = datasets.load_dataset(
        "parquet", data_files=str(tmp_path / "pq" / "gold.parquet"), split="train", cache_dir=cache
    )
    _check(list(ds))
    ds = datasets.load_dataset(str(tmp_path / "pq"), split="train", cache_dir=cache)
    _check(list(ds))
