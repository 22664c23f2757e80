"""The speed tables of docs/metrics.md and docs/run.md, from a pytest-benchmark JSON file.

    pytest benchmarks/ --benchmark-only --benchmark-json=bench.json
    python -m benchmarks.tables bench.json            # rewrite the blocks in docs/
    python -m benchmarks.tables bench.json --print    # print them instead

Each table goes between ``<!-- benchmarks:NAME -->`` and ``<!-- /benchmarks:NAME -->``
(``scoring`` in docs/metrics.md; ``spacy`` and ``normalize`` in docs/run.md); a block whose
benchmarks are not in the file is left as it is. Every block states the machine, the load
and the commit the figures come from (the JSON's ``machine_info`` and ``commit_info``).
Figures are medians over the rounds; ratios compare two rows of the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCKS = {"scoring": "metrics.md", "spacy": "run.md", "normalize": "run.md"}


def _cpu(b: dict) -> float:
    return statistics.median(b["extra_info"]["cpu_seconds"])


def _wall(b: dict) -> float:
    return float(b["stats"]["median"])


def _load(xs: list[float] | None) -> str:
    return "?" if not xs else ", ".join(f"{x:.2f}" for x in xs)


def machine(data: dict) -> str:
    """One line: when, where, under what load, from which commit."""
    mi, ci = data.get("machine_info", {}), data.get("commit_info", {})
    cpu = mi.get("cpu", {})
    commit = str(ci.get("id") or "?")[:10] + (" (uncommitted changes)" if ci.get("dirty") else "")
    where = [
        cpu.get("brand_raw") or mi.get("processor") or "unknown CPU",
        f"{mi.get('usable_cpus', cpu.get('count', '?'))} usable cores",
        f"{mi.get('python_implementation', 'Python')} {mi.get('python_version', '?')}",
    ]
    if mi.get("system"):
        where.append(f"{mi['system']} {mi.get('release', '')}".strip())
    return (
        f"Measured {str(data.get('datetime', '?'))[:16].replace('T', ' ')} UTC on "
        f"{', '.join(where)}; load average (1, 5, 15 min) "
        f"{_load(mi.get('loadavg_start'))} at the start, {_load(mi.get('loadavg_end'))} at the "
        f"end; commit {commit}; pytest-benchmark {data.get('version', '?')}."
    )


def _by_group(data: dict, prefix: str) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for b in data.get("benchmarks", []):
        group = b.get("group") or ""
        if group.startswith(prefix):
            out.setdefault(group, {})[b["param"]] = b
    return out


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _size_key(group: str) -> tuple[int, int]:
    g, d = group.split()[-1].split("x")
    return int(g), int(d)


def scoring(data: dict) -> str | None:
    """bench against nervaluate, in memory and end to end, one row per size."""
    parts = []
    for prefix, title in (
        ("score-memory", "In memory (`score()` on objects vs `Evaluator.evaluate()`)"),
        ("score-files", "End to end (`bench score --json --bootstrap 0` vs the nervaluate script)"),
    ):
        groups = _by_group(data, prefix)
        rows = []
        for group in sorted(groups, key=_size_key):
            pair = {k.rsplit("-", 1)[1]: v for k, v in groups[group].items()}
            if not {"bench", "nervaluate"} <= set(pair):
                continue
            b, n = pair["bench"], pair["nervaluate"]
            info = b["extra_info"]
            floor = pair.get("floor")
            rows.append(
                [
                    str(info["gold_per_doc"]),
                    f"{info['docs']:,}",
                    f"{info['gold_spans']:,}",
                    f"{_cpu(n):.3f}",
                    f"{_cpu(b):.3f}",
                    f"**{_cpu(n) / _cpu(b):.1f}x**",
                    f"{_wall(n):.3f} / {_wall(b):.3f}",
                    f"{_wall(n) / _wall(b):.1f}x",
                    f"{n['stats']['rounds']} / {b['stats']['rounds']}",
                ]
                + (
                    [f"{_cpu(floor):.3f}", f"{_cpu(n) / _cpu(floor):.1f}x"]
                    if floor is not None
                    else []
                )
            )
        if rows:
            head = [
                "gold spans/doc",
                "docs",
                "gold spans",
                "nervaluate CPU s",
                "bench CPU s",
                "ratio (CPU)",
                "wall s (nervaluate / bench)",
                "ratio (wall)",
                "rounds",
            ]
            if rows and len(rows[0]) > len(head):
                head += ["floor CPU s", "nervaluate / floor (CPU)"]
            parts.append(f"{title}:\n\n{_table(head, rows)}")
    return "\n\n".join(parts) if parts else None


def spacy(data: dict) -> str | None:
    """The spacy system's pass against raw nlp.pipe, values off and on."""
    groups = _by_group(data, "spacy values=")
    rows = []
    for group in sorted(groups):
        pair = {k.split("-", 1)[0]: v for k, v in groups[group].items()}
        if set(pair) != {"bench", "nlp.pipe"}:
            continue
        b, r = pair["bench"], pair["nlp.pipe"]
        words = b["extra_info"]["words"]
        norms = b["extra_info"].get("normalize_seconds")
        norm = statistics.median(norms) if norms else None
        rows.append(
            [
                group.split()[-1],
                f"{words / _cpu(r):,.0f}",
                f"{words / _cpu(b):,.0f}",
                f"**{_cpu(r) / _cpu(b):.3f}x**",
                f"{words / _wall(r):,.0f} / {words / _wall(b):,.0f}",
                f"{_wall(r) / _wall(b):.3f}x",
                "—" if norm is None else f"{norm:.4f}",
                f"{b['stats']['rounds']}",
            ]
        )
    if not rows:
        return None
    head = [
        "spacy system",
        "raw nlp.pipe words/s (CPU)",
        "bench words/s (CPU)",
        "bench / raw (CPU)",
        "words/s wall (raw / bench)",
        "bench / raw (wall)",
        "normaliser s per pass (wall, median)",
        "rounds",
    ]
    return _table(head, rows)


