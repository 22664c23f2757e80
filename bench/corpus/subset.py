"""A subset of the gold documents: the first N (``--limit``), N drawn at random
(``--sample N --seed S``), or the documents a predictions file has lines for (``--subset``).

A subset score is recorded as ``subset:...`` in the scoring signature (docs/metrics.md,
"Subsets"), which makes it a board of its own: it never ranks beside a full run.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from typing import TypeVar

from bench.errors import ParameterError

T = TypeVar("T")


def subset_ids(
    doc_ids: Collection[str], *, limit: int | None = None, sample: int | None = None, seed: int = 0
) -> tuple[list[str], str]:
    """The chosen doc_ids (sorted) and how they were chosen (``first:N/T``,
    ``sample:N/T;seed:S`` of T documents; "" when every document is kept). ``limit`` keeps
    the first N in doc_id order, the order every run uses; ``sample`` draws N without
    replacement with ``random.Random(seed)``."""
    ids = sorted(doc_ids)
    if limit is not None and sample is not None:
        raise ParameterError(("limit", "sample"), "give one of them, not both")
    for name, n in (("limit", limit), ("sample", sample)):
        if n is not None and n < 1:
            raise ParameterError(name, f"must be at least 1, got {n}")
    if limit is not None and limit < len(ids):
        return ids[:limit], f"first:{limit}/{len(ids)}"
    if sample is not None and sample < len(ids):
        chosen = sorted(random.Random(seed).sample(ids, sample))
        return chosen, f"sample:{sample}/{len(ids)};seed:{seed}"
    return ids, ""


def present_ids(ids: Collection[str], present: Collection[str], how: str) -> tuple[list[str], str]:
    """``ids`` narrowed to those in ``present`` (the documents a predictions file has lines
    for), and ``how`` extended with ``present:K/N`` when that leaves any out."""
    kept = [d for d in sorted(ids) if d in set(present)]
    if not kept:
        raise ParameterError("subset", "the predictions have no line for any chosen document")
    if len(kept) == len(ids):
        return kept, how
    return kept, ";".join(filter(None, [how, f"present:{len(kept)}/{len(ids)}"]))


def left_out(how: str) -> int:
    """How many gold documents the subset ``how`` (as :func:`subset_ids` writes it) left out."""
    total = kept = 0
    for part in how.split(";"):
        key, _, val = part.partition(":")
        if key in ("first", "sample", "present"):
            k, _, n = val.partition("/")
            kept, total = int(k), total or int(n)
    return total - kept


def take(gold: Mapping[str, T], ids: Collection[str]) -> dict[str, T]:
    """The entries of ``gold`` whose doc_id is in ``ids``, in doc_id order."""
    keep = set(ids)
    return {d: gold[d] for d in sorted(gold) if d in keep}
