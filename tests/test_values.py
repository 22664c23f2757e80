"""The one value equality (bench.scoring.values), used by the scorer, error pages and agreement."""

from __future__ import annotations

import numpy as np

from bench.scoring.values import same_value, same_values


def test_same_value() -> None:
    assert same_value("2017-12-11", " 2017-12-11 ")
    assert same_value("xxxx-12-11t10:00", "XXXX-12-11T10:00")
    assert not same_value("2017-12-11", "2017-12-12")
    assert same_value(12, 12.0) and same_value(1e20, 1e20 * (1 + 1e-12))
    assert not same_value(12, 13) and not same_value(12, "12") and not same_value(None, 0)
    assert same_value(None, None) and not same_value(True, 1)


def test_scalar_and_array_forms_agree() -> None:
    pairs = [(1.0, 1.0 + 1e-12), (1.0, 1.1), (np.nan, 1.0), (np.inf, np.inf), (0.0, 0.0)]
    g = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    minus = np.full(len(pairs), -1)
    none = np.zeros(len(pairs), dtype=bool)
    got = same_values(g, p, minus, minus, none, none).tolist()
    assert got == [same_value(a, b) for a, b in pairs]
