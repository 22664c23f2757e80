"""TimeML ``.tml`` files (TempEval-3): the text of ``<TEXT>`` with its TIMEX3 spans.

- The document's text is the character data of ``<TEXT>``, tags removed and entities decoded
  (``&amp;`` is one character ``&``), as an XML parser reports it: line ends ``\\r\\n`` become
  ``\\n``. Span offsets are code points into that text.
- Every non-empty TIMEX3 inside ``<TEXT>`` is a span labelled with its ``type`` (DATE, TIME,
  DURATION, SET) and valued with its ``value``. Empty (non-consuming) TIMEX3s cover no text
  and are skipped; EVENT, SIGNAL and link tags are ignored.
- The TIMEX3 with ``functionInDocument="CREATION_TIME"`` (the DCT, usually in ``<DCT>``) gives
  the document date (its ``value`` as written) and is never a span, even inside ``<TEXT>``.
- The document id is the file name without ``.tml``. A directory is read as all its ``*.tml``
  files, sorted by name.

A file that is not well-formed XML, has no ``<TEXT>`` (or two), or a TIMEX3 with a missing or
unknown ``type`` or (for gold) a ``value`` that is not a TIMEX3 value is a one-line error
naming the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from xml.parsers import expat

from bench.corpus.formats.textdoc import TextDocument, TextSpan, read_utf8, take_options
from bench.errors import BenchError
from bench.timex import is_timex_value

FORMAT = "timeml"
TYPES = ("DATE", "TIME", "DURATION", "SET")
DCT_FUNCTION = "CREATION_TIME"


class _Reader:
    """An expat pass over one file: the text of <TEXT> and its TIMEX3s with their lines."""

    def __init__(self, path: Path, check_values: bool) -> None:
        self.path = path
        self.check_values = check_values
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.data
        self.in_text = 0
        self.text_line: int | None = None
        self.chunks: list[str] = []
        self.length = 0
        self.open: list[tuple[int, dict[str, str], int] | None] = []  # per TIMEX3 start
        self.spans: list[TextSpan] = []
        self.dct: str | None = None

    def fail(self, line: int, problem: str) -> BenchError:
        return BenchError(f"{self.path}:{line}: {problem}")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        line = self.parser.CurrentLineNumber
        if name == "TEXT":
            if self.text_line is not None:
                raise self.fail(line, f"a second <TEXT> (the first is on line {self.text_line})")
            self.text_line = line
            self.in_text += 1
            return
        if name != "TIMEX3":
            return
        if attrs.get("functionInDocument") == DCT_FUNCTION:
            value = attrs.get("value")
            if self.dct is None and value:
                self.dct = value
            self.open.append(None)
            return
        if not self.in_text:
            self.open.append(None)
            return
        label = attrs.get("type")
        if label not in TYPES:
            got = "missing" if label is None else repr(label)
            raise self.fail(line, f"TIMEX3 type: {got}, expected one of {', '.join(TYPES)}")
        value = attrs.get("value")
        if value is None:
            raise self.fail(line, "TIMEX3 value: missing")
        if self.check_values and not is_timex_value(value):
            raise self.fail(line, f"TIMEX3 value: {value!r} is not a TIMEX3 value")
        self.open.append((self.length, attrs, line))

    def end(self, name: str) -> None:
        if name == "TEXT":
            self.in_text -= 1
        elif name == "TIMEX3":
            item = self.open.pop()
            if item is not None and item[0] < self.length:
                start, attrs, _ = item
                self.spans.append(TextSpan(start, self.length, attrs["type"], attrs["value"]))

    def data(self, chunk: str) -> None:
        if self.in_text:
            self.chunks.append(chunk)
            self.length += len(chunk)

    def read(self) -> TextDocument:
        raw = read_utf8(self.path)
        try:
            self.parser.Parse(raw, True)
        except expat.ExpatError as exc:
            problem = expat.errors.messages[exc.code]
            raise self.fail(exc.lineno, f"not well-formed XML: {problem}") from None
        if self.text_line is None:
            raise BenchError(f"{self.path}: no <TEXT> element")
        return TextDocument(
            doc_id=self.path.name.removesuffix(".tml"),
            text="".join(self.chunks),
            spans=sorted(self.spans),
            document_date=self.dct,
            source=f"{self.path}:{self.text_line}",
        )


def read_file(path: Path, *, check_values: bool = True) -> TextDocument:
    """One ``.tml`` file (``check_values=False`` keeps any value string, for predictions)."""
    return _Reader(path, check_values).read()


def read(
    path: Path, options: Mapping[str, str] | None = None, *, check_values: bool = True
) -> list[TextDocument]:
    """A ``.tml`` file, or every ``*.tml`` file of a directory (sorted by name)."""
    take_options(FORMAT, options or {}, {})
    if path.is_dir():
        files = sorted(path.glob("*.tml"))
        if not files:
            raise BenchError(f"{path}: no *.tml files")
    elif path.is_file():
        files = [path]
    else:
        raise BenchError(f"{path}: no such file or directory")
    return [read_file(f, check_values=check_values) for f in files]


def write(doc: TextDocument) -> str:
    """A ``.tml`` file of ``doc``: the DCT (when the document has a date) and the text in
    ``<TEXT>`` with its spans as TIMEX3 tags (ids ``t1``, ``t2``, ... in text order). Reading
    it back gives the same text, spans and date. Spans must not cross (nested ones may nest)."""
    from xml.sax.saxutils import escape, quoteattr

    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, int] = {}
    for n, sp in enumerate(sorted(doc.spans, key=lambda s: (s.start, -s.end)), start=1):
        attrs = f"tid={quoteattr(f't{n}')} type={quoteattr(sp.label)}"
        attrs += f" value={quoteattr(sp.value or '')}"
        opens.setdefault(sp.start, []).append((sp.end, f"<TIMEX3 {attrs}>"))
        closes[sp.end] = closes.get(sp.end, 0) + 1
    parts = []
    for i, ch in enumerate(doc.text):
        parts.append("</TIMEX3>" * closes.get(i, 0))
        parts.extend(tag for _, tag in opens.get(i, []))
        parts.append(escape(ch))
    parts.append("</TIMEX3>" * closes.get(len(doc.text), 0))
    dct = ""
    if doc.document_date:
        value = quoteattr(doc.document_date)
        dct = (
            f'<DCT><TIMEX3 tid="t0" type="DATE" value={value} temporalFunction="false" '
            f'functionInDocument="{DCT_FUNCTION}">{escape(doc.document_date)}</TIMEX3></DCT>\n'
        )
    return (
        '<?xml version="1.0" ?>\n<TimeML>\n'
        f"<DOCID>{escape(doc.doc_id)}</DOCID>\n{dct}<TEXT>{''.join(parts)}</TEXT>\n</TimeML>\n"
    )
