"""Export gold to an annotation format and import it back, with every check on the way in.

An import never attaches a span to a different text: the text each record carries must hash
to the ``text_sha256`` it was exported with and to the seed text of the same id, and the
result must pass every gold rule (:func:`bench.corpus.gold.validate_gold_file`) before anything is
written. Drafts (``status: draft``) may lack values; every other rule holds for them too.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bench import strictjson
from bench.corpus.document import Document
from bench.corpus.formats import get_format
from bench.corpus.gold import GoldCheck, dump_gold, gold_paths, validate_gold_file
from bench.corpus.rules import Violation
from bench.corpus.texts import check_doc_id, load_corpus_meta, read_json, read_text, sha256_text
from bench.errors import BenchError, ParameterError, shorten
from bench.files import write_atomic
from bench.schema import GoldDocument

STATUSES = ("draft", "annotated", "adjudicated")


def blocking(check: GoldCheck) -> list[Violation]:
    """The violations that make a gold file unusable: all of them, less missing values in drafts."""
    draft = check.gold is not None and check.gold.status == "draft"
    return [v for v in check.violations if not (draft and v.field.endswith(".value"))]


def _doc_id_param(doc_id: str) -> str:
    """A ``doc_ids`` argument that is safe as a file name; else a :class:`ParameterError`."""
    try:
        return check_doc_id(doc_id)
    except BenchError as exc:
        raise ParameterError("doc_ids", str(exc).removeprefix("doc_id: ")) from None


def load_records(
    gold_dir: Path, texts_dir: Path, doc_ids: Sequence[str] | None = None
) -> list[Document]:
    """The gold files of a directory (or the named documents) with their texts and titles."""
    if not gold_dir.is_dir():
        raise BenchError(f"{gold_dir}: not a directory of gold files")
    if doc_ids:
        paths = [gold_dir / f"{_doc_id_param(d)}.json" for d in doc_ids]
        for p in paths:
            if not p.exists():
                raise BenchError(f"{p}: no gold file for document {p.stem!r}")
    else:
        paths = gold_paths([gold_dir])
    if not paths:
        raise BenchError(f"{gold_dir}: no gold files (*.json)")
    meta = load_corpus_meta(texts_dir)
    titles = {d.doc_id: d.title for d in meta.documents} if meta else {}
    out = []
    for path in paths:
        check = validate_gold_file(path, texts_dir)
        bad = blocking(check)
        if bad:
            more = (
                f" (+{len(bad) - 1} more; run `bench gold validate {path}`)" if len(bad) > 1 else ""
            )
            raise BenchError(f"{bad[0]}{more}")
        assert check.gold is not None and check.text is not None
        out.append(Document(check.gold, check.text, titles.get(check.gold.doc_id, ""), str(path)))
    return out


def _fresh_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BenchError(f"{out}: exists and is not an empty directory; export into a new one")


def export_gold(
    fmt: str,
    gold_dir: Path,
    texts_dir: Path,
    out: Path,
    doc_ids: Sequence[str] | None = None,
) -> list[Path]:
    """Write the gold of ``gold_dir`` as format ``fmt`` into the new directory ``out``.

    The files are written into a temporary sibling directory that is renamed to ``out`` at
    the end, so an export is never half-written. Returns the files written.
    """
    gold_format = get_format(fmt)
    records = load_records(gold_dir, texts_dir, doc_ids)
    _fresh_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        gold_format.write(records, tmp)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(p for p in out.rglob("*") if p.is_file())


def check_text(record: Document, texts_dir: Path) -> None:
    """Refuse a record whose text is not the one its spans were made on, or not the seed text."""
    doc_id = record.gold.doc_id
    digest = sha256_text(record.text)
    if digest != record.gold.text_sha256:
        raise BenchError(
            f"{record.where}: text_sha256: the text in the file ({digest[:12]}…) is not the text "
            f"the spans were exported with ({record.gold.text_sha256[:12]}…)"
        )
    seed = texts_dir / f"{doc_id}.txt"
    if not seed.exists():
        raise BenchError(
            f"{record.where}: doc_id: no seed text {seed}; add the document with `bench gold add`"
        )
    seed_digest = sha256_text(read_text(seed))
    if seed_digest != digest:
        raise BenchError(
            f"{record.where}: text: differs from {seed} ({digest[:12]}… != {seed_digest[:12]}…): "
            "its spans would land on a different text"
        )


def read_records(
    fmt: str, path: Path, texts_dir: Path, options: Mapping[str, str] | None = None
) -> list[Document]:
    """Read format ``fmt`` from ``path``: records whose texts match the seeds, ids unique."""
    if not path.exists():
        raise BenchError(f"{path}: not found")
    records = get_format(fmt).read(path, texts_dir, dict(options or {}))
    if not records:
        raise BenchError(f"{path}: no documents found")
    seen: dict[str, str] = {}
    for rec in records:
        doc_id = rec.gold.doc_id
        if doc_id in seen:
            raise BenchError(
                f"{rec.where}: doc_id: {doc_id!r} appears twice (first in {seen[doc_id]})"
            )
        seen[doc_id] = rec.where
        if not rec.text:
            raise BenchError(f"{rec.where}: text: empty document (0 characters)")
        check_text(rec, texts_dir)
    return records


@dataclass
class ImportOutcome:
    """What an import wrote, or the violations that stopped it (then nothing was written)."""

    written: list[Path] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    records: list[Document] = field(default_factory=list)
    # Values the import dropped or changed, one line per span (for stderr).
    notices: list[str] = field(default_factory=list)


def _shown(value: object) -> str:
    return "null" if value is None else strictjson.dumps(value, ensure_ascii=False)


def value_changes(old: GoldDocument, new: GoldDocument, where: str) -> list[str]:
    """One line per span of ``old`` whose value the import drops or changes: the span at the
    same offsets in the same layer in ``new`` has another value, or there is none."""
    by_place = {(s.start, s.end, s.layer): s for s in new.spans}
    out = []
    for i, sp in enumerate(old.spans):
        if sp.value is None:
            continue
        got = by_place.get((sp.start, sp.end, sp.layer))
        if got is None:
            what = f"dropped (no {sp.layer} span at {sp.start}:{sp.end} any more)"
        elif got.value == sp.value and type(got.value) is type(sp.value):
            continue
        else:
            what = f"changed to {_shown(got.value)}"
        out.append(
            f"{where}: spans[{i}] {shorten(sp.text)} {sp.label}: value {_shown(sp.value)} {what}"
        )
    return out


def _old_gold(path: Path) -> GoldDocument | None:
    """The gold file an import is about to replace, or None when there is none (or unreadable:
    then there is nothing to compare with)."""
    if not path.is_file():
        return None
    try:
        _, data = read_json(path)
        return GoldDocument.model_validate(data)
    except (BenchError, ValidationError):
        return None


def check_records(records: Sequence[Document], texts_dir: Path) -> list[Violation]:
    """Every gold rule for each record, checked on its JSON; violations name its source."""
    out: list[Violation] = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for rec in records:
            path = Path(tmp) / f"{rec.gold.doc_id}.json"
            path.write_text(dump_gold(rec.gold), encoding="utf-8")
            check = validate_gold_file(path, texts_dir)
            for v in blocking(check):
                # Lines of the temporary file mean nothing to the user; name the source instead.
                where = rec.where
                if f"({rec.gold.doc_id})" not in where:
                    where = f"{where} ({rec.gold.doc_id})"
                out.append(dataclasses.replace(v, path=where, line=None))
    return out


def import_gold(
    fmt: str,
    path: Path,
    texts_dir: Path,
    out_dir: Path,
    *,
    force: bool = False,
    status: str | None = None,
    annotator: str | None = None,
    options: Mapping[str, str] | None = None,
) -> ImportOutcome:
    """Read ``path`` as ``fmt`` and write one gold file per document into ``out_dir``.

    Nothing is written unless every document passes every check; existing gold files are
    kept unless ``force``. ``status`` and ``annotator`` replace the imported header fields.
    """
    if status is not None and status not in STATUSES:
        raise ParameterError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    records = read_records(fmt, path, texts_dir, options)
    updates = {k: v for k, v in (("status", status), ("annotator", annotator)) if v is not None}
    if updates:
        records = [
            dataclasses.replace(r, gold=r.gold.model_validate({**r.gold.model_dump(), **updates}))
            for r in records
        ]
    outcome = ImportOutcome(records=list(records))
    outcome.violations = check_records(records, texts_dir)
    if outcome.violations:
        return outcome
    targets = [out_dir / f"{r.gold.doc_id}.json" for r in records]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise ParameterError(
            "force", f"{names}: exists; not replaced unless forced (or import elsewhere)"
        )
    for rec, target in zip(records, targets, strict=True):
        # Against the gold file being replaced when there is one (it covers the values the
        # export carried), else what the format itself could not place: one line per span.
        old = _old_gold(target)
        if old is not None:
            outcome.notices += value_changes(old, rec.gold, f"{target} ({rec.gold.doc_id})")
        else:
            outcome.notices += rec.notices
    for rec, target in zip(records, targets, strict=True):
        write_atomic(target, dump_gold(rec.gold))
        outcome.written.append(target)
    return outcome
