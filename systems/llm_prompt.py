"""The ``llm`` system's prompt as data: named, versioned template files, few-shot examples,
the answer's JSON Schema and its validation.

A template is ``systems/prompts/<name>.json`` (or any ``.json`` path): a system message (lines
with ``{layers}``), one rule line per layer, the user message (``{date}``, ``{weekday}``,
``{text}``), and optional fixed few-shot examples. Its identity in a result is
``<name>@<version>`` and the sha256 of the file's bytes. Few-shot examples can also be drawn
from gold files of other documents: never the document being scored (same ``doc_id`` or
same text), stated in the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from bench.errors import BenchError
from bench.schema import LAYER_LABELS

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
# This module's source: part of the llm system's version, so a change here is a cache miss.
PROMPT_CODE_SHA256 = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class Example(BaseModel):
    """One fixed few-shot example: a document, its date, the answer wanted."""

    model_config = ConfigDict(extra="forbid")
    text: str
    date: dt.date
    answer: dict[str, list[dict[str, Any]]]


class Template(BaseModel):
    """``systems/prompts/<name>.json``."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    description: str = ""
    system: list[str] = Field(min_length=1)
    layers: dict[str, str]
    layer_line: str = 'Layer "{layer}": labels {labels}; {rules}'
    user: str
    examples: list[Example] = Field(default_factory=list)


@dataclass(frozen=True)
class Prompt:
    """A loaded template with its identity."""

    template: Template
    sha256: str
    path: Path

    @property
    def ident(self) -> str:
        return f"{self.template.name}@{self.template.version}"


def template_names() -> list[str]:
    """The templates shipped in ``systems/prompts``."""
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.json"))


def load_prompt(name: str) -> Prompt:
    """The template called ``name`` (shipped) or at path ``name`` (ending in .json)."""
    if name.endswith(".json"):
        path = Path(name).expanduser()
    elif _NAME.fullmatch(name):
        path = PROMPTS_DIR / f"{name}.json"
    else:
        path = None
    if path is None or not path.is_file():
        known = ", ".join(template_names())
        raise BenchError(
            f"system 'llm': option prompt: unknown template {name!r} (known: {known}; "
            "or a path ending in .json)"
        )
    try:
        raw = path.read_bytes()
        template = Template.model_validate(json.loads(raw))
    except (OSError, ValueError, RecursionError) as exc:
        detail = exc.errors()[0] if isinstance(exc, ValidationError) else None
        msg = (
            f"{'.'.join(map(str, detail['loc']))}: {detail['msg']}"
            if detail
            else str(exc).splitlines()[0]
        )
        raise BenchError(f"{path}: {msg}") from None
    return Prompt(template, hashlib.sha256(raw).hexdigest(), path)


def system_message(prompt: Prompt, layers: Sequence[str]) -> str:
    """The system message for ``layers``."""
    t = prompt.template
    names = ", ".join(f'"{x}"' for x in layers)
    lines = [line.format(layers=names) for line in t.system]
    for layer in layers:
        labels = ", ".join(LAYER_LABELS[layer])
        lines.append(t.layer_line.format(layer=layer, labels=labels, rules=t.layers.get(layer, "")))
    return "\n".join(lines)


def user_message(prompt: Prompt, text: str, date: dt.date) -> str:
    """The user message: the document and its date."""
    return prompt.template.user.format(
        date=date.isoformat(), weekday=date.strftime("%A"), text=text
    )


def before_context(text: str, start: int, words: int = 5) -> str:
    """The ``words`` words just before ``start``, cut at a word start, up to ``start``."""
    head = text[:start]
    pieces = re.split(r"(\s+)", head)
    # Keep the last ``words`` non-space pieces with the spaces between them.
    kept: list[str] = []
    count = 0
    for piece in reversed(pieces):
        if piece and not piece.isspace():
            if count == words:
                break
            count += 1
        kept.append(piece)
    return "".join(reversed(kept)).lstrip()


