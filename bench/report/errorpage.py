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

from bench.corpus.document import Document
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


def _key(o: Outcome) -> tuple:
    """What an outcome is, independent of which system produced it (for the pair view)."""

    def span(x: GoldSpan | PredictedSpan | None) -> tuple | None:
        return None if x is None else (x.start, x.end, x.label, str(x.value))

    return (o.kind, o.layer, span(o.gold), span(o.pred))


def render_text(
    text: str,
    outcomes: Sequence[Outcome],
    ignore: Sequence[tuple[int, int]] = (),
    ids: Mapping[int, str] | None = None,
) -> str:
    """The text as HTML, cut at every span boundary; each piece styled by what covers it.

    Stretches inside ``ignore`` regions (page chrome, not annotated) are greyed out. With
    ``ids`` (``id(outcome)`` to an element id), each marked piece and tag names its outcomes in
    ``data-o`` and can be focused and clicked (the error browser's script); without it the
    pieces carry a ``title`` instead.
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
            covering = list({id(o): o for o in gold_cover + pred_cover}.values())
            if ids is None:
                title = "\n".join(describe(o, text) for o in covering)
                piece = f'<span class="{" ".join(classes)}" title="{_esc(title)}">{piece}</span>'
            else:
                refs = " ".join(ids[id(o)] for o in covering)
                piece = (
                    f'<span class="m {" ".join(classes)}" data-o="{refs}" tabindex="0" '
                    f'role="button">{piece}</span>'
                )
        if any(s <= a and b <= e for s, e in ignore):
            piece = f'<span class="ign">{piece}</span>'
        out.append(piece)
        for o in ends.get(b, []):
            tag = _tag(o)
            if tag:
                cls = o.kind.replace(" ", "-")
                ref = "" if ids is None else f' data-o="{ids[id(o)]}"'
                out.append(f'<sup class="tag t-{cls}"{ref}>{_esc(tag)}</sup>')
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


KIND_NAMES = {"partial": "wrong boundary"}  # what the page calls a kind, where it differs
HIDDEN_KINDS = ("correct", "ignored")  # unticked when the page opens (one system)


def kind_name(kind: str) -> str:
    """The name a person reads for an outcome kind."""
    return KIND_NAMES.get(kind, kind)


CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
padding:0 1em 2em;color:#222}
h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.1em;margin:1em 0 .3em;border-bottom:1px
solid #ddd}h2 small{font-weight:400;color:#555}h3{font-size:.95em;margin:.2em 0}
table{border-collapse:collapse;margin:.3em 0 .6em}td,th{border:1px solid #ddd;padding:.1em .5em;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.n{text-align:right}
.meta{color:#555;margin:.2em 0}.meta code{font-size:.9em;word-break:break-all}
form.filters{background:#f7f7f7;border:1px solid #ddd;padding:.3em .5em;margin:.5em 0}
fieldset{display:inline-block;border:0;margin:0 .6em 0 0;padding:0;vertical-align:top}
legend{font-weight:600;padding:0;float:left;margin-right:.4em}
form label{display:inline-block;margin:0 .5em 0 0;white-space:nowrap;min-height:1.6em}
#shown{font-weight:600;margin:.3em 0}
.body{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:.8em}
.pair .body{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.pair ul.outs{grid-column:1/-1;max-height:14em}
.txt{white-space:pre-wrap;font-family:Georgia,serif;font-size:15px;line-height:1.9;
border:1px solid #eee;padding:.5em .8em;background:#fcfcfc;max-height:24em;overflow:auto}
ul.outs{list-style:none;margin:0;padding:0;max-height:24em;overflow:auto;font-size:13px}
li.o{padding:.15em .4em;margin:0 0 .15em;border-left:5px solid #999;cursor:pointer;
background:#fafafa;word-break:break-word}
.m{cursor:pointer}.m.off{background:none!important;border-bottom:0!important;cursor:auto}
sup.tag.off{display:none}
.sel{outline:2px solid #000;outline-offset:1px}
.det{font-size:13px;background:#eef3fb;padding:.3em .6em;margin:.3em 0;min-height:1.4em}
.det:empty::before{content:"Details: click, tap or focus a marked span or a line of the list.";
color:#666}
section.quiet .body,section.quiet .det{display:none}
sup.tag{font:600 10px/1 system-ui,sans-serif;padding:1px 3px;border-radius:3px;margin-left:1px;
color:#fff;white-space:nowrap}
.legend span{display:inline-block;margin:0 .8em .2em 0;padding:0 .4em}
.ign{color:#aaa;text-decoration:line-through}
.key{display:inline-block;width:1.1em;height:1.1em;vertical-align:middle;margin-right:.3em}
details>summary{cursor:pointer;font-weight:600;margin:.4em 0}
@media (max-width:760px){.body,.pair .body{grid-template-columns:minmax(0,1fr)}}
"""

