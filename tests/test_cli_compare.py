"""``bench compare`` on result files made by real runs: exit codes, gate, summaries, errors."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import GOLD, NEEDS_SPACY, ROOT, SEEDS, skip_unless

from bench.cli import main
from bench.corpus.gold import load_gold_dir
from bench.registry import create_system
from bench.run.driver import run_system
from bench.run.layout import write_run
from bench.run.timing import RunSettings

FAST = RunSettings(repeats=1, warmup=0, latency=False)


def make_run(out: Path, spec: str, gold_dir: Path = GOLD, **options: str) -> Path:
    """Run a real system on the gold and write ``out/<label>.json`` and its predictions."""
    gold = load_gold_dir(gold_dir, SEEDS)
    result, _ = write_run(run_system(create_system(spec, options), gold, FAST, bootstrap=0), out)
    return result


def bench(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the real entry point in-process: exit code, stdout, stderr."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", ["bench", "compare", *map(str, args)])
    monkeypatch.setenv("COLUMNS", "100")
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base/``: rules as is; ``values_off/``: rules with values=false (a real regression)."""
    skip_unless("rules", "recognizers_date_time")
    root = tmp_path_factory.mktemp("runs")
    make_run(root / "base", "rules")
    make_run(root / "values_off", "rules", values="false")
    return root