WAYS = ("recognizers-text", "before", "fast", "fast+cache")


def normalize(data: dict) -> str | None:
    """Per-expression time of the normalizer, four ways, per layer."""
    groups = _by_group(data, "normalize ")
    rows = []
    for group in sorted(groups, reverse=True):  # time, then number
        layer = group.split()[-1]
        by_way = {k.split("-", 1)[1]: v for k, v in groups[group].items()}
        if "before" not in by_way:
            continue
        base = _cpu(by_way["before"])
        for way in WAYS:
            if way not in by_way:
                continue
            b = by_way[way]
            n = b["extra_info"]["expressions"]
            rows.append(
                [
                    layer,
                    way,
                    str(n),
                    f"{1e3 * _cpu(b) / n:.4f}",
                    f"{1e3 * _wall(b) / n:.4f}",
                    f"{base / _cpu(b):,.1f}x",
                ]
            )
    if not rows:
        return None
    head = [
        "layer",
        "way",
        "expressions",
        "ms per expression (CPU)",
        "ms per expression (wall)",
        "speed-up over `before` (CPU)",
    ]
    return _table(head, rows)


MAKERS = {"scoring": scoring, "spacy": spacy, "normalize": normalize}


def blocks(data: dict) -> dict[str, str]:
    """Each block's Markdown (machine line and table) for the blocks the data covers."""
    out = {}
    for name, make in MAKERS.items():
        table = make(data)
        if table is not None:
            out[name] = f"{machine(data)}\n\n{table}"
    return out


def replace(text: str, name: str, body: str) -> str:
    """``text`` with the block ``name`` replaced by ``body`` (the markers must be there)."""
    start, end = f"<!-- benchmarks:{name} -->", f"<!-- /benchmarks:{name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"error: no {start} ... {end} block")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text, count=1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json", type=Path, help="a pytest-benchmark --benchmark-json file")
    p.add_argument("--docs", type=Path, default=DOCS, help="the docs directory")
    p.add_argument("--print", action="store_true", help="print the blocks, change nothing")
    a = p.parse_args(argv)
    try:
        data: Any = json.loads(a.json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{a.json}: {exc}", file=sys.stderr)
        return 2
    made = blocks(data)
    if a.print:
        for name, body in made.items():
            print(f"<!-- benchmarks:{name} -->\n{body}\n<!-- /benchmarks:{name} -->\n")
        return 0
    for name, body in made.items():
        path = a.docs / BLOCKS[name]
        old = path.read_text(encoding="utf-8")
        new = replace(old, name, body)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: {name} table rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
