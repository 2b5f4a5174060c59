"""Read a CSV file into a table of strings, refusing unreadable input clearly.

This module only deals with bytes, text and rows: encoding, delimiters, blank and ragged
lines. What the columns mean is checked in :mod:`forecast.data.validate`.
"""

from __future__ import annotations

import csv
import io
from os import PathLike
from pathlib import Path

import pandas as pd

from forecast.errors import DataError, shorten

__all__ = ["read_table"]

_DELIMITERS = (",", ";", "\t")


def _decode(raw: bytes, where: str) -> str:
    if b"\x00" in raw:
        raise DataError(
            f"{where} is not a text CSV file: it contains NUL bytes (a binary file such as "
            "an Excel workbook?). Export it as CSV (comma-separated, UTF-8) and try again."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where} is not UTF-8 text: byte {exc.start} (0x{raw[exc.start]:02x}) cannot be "
            "decoded. Re-save the file as 'CSV UTF-8' in your spreadsheet program."
        ) from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_table(path: str | PathLike[str]) -> tuple[pd.DataFrame, str]:
    """Read a delimited text file into a frame of stripped strings.

    Parameters
    ----------
    path : str or path-like
        The CSV file. Comma, semicolon or tab delimited, UTF-8 (a BOM is fine).

    Returns
    -------
    table : pandas.DataFrame
        One column per header name (stripped), all values ``str``, plus a
        ``_line`` column with each row's 1-based line number in the file.
    where : str
        The file's name as used in error messages.

    Raises
    ------
    DataError
        For a missing path, a directory, an empty, binary or undecodable file, a header
        without data, duplicate or empty column names, and ragged rows.
    """
    file = Path(path)
    where = f"File '{file}'"
    if not file.exists():
        raise DataError(f"{where} does not exist. Check the path and the working directory.")
    if file.is_dir():
        raise DataError(f"{where} is a directory, not a CSV file. Name a .csv file inside it.")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DataError(
            f"{where} cannot be read ({exc.strerror}). Check its permissions."
        ) from None
    text = _decode(raw, where)
    if not text.strip():
        raise DataError(f"{where} is empty. Export the data again with a header row and values.")

    first_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[str] = []
    try:
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue  # blank line: skipped, but line numbers stay true to the file
            if header is None:
                header = [cell.strip() for cell in row]
                header_line = reader.line_num
                continue
            if len(row) != len(header):
                ragged.append(f"line {reader.line_num} has {len(row)}")
                continue
            rows.append([cell.strip() for cell in row])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(
            f"{where}, line {reader.line_num}: the CSV cannot be parsed ({exc}). "
            "Check for an unclosed quote."
        ) from None

    if header is None:
        raise DataError(
            f"{where} has no header row (only quotes or delimiters). Export it "
            "again with a header row and values."
        )
    if "" in header:
        raise DataError(
            f"{where}, line {header_line}: column {header.index('') + 1} of the header has "
            "no name. Name every column or delete the empty one."
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise DataError(
            f"{where}, line {header_line}: the header repeats column(s) {shorten(duplicated)}. "
            "Keep one column of each name."
        )
    if ragged:
        raise DataError(
            f"{where}: ragged rows, the header has {len(header)} fields but "
            f"{shorten(ragged)}. Make every row have one value per column "
            "(quote values that contain the delimiter)."
        )
    if not rows:
        raise DataError(f"{where} has a header but no data rows. Add the observations below it.")
    table = pd.DataFrame(rows, columns=header, dtype=object)
    table["_line"] = lines
    return table, where