def table_rows(out: str) -> dict[str, list[str]]:
    """The printed table rows by their first cell (cells are two or more spaces apart)."""
    rows = {}
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > 1:
            rows.setdefault(cells[0], cells)
    return rows


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_degrading_option_fails_the_gate(runs, tmp_path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    md = tmp_path / "out" / "compare.md"
    code, out, err = bench(
        monkeypatch, capsys, runs / "base", runs / "values_off", "--markdown", md
    )
    assert code == 1, err
    assert "rules: REGRESSION" in out
    rows = table_rows(out)
    assert rows["time value"][-1] == "REGRESSION" and rows["number value"][-1] == "REGRESSION"
    assert rows["time"][-1] == "1.000"  # spans did not change, only their values: p = 1
    assert "changed: option values: 'true' -> 'false'" in out
    text = md.read_text(encoding="utf-8")
    assert text.startswith("## bench compare: ❌ 1 of 1 system regressed\n")
    assert "| time value |" in text and "❌ **regression**" in text
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + text + "\n"


def test_reordered_predictions_pass(runs, tmp_path, monkeypatch, capsys) -> None:
    cand = copy_run(runs / "base", tmp_path / "cand")
    preds = cand / "predictions" / "rules.jsonl"
    rng = random.Random(1)
    records = [json.loads(line) for line in preds.read_text(encoding="utf-8").splitlines()]
    for rec in records:
        rng.shuffle(rec["spans"])
    rng.shuffle(records)
    shuffled = "".join(json.dumps(r) + "\n" for r in records)
    assert shuffled != preds.read_text(encoding="utf-8")
    preds.write_text(shuffled, encoding="utf-8")
    # Re-pair the result with its edited predictions (a pair that does not match is refused).
    result = cand / "rules.json"
    data = json.loads(result.read_text(encoding="utf-8"))
    data["predictions_sha256"] = hashlib.sha256(shuffled.encode("utf-8")).hexdigest()
    result.write_text(json.dumps(data, indent=2), encoding="utf-8")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = bench(monkeypatch, capsys, runs / "base", cand)
    assert code == 0, err + out
    assert "REGRESSION" not in out and "no regression in 1 system(s)" in out
    assert summary.read_text(encoding="utf-8").startswith(
        "## bench compare: ✅ no regression in 1 system\n"
    )


def test_mismatched_gold_signatures_exit_2(runs, tmp_path, monkeypatch, capsys) -> None:
    gold = tmp_path / "gold"
    shutil.copytree(GOLD, gold)
    first = sorted(gold.glob("*.json"))[0]
    data = json.loads(first.read_text(encoding="utf-8"))
    data["spans"] = [s for s in data["spans"] if s["layer"] == "time"][1:] + [
        s for s in data["spans"] if s["layer"] != "time"
    ]
    data["spans"].sort(key=lambda s: (s["start"], s["end"]))
    first.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    make_run(tmp_path / "cand", "rules", gold_dir=gold)
    code, _, err = bench(monkeypatch, capsys, runs / "base", tmp_path / "cand")
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "gold signatures differ" in err and "Traceback" not in err
    # Results on the same gold, but the gold given to compare is another one: also exit 2.
    code, _, err = bench(monkeypatch, capsys, runs / "base", runs / "values_off", "--gold", gold)
    assert code == 2 and err.startswith("error: --gold, --texts: ") and "it was scored on" in err


def test_predictions_that_do_not_reproduce_the_result_exit_2(
    runs, tmp_path, monkeypatch, capsys
) -> None:
    cand = copy_run(runs / "base", tmp_path / "cand")
    shutil.copy(runs / "values_off" / "predictions" / "rules.jsonl", cand / "predictions")
    code, _, err = bench(monkeypatch, capsys, runs / "base", cand)
    assert code == 2, err
    assert "the pair does not match" in err and err.count("\n") == 1
    # Without the digest (a result from before it was recorded) the re-scoring catches it.
    result = cand / "rules.json"
    data = json.loads(result.read_text(encoding="utf-8"))
    data["predictions_sha256"] = None
    result.write_text(json.dumps(data, indent=2), encoding="utf-8")
    code, _, err = bench(monkeypatch, capsys, runs / "base", cand)
    assert code == 2 and "is not the predictions file the result was scored from" in err
    (cand / "predictions" / "rules.jsonl").unlink()
    code, _, err = bench(monkeypatch, capsys, runs / "base", cand)
    assert code == 2 and "rules.jsonl: file not found" in err


def test_speed_gate(runs, tmp_path, monkeypatch, capsys) -> None:
    cand = copy_run(runs / "base", tmp_path / "cand")
    path = cand / "rules.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    base_wps = data["throughput"]["words_per_second"]["median"]
    data["throughput"]["words_per_second"]["median"] = base_wps * 0.7
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    code, out, _ = bench(monkeypatch, capsys, runs / "base", cand)
    assert code == 0 and "(-30.0%), not gated" in out
    code, out, _ = bench(monkeypatch, capsys, runs / "base", cand, "--max-slowdown", "0.2")
    assert code == 1 and "(-30.0%), REGRESSION" in out
    code, _, _ = bench(monkeypatch, capsys, runs / "base", cand, "--max-slowdown", "0.35")
    assert code == 0


def test_matching_by_label(runs, tmp_path, monkeypatch, capsys) -> None:
    base = copy_run(runs / "base", tmp_path / "base")
    make_run(base, "toy_system:ToySystem")
    code, out, err = bench(monkeypatch, capsys, base, runs / "values_off", "--json")
    assert code == 1, err
    data = json.loads(out)
    assert [s["label"] for s in data["systems"]] == ["rules"]
    assert data["only_baseline"] == ["toy"] and data["only_candidate"] == []
    # A result file against a directory: matched by its label in the directory.
    code, out, _ = bench(monkeypatch, capsys, base / "toy.json", base)
    assert code == 0 and "toy: ok" in out
    code, _, err = bench(monkeypatch, capsys, base / "toy.json", runs / "values_off")
    assert code == 2 and "no system has a result on both sides" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere", "nowhere"], "nowhere: no such result file or directory"),
        (["gold", "gold"], ".json: system: Field required"),
        (["{base}", "{base}", "--mode", "fuzzy"], "--mode: unknown mode 'fuzzy'"),
        (["{base}", "{base}", "--layer", "entity"], "no layer scored in both results"),
    ],
)
def test_bad_input_exit_2(runs, monkeypatch, capsys, args, message) -> None:
    args = [a.format(base=runs / "base") for a in args]
    code, _, err = bench(monkeypatch, capsys, *args)
    assert code == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err


