"""Bootstrap intervals and paired significance tests: seeded, exact where they can be checked."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GOLD, SEEDS

from bench.corpus.gold import load_gold_dir
from bench.schema import PredictedSpan
from bench.scoring.resample import (
    bootstrap_sums,
    choose_unit,
    percentile_interval,
    safe_ratio,
    sentence_starts,
)
from bench.scoring.significance import paired_significance, paired_test


def f1_of(sums: np.ndarray) -> np.ndarray:
    """Columns: credit, actual, possible."""
    return safe_ratio(2.0 * sums[..., 0], sums[..., 1] + sums[..., 2])


def test_sentence_starts() -> None:
    text = 'Putin came. He said "go!" Then left.\n\nNew para\nline two'
    starts = sentence_starts(text)
    assert [text[s : s + 4] for s in starts] == ["Puti", "He s", "Then", "New ", "line"]
    assert sentence_starts("").tolist() == [0]
    assert sentence_starts("no end").tolist() == [0]


def test_unit_choice() -> None:
    assert choose_unit(5) == "sentence"
    assert choose_unit(30) == "document"
    assert choose_unit(5, "document") == "document"
    with pytest.raises(ValueError, match="unknown resampling unit"):
        choose_unit(5, "paragraph")


def test_bootstrap_sums_are_seeded_and_resample_units() -> None:
    stats = np.array([[1, 0], [0, 1], [2, 2], [5, 0]], dtype=float)
    a = bootstrap_sums(stats, 500, seed=1)
    assert a.shape == (500, 2)
    assert np.array_equal(a, bootstrap_sums(stats, 500, seed=1))
    assert not np.array_equal(a, bootstrap_sums(stats, 500, seed=2))
    # Each resample is a sum of 4 rows drawn with replacement: an integer combination.
    assert np.all(a == np.round(a))
    assert a[:, 0].max() <= 20 and a[:, 0].min() >= 0
    # The mean of the resampled sums estimates the total.
    assert a.mean(axis=0) == pytest.approx(stats.sum(axis=0), rel=0.1)


def test_bootstrap_blocks_do_not_change_the_stream() -> None:
    # Many units force several blocks; the result must not depend on block size.
    rng = np.random.default_rng(0)
    stats = rng.integers(0, 3, size=(50_000, 2)).astype(float)
    a = bootstrap_sums(stats, 100, seed=5)
    ref_rng = np.random.default_rng(5)
    idx = ref_rng.integers(0, 50_000, size=(100, 50_000))
    ref = stats[idx].sum(axis=1)
    assert np.array_equal(a, ref)


def test_percentile_interval() -> None:
    assert percentile_interval(np.arange(101.0), 0.9) == (5.0, 95.0)
    assert percentile_interval(np.array([np.nan, 1.0, 1.0])) == (1.0, 1.0)
    assert percentile_interval(np.array([np.nan])) == (None, None)


def _systems(n_units: int, gap: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    possible = rng.integers(1, 6, size=n_units)
    a_actual = rng.integers(1, 6, size=n_units)
    b_actual = rng.integers(1, 6, size=n_units)
    a_credit = np.minimum(rng.binomial(possible, 0.6), a_actual)
    b_credit = np.minimum(rng.binomial(possible, 0.6 + gap), b_actual)
    return (
        np.stack([a_credit, a_actual, possible], axis=1).astype(float),
        np.stack([b_credit, b_actual, possible], axis=1).astype(float),
    )


@pytest.mark.parametrize("method", ["ar", "bootstrap"])
def test_a_system_against_itself_has_p_one(method: str) -> None:
    a, _ = _systems(40, 0.0, 1)
    sa, sb, p, _ = paired_test(a, a, f1_of, method=method, resamples=500, seed=0)
    assert sa == sb and p == 1.0


@pytest.mark.parametrize("method", ["ar", "bootstrap"])
def test_clearly_better_system_is_significant(method: str) -> None:
    a, b = _systems(300, 0.3, 2)
    sa, sb, p, interval = paired_test(a, b, f1_of, method=method, resamples=2000, seed=0)
    assert sb > sa
    assert p < 0.01
    if method == "bootstrap":
        assert interval.low > 0 and interval.low <= sb - sa <= interval.high


def test_paired_tests_are_seeded() -> None:
    a, b = _systems(60, 0.05, 3)
    r1 = paired_test(a, b, f1_of, method="ar", resamples=1000, seed=7)
    r2 = paired_test(a, b, f1_of, method="ar", resamples=1000, seed=7)
    assert r1 == r2


def test_ar_agrees_with_scipy_exact_permutation_test() -> None:
    from scipy.stats import permutation_test

    a, b = _systems(12, 0.1, 4)
    table = np.concatenate([a, b])

    def stat(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        # x, y index the rows of `table`; swapping a pair swaps one unit between systems.
        sa = table[x.astype(int)].sum(axis=-2)
        sb = table[y.astype(int)].sum(axis=-2)
        return np.abs(f1_of(sb) - f1_of(sa))

    exact = permutation_test(
        (np.arange(12.0), np.arange(12.0) + 12),
        stat,
        permutation_type="samples",
        alternative="greater",
        vectorized=False,
        n_resamples=np.inf,
    ).pvalue
    _, _, p, _ = paired_test(a, b, f1_of, method="ar", resamples=40_000, seed=0)
    assert p == pytest.approx(exact, abs=0.01)


def test_paired_significance_on_real_gold() -> None:
    gold = load_gold_dir(GOLD, SEEDS)

    def system(keep_every: int) -> dict[str, list[PredictedSpan]]:
        return {
            d: [
                PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
                for i, s in enumerate(doc.gold.spans)
                if i % keep_every
            ]
            for d, doc in gold.items()
        }

    good, bad = system(20), system(2)
    r = paired_significance(gold, bad, good, mode="strict", resamples=2000)
    assert r.score_b > r.score_a and r.delta == pytest.approx(r.score_b - r.score_a)
    assert r.p_value < 0.01
    assert r.unit == "sentence" and r.units > 100
    assert r.signature.endswith("|boot:2000|seed:0|test:ar")
    same = paired_significance(gold, good, good, method="bootstrap", resamples=300)
    assert same.p_value == 1.0 and same.delta == 0.0
    value = paired_significance(gold, bad, good, mode="value:time", metric="recall")
    assert value.metric == "value:time.recall" and value.score_b > value.score_a
