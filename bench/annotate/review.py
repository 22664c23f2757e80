"""Human-readable views of gold: text with spans marked, and counts per layer and label."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.text import Text

from bench.escape import visible
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
        tag = visible(sp.label if sp.value is None else f"{sp.label}={sp.value}")
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
        # Shown, not obeyed: escape sequences in the text are printed as \x1b etc.
        piece = visible(text[a:b], keep_newlines=True)
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


def stats_markdown(golds: Iterable[GoldDocument]) -> str:
    """A markdown table of span counts: a row per layer and label, a column per document."""
    from bench.schema import LAYER_LABELS

    golds = sorted(golds, key=lambda g: g.doc_id)
    counts = span_counts(golds)
    ids = [g.doc_id for g in golds]
    short = [i.split("_", 1)[0] for i in ids]
    head = "| layer | label | " + " | ".join(short) + " | total |"
    sep = "|---|---|" + "---:|" * (len(ids) + 1)
    rows = [head, sep]
    for layer, labels in LAYER_LABELS.items():
        layer_total = [0] * len(ids)
        for label in labels:
            per = [counts[(i, layer, label)] for i in ids]
            if not any(per):
                continue
            layer_total = [a + b for a, b in zip(layer_total, per, strict=True)]
            rows.append(f"| {layer} | {label} | " + " | ".join(map(str, per)) + f" | {sum(per)} |")
        rows.append(
            f"| **{layer}** | **all** | "
            + " | ".join(f"**{n}**" for n in layer_total)
            + f" | **{sum(layer_total)}** |"
        )
    all_per = [sum(counts[k] for k in counts if k[0] == i) for i in ids]
    rows.append(
        "| **all** | | " + " | ".join(f"**{n}**" for n in all_per) + f" | **{sum(all_per)}** |"
    )
    ign = [len(g.ignore) for g in golds]
    rows.append("| ignore regions | | " + " | ".join(map(str, ign)) + f" | {sum(ign)} |")
    return "\n".join(rows) + "\n"


def replace_between(text: str, marker: str, body: str) -> str:
    """Replace what stands between ``<!-- marker:start -->`` and ``<!-- marker:end -->``."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    a, b = text.find(start), text.find(end)
    if a < 0 or b < a:
        raise ValueError(f"markers {start} / {end} not found")
    return text[: a + len(start)] + "\n" + body + text[b:]
