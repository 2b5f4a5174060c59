"""Text that is safe to show: no forged lines in logs, no spoofed labels, no formula cells.

Series names come from users' files. A name holding a newline would forge a line in
``run.log``; a bidirectional control character (U+202E and friends) would make a label
read differently from what it is; a CSV cell starting with ``=`` is run as a formula by
spreadsheets. These helpers neutralise each, visibly: nothing is dropped silently.
"""

from __future__ import annotations

import re
from html import escape

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "html_text", "printable", "spreadsheet_safe"]

# C0 and C1 controls (tab and newline included: one value, one line), the bidi embeddings,
# overrides and isolates, the directional marks, and the line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """Return ``str(text)`` with control and bidi characters written as ``\\uXXXX`` escapes.

    Parameters
    ----------
    text : object
        Anything; it is converted with ``str``.

    Returns
    -------
    str
        The same text on one line, every unsafe character visible as its escape.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def html_text(value: object) -> str:
    """HTML-escape a label after making its control and bidi characters visible."""
    return escape(printable(value))


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    Text cells (and column names) that begin with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return get a leading apostrophe, the convention spreadsheets read as "this
    is text" (OWASP's advice for CSV injection). Numbers are left alone, so a negative
    growth rate stays a number.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table about to be written as CSV for people to open.

    Returns
    -------
    pandas.DataFrame
        The neutralised copy.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(_cell)
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).map(_cell)
    out.columns = [_cell(c) for c in out.columns]
    return out
