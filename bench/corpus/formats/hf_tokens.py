"""Hugging Face token-classification datasets: rows with ``tokens`` and ``ner_tags``.

The usual layout of CoNLL-2003 and its kin on the Hub: one row per sentence (or document),
``tokens`` a list of strings, ``ner_tags`` a list of ``ClassLabel`` integers whose names
(``O``, ``B-PER``, …) come from the dataset's features; lists of tag strings are read as
they are. Read from a ``save_to_disk`` directory (a Dataset, or a DatasetDict with
``split=NAME``) or from Parquet (a file, or every ``*.parquet`` under a directory) written by
``datasets`` (its features ride in the file's metadata), or, online, from the Hub by name:
``hub:NAME`` (e.g. ``hub:eriktks/conll2003``, with ``split=test``) goes to
``datasets.load_dataset``. Needs the ``data`` extra.

Each row is a document: its text is the tokens joined by single spaces, each token's offsets
recorded, spans decoded from the tags as conlleval.pl does (:mod:`bench.corpus.formats.iob`). The
document id is the row's ``id`` column when it has one (a repeated id is an error), else
``row-<n>`` (n from 0).

Options: ``tokens`` (default ``tokens``), ``tags`` (default ``ner_tags``), ``id`` (default
``id``), ``scheme`` (``iob2``), ``strict`` (``false``), ``split`` (for a DatasetDict).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.corpus.formats.iob import SCHEMES, TagError, decode
from bench.corpus.formats.textdoc import TextDocument, TextSpan, bool_option, take_options
from bench.errors import BenchError

FORMAT = "hf-tokens"
DEFAULTS = {
    "tokens": "tokens",
    "tags": "ner_tags",
    "id": "id",
    "scheme": "iob2",
    "strict": "false",
    "split": "",
}


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise BenchError("format hf-tokens needs datasets: pip install 'bench[data]'") from None
    return datasets


def _load(path: Path, split: str) -> tuple[Any, str]:
    """The dataset at ``path`` and how to name it in errors (no progress bars meanwhile)."""
    from datasets.utils import logging as ds_logging

    was = ds_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    try:
        return _load_quietly(path, split)
    finally:
        if was:
            ds_logging.enable_progress_bar()


HUB_PREFIX = "hub:"


def _load_from_hub(name: str, split: str) -> tuple[Any, str]:
    """A dataset from the Hugging Face Hub (needs the network, or the local datasets cache)."""
    datasets = _datasets()
    where = f"{HUB_PREFIX}{name}"
    if not name:
        raise BenchError(f"{where}: give a dataset name after {HUB_PREFIX!r}")
    try:
        ds = datasets.load_dataset(name, split=split or None)
    except Exception as exc:  # offline, unknown name, or a script the library refuses
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BenchError(f"{where}: cannot load from the Hub: {first}") from None
    if isinstance(ds, datasets.DatasetDict):
        raise BenchError(f"{where}: a DatasetDict with splits {', '.join(ds)}; give split=NAME")
    return ds, f"{where} [{split}]" if split else where


def _load_quietly(path: Path, split: str) -> tuple[Any, str]:
    datasets = _datasets()
    if str(path).startswith(HUB_PREFIX):
        return _load_from_hub(str(path)[len(HUB_PREFIX) :], split)
    if path.is_dir() and not any(path.glob("**/*.parquet")):
        try:
            ds = datasets.load_from_disk(str(path))
        except FileNotFoundError as exc:
            raise BenchError(f"{path}: not a dataset saved with save_to_disk: {exc}") from None
        if isinstance(ds, datasets.DatasetDict):
            names = ", ".join(ds)
            if split:
                if split not in ds:
                    raise BenchError(f"{path}: split {split!r} not found (splits: {names})")
                return ds[split], f"{path} [{split}]"
            if len(ds) != 1:
                raise BenchError(f"{path}: a DatasetDict with splits {names}; give split=NAME")
            return next(iter(ds.values())), str(path)
        return ds, str(path)
    files = sorted(path.glob("**/*.parquet")) if path.is_dir() else [path]
    if not path.exists():
        raise BenchError(f"{path}: no such file or directory")
    try:
        ds = datasets.Dataset.from_parquet([str(f) for f in files])
    except Exception as exc:  # pyarrow and datasets raise several types for a broken file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BenchError(f"{path}: not a Parquet dataset: {first}") from None
    return ds, str(path)


def _tag_names(ds: Any, column: str, where: str) -> list[str] | None:
    """The ClassLabel names of a tag column, or None when its items are strings."""
    datasets = _datasets()
    feature = ds.features.get(column)
    inner = getattr(feature, "feature", None)
    if isinstance(feature, list) and feature:
        inner = feature[0]
    if isinstance(inner, datasets.ClassLabel):
        return list(inner.names)
    if isinstance(inner, datasets.Value) and inner.dtype == "string":
        return None
    raise BenchError(
        f"{where}: {column}: expected a list of ClassLabel or of strings, got {feature}"
    )


def read(path: Path, options: Mapping[str, str] | None = None) -> list[TextDocument]:
    """The documents of a token-classification dataset (see the module doc)."""
    opts = take_options(FORMAT, options or {}, DEFAULTS)
    if opts["scheme"] not in SCHEMES:
        raise BenchError(
            f"format {FORMAT}: option scheme={opts['scheme']!r}: expected one of "
            + ", ".join(SCHEMES)
        )
    strict = bool_option(FORMAT, "strict", opts["strict"])
    ds, where = _load(path, opts["split"])
    for key in ("tokens", "tags"):
        if opts[key] not in ds.column_names:
            raise BenchError(
                f"{where}: column {opts[key]!r} not found (columns: {', '.join(ds.column_names)})"
            )
    names = _tag_names(ds, opts["tags"], where)
    has_id = opts["id"] in ds.column_names
    docs: list[TextDocument] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(ds):
        here = f"{where}: row {n}"
        tokens, raw_tags = row[opts["tokens"]], row[opts["tags"]]
        if len(tokens) != len(raw_tags):
            raise BenchError(
                f"{here}: {len(tokens)} tokens but {len(raw_tags)} tags in {opts['tags']}"
            )
        if names is None:
            tags = [str(t) for t in raw_tags]
        else:
            bad = [t for t in raw_tags if not 0 <= t < len(names)]
            if bad:
                raise BenchError(f"{here}: {opts['tags']}: {bad[0]} is not a ClassLabel index")
            tags = [names[t] for t in raw_tags]
        offsets, pos = [], 0
        for k, tok in enumerate(tokens):
            if not tok:
                raise BenchError(f"{here}: {opts['tokens']}[{k}]: empty token")
            offsets.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        try:
            chunks = decode(tags, opts["scheme"], strict=strict)
        except TagError as exc:
            raise BenchError(f"{here}: {opts['tags']}[{exc.index}]: {exc.problem}") from None
        doc_id = str(row[opts["id"]]) if has_id else f"row-{n}"
        if doc_id in seen:
            raise BenchError(f"{here}: {opts['id']}: {doc_id!r} repeats row {seen[doc_id]}")
        seen[doc_id] = n
        docs.append(
            TextDocument(
                doc_id=doc_id,
                text=" ".join(tokens),
                spans=[
                    TextSpan(offsets[c.start][0], offsets[c.end - 1][1], c.label) for c in chunks
                ],
                tokens=offsets,
                source=here,
            )
        )
    return docs
