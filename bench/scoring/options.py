"""The scoring options every entry point checks the same way: layers, minimum overlap,
bootstrap size and resampling unit. A bad option is a :class:`~bench.errors.ParameterError`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.errors import ParameterError
from bench.limits import check_bootstrap
from bench.schema import LAYERS, SEED_LABEL_SET, LabelSet
from bench.scoring.resample import choose_unit


def check_layers(
    layers: Sequence[str] | None, label_set: LabelSet = SEED_LABEL_SET
) -> tuple[str, ...]:
    """The layers to score in canonical order (by default every layer of ``label_set``); an
    unknown name, or a layer the label set does not have, is a BenchError."""
    have = tuple(layer for layer in LAYERS if layer in label_set.layers)
    if not layers:
        return have
    for name in layers:
        if name not in LAYERS:
            raise ParameterError("layers", f"unknown layer {name!r} (one of {', '.join(LAYERS)})")
        if name not in have:
            raise ParameterError(
                "layers",
                f"the corpus's label set {label_set.name!r} has no layer {name!r} "
                f"(its layers: {', '.join(have)})",
            )
    return tuple(layer for layer in LAYERS if layer in layers)


def check_min_overlap(min_overlap: float | None) -> None:
    """A minimum overlap is a percentage in (0, 100]; None means any shared character."""
    if min_overlap is not None and not (0 < min_overlap <= 100):
        raise ParameterError("min_overlap", f"must be > 0 and <= 100, got {min_overlap:g}")


def scoring_options(
    n_docs: int,
    layers: Sequence[str] | None,
    bootstrap: int,
    unit: str,
    label_set: LabelSet = SEED_LABEL_SET,
) -> tuple[tuple[str, ...], str]:
    """The layers and resampling unit to use; a bad option is a BenchError."""
    check_bootstrap(bootstrap)
    chosen_layers = check_layers(layers, label_set)
    try:
        return chosen_layers, choose_unit(n_docs, unit)
    except ValueError as exc:
        raise ParameterError("unit", str(exc)) from None
