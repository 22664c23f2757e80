"""bench: an extraction-evaluation benchmark harness for entities, dates and numbers.

The public Python API, imported lazily so ``import bench`` stays as light as ``bench --help``::

    import bench
    report = bench.score_files("gold", "seeds", "results/predictions/rules.jsonl")
    print(report.overall.strict.f1)

See README.md, "Python API", and docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> "module:attribute", imported on first use.
_EXPORTS: dict[str, str] = {
    "load_gold": "bench.api:load_gold",
    "run": "bench.api:run",
    "run_corpus": "bench.api:run_corpus",
    "compare": "bench.api:compare",
    "score": "bench.scoring.engine:score",
    "score_files": "bench.scoring.engine:score_files",
    "StreamingScorer": "bench.scoring.streaming:StreamingScorer",
    "paired_significance": "bench.scoring.significance:paired_significance",
    "Document": "bench.corpus.document:Document",
    "GoldDocument": "bench.schema:GoldDocument",
    "GoldSpan": "bench.schema:GoldSpan",
    "PredictedSpan": "bench.schema:PredictedSpan",
    "System": "bench.protocol:System",
    "BaseSystem": "bench.protocol:BaseSystem",
    "ScoreReport": "bench.scoring.report:ScoreReport",
    "Result": "bench.run.result:Result",
    "BenchError": "bench.errors:BenchError",
}

__all__ = [
    "BaseSystem",
    "BenchError",
    "Document",
    "GoldDocument",
    "GoldSpan",
    "PredictedSpan",
    "Result",
    "ScoreReport",
    "StreamingScorer",
    "System",
    "__version__",
    "compare",
    "load_gold",
    "paired_significance",
    "run",
    "run_corpus",
    "score",
    "score_files",
]

if TYPE_CHECKING:
    from bench.api import compare, load_gold, run, run_corpus
    from bench.corpus.document import Document
    from bench.errors import BenchError
    from bench.protocol import BaseSystem, System
    from bench.run.result import Result
    from bench.schema import GoldDocument, GoldSpan, PredictedSpan
    from bench.scoring.engine import score, score_files
    from bench.scoring.report import ScoreReport
    from bench.scoring.significance import paired_significance
    from bench.scoring.streaming import StreamingScorer


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'bench' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
