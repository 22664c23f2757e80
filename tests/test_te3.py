"""TempEval-3's timex scores from bench: strict = ``exact``, relaxed = ``relaxed``, value
accuracy and value F1 = ``values.time``; by hand, and against the official toolkit where found.

The toolkit (https://github.com/naushadzaman/tempeval3_toolkit) is not ours to ship and needs
Python 2 and Java: set ``BENCH_TE3_TOOLKIT=/path/to/tempeval3_toolkit`` (and ``BENCH_PYTHON2``
when ``python2`` is not on the PATH) to run the differential test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.corpus.document import Document
from bench.corpus.formats import timeml
from bench.schema import GoldSpan, PredictedSpan
from bench.scoring.engine import score
from bench.scoring.report import ScoreReport

TE3 = Path(__file__).parent / "data" / "formats" / "te3"
# bench's time labels until label sets are data: a label cannot change TE3's figures.
AS_BENCH = {"DATE": "DATE", "TIME": "TIME", "DURATION": "DATE", "SET": "DATE"}


def _bench(gold_dir: Path, system_dir: Path) -> ScoreReport:
    docs, preds = [], {}
    system = {d.doc_id: d for d in timeml.read(system_dir, check_values=False)}
    for g in timeml.read(gold_dir):
        spans = [
            GoldSpan(
                start=s.start,
                end=s.end,
                text=g.text[s.start : s.end],
                layer="time",
                label=AS_BENCH[s.label],
                value=s.value,
            )
            for s in g.spans
        ]
        docs.append(Document.from_text(g.text, spans, doc_id=g.doc_id))
        assert system[g.doc_id].text == g.text
        preds[g.doc_id] = [
            PredictedSpan(start=s.start, end=s.end, label=AS_BENCH[s.label], value=s.value)
            for s in system[g.doc_id].spans
        ]
    return score(docs, preds, bootstrap=0, layers=["time"])


def _te3_figures(r: ScoreReport) -> dict[str, float]:
    t, rel, v = r.by_layer["time"].exact, r.relaxed["time"], r.values["time"]

    def pct(x: float | None) -> float:
        return round(100 * (x or 0.0), 2)

    return {
        "strict_f1": pct(t.f1),
        "strict_p": pct(t.precision),
        "strict_r": pct(t.recall),
        "relaxed_f1": pct(rel.f1),
        "relaxed_p": pct(rel.precision),
        "relaxed_r": pct(rel.recall),
        "value_f1": pct(v.f1),
        "value_accuracy": pct(v.accuracy),
    }


EXPECTED = {
    # 7 gold TIMEX3s, 6 predicted. Exact: Wednesday, every Monday. Relaxed adds "again next
    # month", "2009-2010" (one pair though it covers two gold spans) and "evening". Values:
    # right for 4 of those 5 pairs (every Monday's is wrong).
    "strict_f1": 30.77,
    "strict_p": 33.33,
    "strict_r": 28.57,
    "relaxed_f1": 76.92,
    "relaxed_p": 83.33,
    "relaxed_r": 71.43,
    "value_f1": 61.54,
    "value_accuracy": 80.0,
}


def test_made_up_fixture_by_hand() -> None:
    r = _bench(TE3 / "gold", TE3 / "system")
    assert _te3_figures(r) == EXPECTED
    assert r.relaxed["time"].matched == 5
    assert (r.values["time"].matched, r.values["time"].correct) == (5, 4)


def _toolkit() -> tuple[Path, str] | None:
    root = os.environ.get("BENCH_TE3_TOOLKIT")
    python2 = os.environ.get("BENCH_PYTHON2") or shutil.which("python2")
    if not root or not python2 or not shutil.which("java") or not shutil.which("perl"):
        return None
    if not (Path(root) / "TE3-evaluation.py").is_file():
        return None
    return Path(root), python2


TOOLKIT = _toolkit()


@pytest.mark.skipif(
    TOOLKIT is None,
    reason="TE3 toolkit not found (set BENCH_TE3_TOOLKIT, and BENCH_PYTHON2; needs java, perl)",
)
@pytest.mark.parametrize("sample", ["made_up", "toolkit_sample"])
def test_same_as_te3_toolkit(tmp_path: Path, sample: str) -> None:
    assert TOOLKIT is not None
    root, python2 = TOOLKIT
    gold, system = TE3 / "gold", TE3 / "system"
    if sample == "toolkit_sample":  # the toolkit's own sample gold and system output
        gold, system = root / "data" / "gold", root / "data" / "system"
    # The toolkit calls `python` and its tokenizer as a program: both as it expects them.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(python2)
    tokenizer = root / "evaluation-entities" / "tokenize.pl"
    if not os.access(tokenizer, os.X_OK):
        pytest.skip(f"{tokenizer} is not executable (chmod +x it)")
    env = dict(os.environ, PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(
        ["python", "TE3-evaluation.py", str(gold), str(system), "0.5"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    block = out[out.index("=== Timex Performance ===") :]
    strict = [float(x) for x in re.findall(r"^\t\t(\S+)\t(\S+)\t(\S+)", block, re.M)[0]]
    relaxed = [float(x) for x in re.findall(r"^\t\t(\S+)\t(\S+)\t(\S+)", block, re.M)[1]]
    value_f1 = float(re.findall(r"^\t\t(\S+)\t(\S+)$", block, re.M)[0][0])
    accuracy = float(re.findall(r"matching value: \d+ , accuracy: (\S+)", out)[-1])
    ours = _te3_figures(_bench(gold, system))
    assert strict == [ours["strict_f1"], ours["strict_p"], ours["strict_r"]]
    assert relaxed == [ours["relaxed_f1"], ours["relaxed_p"], ours["relaxed_r"]]
    assert value_f1 == ours["value_f1"]
    assert round(100 * accuracy, 2) == ours["value_accuracy"]
