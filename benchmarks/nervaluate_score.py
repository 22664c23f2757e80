"""Score a predictions JSONL against a gold directory with nervaluate: the anchor of the
end-to-end scoring benchmark (benchmarks/test_scoring.py).

Reads the same files as ``bench score`` with the standard library, converts offsets to
nervaluate's end-inclusive convention, and prints the overall counts per strategy as JSON.
Usage: python benchmarks/nervaluate_score.py GOLD_DIR PREDICTIONS.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nervaluate import Evaluator


def main() -> None:
    gold_dir, pred_file = Path(sys.argv[1]), Path(sys.argv[2])
    gold = {}
    for path in sorted(gold_dir.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        gold[doc["doc_id"]] = doc["spans"]
    preds: dict[str, list[dict]] = {}
    for line in pred_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            preds[rec["doc_id"]] = rec["spans"]
    ids = sorted(gold)

    def entities(spans: list[dict]) -> list[dict]:
        return [{"label": s["label"], "start": s["start"], "end": s["end"] - 1} for s in spans]

    true = [entities(gold[d]) for d in ids]
    pred = [entities(preds.get(d, [])) for d in ids]
    tags = sorted({s["label"] for doc in true + pred for s in doc})
    results = Evaluator(true, pred, tags=tags, loader="dict").evaluate()["overall"]
    out = {
        name: {k: getattr(r, k) for k in ("correct", "incorrect", "partial", "missed", "spurious")}
        for name, r in results.items()
    }
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
