"""The floor under any numpy-based ``bench score``: what a process costs that starts Python,
imports numpy (one BLAS thread, as ``bench score`` runs) and reads every file ``bench score``
reads (gold JSON parsed, texts hashed, the predictions JSONL parsed), and does nothing else.

The third row of the end-to-end scoring benchmark (benchmarks/test_scoring.py): no scorer can
be faster than this without dropping numpy or skipping a file, so nervaluate's time over this
one is the best ratio any such implementation can reach at that size.
Usage: python benchmarks/score_floor.py GOLD_DIR TEXTS_DIR PREDICTIONS.jsonl
"""

from __future__ import annotations

import hashlib
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy  # noqa: F401  (the import is what is measured)
from pydantic_core import from_json


def main() -> None:
    gold_dir, texts_dir, pred_file = sys.argv[1], sys.argv[2], sys.argv[3]
    docs = spans = 0
    for name in sorted(os.listdir(gold_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(gold_dir, name), "rb") as f:
            doc = from_json(f.read())
        with open(os.path.join(texts_dir, name[:-5] + ".txt"), "rb") as f:
            hashlib.sha256(f.read()).hexdigest()
        docs += 1
        spans += len(doc["spans"])
    with open(pred_file, "rb") as f:
        for line in f:
            if line.strip():
                spans += len(from_json(line)["spans"])
    print(f'{{"documents": {docs}, "spans": {spans}}}')


if __name__ == "__main__":
    main()
