"""What changed between two versions of gold: spans added, removed, relabeled and revalued.

Spans are matched by layer and offsets, so a changed label or value shows as a change of that
span, and a moved boundary as one span removed and one added. Needs no texts: gold files carry
the text of every span, so a diff reads well in a pull request.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from bench.corpus.texts import format_loc, read_json
from bench.errors import BenchError
from bench.schema import LAYERS, GoldDocument, GoldSpan, IgnoreRegion, Value

ChangeKind = Literal["added", "removed", "relabeled", "revalued", "renoted"]
KINDS: tuple[str, ...] = ("added", "removed", "relabeled", "revalued", "renoted")
_MARK = {"added": "+", "removed": "-", "relabeled": "~", "revalued": "~", "renoted": "~"}


@dataclass(frozen=True)
class SpanChange:
    """One span that differs; ``old``/``new`` is None for an added/removed span."""

    kind: ChangeKind
    old: GoldSpan | None
    new: GoldSpan | None

    @property
    def span(self) -> GoldSpan:
        """The span as it is now (as it was, for a removed one)."""
        return self.new or self.old  # type: ignore[return-value]


@dataclass
class DocDiff:
    """The differences of one document between two versions of its gold."""

    doc_id: str
    state: Literal["changed", "added", "removed", "same"] = "same"
    header: list[tuple[str, object, object]] = field(default_factory=list)
    spans: list[SpanChange] = field(default_factory=list)
    ignore: list[tuple[str, IgnoreRegion | None, IgnoreRegion | None]] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Number of span changes by kind."""
        return Counter(c.kind for c in self.spans)


def _order(sp: GoldSpan) -> tuple[int, int, int]:
    return (sp.start, sp.end, LAYERS.index(sp.layer))


def diff_gold(old: GoldDocument | None, new: GoldDocument | None) -> DocDiff:
    """The differences between two versions of one document's gold (either may be missing)."""
    ref = new or old
    if ref is None:
        raise ValueError("diff_gold needs at least one document")
    out = DocDiff(ref.doc_id)
    if old is None or new is None:
        out.state = "added" if old is None else "removed"
        kind: ChangeKind = "added" if old is None else "removed"
        out.spans = [
            SpanChange(kind, None if old is None else s, s if old is None else None)
            for s in ref.spans
        ]
        out.ignore = [(kind, None, r) if old is None else (kind, r, None) for r in ref.ignore]
        return out
    skip = {"spans", "ignore"}
    a, b = old.model_dump(mode="json", exclude=skip), new.model_dump(mode="json", exclude=skip)
    out.header = [(k, a.get(k), b.get(k)) for k in b if a.get(k) != b.get(k)]
    before = {(s.layer, s.start, s.end): s for s in old.spans}
    after = {(s.layer, s.start, s.end): s for s in new.spans}
    changes = []
    for key in before.keys() | after.keys():
        x, y = before.get(key), after.get(key)
        if y is None:
            changes.append(SpanChange("removed", x, None))
        elif x is None:
            changes.append(SpanChange("added", None, y))
        elif x.label != y.label:
            changes.append(SpanChange("relabeled", x, y))
        elif not _identical_value(x.value, y.value):
            changes.append(SpanChange("revalued", x, y))
        elif x.notes != y.notes or x.text != y.text:
            changes.append(SpanChange("renoted", x, y))
    out.spans = sorted(changes, key=lambda c: (_order(c.span), KINDS.index(c.kind)))
    old_ignore = {(r.start, r.end): r for r in old.ignore}
    new_ignore = {(r.start, r.end): r for r in new.ignore}
    for ikey in sorted(old_ignore.keys() | new_ignore.keys()):
        x2, y2 = old_ignore.get(ikey), new_ignore.get(ikey)
        if x2 is None or y2 is None:
            out.ignore.append(("added" if x2 is None else "removed", x2, y2))
        elif x2.reason != y2.reason:
            out.ignore.append(("renoted", x2, y2))
    if out.header or out.spans or out.ignore:
        out.state = "changed"
    return out


def _identical_value(a: Value, b: Value) -> bool:
    # 3 and 3.0 are different gold (the file changes), so compare types too.
    return type(a) is type(b) and a == b


