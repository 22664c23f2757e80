"""The leaderboard: comparable results together, others kept apart, CSV and README block."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_REPORT, NEEDS_RULES, SEEDS
from toy_system import ToySystem

from bench.corpus.digest import gold_digest
from bench.corpus.gold import load_gold_dir
from bench.errors import BenchError
from bench.report.leaderboard import (
    README_END,
    README_START,
    boards,
    csv_columns,
    readme_table,
    render_csv,
    render_markdown,
    replace_block,
)
from bench.run.cache import PredictionCache
from bench.run.driver import run_system
from bench.run.layout import comparability_key, read_results_dir, write_run
from bench.run.timing import RunSettings

FAST = RunSettings(repeats=1, warmup=0, batch_size=5, latency=False)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A results directory: three runs on the seed gold (one cached, one with a failure) and
    one on a four-document subset, which must not be compared with them."""
    out = tmp_path_factory.mktemp("results")
    gold = load_gold_dir(GOLD, SEEDS)
    subset = dict(sorted(gold.items())[:4])
    cache = PredictionCache(out / ".cache")
    run_system(ToySystem(), gold, FAST, cache=cache, bootstrap=100)  # fills the cache
    write_run(run_system(ToySystem(), gold, FAST, cache=cache, bootstrap=100), out)
    names = ToySystem({"names": "Putin,Assad,Syria,Russia,Russian"})
    write_run(run_system(names, gold, FAST, label="toy-names", bootstrap=100), out)
    failing = ToySystem({"fail_on": "Hmeimim"})
    write_run(run_system(failing, gold, FAST, label="toy-fails", bootstrap=100), out)
    write_run(run_system(ToySystem(), subset, FAST, label="toy-subset", bootstrap=100), out)
    return out, gold_digest(gold), gold_digest(subset)


def test_boards_keep_other_gold_apart(results) -> None:
    out, full, subset = results
    entries = read_results_dir(out)
    assert [e.label for e in entries] == ["toy", "toy-fails", "toy-names", "toy-subset"]
    bs = boards(entries, current_gold=full)
    assert [b.gold for b in bs] == [full, subset]
    assert [e.label for e in bs[0].entries] == ["toy", "toy-fails", "toy-names"]
    # With the subset as current gold, its board comes first.
    assert boards(entries, current_gold=subset)[0].gold == subset
    # Comparability ignores the bench version and the layers, nothing else.
    keys = {comparability_key(e.result) for e in entries}
    assert len(keys) == 2 and all("bench:" not in k and "layers:" not in k for k in keys)


def test_markdown(results) -> None:
    out, full, subset = results
    md = render_markdown(boards(read_results_dir(out), full))
    assert "2 incomparable groups" in md
    assert md.index(full) < md.index(subset)
    assert "## Board 1" in md and "## Board 2" in md
    for heading in ("### entity", "### time", "### number", "### Speed"):
        assert md.count(heading) == 2
    assert "### Overview" not in md and md.count("Rows are ranked within each layer") == 2
    # Per-label figures per system, collapsed under each layer's table.
    assert md.count("<details>") == 6 and "<summary>entity: strict P, R, F1 per label" in md
    assert "| toy-names | PERSON |" in md
    assert "| toy † |" in md  # cached
    assert "| toy-fails ‡" in md and "documents failed" in md
    assert "predictions from the cache" in md
    # The toy system's strict entity F1, as the engine computed it, is in the table.
    r = next(e for e in read_results_dir(out) if e.label == "toy-names").result
    f1 = r.metrics.by_layer["entity"].strict.f1
    iv = r.metrics.ci.by_layer["entity"].strict.f1
    assert f"{100 * f1:.1f} [{100 * iv.low:.1f}, {100 * iv.high:.1f}]" in md


