"""Gold files: reading and validating them (:func:`validate_gold_file`, :func:`load_gold_dir`),
writing them in canonical form (:func:`dump_gold`). The gold's digest is
:mod:`bench.corpus.digest`.

Every command that reads gold goes through :func:`validate_gold_file` / :func:`load_gold_dir`,
so ``bench gold validate`` and ``bench score`` can never disagree about what is valid; the
rules themselves live in :mod:`bench.corpus.rules`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.jsonloc import array_element_lines
from bench.corpus.rules import Violation, check_gold_spans
from bench.corpus.texts import (
    CORPUS_FILE,
    format_loc,
    read_json,
    read_text,
    registered_documents,
    sha256_text,
)
from bench.errors import BenchError
from bench.schema import DocumentMeta, GoldDocument


@dataclass
class GoldCheck:
    """The outcome of validating one gold file."""

    path: Path
    gold: GoldDocument | None
    text: str | None
    violations: list[Violation] = field(default_factory=list)


def _as_violation(exc: BenchError, default_path: str) -> Violation:
    """A read error ``FILE[:LINE]: field: problem`` (or ``FILE: problem``) as a violation."""
    where, _, rest = str(exc).partition(": ")
    fld, sep, problem = rest.partition(": ")
    if not sep:
        fld, problem = "file", rest
    path, _, line = where.rpartition(":")
    if not (path and line.isdigit()):
        path, line = where, ""
    return Violation(path or default_path, fld, problem, int(line) if line else None)


_UNSET: object = object()


def validate_gold_file(
    path: Path,
    texts_dir: Path,
    registered: Mapping[str, DocumentMeta] | object | None = _UNSET,
) -> GoldCheck:
    """Check every rule for one gold file; all violations are collected, none raised.

    ``registered`` is :func:`registered_documents` of ``texts_dir`` when the caller has read
    it already (validating many files), else ``corpus.json`` is read here.
    """
    spath = str(path)
    try:
        raw, data = read_json(path)
    except BenchError as exc:
        return GoldCheck(path, None, None, [_as_violation(exc, spath)])
    try:
        gold = GoldDocument.model_validate(data)
    except ValidationError as exc:
        # Line numbers only on the error path: scanning the text costs more than the rest.
        lines = array_element_lines(raw, "spans")
        ignore_lines = array_element_lines(raw, "ignore")
        out = []
        for err in exc.errors():
            loc = err["loc"]
            line = None
            if len(loc) >= 2 and loc[0] in ("spans", "ignore") and isinstance(loc[1], int):
                src = lines if loc[0] == "spans" else ignore_lines
                line = src[loc[1]] if loc[1] < len(src) else None
            msg = err["msg"].removeprefix("Value error, ")
            out.append(Violation(spath, format_loc(loc), msg, line))
        return GoldCheck(path, None, None, out)
    violations: list[Violation] = []
    if gold.doc_id != path.stem:
        violations.append(Violation(spath, "doc_id", f"{gold.doc_id!r} != file name {path.stem!r}"))
        return GoldCheck(path, gold, None, violations)
    text_path = texts_dir / f"{gold.doc_id}.txt"
    try:
        text = read_text(text_path)
    except BenchError as exc:
        violations.append(Violation(spath, "doc_id", f"no readable text: {exc}"))
        return GoldCheck(path, gold, None, violations)
    digest = sha256_text(text)
    if digest != gold.text_sha256:
        violations.append(
            Violation(
                spath,
                "text_sha256",
                f"{gold.text_sha256[:12]}… != sha256 of {text_path} "
                f"({digest[:12]}…): gold was made for another text",
            )
        )
        return GoldCheck(path, gold, text, violations)
    if not text:
        # Nothing to annotate, extract or score: an empty file is a mistake, not a document.
        violations.append(Violation(str(text_path), "text", "empty document (0 characters)"))
        return GoldCheck(path, gold, text, violations)
    if registered is _UNSET:
        try:
            registered = registered_documents(texts_dir)
        except BenchError as exc:
            violations.append(_as_violation(exc, str(texts_dir / CORPUS_FILE)))
            return GoldCheck(path, gold, text, violations)
    if isinstance(registered, Mapping):
        m = registered.get(gold.doc_id)
        if m is None:
            violations.append(
                Violation(spath, "doc_id", f"{gold.doc_id!r} is not in {texts_dir / CORPUS_FILE}")
            )
        elif m.document_date != gold.document_date:
            violations.append(
                Violation(
                    spath,
                    "document_date",
                    f"{gold.document_date} != {m.document_date} in corpus.json",
                )
            )
    found = check_gold_spans(gold, text, spath)
    if found:  # again, now with line numbers
        lines = array_element_lines(raw, "spans")
        found = check_gold_spans(gold, text, spath, lines, array_element_lines(raw, "ignore"))
    violations += found
    return GoldCheck(path, gold, text, violations)


def gold_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to their ``*.json`` files, sorted; files pass through."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(p.glob("*.json"))
        else:
            out.append(p)
    return out


def load_gold_dir(gold_dir: Path, texts_dir: Path) -> dict[str, Document]:
    """All gold documents of a directory with their texts, by doc_id; the first violation is
    an error."""
    if not gold_dir.is_dir():
        raise BenchError(f"{gold_dir}: not a directory of gold files")
    out: dict[str, Document] = {}
    for path in gold_paths([gold_dir]):
        check = validate_gold_file(path, texts_dir)
        if check.violations:
            more = len(check.violations) - 1
            tail = f" (+{more} more; run `bench gold validate {path}`)" if more else ""
            raise BenchError(f"{check.violations[0]}{tail}")
        assert check.gold is not None and check.text is not None
        out[check.gold.doc_id] = Document(check.gold, check.text, where=str(path))
    if not out:
        raise BenchError(f"{gold_dir}: no gold files (*.json)")
    return out


def dump_gold(gold: GoldDocument) -> str:
    """Canonical gold JSON: header fields, then one span and one ignore region per line."""
    head = gold.model_dump(mode="json", exclude={"spans", "ignore"}, exclude_none=True)
    lines = ["{"]
    for key, val in head.items():
        lines.append(f"  {json.dumps(key)}: {strictjson.dumps(val, ensure_ascii=False)},")

    def block(name: str, items: list[dict[str, object]], last: bool) -> None:
        if not items:
            lines.append(f'  "{name}": []' + ("" if last else ","))
            return
        lines.append(f'  "{name}": [')
        for k, item in enumerate(items):
            comma = "," if k < len(items) - 1 else ""
            lines.append("    " + strictjson.dumps(item, ensure_ascii=False) + comma)
        lines.append("  ]" + ("" if last else ","))

    spans = []
    for sp in gold.spans:
        d = sp.model_dump(mode="json")
        if d.get("notes") is None:
            d.pop("notes", None)
        spans.append(d)
    block("spans", spans, last=False)
    block("ignore", [r.model_dump(mode="json") for r in gold.ignore], last=True)
    lines.append("}")
    return "\n".join(lines) + "\n"
