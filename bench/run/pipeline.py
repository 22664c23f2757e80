"""A run: one system over one gold corpus, giving a result file and a predictions file.

Load the system (timed apart) and measure it (:mod:`bench.run.timing`), or take its predictions
from the cache (:mod:`bench.run.cache`) without loading it; score them
(:mod:`bench.scoring.engine`);
assemble the :class:`~bench.run.result.Result`; write ``<out>/<label>.json`` and
``<out>/predictions/<label>.jsonl`` atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.corpus.gold import write_atomic
from bench.corpus.predictions import dump_predictions
from bench.errors import BenchError, ParameterError, one_line
from bench.protocol import DocInput, System, describe
from bench.run.cache import CacheEntry, PredictionCache, cache_key, code_digest, documents_of
from bench.run.environment import capture
from bench.run.result import (
    FailureRecord,
    GoldRecord,
    Result,
    SystemRecord,
    gold_sha256,
    make_throughput,
)
from bench.run.timing import RunSettings, load_timed, measure, peak_rss_mb
from bench.schema import GoldDocument, PredictionRecord
from bench.scoring.engine import score

PREDICTIONS_DIR = "predictions"
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")


@dataclass
class RunOutput:
    """What a run produced: the result and the per-document prediction records."""

    result: Result
    records: list[PredictionRecord]


def check_label(label: str) -> str:
    """A result label is a file stem: letters, digits and ``_.+-``, at most 100 characters."""
    if not _LABEL.fullmatch(label):
        raise ParameterError(
            "label",
            f"{label!r} is not a usable name (letters, digits, '_', '.', '+', '-'; "
            "starting with a letter or digit)",
        )
    return label


def documents(gold: Mapping[str, tuple[GoldDocument, str]]) -> list[DocInput]:
    """What the system sees of each gold document, in doc_id order."""
    return [DocInput(doc_id, text, g.document_date) for doc_id, (g, text) in sorted(gold.items())]


def now() -> dt.datetime:
    """The current UTC time to the second (what ``created_at`` records)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def system_record(
    system: System, label: str, versions: Mapping[str, str] | None = None
) -> SystemRecord:
    """Name, version, options, layers, label map and library versions of a system.

    ``versions`` replaces what the system reports (known only after ``load()``) when the
    predictions come from the cache and the system was never loaded.
    """
    d = describe(system)
    if versions is not None:
        d["versions"] = dict(sorted(versions.items()))
    return SystemRecord(label=label, layers=list(system.info.layers), **d)  # type: ignore[arg-type]


def run_system(
    system: System,
    gold: Mapping[str, tuple[GoldDocument, str]],
    settings: RunSettings,
    *,
    label: str | None = None,
    cache: PredictionCache | None = None,
    progress: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
) -> RunOutput:
    """Run (or take from the cache), score and describe one system on ``gold``."""
    label = check_label(label or system.info.name)
    docs = documents(gold)
    info = system.info
    key = cache_key(
        info.name, info.version, system.options, code_digest(system), settings.batch_size, docs
    )
    entry = cache.get(info.name, key) if cache is not None else None
    if entry is not None:
        records = entry.records
        throughput = entry.throughput.model_copy(update={"cached": True})
        environment = entry.environment
        versions: dict[str, str] | None = entry.versions
    else:
        measured_at = now()
        try:
            try:
                load_seconds = load_timed(system)
            except BenchError:
                raise
            except Exception as exc:
                raise BenchError(f"system {info.name!r}: load failed: {one_line(exc)}") from None
            m = measure(system, docs, settings, progress=progress)
        finally:
            system.close()
        throughput = make_throughput(m, settings, load_seconds, measured_at, peak_rss_mb())
        environment = capture(info.requires)
        records = m.records
        versions = None
        if cache is not None and not m.failures:
            cache.put(
                CacheEntry(
                    key=key,
                    system=info.name,
                    version=info.version,
                    options=dict(sorted(system.options.items())),
                    code_sha256=code_digest(system),
                    batch_size=settings.batch_size,
                    documents=documents_of(docs),
                    records=records,
                    throughput=throughput,
                    environment=environment,
                    versions=dict(getattr(system, "versions", None) or {}),
                )
            )
    predictions = {r.doc_id: r.spans for r in records if r.error is None}
    report = score(gold, predictions, layers=info.layers, bootstrap=bootstrap, seed=seed)
    result = Result(
        system=system_record(system, label, versions),
        gold=GoldRecord(
            signature=report.signature,
            sha256=gold_sha256(gold),
            documents=len(gold),
            spans=sum(len(g.spans) for g, _ in gold.values()),
        ),
        metrics=report,
        failures=[FailureRecord(doc_id=r.doc_id, error=r.error) for r in records if r.error],
        throughput=throughput,
        environment=environment,
        created_at=now(),
    )
    return RunOutput(result, records)


def result_path(out_dir: Path, label: str) -> Path:
    """``<out>/<label>.json``."""
    return out_dir / f"{label}.json"


def predictions_path(out_dir: Path, label: str) -> Path:
    """``<out>/predictions/<label>.jsonl``."""
    return out_dir / PREDICTIONS_DIR / f"{label}.jsonl"


def write_run(out: RunOutput, out_dir: Path) -> tuple[Path, Path]:
    """Write the predictions, then the result (each atomically); return both paths."""
    label = out.result.system.label
    preds = predictions_path(out_dir, label)
    errors = {r.doc_id: r.error for r in out.records if r.error}
    write_atomic(preds, dump_predictions({r.doc_id: r.spans for r in out.records}, errors))
    res = result_path(out_dir, label)
    write_atomic(res, out.result.to_json())
    return res, preds