def test_spacy_end_to_end(tmp_path, monkeypatch, capsys) -> None:
    """The real spaCy pipeline, once as is and once told to drop GPE: the gate fails on the
    entity layer, and passes when only the time layer is compared."""
    pytest.importorskip("spacy")
    make_run(tmp_path / "base", "spacy")
    make_run(tmp_path / "cand", "spacy", **{"label_map.GPE": ""})
    md = tmp_path / "compare.md"
    code, out, err = bench(
        monkeypatch, capsys, tmp_path / "base", tmp_path / "cand", "--markdown", md
    )
    assert code == 1, err
    rows = table_rows(out)
    assert rows["overall"][-1] == "REGRESSION" and rows["entity"][-1] == "REGRESSION"
    assert rows["entity"][-2] == "<0.001"
    gpe = sum(s.label == "GPE" for d in load_gold_dir(GOLD, SEEDS).values() for s in d.gold.spans)
    assert rows["GPE"][1] == str(gpe) and float(rows["GPE"][2]) > 0.5
    assert rows["GPE"][3] == "0.000" and rows["GPE"][-1] == "drop"
    assert rows["PERSON"][-1] == "1.000"
    assert "option label\\_map.GPE: (unset) -&gt; ''" in md.read_text(encoding="utf-8")
    code, out, _ = bench(monkeypatch, capsys, tmp_path / "base", tmp_path / "cand", "-l", "time")
    assert code == 0 and "entity" not in out


def test_workflow_runs_every_offline_builtin() -> None:
    """.github/workflows/bench.yml lists every built-in that needs no server or file and runs
    on the workflow's Python."""
    from packaging.specifiers import SpecifierSet

    from bench.registry import BUILTINS, SystemEntry, load_class

    text = (ROOT / ".github" / "workflows" / "bench.yml").read_text(encoding="utf-8")
    listed = re.search(r"^\s*SYSTEMS: (.+)$", text, re.M)
    python = re.search(r'python-version: "([0-9.]+)"', text)
    assert listed is not None and python is not None
    offline = set()
    for name, target in BUILTINS.items():
        spec = load_class(SystemEntry(name, target, "builtin")).info.python  # type: ignore[attr-defined]
        if name not in {"llm", "predictions"} and python.group(1) in SpecifierSet(spec):
            offline.add(name)
    assert "spacy" in offline and "spacy-md" not in offline  # 3.12+ only
    assert sorted(listed.group(1).split()) == sorted(offline)
    assert 'bench compare results "$OUT" --no-significance' in text
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    installed = re.search(r"pip install -e '\.\[([a-z0-9,]+)\]'", text)
    assert installed is not None
    assert set(installed.group(1).split(",")) <= set(extras)


@pytest.mark.slow
@NEEDS_SPACY
def test_ci_compare_script(tmp_path) -> None:
    """.ci/compare.sh runs `bench run` for real and exits with `bench compare`'s code: 0 against
    a baseline of the same rules, 1 against a better baseline (the gold itself, as 'rules')."""
    import subprocess

    from bench.corpus.predictions import write_predictions
    from bench.schema import PredictedSpan

    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "compare.sh", repo / ".ci")
    shutil.copytree(GOLD, repo / "gold")
    shutil.copytree(SEEDS, repo / "seeds")
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "BENCH_COMPARE_SYSTEMS": "rules",
        "BENCH_COMPARE_OUT": str(tmp_path / "out"),
        "HOME": str(tmp_path),
    }

    def script() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(repo / ".ci" / "compare.sh")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    make_run(repo / "results", "rules")
    same = script()
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no regression in 1 system(s)" in same.stdout
    assert (tmp_path / "out" / "compare.md").is_file()

    gold = load_gold_dir(GOLD, SEEDS)
    perfect = tmp_path / "perfect.jsonl"
    write_predictions(
        perfect,
        {
            d: [
                PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value)
                for s in doc.gold.spans
            ]
            for d, doc in gold.items()
        },
    )
    shutil.rmtree(repo / "results")
    system = create_system("predictions", {"path": str(perfect)})
    write_run(run_system(system, gold, FAST, label="rules", bootstrap=0), repo / "results")
    worse = script()
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert "rules: REGRESSION" in worse.stdout and "system predictions -> rules" in worse.stdout


