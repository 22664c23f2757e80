"""Names that become file names: result labels, document ids.

One rule, checked by :func:`check_name` wherever such a name is read (``--label``, result
files read by ``report``/``compare``, gold, predictions, corpora, importers) and not only
where it is typed: a label read from a result file becomes ``errors/<label>.html``, a doc id
``gold/<doc_id>.json``. A safe name is 1 to 128 of ``A-Z a-z 0-9 _ . + -``, not starting
with ``.``, ``+`` or ``-``: no separator, no ``..``, no hidden file, no option look-alike.
"""

from __future__ import annotations

import re

from bench.errors import shorten

MAX_NAME = 128
_NAME = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9_.+-]{{0,{MAX_NAME - 1}}}")
ALLOWED = "letters, digits, '_', '.', '+', '-'; starting with a letter, digit or '_'"


def check_name(value: str, what: str = "name") -> str:
    """``value`` when it is safe as a file name stem; ValueError saying why not.

    ``what`` only words the message ("id", "label"): the rule is the same for every name.
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ValueError(
            f"{shorten(value)} is not a safe {what} ({ALLOWED}; at most {MAX_NAME} characters)"
        )
    return value
