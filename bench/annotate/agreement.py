"""Agreement between two annotations of the same documents, and the gold/AGREEMENT.md report.

Span agreement reuses the scoring engine (annotation A as reference, B as predictions, no
ignore regions dropped): strict and partial F1 are symmetric in A and B. Token agreement is
Cohen's kappa (scikit-learn) over word tokens labelled with the label of the span covering
them (IO scheme), per layer, outside both annotations' ignore regions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from bench.corpus.document import Document
from bench.schema import LAYERS, GoldDocument, GoldSpan, PredictedSpan
from bench.scoring.align import align
from bench.scoring.values import same_value

GoldSet = Mapping[str, Document]
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class LayerAgreement:
    """Agreement figures of one layer."""

    layer: str
    spans_a: int
    spans_b: int
    strict_f1: float | None
    partial_f1: float | None
    value_matched: int
    value_agreed: int
    kappa: float | None
    tokens: int

    @property
    def value_agreement(self) -> float | None:
        """Share of matched spans whose values agree."""
        return self.value_agreed / self.value_matched if self.value_matched else None


@dataclass(frozen=True)
class Disagreement:
    """One place where A and B differ: only in A, only in B, or a label/boundary/value clash."""

    doc_id: str
    layer: str
    kind: str  # only-a, only-b, boundary, label, value
    a: GoldSpan | None
    b: GoldSpan | None


@dataclass(frozen=True)
class Agreement:
    """Everything ``bench gold agree`` reports for two annotations."""

    name_a: str
    name_b: str
    documents: int
    layers: tuple[LayerAgreement, ...]
    ignore_char_jaccard: float | None
    disagreements: tuple[Disagreement, ...]


def _as_pred(spans: list[GoldSpan]) -> list[PredictedSpan]:
    return [
        PredictedSpan(start=s.start, end=s.end, label=s.label, value=s.value, layer=s.layer)
        for s in spans
    ]


def _ignored(gold: GoldDocument, n: int) -> list[bool]:
    mask = [False] * n
    for r in gold.ignore:
        for i in range(r.start, min(r.end, n)):
            mask[i] = True
    return mask


def _token_labels(text: str, spans: list[GoldSpan], skip: list[bool]) -> list[str]:
    at = [""] * len(text)
    for s in spans:
        for i in range(s.start, s.end):
            at[i] = s.label
    return [at[m.start()] or "O" for m in _TOKEN.finditer(text) if not skip[m.start()]]


def _kappa(a: list[str], b: list[str]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if not a or len(set(a) | set(b)) < 2:
        return None
    return float(cohen_kappa_score(a, b))


def _disagreements(doc_id: str, layer: str, sa: list[GoldSpan], sb: list[GoldSpan]):
    al = align(sa, sb, "partial")
    out = []
    for gi, pi, outcome in al.pairs:
        a, b = sa[gi], sb[pi]
        if outcome != "correct":
            kind = "boundary"
        elif a.label != b.label:
            kind = "label"
        elif not same_value(a.value, b.value):
            kind = "value"
        else:
            continue
        out.append(Disagreement(doc_id, layer, kind, a, b))
    out += [Disagreement(doc_id, layer, "only-a", sa[i], None) for i in al.missed]
    out += [Disagreement(doc_id, layer, "only-b", None, sb[i]) for i in al.spurious]
    return out


def agree(a: GoldSet, b: GoldSet, name_a: str = "A", name_b: str = "B") -> Agreement:
    """Agreement of annotation ``b`` with annotation ``a`` on the documents both cover."""
    from bench.errors import BenchError, need

    need("sklearn", "data", "agreement (token kappa)")
    from bench.scoring.engine import score

    common = sorted(set(a) & set(b))
    if not common:
        raise BenchError(f"{name_a} and {name_b} share no document")
    for d in common:
        if a[d].gold.text_sha256 != b[d].gold.text_sha256:
            raise BenchError(f"{name_b}/{d}.json: text_sha256: differs from {name_a}'s")
    ga = {d: a[d] for d in common}
    preds = {d: _as_pred(b[d].gold.spans) for d in common}
    report = score(ga, preds, bootstrap=0, ignore=False)
    layers = []
    disagreements: list[Disagreement] = []
    inter = union = 0
    tok: dict[str, tuple[list[str], list[str]]] = {layer: ([], []) for layer in LAYERS}
    for d in common:
        gold_a, text, gold_b = a[d].gold, a[d].text, b[d].gold
        ia, ib = _ignored(gold_a, len(text)), _ignored(gold_b, len(text))
        inter += sum(x and y for x, y in zip(ia, ib, strict=True))
        union += sum(x or y for x, y in zip(ia, ib, strict=True))
        skip = [x or y for x, y in zip(ia, ib, strict=True)]
        for layer in LAYERS:
            sa = [s for s in gold_a.spans if s.layer == layer]
            sb = [s for s in gold_b.spans if s.layer == layer]
            tok[layer][0].extend(_token_labels(text, sa, skip))
            tok[layer][1].extend(_token_labels(text, sb, skip))
            disagreements += _disagreements(d, layer, sa, sb)
    for layer in LAYERS:
        by = report.by_layer[layer]
        val = report.values.get(layer)
        layers.append(
            LayerAgreement(
                layer=layer,
                spans_a=sum(1 for d in common for s in a[d].gold.spans if s.layer == layer),
                spans_b=sum(1 for d in common for s in b[d].gold.spans if s.layer == layer),
                strict_f1=by.strict.f1,
                partial_f1=by.partial.f1,
                value_matched=val.matched if val else 0,
                value_agreed=val.correct if val else 0,
                kappa=_kappa(*tok[layer]),
                tokens=len(tok[layer][0]),
            )
        )
    return Agreement(
        name_a,
        name_b,
        len(common),
        tuple(layers),
        inter / union if union else None,
        tuple(disagreements),
    )


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _span(s: GoldSpan | None) -> str:
    if s is None:
        return "—"
    value = "" if s.value is None else f"={s.value}"
    return f"`{s.text}` {s.label}{value} ({s.start}:{s.end})"


def figures_markdown(ag: Agreement) -> str:
    """The per-layer table of one pair of annotations."""
    rows = [
        f"**{ag.name_a} vs {ag.name_b}** ({ag.documents} documents; ignore regions: "
        f"character Jaccard {_fmt(ag.ignore_char_jaccard)})",
        "",
        f"| layer | spans {ag.name_a} | spans {ag.name_b} | span F1 strict | span F1 partial "
        "| value agreement (matched) | token kappa (tokens) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for la in ag.layers:
        value = (
            f"{_fmt(la.value_agreement)} ({la.value_agreed}/{la.value_matched})"
            if la.layer != "entity"
            else "—"
        )
        rows.append(
            f"| {la.layer} | {la.spans_a} | {la.spans_b} | {_fmt(la.strict_f1)} | "
            f"{_fmt(la.partial_f1)} | {value} | {_fmt(la.kappa)} ({la.tokens}) |"
        )
    return "\n".join(rows) + "\n"


def disagreements_markdown(ag: Agreement, adjudicated: GoldSet | None = None) -> str:
    """Every disagreement, with the side the adjudicated gold took when given."""
    if not ag.disagreements:
        return f"No disagreement between {ag.name_a} and {ag.name_b}.\n"
    head = f"| doc | layer | kind | {ag.name_a} | {ag.name_b} |"
    sep = "|---|---|---|---|---|"
    if adjudicated is not None:
        head += " gold |"
        sep += "---|"
    rows = [head, sep]
    for d in ag.disagreements:
        kind = {"only-a": f"only {ag.name_a}", "only-b": f"only {ag.name_b}"}.get(d.kind, d.kind)
        row = f"| {d.doc_id.split('_')[0]} | {d.layer} | {kind} | {_span(d.a)} | {_span(d.b)} |"
        if adjudicated is not None:
            row += f" {_verdict(d, adjudicated, ag)} |"
        rows.append(row)
    return "\n".join(rows) + "\n"


def _key(s: GoldSpan) -> tuple[int, int, str, str]:
    return (s.start, s.end, s.label, str(s.value))


def _verdict(d: Disagreement, gold: GoldSet, ag: Agreement) -> str:
    spans = {_key(s) for s in gold[d.doc_id].gold.spans} if d.doc_id in gold else set()
    in_a = d.a is not None and _key(d.a) in spans
    in_b = d.b is not None and _key(d.b) in spans
    if in_a and not in_b:
        return ag.name_a
    if in_b and not in_a:
        return ag.name_b
    if d.a is None and not in_b:
        return ag.name_a  # only B had it, gold does not
    if d.b is None and not in_a:
        return ag.name_b
    return "neither"


def report_markdown(passes: Mapping[str, GoldSet], adjudicated: GoldSet, command: str) -> str:
    """gold/AGREEMENT.md: figures for every pair of passes and against the adjudicated gold."""
    names = sorted(passes)
    parts = [
        "# Inter-annotator agreement",
        "",
        f"Generated by `{command}`; do not edit by hand. Passes are in `gold/passes/`, how "
        "they were made in `gold/passes/README.md`, definitions in "
        "`docs/annotation-guidelines.md` and `docs/metrics.md`.",
        "",
        "## Between passes",
        "",
    ]
    pairs = [agree(passes[x], passes[y], x, y) for x, y in combinations(names, 2)]
    for ag in pairs:
        parts.append(figures_markdown(ag))
    parts += ["## Each pass against the adjudicated gold", ""]
    for name in names:
        parts.append(figures_markdown(agree(adjudicated, passes[name], "gold", name)))
    parts += ["## Disagreements and their adjudication", ""]
    for ag in pairs:
        parts += [f"### {ag.name_a} vs {ag.name_b}", "", disagreements_markdown(ag, adjudicated)]
    return "\n".join(parts).rstrip() + "\n"


def load_passes(root: Path, texts: Path) -> dict[str, GoldSet]:
    """Every sub-directory of ``root`` holding gold files, as a named annotation pass."""
    from bench.corpus.gold import load_gold_dir

    return {
        p.name: load_gold_dir(p, texts)
        for p in sorted(root.iterdir())
        if p.is_dir() and any(p.glob("*.json"))
    }
