"""Hugging Face ``datasets``: one row per document, spans and ignore regions as lists of structs.

Two layouts of the same table: ``hf-disk`` (``Dataset.save_to_disk``, read back with
``datasets.load_from_disk``) and ``hf-parquet`` (``gold.parquet``, read with
``datasets.load_dataset("parquet", data_files=…)`` or ``load_dataset(DIR)``). Values are
strings in one column, as spans of all layers share it: TIMEX3 values as written, numbers as
JSON numbers (``"465000"``), null for none. Needs the ``data`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.corpus.document import Document
from bench.corpus.formats.base import (
    GoldFormat,
    header,
    make_document,
    make_span,
    reject_options,
)
from bench.corpus.formats.values import parse_value, value_text
from bench.errors import BenchError, one_line
from bench.schema import IgnoreRegion

PARQUET_FILE = "gold.parquet"


def _import_datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise BenchError("the hf-* formats need datasets: pip install 'bench[data]'") from None
    return datasets


@contextmanager
def _quiet() -> Iterator[None]:
    """No progress bars on stderr while bench writes or reads a dataset."""
    from datasets.utils import logging as ds_logging

    was = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was:
            ds_logging.enable_progress_bar()


def features() -> Any:
    """The ``datasets.Features`` of the gold table."""
    datasets = _import_datasets()
    s, i32 = datasets.Value("string"), datasets.Value("int32")
    span = {"start": i32, "end": i32, "text": s, "layer": s, "label": s, "value": s, "notes": s}
    return datasets.Features(
        {
            "doc_id": s,
            "title": s,
            "document_date": s,
            "text": s,
            "text_sha256": s,
            "annotator": s,
            "status": s,
            "notes": s,
            "spans": [span],
            "ignore": [{"start": i32, "end": i32, "reason": s}],
        }
    )


def row(record: Document) -> dict[str, object]:
    """One table row: header, title, text, spans (values as text) and ignore regions."""
    out: dict[str, object] = {**header(record.gold), "title": record.title, "text": record.text}
    out["spans"] = [
        {**s.model_dump(mode="json", exclude={"value"}), "value": value_text(s.value)}
        for s in record.gold.spans
    ]
    out["ignore"] = [r.model_dump(mode="json") for r in record.gold.ignore]
    return out


def dataset(records: Sequence[Document]) -> Any:
    """The records as a ``datasets.Dataset``."""
    datasets = _import_datasets()
    return datasets.Dataset.from_list([row(r) for r in records], features=features())


def from_row(data: Mapping[str, Any], where: str, texts_dir: Path) -> Document:
    """A record from one table row."""
    text = data.get("text")
    if not isinstance(text, str) or not data.get("doc_id"):
        raise BenchError(f"{where}: text, doc_id: missing")
    where = f"{where} ({data['doc_id']})"
    spans = []
    for k, sp in enumerate(data.get("spans") or []):
        here = f"{where}: spans[{k}]"
        try:
            start, end, label = int(sp["start"]), int(sp["end"]), str(sp["label"])
            layer = str(sp.get("layer") or "")
            made = make_span(text, start, end, label, here)
            if layer and layer != made.layer:
                raise BenchError(f"{here}: layer: {label!r} is a {made.layer} label, not {layer}")
            value = parse_value(made.layer, sp.get("value"))
        except (KeyError, TypeError) as exc:
            raise BenchError(f"{here}: malformed span: {exc}") from None
        except ValueError as exc:
            raise BenchError(f"{here}: value: {exc}") from None
        if sp.get("text") is not None and sp["text"] != made.text:
            raise BenchError(f"{here}: text: {sp['text']!r} != text[{start}:{end}] {made.text!r}")
        spans.append(made.model_copy(update={"value": value, "notes": sp.get("notes")}))
    try:
        ignore = [
            IgnoreRegion(start=r["start"], end=r["end"], reason=str(r.get("reason") or ""))
            for r in data.get("ignore") or []
        ]
    except (KeyError, TypeError, ValidationError) as exc:
        raise BenchError(f"{where}: ignore: malformed region: {one_line(exc)}") from None
    return make_document(data, text, spans, ignore, where, texts_dir)


def write_disk(records: Sequence[Document], out_dir: Path) -> None:
    """``Dataset.save_to_disk`` into the output directory."""
    with _quiet():
        dataset(records).save_to_disk(str(out_dir))


def load_split(path: Path, datasets: Any) -> Any:
    """The Dataset that ``save_to_disk`` wrote at ``path`` (or the one split of a DatasetDict)."""
    try:
        with _quiet():
            ds = datasets.load_from_disk(str(path))
    except FileNotFoundError as exc:
        raise BenchError(f"{path}: not a dataset saved with save_to_disk: {exc}") from None
    except Exception as exc:  # a truncated or corrupt Arrow file: pyarrow raises many types
        raise BenchError(f"{path}: cannot read the dataset: {one_line(exc)}") from None
    if isinstance(ds, datasets.DatasetDict):
        if len(ds) != 1:
            raise BenchError(
                f"{path}: a DatasetDict with splits {', '.join(ds)}; give one split's directory"
            )
        ds = next(iter(ds.values()))
    return ds


def read_disk(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[Document]:
    """Read a directory written by ``save_to_disk`` (a Dataset, or a DatasetDict of one split)."""
    reject_options("hf-disk", options)
    ds = load_split(path, _import_datasets())
    return [from_row(r, f"{path}: row {i}", texts_dir) for i, r in enumerate(ds)]


def write_parquet(records: Sequence[Document], out_dir: Path) -> None:
    """``gold.parquet``, loadable with ``load_dataset("parquet", data_files=…)``."""
    with _quiet():
        dataset(records).to_parquet(str(out_dir / PARQUET_FILE))


def read_parquet(path: Path, texts_dir: Path, options: Mapping[str, str]) -> list[Document]:
    """Read a Parquet file (or every ``*.parquet`` of a directory) with pyarrow."""
    reject_options("hf-parquet", options)
    _import_datasets()
    import pyarrow.parquet as pq

    files = sorted(path.glob("**/*.parquet")) if path.is_dir() else [path]
    if not files:
        raise BenchError(f"{path}: no *.parquet files")
    out = []
    for f in files:
        try:
            rows = pq.read_table(f).to_pylist()
        except Exception as exc:  # pyarrow raises several types for a broken file
            raise BenchError(f"{f}: not a Parquet file: {exc}") from None
        out += [from_row(r, f"{f}: row {i}", texts_dir) for i, r in enumerate(rows)]
    return out


DISK = GoldFormat(
    name="hf-disk",
    summary="Hugging Face datasets, save_to_disk (load_from_disk)",
    write=write_disk,
    read=read_disk,
    carries_values="spans[].value as text (TIMEX3, JSON number); header in columns",
)
PARQUET = GoldFormat(
    name="hf-parquet",
    summary=f"Hugging Face datasets as Parquet ({PARQUET_FILE}; load_dataset('parquet', …))",
    write=write_parquet,
    read=read_parquet,
    carries_values="spans[].value as text (TIMEX3, JSON number); header in columns",
)
