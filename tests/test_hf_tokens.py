"""hf-tokens: tokens + ner_tags (ClassLabel) rows from save_to_disk and Parquet."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus.formats.textdoc import TextSpan
from bench.errors import BenchError

datasets = pytest.importorskip("datasets")
hf_tokens = pytest.importorskip("bench.corpus.formats.hf_tokens")

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def _dataset(tags: list[list[int]] | None = None, ids: list[str] | None = None) -> object:
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=NAMES)),
        }
    )
    return datasets.Dataset.from_dict(
        {
            "id": ids or ["s1", "s2"],
            "tokens": [["Ada", "Lovelace", "visited", "Turin"], ["Italian", "food"]],
            "ner_tags": tags or [[1, 2, 0, 3], [5, 0]],
        },
        features=features,
    )


EXPECTED = [
    ("s1", "Ada Lovelace visited Turin", [TextSpan(0, 12, "PER"), TextSpan(21, 26, "LOC")]),
    ("s2", "Italian food", [TextSpan(0, 7, "MISC")]),
]


def _shown(docs: list) -> list[tuple]:
    return [(d.doc_id, d.text, d.spans) for d in docs]


def test_save_to_disk_and_parquet(tmp_path: Path) -> None:
    ds = _dataset()
    ds.save_to_disk(str(tmp_path / "disk"))
    ds.to_parquet(str(tmp_path / "pq" / "part-0.parquet"))
    for path in (tmp_path / "disk", tmp_path / "pq", tmp_path / "pq" / "part-0.parquet"):
        docs = hf_tokens.read(path)
        assert _shown(docs) == EXPECTED
        assert docs[0].tokens == [(0, 3), (4, 12), (13, 20), (21, 26)]


def test_dataset_dict_split_and_string_tags(tmp_path: Path) -> None:
    datasets.DatasetDict({"train": _dataset(), "test": _dataset()}).save_to_disk(
        str(tmp_path / "dd")
    )
    assert _shown(hf_tokens.read(tmp_path / "dd", {"split": "test"})) == EXPECTED
    with pytest.raises(BenchError, match="splits train, test; give split=NAME"):
        hf_tokens.read(tmp_path / "dd")
    with pytest.raises(BenchError, match="split 'dev' not found"):
        hf_tokens.read(tmp_path / "dd", {"split": "dev"})
    strings = datasets.Dataset.from_dict(
        {"words": [["Ada", "Lovelace"]], "labels": [["B-PER", "I-PER"]]}
    )
    strings.save_to_disk(str(tmp_path / "s"))
    (doc,) = hf_tokens.read(tmp_path / "s", {"tokens": "words", "tags": "labels"})
    assert (doc.doc_id, doc.spans) == ("row-0", [TextSpan(0, 12, "PER")])


@pytest.mark.parametrize(
    ("build", "options", "message"),
    [
        (
            lambda: _dataset([[1, 2, 0, 4], [5, 0]]),
            {"strict": "true"},
            "row 0: ner_tags[3]: I-LOC after O: in IOB2",
        ),
        (lambda: _dataset([[1, 2, 0], [5, 0]]), {}, "row 0: 4 tokens but 3 tags in ner_tags"),
        (lambda: _dataset(ids=["x", "x"]), {}, "row 1: id: 'x' repeats row 0"),
        (lambda: _dataset(), {"tags": "pos_tags"}, "column 'pos_tags' not found"),
        (lambda: _dataset(), {"scheme": "xml"}, "option scheme='xml'"),
        (
            lambda: datasets.Dataset.from_dict({"tokens": [["a"]], "ner_tags": [[3]]}),
            {},
            "ner_tags: expected a list of ClassLabel or of strings",
        ),
    ],
)
def test_bad_input(tmp_path: Path, build, options: dict, message: str) -> None:
    build().save_to_disk(str(tmp_path / "bad"))
    with pytest.raises(BenchError) as info:
        hf_tokens.read(tmp_path / "bad", options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_not_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(BenchError, match="not a Parquet dataset"):
        hf_tokens.read(tmp_path / "x.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchError, match="not a dataset saved with save_to_disk"):
        hf_tokens.read(tmp_path / "empty")


def test_hub_name_goes_through_load_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hub:NAME`` takes datasets.load_dataset's path; offline it is given a local data
    directory (what the Hub's loader also reads), and an unknown name is one error line."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    _dataset().to_parquet(str(tmp_path / "repo" / "data" / "test-00000.parquet"))
    docs = hf_tokens.read(Path(f"hub:{tmp_path / 'repo'}"), {"split": "test"})
    assert [(d.doc_id, d.text) for d in docs] == [(d, t) for d, t, _ in EXPECTED]
    with pytest.raises(BenchError, match=r"^hub:no-such/dataset-xyz: cannot load from the Hub: "):
        hf_tokens.read(Path("hub:no-such/dataset-xyz"), {"split": "test"})
    with pytest.raises(BenchError, match="give a dataset name"):
        hf_tokens.read(Path("hub:"))
