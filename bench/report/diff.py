"""``bench diff A B``: which predicted spans changed between two runs, and which changes moved
the score.

A and B are predictions files (JSON Lines), result files (their predictions beside them in
``predictions/``) or result labels in a results directory. Per document and layer the spans
of A and B are paired:

* the same offsets, label and value: unchanged (not listed);
* the same offsets, another label: *relabelled* (the value may change too);
* the same offsets and label, another value: *revalued*;
* overlapping, other offsets: *moved* (a boundary change; the label may change too), pairs
  taken by largest overlap first, ties by position;
* what is left: *removed* (only in A) and *added* (only in B).

Each side's span is classified against the gold as the error browser does
(:func:`bench.report.errorpage.classify`); a change *fixed* the score when B's span is
correct under strict matching and A's was not, *broke* it the other way round, and
*fixed value* / *broke value* when both match strictly but only one has the right value.
The definitions are in docs/run.md, "Diffs of predictions".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bench.corpus.document import Document
from bench.errors import BenchError
from bench.schema import LABEL_LAYER, LAYERS, GoldDocument, PredictedSpan, Value

ChangeKind = Literal["added", "removed", "relabelled", "revalued", "moved"]
CHANGE_KINDS: tuple[str, ...] = ("added", "removed", "relabelled", "moved", "revalued")
Effect = Literal["fixed", "broke", "fixed value", "broke value", ""]
EFFECTS: tuple[str, ...] = ("fixed", "broke", "fixed value", "broke value")
STRICT_OK = ("correct", "wrong value")  # kinds that count as a strict match
_MARK = {"added": "+", "removed": "-", "relabelled": "~", "revalued": "~", "moved": "~"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiffSpan(_Frozen):
    """One side's span of a change, with the text it covers and its outcome against gold."""

    start: int
    end: int
    label: str
    value: Value = None
    text: str
    outcome: str  # correct, wrong value, wrong boundary, wrong label, spurious, ignored


class Change(_Frozen):
    """A span that differs between A and B."""

    kind: ChangeKind
    layer: str
    a: DiffSpan | None
    b: DiffSpan | None
    effect: Effect


class DocChanges(_Frozen):
    """The changes of one document."""

    doc_id: str
    changes: list[Change]


class LayerScore(_Frozen):
    """Strict F1 of a layer on each side (None when undefined)."""

    layer: str
    a: float | None
    b: float | None


class PredictionDiff(_Frozen):
    """Everything ``bench diff`` reports (its ``--json`` output)."""

    a: str
    b: str
    gold: str
    layers: list[str]
    documents: list[DocChanges]
    scores: list[LayerScore]

    def counts(self) -> Counter[str]:
        """Changes by kind and by effect, over every document."""
        c: Counter[str] = Counter()
        for d in self.documents:
            for ch in d.changes:
                c[ch.kind] += 1
                if ch.effect:
                    c[ch.effect] += 1
        return c


# ---------------------------------------------------------------------------------------
# Where the predictions are


def predictions_of(spec: str, results_dir: Path) -> tuple[Path, list[str] | None]:
    """The predictions file ``spec`` names, and the layers its result was scored on (None for a
    bare predictions file): a ``.jsonl`` file, a result ``.json`` file, or a result label in
    ``results_dir``."""
    from bench.run.layout import predictions_path, read_result_file, read_results_dir

    path = Path(spec)
    if path.is_file():
        if path.suffix == ".json":
            rf = read_result_file(path)
            return rf.predictions, list(rf.result.metrics.layers)
        return path, None
    if path.suffix in (".json", ".jsonl") or "/" in spec:
        raise BenchError(f"{spec}: no such predictions or result file")
    if not results_dir.is_dir():
        raise BenchError(f"{spec}: not a file, and {results_dir} holds no results to look it up")
    entries = {e.label: e for e in read_results_dir(results_dir)}
    if spec not in entries:
        raise BenchError(
            f"{spec}: not a file, nor a result label in {results_dir} "
            f"(labels: {', '.join(sorted(entries)) or 'none'})"
        )
    return predictions_path(results_dir, spec), list(entries[spec].result.metrics.layers)


# ---------------------------------------------------------------------------------------
# Pairing and classifying