PREDICTIONS_HINT = (
    "a predictions file (JSON Lines), not gold; to diff two runs' predictions use `bench diff A B`"
)


def load_gold_json(path: Path) -> GoldDocument:
    """A gold file parsed against the schema only (no text needed); errors name file and field."""
    if path.suffix == ".jsonl":
        raise BenchError(f"{path}: {PREDICTIONS_HINT}")
    try:
        _, data = read_json(path)
    except BenchError as exc:
        if "Extra data" in str(exc):  # several JSON values: JSON Lines, i.e. predictions
            raise BenchError(f"{path}: {PREDICTIONS_HINT}") from None
        raise
    try:
        return GoldDocument.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BenchError(f"{path}: {format_loc(err['loc'])}: {err['msg']}") from None


def diff_paths(old: Path, new: Path) -> list[DocDiff]:
    """Diff two gold files, or two directories of gold files matched by file name."""
    for p in (old, new):
        if not p.exists():
            raise BenchError(f"{p}: not found")
    if old.is_dir() != new.is_dir():
        raise BenchError(f"{old}, {new}: give two files or two directories")
    if not old.is_dir():
        return [diff_gold(load_gold_json(old), load_gold_json(new))]
    a = {p.name: p for p in sorted(old.glob("*.json"))}
    b = {p.name: p for p in sorted(new.glob("*.json"))}
    return [
        diff_gold(
            load_gold_json(a[name]) if name in a else None,
            load_gold_json(b[name]) if name in b else None,
        )
        for name in sorted(a.keys() | b.keys())
    ]


def _value(v: Value) -> str:
    return json.dumps(v, ensure_ascii=False)


def _span_line(c: SpanChange) -> str:
    sp = c.span
    where = f"{sp.start}:{sp.end}"
    shown = json.dumps(sp.text, ensure_ascii=False)
    if c.kind == "relabeled":
        assert c.old is not None and c.new is not None
        label = f"{c.old.label} -> {c.new.label}"
        tail = (
            f"  value {_value(c.old.value)} -> {_value(c.new.value)}"
            if not _identical_value(c.old.value, c.new.value)
            else ""
        )
    elif c.kind == "revalued":
        assert c.old is not None and c.new is not None
        label, tail = sp.label, f"  value {_value(c.old.value)} -> {_value(c.new.value)}"
    elif c.kind == "renoted":
        assert c.old is not None and c.new is not None
        label, tail = sp.label, f"  notes {_value(c.old.notes)} -> {_value(c.new.notes)}"
    else:
        label, tail = sp.label, (f"  value {_value(sp.value)}" if sp.value is not None else "")
    return f"  {_MARK[c.kind]} {c.kind:<9} {sp.layer:<6} {label:<10} {where:<11} {shown}{tail}"


def render(diffs: list[DocDiff]) -> str:
    """The diff as plain text for a terminal or a pull-request comment; '' when nothing differs."""
    lines: list[str] = []
    total: Counter[str] = Counter()
    changed = [d for d in diffs if d.state != "same"]
    for d in changed:
        counts = d.counts()
        total.update(counts)
        summary = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
        if d.ignore:
            summary += (", " if summary else "") + f"{len(d.ignore)} ignore region(s) changed"
        state = "" if d.state == "changed" else f" (document {d.state})"
        lines.append(f"{d.doc_id}{state}: {summary or 'header changed'}")
        for fld, a, b in d.header:
            lines.append(f"  ~ {fld}: {_value(a)} -> {_value(b)}")  # type: ignore[arg-type]
        lines += [_span_line(c) for c in d.spans]
        for kind, x, y in d.ignore:
            r = y or x
            assert r is not None
            where = f"{r.start}:{r.end}"
            reason = _value(r.reason)
            if x is not None and y is not None:
                reason = f"{_value(x.reason)} -> {_value(y.reason)}"
            lines.append(f"  {_MARK[kind]} {kind:<9} ignore {'':<10} {where:<11} reason {reason}")
    if not changed:
        return ""
    spans = ", ".join(f"{total[k]} {k}" for k in KINDS if total[k]) or "no span changes"
    lines.append(f"{len(changed)} of {len(diffs)} document(s) differ: {spans}")
    return "\n".join(lines) + "\n"