def gold_answer(
    spans: Sequence[Mapping[str, Any]], text: str, layers: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The answer a perfect model gives for these gold spans, in the template's shape."""
    out: dict[str, list[dict[str, Any]]] = {layer: [] for layer in layers}
    for sp in sorted(spans, key=lambda s: (s["start"], s["end"])):
        if sp["layer"] in out:
            out[sp["layer"]].append(
                {
                    "text": text[sp["start"] : sp["end"]],
                    "label": sp["label"],
                    "value": sp.get("value"),
                    "before": before_context(text, sp["start"]),
                }
            )
    return out


@dataclass(frozen=True)
class GoldExample:
    """A few-shot example drawn from a gold document."""

    doc_id: str
    text: str
    date: dt.date
    spans: tuple[Mapping[str, Any], ...]


def gold_examples(gold_dir: Path, texts_dir: Path) -> list[GoldExample]:
    """Every gold document under ``gold_dir`` with its text, in doc_id order."""
    from bench.corpus.gold import load_gold_dir

    out = []
    for doc_id, doc in sorted(load_gold_dir(gold_dir, texts_dir).items()):
        spans = tuple(s.model_dump(mode="json") for s in doc.gold.spans)
        out.append(GoldExample(doc_id, doc.text, doc.document_date, spans))
    return out


def excerpt(ex: GoldExample, chars: int) -> tuple[str, list[Mapping[str, Any]]]:
    """The first ``chars`` characters of an example (cut at whitespace) and its spans there."""
    if len(ex.text) <= chars:
        return ex.text, list(ex.spans)
    cut = ex.text.rfind(" ", 0, chars)
    cut = cut if cut > 0 else chars
    return ex.text[:cut], [s for s in ex.spans if s["end"] <= cut]


def few_shot_messages(
    prompt: Prompt,
    layers: Sequence[str],
    pool: Sequence[GoldExample],
    doc_id: str,
    text: str,
    n: int,
    chars: int,
) -> tuple[list[dict[str, str]], list[str]]:
    """Example user/assistant pairs: the template's own, then ``n`` gold documents other than
    the one scored (never the same doc_id or text); and the doc_ids drawn."""
    messages: list[dict[str, str]] = []
    for ex in prompt.template.examples:
        messages.append({"role": "user", "content": user_message(prompt, ex.text, ex.date)})
        answer = {layer: ex.answer.get(layer, []) for layer in layers}
        messages.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
    used: list[str] = []
    for gex in pool:
        if len(used) == n:
            break
        if gex.doc_id == doc_id or gex.text == text:
            continue
        part, spans = excerpt(gex, chars)
        messages.append({"role": "user", "content": user_message(prompt, part, gex.date)})
        answer = gold_answer(spans, part, layers)
        messages.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
        used.append(gex.doc_id)
    return messages, used


# The answer's shape ----------------------------------------------------------------------


def answer_schema(layers: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema sent as ``response_format`` ``json_schema`` (strict-mode compatible)."""

    def mention(layer: str) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "label": {"type": "string", "enum": list(LAYER_LABELS[layer])},
                "value": {"type": ["string", "number", "null"]},
                "before": {"type": "string"},
            },
            "required": ["text", "label", "value", "before"],
            "additionalProperties": False,
        }

    return {
        "type": "object",
        "properties": {layer: {"type": "array", "items": mention(layer)} for layer in layers},
        "required": list(layers),
        "additionalProperties": False,
    }


def answer_model(layers: Sequence[str]) -> type[BaseModel]:
    """A pydantic model equal to :func:`answer_schema` (validates structured answers)."""
    fields: dict[str, Any] = {}
    for layer in layers:
        mention = create_model(  # type: ignore[call-overload]
            f"Mention_{layer}",
            __config__=ConfigDict(extra="forbid", strict=True),
            text=(str, ...),
            label=(Literal[tuple(LAYER_LABELS[layer])], ...),  # type: ignore[arg-type]
            value=(str | float | int | None, ...),
            before=(str, ...),
        )
        fields[layer] = (list[mention], ...)  # type: ignore[valid-type]
    return create_model(  # type: ignore[call-overload, no-any-return]
        "Answer", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )


def validate_answer(model: type[BaseModel], content: str) -> None:
    """ValueError when ``content`` is not exactly one JSON object of the schema."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the answer is not JSON: {str(exc)[:80]}") from None
    try:
        model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"]))
        raise ValueError(f"the answer does not match the schema: {where}: {err['msg']}") from None
