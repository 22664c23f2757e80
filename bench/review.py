"""Human-readable views of gold: text with spans marked, and counts per layer and label."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.text import Text

from bench.schema import LAYERS, GoldDocument

LAYER_STYLE = {"entity": "bold cyan", "time": "bold green", "number": "bold magenta"}


def render_gold(gold: GoldDocument, text: str, layers: Iterable[str] = LAYERS) -> Text:
    """The text with each span bracketed and tagged ``[Putin]{PERSON}``; ignore regions dimmed."""
    wanted = set(layers)
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[tuple[int, str, str]]] = {}
    for sp in gold.spans:
        if sp.layer not in wanted:
            continue
        tag = sp.label if sp.value is None else f"{sp.label}={sp.value}"
        opens.setdefault(sp.start, []).append((sp.end, sp.layer))
        closes.setdefault(sp.end, []).append((sp.start, sp.layer, tag))
    ignored = [(r.start, r.end) for r in gold.ignore]
    out = Text()
    cuts = sorted({0, len(text), *opens, *closes, *(p for r in ignored for p in r)})
    for a, b in zip(cuts, [*cuts[1:], None], strict=False):
        # closings at a: the innermost (latest start) first; openings: the outermost first.
        for _start, layer, tag in sorted(closes.get(a, []), key=lambda c: -c[0]):
            out.append("]", style=LAYER_STYLE[layer])
            out.append("{" + tag + "}", style=LAYER_STYLE[layer].replace("bold ", "italic "))
        for _end, layer in sorted(opens.get(a, []), key=lambda o: -o[0]):
            out.append("[", style=LAYER_STYLE[layer])
        if b is None:
            break
        piece = text[a:b]
        dim = any(s <= a and b <= e for s, e in ignored)
        out.append(piece, style="dim strike" if dim else "")
    return out


def span_counts(golds: Iterable[GoldDocument]) -> Counter[tuple[str, str, str]]:
    """Counts of spans keyed by (doc_id, layer, label)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for gold in golds:
        for sp in gold.spans:
            counts[(gold.doc_id, sp.layer, sp.label)] += 1
    return counts
