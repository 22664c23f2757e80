"""The result file ``results/<label>.json``: one system's scores, timings and environment.

Everything but ``throughput``, ``environment`` and ``created_at`` is a function of the system
(name, version, options), the gold and the predictions, and is written byte-identically on
every rerun. The format is documented in docs/run.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bench import strictjson
from bench.corpus.texts import format_loc, read_json
from bench.errors import BenchError
from bench.names import check_name
from bench.run.environment import Environment
from bench.schema import DocId, PredictionRecord, Usage
from bench.scoring.report import ScoreReport

RESULT_SCHEMA_VERSION: Literal[1] = 1


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
    pass_cpu_seconds: list[float] = Field(
        description="CPU time of this process (all its threads, not child processes) in each "
        "timed pass: unlike wall time, little affected by other work on the machine."
    )
    docs_per_second: Spread
    words_per_second: Spread
    chars_per_second: Spread
    pass_normalize_seconds: list[float] | None = Field(
        default=None,
        description="Of each timed pass's wall time, the seconds spent inside the shared value "
        "normalizer (bench.normalize) in this process; null when not measured (older results, "
        "streamed runs).",
    )
    extraction_words_per_second: Spread | None = Field(
        default=None,
        description="Words per second with the normalizer's time taken out of each pass: the "
        "system's own speed (equal to words_per_second for systems that do not use it).",
    )
    latency: Latency | None
    peak_rss_mb: float | None
    peak_rss_children_mb: float | None
    repeats_agree: bool = Field(
        description="Every timed repeat gave the same predictions and failures as the first."
    )
    tokens_per_second: float | None = Field(
        default=None,
        description="Completion tokens per second of request time, for systems that report "
        "token usage (LLM servers); null otherwise.",
    )


class SystemRecord(_Model):
    """Which system ran, as what, with which options (all the key of a comparable result)."""

    # The result's name: file stem, error page name and leaderboard row; checked on reading.
    label: Annotated[str, AfterValidator(lambda v: check_name(v, "label"))]
    name: str
    version: str
    options: dict[str, str]
    layers: list[str]
    label_map: dict[str, str | None] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)  # libraries and models it used
    note: str | None = None  # the system's own remark (SystemInfo.note), e.g. "the floor"


class GoldRecord(_Model):
    """Which gold the metrics are against: the scoring signature and a hash of the gold files."""

    signature: str
    sha256: str
    documents: int
    spans: int


class FailureRecord(_Model):
    """A document the system failed on; it is scored as predicting nothing."""

    doc_id: DocId
    error: str


class Result(_Model):
    """``results/<label>.json``: scores, failures, timings and environment of one run."""

    schema_version: Literal[1] = RESULT_SCHEMA_VERSION
    system: SystemRecord
    gold: GoldRecord
    metrics: ScoreReport
    failures: list[FailureRecord]
    usage: Usage | None = Field(
        default=None,
        description="Tokens and cost (zero for systems that report none); absent in results "
        "written before it existed.",
    )
    predictions_sha256: str | None = Field(
        default=None,
        description="sha256 of predictions/<label>.jsonl as written with this result: a "
        "result and its predictions are one unit, and a pair that does not match is refused. "
        "Null in results written before bench recorded it.",
    )
    throughput: Throughput
    environment: Environment
    created_at: dt.datetime

    def to_json(self) -> str:
        """Indented JSON with a final newline; fields in a fixed order, timings last."""
        return strictjson.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


@dataclass
class RunOutput:
    """What a run produced: the result, the per-document prediction records and the
    predictions file's text (both empty for a streamed corpus, whose memory stays bounded),
    and where the two files were written when the run was given a results directory."""

    result: Result
    records: list[PredictionRecord]
    predictions: str  # the predictions file's text, whose sha256 the result records
    result_path: Path | None = None
    predictions_path: Path | None = None
    batches: int = 0
    reused: int = 0  # batches taken from the cache
    executor: str = "in process"


# Fields that may differ between reruns of the same system on the same gold.
VOLATILE_FIELDS: tuple[str, ...] = ("throughput", "environment", "created_at")


def read_result(path: Path) -> Result:
    """A result file, validated; problems are one-line errors naming file and field."""
    _raw, data = read_json(path)
    try:
        return Result.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = len(exc.errors()) - 1
        tail = f" (+{more} more)" if more else ""
        raise BenchError(f"{path}: {format_loc(err['loc'])}: {err['msg']}{tail}") from None


# Systems whose predictions are replayed from a file: the "speed" of such a run is the speed
# of reading the file, not of any system, so reports show none (docs/run.md, "Speed").
REPLAYED = frozenset({"predictions"})


def has_speed(result: Result) -> bool:
    """Whether a result's timings measure a system (not a replayed predictions file)."""
    return result.system.name not in REPLAYED