def test_replayed_predictions_against_a_directory_hints_at_label(
    runs, tmp_path, monkeypatch, capsys
) -> None:
    replay = tmp_path / "replay"
    src = runs / "base" / "predictions" / "rules.jsonl"
    make_run(replay, "predictions", path=str(src))
    code, _, err = bench(monkeypatch, capsys, replay / "predictions.json", runs / "base")
    assert code == 2 and err.count("\n") == 1, err
    assert "baseline predictions; candidate rules" in err
    assert "bench run --label LABEL" in err


def test_holm_adjustment() -> None:
    from bench.report.matrix import holm

    got = holm([0.01, 0.04, 0.03, 0.005, None])
    assert got[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02]) and got[4] is None
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_many_systems_matrix(tmp_path, monkeypatch, capsys) -> None:
    """The committed results of three systems: every pair per layer, as one pair's compare."""
    args = ("results", "--systems", "spacy,rules,recognizers")
    code, out, err = bench(monkeypatch, capsys, *args, "--json")
    assert code == 0, err
    m = json.loads(out)
    assert m["systems"] == ["spacy", "rules", "recognizers"] and m["correction"] == "holm"
    assert [lm["layer"] for lm in m["layers"]] == ["time", "number"]
    assert m["single"] == {"entity": ["spacy"]}
    cells = [c for lm in m["layers"] for c in lm["pairs"]]
    assert len(cells) == m["tests"] == 6
    from bench.report.matrix import holm

    assert [c["p_holm"] for c in cells] == holm([c["p_ar"] for c in cells])
    assert all(c["significant"] == (c["p_holm"] < 0.05) for c in cells)
    assert all(c["p_holm"] >= c["p_ar"] for c in cells)
    # The spacy/rules cells are what `bench compare spacy.json rules.json` says for that pair.
    code, out, err = bench(
        monkeypatch, capsys, "results/spacy.json", "results/rules.json", "--json"
    )
    pair = {r["name"]: r for r in json.loads(out)["systems"][0]["rows"] if r["kind"] == "layer"}
    for lm in m["layers"]:
        c = next(c for c in lm["pairs"] if (c["a"], c["b"]) == ("spacy", "rules"))
        r = pair[lm["layer"]]
        assert c["delta"] == pytest.approx(r["delta"]) and c["p_ar"] == r["p_value"]
        assert c["delta_ci"] == r["delta_ci"]
        assert lm["scores"]["spacy"] == r["baseline"] and lm["scores"]["rules"] == r["candidate"]

    md = tmp_path / "matrix.md"
    code, out, err = bench(monkeypatch, capsys, *args, "--markdown", md)
    assert code == 0, err
    rows = table_rows(out)
    assert rows["rules"][:2] == ["rules", "0.960"] and rows["recognizers"][1] == "0.871"
    assert "Holm-Bonferroni over all 6 tests" in out and "not compared on entity" in out
    text = md.read_text(encoding="utf-8")
    assert "| pair | Δ | 95% CI of Δ | p (AR) | p (bootstrap) | p Holm (AR)" in text
    assert text.count("### ") == 2 and "Not compared on entity: only spacy scored it." in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["results", "--systems", "spacy,nosuch"], "--systems: no result labelled 'nosuch'"),
        (["results", "--systems", "spacy"], "--systems: name at least two systems"),
        (["results", "results", "--systems", "spacy,rules"], "give no candidate"),
        (["results"], "give a candidate result file or directory, or --systems"),
    ],
)
def test_many_systems_bad_input(args, message, monkeypatch, capsys) -> None:
    code, _, err = bench(monkeypatch, capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1, err