# The page's only script: static, no data in it (everything from data is in escaped HTML).
# It reads and writes the filter state in the URL hash (#k=missed,spurious&l=entity&b=PERSON),
# so a filtered view can be linked to and a headless browser can open one.
SCRIPT_FILE = "errorbrowser.js"


def _script() -> str:
    """The page's script, from the package (inlined: the page loads nothing)."""
    from importlib.resources import files

    return files("bench.report").joinpath(SCRIPT_FILE).read_text(encoding="utf-8")


def _css() -> str:
    rules = [CSS]
    for kind, (strong, light) in COLORS.items():
        cls = kind.replace(" ", "-")
        rules.append(f".g-{cls}{{border-bottom:3px solid {strong}}}")
        rules.append(f".p-{cls}{{background:{light}}}")
        rules.append(f"sup.t-{cls}{{background:{strong}}}")
        rules.append(f'li.o[data-k="{kind}"]{{border-left-color:{strong}}}')
    return "\n".join(rules)


def _legend() -> str:
    items = []
    for kind in (*KINDS, "ignored"):
        strong, light = COLORS[kind]
        items.append(
            f'<span><span class="key" style="background:{light};border-bottom:3px solid '
            f'{strong}"></span>{_esc(kind_name(kind))}</span>'
        )
    return (
        '<p class="legend">'
        + "".join(items)
        + "<br>Gold spans are underlined, predictions shaded, both in the colour of their "
        "outcome. Click, tap or focus (Tab, then Enter) a marked span or a line of the list "
        "for its labels, values and offsets. "
        '<span class="ign">Struck-through grey text</span> is an ignore region (page chrome, '
        "not annotated; predictions touching it are not scored).</p>"
    )


def _labels(o: Outcome) -> list[str]:
    return list(dict.fromkeys(s.label for s in (o.gold, o.pred) if s is not None))


def _filters(outs: Sequence[Outcome], layers: Sequence[str], pair: bool) -> str:
    """The filter form: outcome, layer, label (and, for two systems, spans they share)."""
    kinds = Counter(o.kind for o in outs)
    labels = Counter(lab for o in outs for lab in _labels(o))
    h = [
        '<form id="filters" class="filters" aria-label="filters"><fieldset><legend>Outcome</legend>'
    ]
    for kind in (*KINDS, "ignored"):
        on = pair or kind not in HIDDEN_KINDS
        h.append(
            f'<label><input type="checkbox" name="k" value="{_esc(kind)}"'
            f"{' checked' if on else ''}> {_esc(kind_name(kind))} ({kinds[kind]})</label>"
        )
    h.append("</fieldset><br><fieldset><legend>Layer</legend>")
    h += [
        f'<label><input type="checkbox" name="l" value="{_esc(x)}" checked> {_esc(x)}</label>'
        for x in layers
    ]
    h.append("</fieldset><br><fieldset><legend>Label</legend>")
    h += [
        f'<label><input type="checkbox" name="b" value="{_esc(x)}" checked> {_esc(x)} ({n})</label>'
        for x, n in sorted(labels.items())
    ]
    h.append("</fieldset>")
    if pair:
        h.append(
            '<br><fieldset><legend>Systems</legend><label><input type="checkbox" name="same" '
            'value="1"> also spans both systems got the same way</label></fieldset>'
        )
    h.append('</form><p id="shown" aria-live="polite"></p>')
    return "".join(h)


