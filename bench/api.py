"""The Python shell over the library, beside the command line: the functions ``import bench``
exports that take names and paths (``str | Path``) rather than built objects.

Each is a few lines over the stage that does the work (``corpus``, ``run``, ``report``), so the
command line and Python callers get the same behaviour and the same errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bench.corpus.document import Document
from bench.corpus.gold import load_gold_dir
from bench.protocol import System
from bench.report.compare import CompareSettings, Comparison
from bench.report.compare import compare as _compare
from bench.run.cache import PredictionCache
from bench.run.driver import CorpusRunOutput
from bench.run.driver import run_corpus as _run_corpus
from bench.run.executor import SystemSpec
from bench.run.layout import write_run
from bench.run.result import RunOutput
from bench.run.timing import RunSettings

PathLike = str | Path


def load_gold(gold_dir: PathLike = "gold", texts_dir: PathLike = "seeds") -> dict[str, Document]:
    """The gold of a corpus, every file validated: ``{doc_id: Document}`` (``doc.gold``,
    ``doc.text``)."""
    return load_gold_dir(Path(gold_dir), Path(texts_dir))


def _system(system: str | System, options: Mapping[str, str] | None) -> System:
    from bench.registry import create_system

    return create_system(system, options) if isinstance(system, str) else system


def run(
    system: str | System,
    gold_dir: PathLike = "gold",
    texts_dir: PathLike = "seeds",
    *,
    options: Mapping[str, str] | None = None,
    label: str | None = None,
    out_dir: PathLike | None = None,
    settings: RunSettings | None = None,
    cache_dir: PathLike | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    limit: int | None = None,
    sample: int | None = None,
) -> RunOutput:
    """Run a system (a name, ``module:Class`` or an instance) over the gold corpus: time it,
    score it, and with ``out_dir`` write ``<label>.json`` and ``predictions/<label>.jsonl``.
    ``limit`` or ``sample`` (drawn with ``seed``) run a subset (:mod:`bench.corpus.subset`)."""
    from bench.corpus.subset import subset_ids, take
    from bench.run.driver import run_system

    gold = load_gold(gold_dir, texts_dir)
    ids, subset = subset_ids(gold, limit=limit, sample=sample, seed=seed)
    out = run_system(
        _system(system, options),
        take(gold, ids),
        settings or RunSettings(),
        label=label,
        cache=PredictionCache(Path(cache_dir)) if cache_dir is not None else None,
        bootstrap=bootstrap,
        seed=seed,
        subset=subset,
    )
    if out_dir is not None:
        write_run(out, Path(out_dir))
    return out


def run_corpus(
    system: str,
    corpus: PathLike,
    out_dir: PathLike,
    *,
    options: Mapping[str, str] | None = None,
    label: str | None = None,
    batch_size: int = 64,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    cache_dir: PathLike | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> CorpusRunOutput:
    """Stream a corpus (JSONL, Parquet, a Hugging Face ``save_to_disk`` directory or a gold
    directory) through a system and write its result and predictions under ``out_dir``."""
    from bench.corpus.stream import open_corpus

    opts = dict(options or {})
    return _run_corpus(
        _system(system, opts),
        SystemSpec(system, tuple(sorted(opts.items()))),
        open_corpus(Path(corpus)),
        Path(out_dir),
        label=label,
        batch_size=batch_size,
        executor=executor,
        workers=workers,
        address=address,
        cache=PredictionCache(Path(cache_dir)) if cache_dir is not None else None,
        bootstrap=bootstrap,
        seed=seed,
    )


def compare(
    baseline: PathLike,
    candidate: PathLike,
    settings: CompareSettings | None = None,
    *,
    gold_dir: PathLike = "gold",
    texts_dir: PathLike = "seeds",
) -> Comparison:
    """Compare every system with a result on both sides (result files or directories)."""
    return _compare(
        Path(baseline),
        Path(candidate),
        settings or CompareSettings(),
        gold_dir=Path(gold_dir),
        texts_dir=Path(texts_dir),
    )
