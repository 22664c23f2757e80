"""Text from data (labels, system names, options, doc ids, document text) made safe for where
it is shown: Markdown, CSV cells and the terminal. (HTML pages use :func:`html.escape`.)

Every field that comes from a file is hostile until escaped: a system name with a newline and
a ``<script>`` must stay one inert table cell, a label containing ``<!-- leaderboard:end -->``
must not end the README's block, a cell ``=cmd|...`` must not run in a spreadsheet, and a
document text with ``ESC ]0;...BEL`` must not retitle the terminal. Promises:
docs/guarantees.md.
"""

from __future__ import annotations

import unicodedata

# Markdown punctuation that can start emphasis, code, links, tables or strike-through inline.
_MD_SPECIAL = "\\`*_[]|~"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_control(ch: str) -> bool:
    """C0/C1 controls, DEL, and format characters (bidi overrides, zero-width) and separators
    other than the plain space."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u202e``,
    ``\\n``) so that a terminal shows it instead of obeying it; ordinary newlines are kept when
    ``keep_newlines`` (a document's text shown as text). Tabs are shown as ``\\t`` too."""
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif _is_control(ch):
            code = ord(ch)
            if ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            else:
                out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def md_text(text: str) -> str:
    """``text`` as inert Markdown inline text, safe in a table cell or a heading: one line
    (controls made visible), Markdown punctuation backslash-escaped, ``& < >`` as entities
    (so no HTML tag and no ``<!-- ... -->`` marker can come out of it)."""
    out = []
    for ch in visible(text):
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(_HTML.get(ch, ch))
    return "".join(out)


def md_code(text: str) -> str:
    """``text`` for inside a Markdown code span (``\\`...\\```): one line, no backtick (it would
    end the span), no ``<`` or ``>`` (a code span is still raw text in the README's source)."""
    return visible(text).replace("`", "'").replace("<", "‹").replace(">", "›")


def csv_text(text: str) -> str:
    """A CSV text cell that a spreadsheet will not run as a formula: a cell starting with
    ``= + - @``, a tab or a carriage return gets a leading ``'``. Only for text: numbers are
    written as numbers (a negative number stays numeric)."""
    return "'" + text if text.startswith(_FORMULA_START) else text
