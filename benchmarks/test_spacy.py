"""The spacy system against raw ``nlp.pipe`` on the same pipeline, values off and on.

bench's side is one timed pass of ``bench run`` (``bench.run.timing.run_pass``: batches through
``extract_documents``, output checks, span objects, the normalizer's cache emptied first)
over the seed texts; the anchor is ``list(nlp.pipe(texts, batch_size=...))`` with the same
model, the same excluded components and the same batch size. With ``values=false`` the
system does what ``nlp.pipe`` does plus building spans (the harness's overhead); with the
default ``values=true`` it also normalises date and number values (bench.normalize).
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.conftest import GOLD, SEEDS, timed

pytest.importorskip("spacy")
pytest.importorskip("recognizers_date_time")

ROUNDS = 10


@pytest.fixture(scope="module")
def docs() -> list:
    from bench.corpus.gold import load_gold_dir
    from bench.protocol import DocInput

    gold = load_gold_dir(GOLD, SEEDS)
    return [DocInput(d, doc.text, doc.gold.document_date) for d, doc in sorted(gold.items())]


def _info(docs: list) -> dict:
    from bench.corpus.texts import word_count

    return {"docs": len(docs), "words": sum(word_count(d.text) for d in docs)}


@pytest.mark.parametrize("values", ["false", "true"])
@pytest.mark.parametrize("impl", ["bench", "nlp.pipe"])
def test_spacy(benchmark: Any, docs: list, values: str, impl: str) -> None:
    import spacy

    from bench.registry import create_system
    from bench.run.executor import InProcess
    from bench.run.timing import run_pass

    system = create_system("spacy", {"values": values})
    params = system.params  # type: ignore[attr-defined]
    benchmark.group = f"spacy values={values}"
    norms: list[float] = []
    if impl == "bench":
        system.load()
        ex = InProcess(system, loaded=True)

        def run() -> object:
            outcome = run_pass(ex, docs, params["batch_size"], lambda n: None)
            norms.append(outcome.normalize_seconds)
            return outcome

    else:
        exclude = [c.strip() for c in params["exclude"].split(",") if c.strip()]
        nlp = spacy.load(params["model"], exclude=exclude)
        texts = [d.text for d in docs]
        run = lambda: list(nlp.pipe(texts, batch_size=params["batch_size"]))  # noqa: E731
    out = timed(benchmark, run, rounds=ROUNDS, warmup_rounds=1, **_info(docs))
    if impl == "bench":
        assert not out.failures  # type: ignore[attr-defined]
        # wall seconds inside bench.normalize in each timed round (the warm-up's dropped)
        benchmark.extra_info["normalize_seconds"] = norms[1:]
