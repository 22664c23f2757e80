"""Label sets and label maps as data: the named label sets of common corpora, and the presets
that map bench's (OntoNotes) labels onto them (docs/formats.md, "Label sets", "Label maps").

A label map (:class:`~bench.schema.LabelMapSpec`) turns a system's predicted spans into a
corpus's labels after extraction: ``bench run --label-map NAME|FILE`` and ``bench score
--label-map NAME|FILE``. It is applied to the spans before scoring and recorded in results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bench import strictjson
from bench.errors import BenchError, ParameterError
from bench.schema import (
    LABEL_LAYER,
    SEED_LABEL_SET,
    LabelMapSpec,
    LabelSet,
    PredictedSpan,
)

CONLL2003 = LabelSet(name="conll2003", layers={"entity": ["PER", "LOC", "ORG", "MISC"]})
TIMEML = LabelSet(name="timeml", layers={"time": ["DATE", "TIME", "DURATION", "SET"]})
LABEL_SETS: dict[str, LabelSet] = {s.name: s for s in (SEED_LABEL_SET, CONLL2003, TIMEML)}

# OntoNotes -> CoNLL-2003, the usual convention (as in the CoNLL-2003 guidelines' MISC:
# nationalities, events, works, products, laws, languages): PERSON -> PER; GPE, LOC and FAC ->
# LOC; ORG -> ORG; NORP, EVENT, PRODUCT, WORK_OF_ART, LAW, LANGUAGE -> MISC.
ONTONOTES_CONLL2003 = LabelMapSpec(
    name="ontonotes-conll2003",
    description="OntoNotes entity labels onto CoNLL-2003's PER, LOC, ORG, MISC",
    labels={
        "PERSON": "PER",
        "GPE": "LOC",
        "LOC": "LOC",
        "FAC": "LOC",
        "ORG": "ORG",
        "NORP": "MISC",
        "EVENT": "MISC",
        "PRODUCT": "MISC",
        "WORK_OF_ART": "MISC",
        "LAW": "MISC",
        "LANGUAGE": "MISC",
    },
)
# OntoNotes DATE/TIME -> TimeML types: the value tells DURATION (P...) and SET (recurring).
ONTONOTES_TIMEML = LabelMapSpec(
    name="ontonotes-timeml",
    description="DATE and TIME kept; a duration value (P...) makes DURATION, a recurring "
    "value (XXXX-WXX-D, XXXX-XX-XXT..., R...) makes SET",
    labels={"DATE": "DATE", "TIME": "TIME"},
    durations="DURATION",
    sets="SET",
)
LABEL_MAPS: dict[str, LabelMapSpec] = {m.name: m for m in (ONTONOTES_CONLL2003, ONTONOTES_TIMEML)}

_RECURRING = re.compile(r"^(?:R\d*/|XXXX-WXX-[1-7]|XXXX-XX-XXT)")


def is_duration(value: object) -> bool:
    """A TIMEX3 duration value: ``P...`` (``P3D``, ``PT2H``, ``PXY``)."""
    return isinstance(value, str) and value.startswith("P") and not value.startswith("PAST")


def is_recurring(value: object) -> bool:
    """A value that recurs rather than names one time: ``XXXX-WXX-1`` (every Monday),
    ``XXXX-XX-XXT08:00`` (every day at 8), an ISO 8601 recurrence ``R/P1W``."""
    return isinstance(value, str) and bool(_RECURRING.match(value))


def _check_spec(spec: LabelMapSpec, where: str) -> LabelMapSpec:
    targets = [*[t for t in spec.labels.values() if t], spec.durations, spec.sets]
    for label in [*spec.labels, *targets]:
        if label is not None and label not in LABEL_LAYER:
            raise BenchError(f"{where}: unknown label {label!r} (known: {', '.join(LABEL_LAYER)})")
    return spec


def load_label_map(name_or_path: str) -> LabelMapSpec:
    """A preset by name (:data:`LABEL_MAPS`), else a JSON file of a ``LabelMapSpec``."""
    if name_or_path in LABEL_MAPS:
        return LABEL_MAPS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ParameterError(
            "label_map",
            f"{name_or_path!r} is neither a preset ({', '.join(LABEL_MAPS)}) nor a file",
        )
    try:
        data = strictjson.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"{path}: cannot read: {exc}") from None
    except strictjson.JsonError as exc:
        at = f"{path}:{exc.lineno}" if exc.lineno else str(path)
        raise BenchError(f"{at}: json: {exc.msg}") from None
    try:
        spec = LabelMapSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "file"
        raise BenchError(f"{path}: {loc}: {err['msg']}") from None
    return _check_spec(spec, str(path))


def map_label(spec: LabelMapSpec, label: str, value: object) -> str | None:
    """The corpus label of a span labelled ``label`` with ``value``; None drops it."""
    out = spec.labels.get(label, label)
    if out is None or LABEL_LAYER.get(out) != "time":
        return out
    if spec.durations and is_duration(value):
        return spec.durations
    if spec.sets and is_recurring(value):
        return spec.sets
    return out


def apply_label_map(spec: LabelMapSpec, spans: Iterable[PredictedSpan]) -> list[PredictedSpan]:
    """``spans`` with their labels mapped by ``spec`` (dropped ones left out); a span whose
    label changes layer loses an explicit ``layer`` (it follows from the new label)."""
    out = []
    for sp in spans:
        label = map_label(spec, sp.label, sp.value)
        if label is None:
            continue
        if label == sp.label:
            out.append(sp)
            continue
        layer = LABEL_LAYER[label]
        value = None if layer == "entity" else sp.value
        out.append(sp.model_copy(update={"label": label, "layer": None, "value": value}))
    return out


def label_set_for(labels: Sequence[str], name: str | None, where: str) -> LabelSet:
    """The label set of an imported corpus: the named one (:data:`LABEL_SETS`), else the
    first of CoNLL-2003, TimeML, OntoNotes that holds every label found; a label in none of
    them is a one-line error naming ``where``."""
    if name:
        chosen = LABEL_SETS.get(name)
        if chosen is None:
            raise BenchError(f"option label_set={name!r}: expected one of {', '.join(LABEL_SETS)}")
        candidates = [chosen]
    else:
        candidates = [CONLL2003, TIMEML, SEED_LABEL_SET]
    found = set(labels)
    for ls in candidates:
        if all(label in ls.labels_of(LABEL_LAYER.get(label, "")) for label in found):
            return ls
    bad = sorted(found - {x for ls in candidates for v in ls.layers.values() for x in v})
    if bad:
        raise BenchError(
            f"{where}: label {bad[0]!r} is in no label set bench knows ({', '.join(LABEL_SETS)})"
        )
    raise BenchError(
        f"{where}: labels {', '.join(sorted(found))} do not fit one label set "
        f"({', '.join(c.name for c in candidates)})"
    )
