"""The results directory: where a run's files go, and reading them back.

``<out>/<label>.json`` is the result (:class:`~bench.run.result.Result`) and
``<out>/predictions/<label>.jsonl`` the predictions it was scored from; report, compare and
the leaderboard read them through :class:`ResultFile`, the one loader. Two results are
comparable when their scoring signatures agree on :data:`COMPARED` (docs/run.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError, ParameterError
from bench.files import locked
from bench.names import check_name
from bench.run.pair import write_pair
from bench.run.result import Result, RunOutput, read_result

PREDICTIONS_DIR = "predictions"
# Signature fields two results must share to be compared or to sit in one leaderboard table:
# those that decide the point scores. The bench version, the layer list and the
# confidence-interval set-up (ci, conf, boot, seed) do not.
COMPARED: tuple[str, ...] = ("scoring", "gold", "docs", "labels", "align", "ignore")
# Fields a signature carries only when a scoring option is on (token mode, minimum overlap);
# results must agree on them too, and a result without one has the option off.
COMPARED_OPTIONAL: tuple[str, ...] = ("tokens", "overlap", "subset")


def check_label(label: str) -> str:
    """A result label (or the system name) when safe as a file stem
    (:func:`bench.names.check_name`)."""
    try:
        return check_name(label, "label")
    except ValueError as exc:
        raise ParameterError("label", str(exc)) from None


def result_path(out_dir: Path, label: str) -> Path:
    """``<out>/<label>.json``."""
    return out_dir / f"{label}.json"


def predictions_path(out_dir: Path, label: str) -> Path:
    """``<out>/predictions/<label>.jsonl``."""
    return out_dir / PREDICTIONS_DIR / f"{label}.jsonl"


def write_run(out: RunOutput, out_dir: Path) -> tuple[Path, Path]:
    """Write the result and its predictions as one unit (:mod:`bench.run.pair`); both paths."""
    label = out.result.system.label
    preds = predictions_path(out_dir, label)
    res = result_path(out_dir, label)
    with locked(out_dir):  # re-entrant: the CLI holds it over the report that follows
        write_pair(res, out.result.to_json(), preds, out.predictions)
    return res, preds


def signature_fields(signature: str, strict: bool = False) -> dict[str, str]:
    """``a:1|b:2`` as a dict; a field without ``:`` keeps an empty value, or with ``strict``
    is a ValueError."""
    out: dict[str, str] = {}
    for part in signature.split("|"):
        key, sep, val = part.partition(":")
        if strict and not sep:
            raise ValueError(f"malformed signature field {part!r}")
        out[key] = val
    return out


@dataclass(frozen=True)
class ResultFile:
    """A result file, its parsed content and the predictions file it was scored from."""

    path: Path
    result: Result

    @property
    def label(self) -> str:
        """The name results are matched by: the file stem and leaderboard row."""
        return self.result.system.label

    @property
    def predictions(self) -> Path:
        """``<results dir>/predictions/<label>.jsonl``, where ``bench run`` wrote them."""
        return predictions_path(self.path.parent, self.label)

    @property
    def signature(self) -> dict[str, str]:
        """The fields of the scoring signature in the result's gold record."""
        try:
            return signature_fields(self.result.gold.signature, strict=True)
        except ValueError as exc:
            raise BenchError(f"{self.path}: gold.signature: {exc}") from None

    @property
    def comparability_key(self) -> str:
        """The part of the signature two results must share to be compared."""
        return comparability_key(self.result)


def comparability_key(result: Result) -> str:
    """The :data:`COMPARED` fields of a result's scoring signature, as ``key:value|...``."""
    fields = signature_fields(result.metrics.signature)
    key = "|".join(f"{k}:{fields.get(k, '?')}" for k in COMPARED)
    # A subset run (docs/metrics.md, "Subsets") never shares a board with a full one.
    return key + "".join(f"|{k}:{fields[k]}" for k in COMPARED_OPTIONAL if k in fields)


def read_result_file(path: Path) -> ResultFile:
    """One result file, validated (:func:`bench.run.result.read_result`)."""
    return ResultFile(path, read_result(path))


def read_results_dir(results_dir: Path) -> list[ResultFile]:
    """Every ``*.json`` result in ``results_dir`` (not its sub-directories), sorted by label;
    two results with one label are an error."""
    if not results_dir.is_dir():
        raise BenchError(f"{results_dir}: not a directory of results")
    files = [read_result_file(p) for p in sorted(results_dir.glob("*.json"))]
    seen: dict[str, Path] = {}
    for f in files:
        if f.label in seen:
            raise BenchError(f"{f.path}: system.label: {f.label!r} already used by {seen[f.label]}")
        seen[f.label] = f.path
    return sorted(files, key=lambda f: f.label)
