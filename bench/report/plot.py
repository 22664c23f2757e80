"""``f1_vs_speed.png``: strict F1 against words per second, one panel per layer.

Each system is one labelled point per layer it was scored on; vertical bars are the F1
95% interval, horizontal bars the words/s range over the timed repeats. The x axis is
logarithmic because systems differ in speed by orders of magnitude. Only one board
(comparable results) goes in a picture.
"""

from __future__ import annotations

import io

from bench.report.leaderboard import Board, layer_figures
from bench.run.result import Spread, has_speed
from bench.schema import LAYERS

# Ten colours and nine markers: coprime lengths, so 90 systems get distinct pairs.
COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*", "h")


def render_png(board: Board, title: str = "", x: str = "speed") -> bytes:
    """The picture as PNG bytes (Agg backend, no date or version written into the file).

    ``x="cost"`` draws the cost variant (``f1_vs_cost.png``): F1 against US dollars per
    1,000 documents (symmetric-log axis, so the local systems' 0 is on it), no x bars.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Replayed predictions have no speed (bench.run.result.has_speed): not placed on it.
    entries = sorted((e for e in board.entries if has_speed(e.result)), key=lambda e: e.label)
    fig, axes = plt.subplots(1, len(LAYERS), figsize=(5.2 * len(LAYERS), 4.6), sharey=True)
    for ax, layer in zip(axes, LAYERS, strict=True):
        shown = 0
        xs: list[float] = []
        points: list[tuple[float, float, str]] = []
        for i, e in enumerate(entries):
            f = layer_figures(e.result, layer, "strict")
            w = e.result.throughput.words_per_second
            if x == "cost":
                cost = e.result.usage.cost_per_1000_docs if e.result.usage else None
                if cost is None:
                    continue
                w = Spread(median=cost, min=cost, max=cost)
            if f is None or f["f1"] is None or (x != "cost" and w.median <= 0):
                continue
            y = 100 * f["f1"]
            low = 100 * (f["f1_low"] if f["f1_low"] is not None else f["f1"])
            high = 100 * (f["f1_high"] if f["f1_high"] is not None else f["f1"])
            ax.errorbar(
                [w.median],
                [y],
                yerr=[[y - low], [high - y]],
                xerr=[[w.median - w.min], [w.max - w.median]],
                fmt=MARKERS[i % len(MARKERS)],
                color=COLORS[i % len(COLORS)],
                markersize=8,
                capsize=3,
                linewidth=1,
            )
            mark = " (cached)" if e.result.throughput.cached else ""
            points.append((w.median, y, e.label + mark))
            xs.append(w.median)
            shown += 1
        ax.set_title(f"{layer}  (strict F1)")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_ylim(0, 105)
        if x == "cost":
            ax.set_xscale("symlog", linthresh=0.01)
            ax.set_xlabel("US dollars per 1,000 documents (0 = local)")
            if xs:
                ax.set_xlim(-0.005, max(max(xs) * 10, 0.1))
        else:
            ax.set_xscale("log")
            ax.set_xlabel("words per second (log scale)")
            if xs:
                ax.set_xlim(min(xs) / 3, max(xs) * 3)
        _annotate(ax, points)
        if not shown:
            ax.text(
                0.5,
                0.5,
                "no system scored\non this layer",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="gray",
            )
    axes[0].set_ylabel("F1 (%), 95% interval")
    handles = [
        plt.Line2D(
            [],
            [],
            marker=MARKERS[i % len(MARKERS)],
            color=COLORS[i % len(COLORS)],
            linestyle="",
            markersize=7,
        )
        for i in range(len(entries))
    ]
    if entries:
        fig.legend(
            handles,
            [e.label for e in entries],
            loc="lower center",
            ncol=min(len(entries), 6),
            frameon=False,
            fontsize=9,
        )
    what = "cost" if x == "cost" else "speed"
    fig.suptitle(title or f"F1 against {what}, gold {board.gold}", fontsize=11)
    fig.tight_layout(rect=(0, 0.08 if entries else 0, 1, 1))
    buf = io.BytesIO()
    # No Software/date metadata: the same figures give the same bytes.
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# Label offsets (points) tried in turn until a label overlaps no earlier one.
_OFFSETS = ((6, 6), (6, -14), (-6, 6), (-6, -14), (6, 20), (-6, 20), (6, -28), (-6, -28))


def _annotate(ax: object, points: list[tuple[float, float, str]]) -> None:
    """Label each point, moving a label around its point until it overlaps no other label."""
    ax.figure.canvas.draw()  # type: ignore[attr-defined]  # fixes the data-to-pixel transform
    to_px = ax.transData.transform  # type: ignore[attr-defined]
    placed: list[tuple[float, float, float, float]] = []
    scale = ax.figure.dpi / 72  # type: ignore[attr-defined]
    for x, y, text in sorted(points, key=lambda p: (-p[1], p[0])):
        px, py = to_px((x, y))
        width, height = 6.0 * len(text) * scale, 11 * scale
        choice = _OFFSETS[0]
        for dx, dy in _OFFSETS:
            x0 = px + dx * scale - (width if dx < 0 else 0)
            y0 = py + dy * scale
            box = (x0, y0, x0 + width, y0 + height)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
            ):
                choice = (dx, dy)
                placed.append(box)
                break
        else:
            placed.append((px, py, px + width, py + height))
        ax.annotate(  # type: ignore[attr-defined]
            text,
            (x, y),
            xytext=choice,
            textcoords="offset points",
            fontsize=9,
            ha="right" if choice[0] < 0 else "left",
        )