def _pair(
    a: list[PredictedSpan], b: list[PredictedSpan]
) -> list[tuple[ChangeKind, PredictedSpan | None, PredictedSpan | None]]:
    """Spans of one layer of A and B paired as in the module docstring (unchanged dropped)."""
    left = sorted(a, key=_order)
    right = sorted(b, key=_order)
    for x in list(left):  # identical spans are no change
        for y in right:
            if _ident(x, y):
                left.remove(x)
                right.remove(y)
                break
    out: list[tuple[ChangeKind, PredictedSpan | None, PredictedSpan | None]] = []
    for x in list(left):  # same offsets
        for y in right:
            if (x.start, x.end) == (y.start, y.end):
                kind: ChangeKind = "relabelled" if x.label != y.label else "revalued"
                out.append((kind, x, y))
                left.remove(x)
                right.remove(y)
                break
    overlaps = sorted(
        (
            (-(min(x.end, y.end) - max(x.start, y.start)), _order(x), _order(y), i, j)
            for i, x in enumerate(left)
            for j, y in enumerate(right)
            if x.start < y.end and y.start < x.end
        ),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, _, _, i, j in overlaps:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append(("moved", left[i], right[j]))
    out += [("removed", x, None) for i, x in enumerate(left) if i not in used_a]
    out += [("added", None, y) for j, y in enumerate(right) if j not in used_b]
    return out


def _order(s: PredictedSpan) -> tuple:
    return (s.start, s.end, s.label, str(s.value))


def _ident(x: PredictedSpan, y: PredictedSpan) -> bool:
    from bench.scoring.values import same_value  # numpy: only when pairs are compared

    return (x.start, x.end, x.label) == (y.start, y.end, y.label) and same_value(x.value, y.value)


def _outcomes(
    gold: GoldDocument, preds: Sequence[PredictedSpan], layers: Sequence[str]
) -> dict[int, str]:
    """``id(span)`` to its outcome kind against the gold."""
    from bench.report.errorpage import classify, kind_name

    outs = classify(gold, preds, layers)
    return {id(o.pred): kind_name(o.kind) for o in outs if o.pred is not None}


def _effect(a: str | None, b: str | None) -> Effect:
    ok_a, ok_b = a in STRICT_OK, b in STRICT_OK
    if ok_b and not ok_a:
        return "fixed"
    if ok_a and not ok_b:
        return "broke"
    if ok_a and ok_b and a != b:
        return "fixed value" if b == "correct" else "broke value"
    return ""


def diff_documents(
    gold: Mapping[str, Document],
    preds_a: Mapping[str, Sequence[PredictedSpan]],
    preds_b: Mapping[str, Sequence[PredictedSpan]],
    layers: Sequence[str],
) -> list[DocChanges]:
    """Every document's changes from A to B (documents without a change left out)."""
    out = []
    for doc_id in sorted(gold):
        g, text = gold[doc_id].gold, gold[doc_id].text
        pa, pb = list(preds_a.get(doc_id, ())), list(preds_b.get(doc_id, ()))
        oa, ob = _outcomes(g, pa, layers), _outcomes(g, pb, layers)

        def side(
            s: PredictedSpan | None, outcomes: dict[int, str], text: str = text
        ) -> DiffSpan | None:
            if s is None:
                return None
            return DiffSpan(
                start=s.start,
                end=s.end,
                label=s.label,
                value=s.value,
                text=text[s.start : s.end],
                outcome=outcomes.get(id(s), "not scored"),
            )

        changes = []
        for layer in layers:
            la = [s for s in pa if LABEL_LAYER[s.label] == layer]
            lb = [s for s in pb if LABEL_LAYER[s.label] == layer]
            for kind, x, y in _pair(la, lb):
                da, db = side(x, oa), side(y, ob)
                effect = _effect(da.outcome if da else None, db.outcome if db else None)
                changes.append(Change(kind=kind, layer=layer, a=da, b=db, effect=effect))
        changes.sort(key=lambda c: _change_order(c))
        if changes:
            out.append(DocChanges(doc_id=doc_id, changes=changes))
    return out


def _change_order(c: Change) -> tuple:
    s = c.a or c.b
    assert s is not None
    return (s.start, s.end, LAYERS.index(c.layer), CHANGE_KINDS.index(c.kind))


def diff_predictions(
    a: str,
    b: str,
    *,
    results_dir: Path = Path("results"),
    gold_dir: Path = Path("gold"),
    texts_dir: Path = Path("seeds"),
    layers: Sequence[str] | None = None,
) -> PredictionDiff:
    """Diff two runs' predictions on the gold (``a``, ``b`` as :func:`predictions_of` reads)."""
    from bench.corpus.digest import gold_digest
    from bench.corpus.gold import load_gold_dir
    from bench.corpus.predictions import read_predictions
    from bench.scoring.engine import score

    path_a, layers_a = predictions_of(a, results_dir)
    path_b, layers_b = predictions_of(b, results_dir)
    gold = load_gold_dir(gold_dir, texts_dir)
    texts = {d: doc.text for d, doc in gold.items()}
    for p in (path_a, path_b):
        if not p.is_file():
            raise BenchError(f"{p}: no such predictions file")
    pa = read_predictions(path_a, texts)
    pb = read_predictions(path_b, texts)
    if layers is None:
        if layers_a is not None and layers_b is not None:
            chosen = [x for x in LAYERS if x in layers_a and x in layers_b]
        else:
            seen = {LABEL_LAYER[s.label] for side in (pa, pb) for v in side.values() for s in v}
            chosen = [x for x in LAYERS if x in seen and x in (layers_a or layers_b or LAYERS)]
    else:
        chosen = [x for x in LAYERS if x in layers]
    if not chosen:
        raise BenchError(f"{b}: no layer to compare with {a}")
    ra = score(gold, pa, layers=chosen, bootstrap=0)
    rb = score(gold, pb, layers=chosen, bootstrap=0)
    return PredictionDiff(
        a=str(path_a),
        b=str(path_b),
        gold=gold_digest(gold),
        layers=chosen,
        documents=diff_documents(gold, pa, pb, chosen),
        scores=[
            LayerScore(layer=x, a=ra.by_layer[x].strict.f1, b=rb.by_layer[x].strict.f1)
            for x in chosen
        ],
    )


# ---------------------------------------------------------------------------------------
# Text


def _span(s: DiffSpan) -> str:
    from bench.escape import visible

    value = "" if s.value is None else f"={s.value}"
    return f"{s.label}{value} [{s.start}:{s.end}] {visible(repr(s.text))}"


def _f1(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def render_text(d: PredictionDiff) -> str:
    """The diff for a terminal: per document, one line per change; then the totals."""
    from bench.escape import visible

    lines = [f"A {visible(d.a)}", f"B {visible(d.b)}"]
    for doc in d.documents:
        c: Counter[str] = Counter(ch.kind for ch in doc.changes)
        e: Counter[str] = Counter(ch.effect for ch in doc.changes if ch.effect)
        kinds = ", ".join(f"{c[k]} {k}" for k in CHANGE_KINDS if c[k])
        effects = ", ".join(f"{e[k]} {k}" for k in EFFECTS if e[k]) or "score unchanged"
        lines.append(f"{visible(doc.doc_id)}: {kinds}; {effects}")
        for ch in doc.changes:
            if ch.a is not None and ch.b is not None:
                what = f"{_span(ch.a)} -> {_span(ch.b)}"
                outcome = f"{ch.a.outcome} -> {ch.b.outcome}"
            else:
                s = ch.a or ch.b
                assert s is not None
                what = _span(s)
                outcome = f"{s.outcome} gone" if ch.b is None else s.outcome
            tail = f"  [{ch.effect}]" if ch.effect else ""
            lines.append(
                f"  {_MARK[ch.kind]} {ch.kind:<10} {ch.layer:<6} {what}  ({outcome}){tail}"
            )
    total = d.counts()
    n = sum(total[k] for k in CHANGE_KINDS)
    if n:
        kinds = ", ".join(f"{total[k]} {k}" for k in CHANGE_KINDS if total[k])
        effects = ", ".join(f"{total[k]} {k}" for k in EFFECTS if total[k]) or "none moved it"
        lines.append(f"{n} change(s) in {len(d.documents)} document(s): {kinds}; score: {effects}")
    else:
        lines.append("no differences")
    scores = "; ".join(
        f"{s.layer} {_f1(s.a)} -> {_f1(s.b)}"
        + ("" if s.a is None or s.b is None else f" ({100 * (s.b - s.a):+.1f})")
        for s in d.scores
    )
    lines.append(f"strict F1: {scores}")
    return "\n".join(lines) + "\n"
