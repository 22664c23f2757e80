"""A run: one system over one gold corpus, giving a result file and a predictions file.

Load the system (timed apart) and measure it (:mod:`bench.run.timing`), or take its predictions
from the cache (:mod:`bench.run.cache`) without loading it; score them
(:mod:`bench.scoring.engine`);
assemble the :class:`~bench.run.result.Result`; write ``<out>/<label>.json`` and
``<out>/predictions/<label>.jsonl`` as one unit (:mod:`bench.runfiles`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from bench.corpus.digest import gold_sha256
from bench.corpus.document import Document
from bench.corpus.predictions import dump_predictions
from bench.errors import BenchError, ParameterError
from bench.protocol import DocInput, System, describe
from bench.run.cache import (
    CacheEntry,
    PredictionCache,
    cache_key,
    code_digest,
    documents_of,
    records_digest,
)
from bench.run.environment import capture
from bench.run.extract import load_system
from bench.run.layout import check_label
from bench.run.result import FailureRecord, GoldRecord, Result, RunOutput, SystemRecord, Throughput
from bench.run.timing import RunSettings, measure, peak_rss_mb, throughput_of
from bench.runfiles import predictions_digest
from bench.schema import (
    LAYERS,
    SEED_LABEL_SET,
    LabelMapSpec,
    LabelSet,
    PredictionRecord,
    Usage,
)
from bench.scoring.engine import check_layers, score


def documents(gold: Mapping[str, Document]) -> list[DocInput]:
    """What the system sees of each gold document, in doc_id order."""
    return [gold[doc_id].input() for doc_id in sorted(gold)]


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


def run_layers(
    system: System, label_set: LabelSet = SEED_LABEL_SET, layers: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The layers a run scores: ``layers`` when given (each one the system produces and the
    corpus's label set has), else the system's layers that the label set has."""
    info = system.info
    if layers:
        chosen = check_layers(layers, label_set)
        missing = [layer for layer in chosen if layer not in info.layers]
        if missing:
            raise ParameterError(
                "layers",
                f"system {info.name!r} produces no {missing[0]!r} spans "
                f"(its layers: {', '.join(info.layers)})",
            )
        return chosen
    chosen = tuple(x for x in LAYERS if x in info.layers and x in label_set.layers)
    if not chosen:
        raise BenchError(
            f"system {info.name!r} produces none of the layers of the corpus's label set "
            f"{label_set.name!r} ({', '.join(label_set.layers)})"
        )
    return chosen


def map_records(
    records: list[PredictionRecord], label_map: LabelMapSpec | None
) -> list[PredictionRecord]:
    """``records`` with their spans' labels mapped onto the corpus's (unchanged without a map)."""
    if label_map is None:
        return records
    from bench.corpus.labels import apply_label_map

    return [r.model_copy(update={"spans": apply_label_map(label_map, r.spans)}) for r in records]


def run_system(
    system: System,
    gold: Mapping[str, Document],
    settings: RunSettings,
    *,
    label: str | None = None,
    cache: PredictionCache | None = None,
    progress: bool = False,
    bootstrap: int = 1000,
    seed: int = 0,
    layers: Sequence[str] | None = None,
    label_map: LabelMapSpec | None = None,
    subset: str = "",
) -> RunOutput:
    """Run (or take from the cache), score and describe one system on ``gold``; ``layers``
    and ``label_map`` as for :func:`run_layers` and :func:`map_records`; ``subset`` says how
    ``gold`` was chosen from the corpus (:mod:`bench.corpus.subset`)."""
    label = check_label(label or system.info.name)
    scored = run_layers(system, SEED_LABEL_SET, layers)
    docs = documents(gold)
    info = system.info
    key = cache_key(
        info.name, info.version, system.options, code_digest(system), settings.batch_size, docs
    )
    entry = cache.get(info.name, key, docs) if cache is not None else None
    if entry is not None:
        records = entry.records
        throughput = entry.throughput.model_copy(update={"cached": True})
        environment = entry.environment
        versions: dict[str, str] | None = entry.versions
        usage = entry.usage
    else:
        measured_at = now()
        try:
            load_seconds = load_system(system, info.name)
            m = measure(system, docs, settings, progress=progress)
        finally:
            system.close()
        throughput = throughput_of(m, settings, load_seconds, measured_at, peak_rss_mb())
        usage, throughput = usage_of(system, docs, throughput)
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
                    records_sha256=records_digest(records),
                    throughput=throughput,
                    environment=environment,
                    versions=dict(getattr(system, "versions", None) or {}),
                    usage=usage,
                )
            )
    records = map_records(records, label_map)
    errors = {r.doc_id: r.error for r in records if r.error}
    predictions_text = dump_predictions({r.doc_id: r.spans for r in records}, errors)
    predictions = {r.doc_id: r.spans for r in records if r.error is None}
    report = score(gold, predictions, layers=scored, bootstrap=bootstrap, seed=seed, subset=subset)
    result = Result(
        system=system_record(system, label, versions),
        gold=GoldRecord(
            signature=report.signature,
            sha256=gold_sha256(gold),
            documents=len(gold),
            spans=sum(len(d.gold.spans) for d in gold.values()),
        ),
        metrics=report,
        failures=[FailureRecord(doc_id=r.doc_id, error=r.error) for r in records if r.error],
        usage=usage,
        predictions_sha256=predictions_digest(predictions_text.encode("utf-8")),
        throughput=throughput,
        environment=environment,
        created_at=now(),
    )
    return RunOutput(result, records, predictions_text)


def usage_of(
    system: System, docs: list[DocInput], throughput: Throughput
) -> tuple[Usage, Throughput]:
    """Tokens and cost of a run: from the system's optional ``usage(doc_ids)`` (and
    ``tokens_per_second(doc_ids)``); zero for a system that reports none."""
    ids = [d.doc_id for d in docs]
    report = getattr(system, "usage", None)
    if not callable(report):
        return Usage.none(len(docs)), throughput
    usage = report(ids)
    if not isinstance(usage, Usage):
        raise BenchError(f"system {system.info.name!r}: usage() returned {type(usage).__name__}")
    rate = getattr(system, "tokens_per_second", None)
    tps = rate(ids) if callable(rate) else None
    return usage, throughput.model_copy(update={"tokens_per_second": tps})