def _item(o: Outcome, text: str, oid: str, differs: bool, who: str = "") -> str:
    prefix = f"{who}: " if who else ""
    return (
        f'<li class="o" id="{oid}" tabindex="0" data-k="{_esc(o.kind)}" '
        f'data-l="{_esc(o.layer)}" data-b="{_esc(" ".join(_labels(o)))}" '
        f'data-d="{int(differs)}">{_esc(prefix + o.layer + " " + describe_named(o, text))}</li>'
    )


def describe_named(o: Outcome, text: str) -> str:
    """:func:`describe` with the kind as the page names it."""
    line = describe(o, text)
    return kind_name(o.kind) + line[len(o.kind) :]


def _counts_table(
    per_doc: Mapping[str, tuple[str, list[Outcome]]], result: Result, layers: Sequence[str]
) -> list[str]:
    h = ["<table><tr><th>layer</th>"]
    h += [f"<th>{_esc(kind_name(k))}</th>" for k in KINDS]
    h.append("<th>strict F1</th></tr>")
    for layer in layers:
        c = Counter(o.kind for _, outs in per_doc.values() for o in outs if o.layer == layer)
        f1 = result.metrics.by_layer[layer].strict.f1
        h.append(f"<tr><td>{_esc(layer)}</td>")
        h += [f'<td class="n">{c[k]}</td>' for k in KINDS]
        h.append(f'<td class="n">{"—" if f1 is None else f"{100 * f1:.1f}"}</td></tr>')
    h.append("</table>")
    return h


def _confusions_table(per_doc: Mapping[str, tuple[str, list[Outcome]]]) -> list[str]:
    h = [
        "<details><summary>Most frequent confusions</summary>",
        "<table><tr><th>kind</th><th>gold</th><th>predicted</th><th>count</th>"
        "<th>examples (gold / predicted)</th></tr>",
    ]
    for kind, gl, pl, n, ex in confusions(per_doc):
        strong, _ = COLORS[kind]
        h.append(
            f'<tr><td style="color:{strong};font-weight:600">{_esc(kind_name(kind))}</td>'
            f"<td>{_esc(gl)}</td><td>{_esc(pl)}</td><td class='n'>{n}</td>"
            f"<td>{'; '.join(_esc(e) for e in ex)}</td></tr>"
        )
    h.append("</table></details>")
    return h


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_css()}</style></head>",
    ]


def _meta(result: Result) -> str:
    sysr = result.system
    opts = ", ".join(f"{k}={v}" for k, v in sysr.options.items()) or "none"
    return (
        f'<p class="meta">{_esc(sysr.label)}: system <b>{_esc(sysr.name)}</b> '
        f"{_esc(sysr.version)}; options {_esc(opts)}; gold <code>{_esc(result.gold.signature)}"
        f"</code>; made {_esc(result.created_at.isoformat())}</p>"
    )


