"""A run's two files as one unit: ``<out>/<label>.json`` and ``<out>/predictions/<label>.jsonl``.

The result records the sha256 of its predictions file (``predictions_sha256``). Both are
written to temporaries first (a full disk stops the write before either is replaced), then
the result is renamed into place and the predictions after it. Whatever interrupts them, the
pair on disk is the old pair, the new pair, or a new result beside old predictions, which
:func:`check_pair` detects by the digest: everything that reads the pair (``bench report``,
its error pages, ``bench compare``) refuses a mismatched one with one line. Results written
before the digest existed (``predictions_sha256`` null) are read as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bench.errors import BenchError
from bench.files import replace, write_temporary


def predictions_digest(data: bytes) -> str:
    """sha256 of a predictions file's bytes (what ``predictions_sha256`` records)."""
    return hashlib.sha256(data).hexdigest()


def commit_pair(result: Path, result_tmp: Path, predictions: Path, predictions_tmp: Path) -> None:
    """Rename both written temporaries into place: the result first, then its predictions
    (an interruption between the two leaves a pair :func:`check_pair` refuses)."""
    try:
        replace(result_tmp, result)
    except BaseException:
        predictions_tmp.unlink(missing_ok=True)
        raise
    replace(predictions_tmp, predictions)


def write_pair(result: Path, result_text: str, predictions: Path, predictions_text: str) -> None:
    """Write a result and its predictions as one unit (both to temporaries, then renamed)."""
    preds_tmp = write_temporary(predictions, predictions_text)
    try:
        res_tmp = write_temporary(result, result_text)
    except BaseException:
        preds_tmp.unlink(missing_ok=True)
        raise
    commit_pair(result, res_tmp, predictions, preds_tmp)


def check_pair(result_path: Path, expected: str | None, predictions: Path) -> None:
    """Refuse (one line) a predictions file that is not the one its result was written with.

    ``expected`` is the result's ``predictions_sha256``; None (a result from before the
    digest) is not checked. A missing predictions file is left to the caller.
    """
    if expected is None:
        return
    try:
        data = predictions.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BenchError(f"{predictions}: cannot read: {exc.strerror}") from None
    got = predictions_digest(data)
    if got != expected:
        raise BenchError(
            f"{predictions}: sha256 {got[:12]}… is not the predictions_sha256 "
            f"{expected[:12]}… recorded in {result_path}: the pair does not match "
            "(an interrupted write?); rerun bench run for it"
        )
