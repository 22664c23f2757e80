"""The result file ``results/<label>.json``: one system's scores, timings and environment.

Everything but ``throughput``, ``environment`` and ``created_at`` is a function of the system
(name, version, options), the gold and the predictions, and is written byte-identically on
every rerun. The format is documented in docs/run.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from bench.environment import Environment
from bench.runner import Measurement, RunSettings, median, percentile

RESULT_SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Spread(_Model):
    """Median and range of one figure over the timed repeats."""

    median: float
    min: float
    max: float


class Latency(_Model):
    """Per-document latency over the documents, in milliseconds (nearest-rank percentiles)."""

    method: str
    docs: int
    p50_ms: float
    p95_ms: float
    max_ms: float


class Throughput(_Model):
    """How fast the system ran, how it was measured, and whether this run measured it."""

    cached: bool = Field(
        description="True when the predictions came from the cache: these timings are the "
        "ones measured when the predictions were made, at measured_at, not by this run."
    )
    measured_at: dt.datetime
    repeats: int
    warmup: int
    batch_size: int
    docs: int
    words: int
    chars: int
    load_seconds: float
    pass_seconds: list[float]
    seconds: Spread
    docs_per_second: Spread
    words_per_second: Spread
    chars_per_second: Spread
    latency: Latency | None
    peak_rss_mb: float | None
    peak_rss_children_mb: float | None
    repeats_agree: bool = Field(
        description="Every timed repeat gave the same predictions and failures as the first."
    )


def _rate(amount: int, seconds: Sequence[float]) -> Spread:
    # The fastest pass gives the highest rate; a zero time (empty corpus) gives rate 0.
    rates = [amount / s if s > 0 else 0.0 for s in seconds]
    return Spread(
        median=round(median(rates), 3), min=round(min(rates), 3), max=round(max(rates), 3)
    )


def make_throughput(
    m: Measurement,
    settings: RunSettings,
    load_seconds: float,
    measured_at: dt.datetime,
    peak_rss: tuple[float | None, float | None],
) -> Throughput:
    """The throughput block of a fresh run from what :func:`bench.runner.measure` observed."""
    secs = m.pass_seconds
    latency = None
    if m.latencies:
        ms = [s * 1000 for s in m.latencies]
        latency = Latency(
            method=m.latency_method or "",
            docs=len(ms),
            p50_ms=round(percentile(ms, 50), 3),
            p95_ms=round(percentile(ms, 95), 3),
            max_ms=round(max(ms), 3),
        )
    return Throughput(
        cached=False,
        measured_at=measured_at,
        repeats=settings.repeats,
        warmup=settings.warmup,
        batch_size=settings.batch_size,
        docs=m.docs,
        words=m.words,
        chars=m.chars,
        load_seconds=round(load_seconds, 6),
        pass_seconds=[round(s, 6) for s in secs],
        seconds=Spread(
            median=round(median(secs), 6), min=round(min(secs), 6), max=round(max(secs), 6)
        ),
        docs_per_second=_rate(m.docs, secs),
        words_per_second=_rate(m.words, secs),
        chars_per_second=_rate(m.chars, secs),
        latency=latency,
        peak_rss_mb=peak_rss[0],
        peak_rss_children_mb=peak_rss[1],
        repeats_agree=m.repeats_agree,
    )