def _outcomes(
    result: Result,
    gold: Mapping[str, Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
    layers: Sequence[str],
) -> dict[str, tuple[str, list[Outcome]]]:
    per_doc: dict[str, tuple[str, list[Outcome]]] = {}
    for doc_id in sorted(gold):
        g, text = gold[doc_id].gold, gold[doc_id].text
        per_doc[doc_id] = (text, classify(g, predictions.get(doc_id, ()), layers))
    return per_doc


def render_page(
    result: Result,
    gold: Mapping[str, Document],
    predictions: Mapping[str, Sequence[PredictedSpan]],
) -> str:
    """The error browser of one system as a self-contained page (a string).

    Each document is shown once with every scored layer; a filter form (outcome, layer,
    label; correct and ignored spans unticked at first) hides what is not wanted, and the
    list beside the text gives each span's details, as does clicking or focusing it.
    """
    layers = [layer for layer in result.metrics.layers if layer in LAYERS]
    per_doc = _outcomes(result, gold, predictions, layers)
    title = f"Errors of {result.system.label}"
    every = [o for _, outs in per_doc.values() for o in outs]
    h = [*_head(title), "<body>", f"<h1>{_esc(title)}</h1>", _meta(result), _legend()]
    h += _counts_table(per_doc, result, layers)
    if result.failures:
        h.append("<h2>Failed documents</h2><ul>")
        h += [f"<li>{_esc(f.doc_id)}: {_esc(f.error)}</li>" for f in result.failures]
        h.append("</ul>")
    h += _confusions_table(per_doc)
    h.append(_filters(every, layers, pair=False))
    n = itertools.count()
    for doc_id, (text, outs) in per_doc.items():
        ids = {id(o): f"o{next(n)}" for o in outs}
        ignore = [(r.start, r.end) for r in gold[doc_id].gold.ignore]
        errs = sum(1 for o in outs if o.kind not in ("correct", "ignored"))
        h.append(
            f'<section class="doc" id="{_esc(doc_id)}"><h2>{_esc(doc_id)} <small>'
            f'{errs} error(s); <span class="cnt"></span></small></h2>'
            '<div class="det" aria-live="polite"></div><div class="body">'
            f'<div class="txt">{render_text(text, outs, ignore, ids)}</div><ul class="outs">'
        )
        h += [_item(o, text, ids[id(o)], o.kind not in ("correct", "ignored")) for o in outs]
        h.append("</ul></div></section>")
    h.append(f"<script>{_script()}</script></body></html>")
    return "\n".join(h) + "\n"


def render_pair(
    a: tuple[Result, Mapping[str, Sequence[PredictedSpan]]],
    b: tuple[Result, Mapping[str, Sequence[PredictedSpan]]],
    gold: Mapping[str, Document],
) -> str:
    """Two systems side by side on the same gold, each document's text once per system.

    A span *differs* when the other system has no outcome of the same kind on the same gold
    and predicted span (same offsets, label and value); only those are shown at first.
    """
    (ra, pa), (rb, pb) = a, b
    layers = [x for x in LAYERS if x in ra.metrics.layers and x in rb.metrics.layers]
    docs_a = _outcomes(ra, gold, pa, layers)
    docs_b = _outcomes(rb, gold, pb, layers)
    la, lb = ra.system.label, rb.system.label
    title = f"{la} and {lb}: where they differ"
    every = [o for d in (docs_a, docs_b) for _, outs in d.values() for o in outs]
    h = [*_head(title), '<body class="pair">', f"<h1>{_esc(title)}</h1>", _meta(ra), _meta(rb)]
    h.append(_legend())
    for r, per_doc in ((ra, docs_a), (rb, docs_b)):
        h.append(f"<h3>{_esc(r.system.label)}</h3>")
        h += _counts_table(per_doc, r, layers)
    h.append(_filters(every, layers, pair=True))
    n = itertools.count()
    for doc_id in docs_a:
        text, oa = docs_a[doc_id]
        _, ob = docs_b[doc_id]
        ka, kb = Counter(map(_key, oa)), Counter(map(_key, ob))
        ids = {id(o): f"a{next(n)}" for o in oa} | {id(o): f"b{next(n)}" for o in ob}
        ignore = [(r.start, r.end) for r in gold[doc_id].gold.ignore]
        da = [o for o in oa if kb[_key(o)] < ka[_key(o)] or not kb[_key(o)]]
        db = [o for o in ob if ka[_key(o)] < kb[_key(o)] or not ka[_key(o)]]
        h.append(
            f'<section class="doc" id="{_esc(doc_id)}"><h2>{_esc(doc_id)} <small>'
            f'{len(da) + len(db)} difference(s); <span class="cnt"></span></small></h2>'
            '<div class="det" aria-live="polite"></div><div class="body">'
        )
        for label, outs in ((la, oa), (lb, ob)):
            h.append(
                f'<div><h3>{_esc(label)}</h3><div class="txt">'
                f"{render_text(text, outs, ignore, ids)}</div></div>"
            )
        h.append('<ul class="outs">')
        sa, sb = {id(o) for o in da}, {id(o) for o in db}
        items = [(o, la, id(o) in sa) for o in oa] + [(o, lb, id(o) in sb) for o in ob]
        items.sort(key=lambda t: (t[0].start, t[0].end, LAYERS.index(t[0].layer)))
        h += [_item(o, text, ids[id(o)], d, who) for o, who, d in items]
        h.append("</ul></div></section>")
    h.append(f"<script>{_script()}</script></body></html>")
    return "\n".join(h) + "\n"
