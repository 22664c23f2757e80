"""``errors/<label>.html``: a self-contained error-analysis page for one result.

Every span is classified from the scoring engine's strict alignment
(:func:`bench.scoring.align.align`, the matching behind strict P/R/F1) per document and layer:

* correct: same boundaries and label (and, for time and number, the same value);
* wrong value: same boundaries and label, different value;
* partial: overlapping, same label, different boundaries;
* wrong label: overlapping (any boundaries), different label;
* missed: a gold span aligned with nothing; spurious: a prediction aligned with nothing.

Predictions touching an ignore region are shown greyed as *ignored*, as the scorer drops
them. Gold spans are underlined and predictions shaded in the colour of their outcome. All
text from documents, gold and predictions is HTML-escaped; the page loads nothing.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.run.result import Result
from bench.schema import LABEL_LAYER, LAYERS, GoldDocument, GoldSpan, PredictedSpan
from bench.scoring.align import align
from bench.scoring.values import same_value

KINDS = ("correct", "wrong value", "partial", "wrong label", "missed", "spurious")
COLORS = {
    "correct": ("#2e7d32", "#c8e6c9"),
    "wrong value": ("#8e24aa", "#e1bee7"),
    "partial": ("#f9a825", "#fff59d"),
    "wrong label": ("#e65100", "#ffcc80"),
    "missed": ("#c62828", "#ffcdd2"),
    "spurious": ("#1565c0", "#bbdefb"),
    "ignored": ("#9e9e9e", "#eeeeee"),
}


@dataclass(frozen=True, eq=False)
class Outcome:
    """One aligned pair, missed gold span or spurious prediction, with its kind."""

    kind: str
    layer: str
    gold: GoldSpan | None
    pred: PredictedSpan | None

    @property
    def start(self) -> int:
        """Where the outcome begins in the text."""
        return min(s.start for s in (self.gold, self.pred) if s is not None)

    @property
    def end(self) -> int:
        """Where it ends."""
        return max(s.end for s in (self.gold, self.pred) if s is not None)


def _touches(sp: PredictedSpan, gold: GoldDocument) -> bool:
    return any(sp.start < r.end and r.start < sp.end for r in gold.ignore)


def classify(
    gold: GoldDocument, preds: Sequence[PredictedSpan], layers: Sequence[str]
) -> list[Outcome]:
    """Every outcome of one document, sorted by position; ignored predictions included."""
    out: list[Outcome] = []
    for layer in layers:
        g = [s for s in gold.spans if s.layer == layer]
        p_all = [s for s in preds if LABEL_LAYER[s.label] == layer]
        p = [s for s in p_all if not _touches(s, gold)]
        out += [Outcome("ignored", layer, None, s) for s in p_all if _touches(s, gold)]
        a = align(g, p, "strict")
        for gi, pi, kind in a.pairs:
            gs, ps = g[gi], p[pi]
            if kind == "correct":
                ok = layer not in ("time", "number") or same_value(gs.value, ps.value)
                kind = "correct" if ok else "wrong value"
            else:
                kind = "partial" if gs.label == ps.label else "wrong label"
            out.append(Outcome(kind, layer, gs, ps))
        out += [Outcome("missed", layer, g[i], None) for i in a.missed]
        out += [Outcome("spurious", layer, None, p[i]) for i in a.spurious]
    return sorted(out, key=lambda o: (o.start, o.end, LAYERS.index(o.layer), o.kind))


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _val(v: object) -> str:
    return "" if v is None else f"={v}"


def describe(o: Outcome, text: str) -> str:
    """One line about an outcome (plain text, escaped by the caller)."""
    parts = []
    if o.gold is not None:
        g = o.gold
        parts.append(f"gold {g.label}{_val(g.value)} {text[g.start : g.end]!r} [{g.start}:{g.end}]")
    if o.pred is not None:
        p = o.pred
        parts.append(f"pred {p.label}{_val(p.value)} {text[p.start : p.end]!r} [{p.start}:{p.end}]")
    return f"{o.kind}: " + "; ".join(parts)


def _tag(o: Outcome) -> str:
    g, p = o.gold, o.pred
    if o.kind == "wrong label" and g and p:
        return f"{g.label}→{p.label}"
    if o.kind == "wrong value" and g and p:
        return f"{g.label} {p.value!s}≠{g.value!s}"
    if o.kind == "missed" and g:
        return f"missed {g.label}{_val(g.value)}"
    if o.kind in ("spurious", "ignored") and p:
        return f"{o.kind} {p.label}"
    if o.kind == "partial" and g:
        return f"partial {g.label}"
    return ""


def render_text(
    text: str, outcomes: Sequence[Outcome], ignore: Sequence[tuple[int, int]] = ()
) -> str:
    """The text as HTML, cut at every span boundary; each piece styled by what covers it.

    Stretches inside ``ignore`` regions (page chrome, not annotated) are greyed out.
    """
    cuts = {0, len(text), *(p for r in ignore for p in r)}
    for o in outcomes:
        for s in (o.gold, o.pred):
            if s is not None:
                cuts |= {s.start, s.end}
    bounds = sorted(cuts)
    ends: dict[int, list[Outcome]] = {}
    for o in outcomes:
        ends.setdefault(o.end, []).append(o)
    out = []
    for a, b in itertools.pairwise(bounds):
        piece = _esc(text[a:b])
        gold_cover = [o for o in outcomes if o.gold and o.gold.start <= a and b <= o.gold.end]
        pred_cover = [o for o in outcomes if o.pred and o.pred.start <= a and b <= o.pred.end]
        if gold_cover or pred_cover:
            classes = []
            if gold_cover:
                classes.append("g-" + gold_cover[0].kind.replace(" ", "-"))
            if pred_cover:
                classes.append("p-" + pred_cover[0].kind.replace(" ", "-"))
            covering = {id(o): o for o in gold_cover + pred_cover}.values()
            title = "\n".join(describe(o, text) for o in covering)
            piece = f'<span class="{" ".join(classes)}" title="{_esc(title)}">{piece}</span>'
        if any(s <= a and b <= e for s, e in ignore):
            piece = f'<span class="ign">{piece}</span>'
        out.append(piece)
        for o in ends.get(b, []):
            tag = _tag(o)
            if tag:
                cls = o.kind.replace(" ", "-")
                out.append(f'<sup class="tag t-{cls}">{_esc(tag)}</sup>')
    return "".join(out)


def confusions(
    per_doc: Mapping[str, tuple[str, list[Outcome]]], top: int = 25
) -> list[tuple[str, str, str, int, list[str]]]:
    """The most frequent errors: (kind, gold label, predicted label, count, example texts)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], Counter[str]] = {}
    for text, outs in per_doc.values():
        for o in outs:
            if o.kind in ("correct", "ignored"):
                continue
            key = (o.kind, o.gold.label if o.gold else "", o.pred.label if o.pred else "")
            counts[key] += 1
            if o.kind == "wrong value" and o.gold and o.pred:
                ex = f"{text[o.gold.start : o.gold.end]} ({o.pred.value!s} ≠ {o.gold.value!s})"
            elif o.gold and o.pred and (o.gold.start, o.gold.end) != (o.pred.start, o.pred.end):
                ex = f"{text[o.gold.start : o.gold.end]} / {text[o.pred.start : o.pred.end]}"
            else:
                s = o.gold or o.pred
                assert s is not None
                ex = text[s.start : s.end]
            examples.setdefault(key, Counter())[ex] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [(k[0], k[1], k[2], n, [e for e, _ in examples[k].most_common(4)]) for k, n in ranked]


CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;
padding:0 1.5em 3em;color:#222}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid
#ddd}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ddd;padding:.2em .6em;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.n{text-align:right}
.meta{color:#555}.meta code{font-size:.9em;word-break:break-all}
.doc{white-space:pre-wrap;font-family:Georgia,serif;font-size:15px;line-height:1.9;
border:1px solid #eee;padding:.8em 1em;background:#fcfcfc}
details>summary{cursor:pointer;font-weight:600;margin:.6em 0}
sup.tag{font:600 10px/1 system-ui,sans-serif;padding:1px 3px;border-radius:3px;margin-left:1px;
color:#fff;white-space:nowrap}
.legend span{display:inline-block;margin:0 .8em .3em 0;padding:0 .4em}
.ign{color:#aaa;text-decoration:line-through}
.key{display:inline-block;width:1.1em;height:1.1em;vertical-align:middle;margin-right:.3em}
"""


def _css() -> str:
    rules = [CSS]
    for kind, (strong, light) in COLORS.items():
        cls = kind.replace(" ", "-")
        rules.append(f".g-{cls}{{border-bottom:3px solid {strong}}}")
        rules.append(f".p-{cls}{{background:{light}}}")
        rules.append(f"sup.t-{cls}{{background:{strong}}}")
    return "\n".join(rules)


def _legend() -> str:
    items = []
    for kind in (*KINDS, "ignored"):
        strong, light = COLORS[kind]
        items.append(
            f'<span><span class="key" style="background:{light};border-bottom:3px solid '
            f'{strong}"></span>{_esc(kind)}</span>'
        )
    return (
        '<p class="legend">'
        + "".join(items)
        + "<br>Gold spans are underlined, predictions shaded, both in the colour of their "
        "outcome; hover a span for its labels, values and offsets. "
        '<span class="ign">Struck-through grey text</span> is an ignore region (page chrome, '
        "not annotated; predictions touching it are not scored).</p>"
    )


def render_page(
    result: Result,
    gold: Mapping[str, tuple[GoldDocument, str]],
    predictions: Mapping[str, Sequence[PredictedSpan]],
) -> str:
    """The whole page as a string."""
    layers = [layer for layer in result.metrics.layers if layer in LAYERS]
    per_doc: dict[str, tuple[str, list[Outcome]]] = {}
    for doc_id in sorted(gold):
        g, text = gold[doc_id]
        per_doc[doc_id] = (text, classify(g, predictions.get(doc_id, ()), layers))
    sysr = result.system
    title = f"Errors of {sysr.label}"
    opts = ", ".join(f"{k}={v}" for k, v in sysr.options.items()) or "none"
    h = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_css()}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">system <b>{_esc(sysr.name)}</b> {_esc(sysr.version)}; options '
        f"{_esc(opts)}; gold <code>{_esc(result.gold.signature)}</code>; made "
        f"{_esc(result.created_at.isoformat())}</p>",
        _legend(),
    ]
    # Outcome counts per layer, with the engine's strict F1 beside them.
    h.append("<h2>Outcomes by layer</h2><table><tr><th>layer</th>")
    h += [f"<th>{_esc(k)}</th>" for k in KINDS]
    h.append("<th>strict F1</th></tr>")
    for layer in layers:
        c = Counter(o.kind for _, outs in per_doc.values() for o in outs if o.layer == layer)
        f1 = result.metrics.by_layer[layer].strict.f1
        h.append(f"<tr><td>{_esc(layer)}</td>")
        h += [f'<td class="n">{c[k]}</td>' for k in KINDS]
        h.append(f'<td class="n">{"—" if f1 is None else f"{100 * f1:.1f}"}</td></tr>')
    h.append("</table>")
    if result.failures:
        h.append("<h2>Failed documents</h2><ul>")
        h += [f"<li>{_esc(f.doc_id)}: {_esc(f.error)}</li>" for f in result.failures]
        h.append("</ul>")
    h.append("<h2>Most frequent confusions</h2>")
    h.append(
        "<table><tr><th>kind</th><th>gold</th><th>predicted</th><th>count</th>"
        "<th>examples (gold / predicted)</th></tr>"
    )
    for kind, gl, pl, n, ex in confusions(per_doc):
        strong, _ = COLORS[kind]
        h.append(
            f'<tr><td style="color:{strong};font-weight:600">{_esc(kind)}</td>'
            f"<td>{_esc(gl)}</td><td>{_esc(pl)}</td><td class='n'>{n}</td>"
            f"<td>{'; '.join(_esc(e) for e in ex)}</td></tr>"
        )
    h.append("</table>")
    h.append("<h2>Documents</h2><ul>")
    for doc_id, (_, outs) in per_doc.items():
        errs = sum(1 for o in outs if o.kind not in ("correct", "ignored"))
        h.append(f'<li><a href="#{_esc(doc_id)}">{_esc(doc_id)}</a>: {errs} error(s)</li>')
    h.append("</ul>")
    for doc_id, (text, outs) in per_doc.items():
        ignore = [(r.start, r.end) for r in gold[doc_id][0].ignore]
        h.append(f'<h2 id="{_esc(doc_id)}">{_esc(doc_id)}</h2>')
        for layer in layers:
            mine = [o for o in outs if o.layer == layer]
            c = Counter(o.kind for o in mine)
            summary = ", ".join(f"{c[k]} {k}" for k in KINDS if c[k]) or "no spans"
            h.append(
                f"<details open><summary>{_esc(layer)}: {_esc(summary)}</summary>"
                f'<div class="doc">{render_text(text, mine, ignore)}</div></details>'
            )
    h.append("</body></html>")
    return "\n".join(h) + "\n"
