"""Gold in the formats annotation tools use: a registry of formats, each imported only when used.

One module per format; each defines a :class:`~bench.corpus.formats.base.GoldFormat`.
The checks every import goes through (text hashes, the gold rules) live in
:mod:`bench.corpus.formats.exchange`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError

if TYPE_CHECKING:
    from bench.corpus.formats.base import GoldFormat

# name -> "module:attribute"; modules import their heavy libraries (spaCy, datasets) lazily.
FORMATS: dict[str, str] = {
    "labelstudio": "bench.corpus.formats.labelstudio:FORMAT",
    "doccano": "bench.corpus.formats.doccano:FORMAT",
    "brat": "bench.corpus.formats.brat:FORMAT",
    "conll": "bench.corpus.formats.conll:FORMAT",
    "docbin": "bench.corpus.formats.docbin:FORMAT",
    "hf-disk": "bench.corpus.formats.hfdatasets:DISK",
    "hf-parquet": "bench.corpus.formats.hfdatasets:PARQUET",
}


def load_registered(table: Mapping[str, str], name: str) -> Any:
    """The object a ``name -> "module:attribute"`` table registers as ``name``, imported only
    now; an unknown name is a one-line error listing the known ones."""
    target = table.get(name)
    if target is None:
        raise BenchError(f"unknown format {name!r} (one of {', '.join(table)})")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def get_format(name: str) -> GoldFormat:
    """The format registered as ``name``; an unknown name is a one-line error."""
    return load_registered(FORMATS, name)  # type: ignore[no-any-return]