def test_csv_one_row_per_result_with_its_board(results) -> None:
    out, full, _ = results
    entries = read_results_dir(out)
    text = render_csv(boards(entries, full))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == csv_columns()
    assert [(r["board"], r["label"]) for r in rows] == [
        ("1", "toy"),
        ("1", "toy-fails"),
        ("1", "toy-names"),
        ("2", "toy-subset"),
    ]
    by_label = {e.label: e.result for e in entries}
    for row in rows:
        r = by_label[row["label"]]
        assert float(row["entity_strict_f1"]) == pytest.approx(
            r.metrics.by_layer["entity"].strict.f1, abs=1e-6
        )
        assert float(row["time_value_acc"]) == pytest.approx(r.metrics.values["time"].accuracy)
        assert float(row["words_per_s"]) == r.throughput.words_per_second.median
        assert row["cached"] == ("true" if r.throughput.cached else "false")
        assert int(row["failures"]) == len(r.failures)
        assert row["gold"] in row["signature"]


def test_readme_block(results) -> None:
    out, full, _ = results
    bs = boards(read_results_dir(out), full)
    block = readme_table(bs, "results/LEADERBOARD.md")
    assert "1 result(s) on other gold" in block and "toy-subset" not in block
    text = f"intro\n{README_START}\nstale\n{README_END}\noutro\n"
    new = replace_block(text, block, "README.md")
    assert new.startswith("intro\n" + README_START + "\n") and new.endswith(
        README_END + "\noutro\n"
    )
    assert "stale" not in new and block in new
    assert replace_block(new, block, "README.md") == new  # idempotent
    with pytest.raises(BenchError, match=r"README\.md: no <!-- leaderboard:start -->"):
        replace_block("no markers", block, "README.md")


def test_empty_and_duplicate(tmp_path: Path, results) -> None:
    assert "No results yet" in render_markdown([])
    assert "No results yet" in readme_table([], "x")
    with pytest.raises(BenchError, match="not a directory"):
        read_results_dir(tmp_path / "missing")
    out, _, _ = results
    (tmp_path / "copy.json").write_bytes((out / "toy.json").read_bytes())
    (tmp_path / "toy.json").write_bytes((out / "toy.json").read_bytes())
    with pytest.raises(BenchError, match="already used by"):
        read_results_dir(tmp_path)


@NEEDS_RULES
@NEEDS_REPORT
def test_layers_ranked_notes_and_no_speed_for_replayed(tmp_path: Path) -> None:
    """rules (two layers, a note) ranks by the layer, not by a mean; a replayed predictions
    file shows no speed anywhere."""
    from bench.corpus.predictions import write_predictions
    from bench.registry import create_system
    from bench.report.plot import render_png
    from bench.schema import LAYER_LABELS, PredictedSpan

    entity_labels = set(LAYER_LABELS["entity"])

    gold = load_gold_dir(GOLD, SEEDS)
    out = tmp_path / "results"
    write_run(run_system(create_system("rules", {}), gold, FAST, bootstrap=0), out)
    write_run(run_system(ToySystem(), gold, FAST, bootstrap=0), out)
    preds = tmp_path / "p.jsonl"
    entity = {
        d: [PredictedSpan(start=s.start, end=s.end, label=s.label) for s in doc.gold.spans]
        for d, doc in gold.items()
    }
    write_predictions(
        preds, {d: [s for s in v if s.label in entity_labels] for d, v in entity.items()}
    )
    replay = create_system("predictions", {"path": str(preds)})
    write_run(run_system(replay, gold, FAST, label="replayed", bootstrap=0), out)
    bs = boards(read_results_dir(out), gold_digest(gold))
    md = render_markdown(bs)
    assert "- **rules**: written after reading the seeds" in md
    entity = md[md.index("### entity") : md.index("### time")]
    assert "rules" not in entity.split("<details>")[0]  # no entity layer, no entity row
    assert entity.index("| replayed |") < entity.index("| toy |")  # gold spans: F1 100
    time_table = md[md.index("### time") : md.index("### number")]
    assert time_table.index("| rules |") < time_table.index("| toy |")
    speed = md[md.index("### Speed") :]
    assert "| replayed | — | — |" in speed and "replayed predictions: no speed" in speed
    block = readme_table(bs, "results/LEADERBOARD.md")
    assert "Rows are ranked within each layer by strict F1" in block
    assert "| replayed | 100.0 | 100.0 | 100.0 | — |" in block  # no speed
    rows = {r["label"]: r for r in csv.DictReader(io.StringIO(render_csv(bs)))}
    assert rows["replayed"]["words_per_s"] == "" and rows["toy"]["words_per_s"] != ""
    assert render_png(bs[0])  # draws without the replayed result
