"""The data layer: read, validate, select, resample and calendar features.

Three layouts are accepted and turned into one canonical tidy frame:

* canonical: ``reporter, partner, flow, product, date, value, unit`` (optionally
  ``adjustment, source, mirror_of, note, frequency``);
* long (Nixtla): ``unique_id, ds, y``;
* wide: a ``date`` (or ``ds``) column and one column per series.
"""

from __future__ import annotations

from os import PathLike

import pandas as pd

from forecast.data.calendar import (
    calendar_features,
    lunar_new_year,
    lunar_new_year_days,
    working_days,
)
from forecast.data.read import read_table
from forecast.data.series import gaps, resample, select, series_ids, split, summarize, to_frame
from forecast.data.validate import COLUMNS, FLOWS, KEY, canonicalize

__all__ = [
    "COLUMNS",
    "FLOWS",
    "KEY",
    "calendar_features",
    "from_frame",
    "gaps",
    "lunar_new_year",
    "lunar_new_year_days",
    "read_csv",
    "resample",
    "select",
    "series_ids",
    "split",
    "summarize",
    "to_frame",
    "working_days",
]


def read_csv(
    path: str | PathLike[str], *, unit: str = "", extra_columns: str = "error"
) -> pd.DataFrame:
    """Read and validate a trade CSV into the canonical tidy frame.

    Parameters
    ----------
    path : str or path-like
        A canonical, long (``unique_id, ds, y``) or wide CSV file.
    unit : str, default ""
        Unit recorded for long and wide files, which carry none.
    extra_columns : {"error", "ignore"}, default "error"
        Columns outside the canonical layout raise, or are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id, reporter, partner, flow, product, date, value, unit,
        adjustment, source, mirror_of, note, frequency``; one row per (series, period),
        sorted. ``date`` is the period start; ``frequency`` is ``M``, ``Q`` or ``Y``.

    Raises
    ------
    DataError
        Naming the file, line or series, what is wrong and how to fix it.
    """
    table, where = read_table(path)
    return canonicalize(table, where, unit=unit, extra_columns=extra_columns)


def from_frame(
    frame: pd.DataFrame, *, name: str = "Frame", unit: str = "", extra_columns: str = "error"
) -> pd.DataFrame:
    """Validate an in-memory frame in any accepted layout (see :func:`read_csv`).

    Row numbers in messages count data rows from 1.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            "The 'frame' parameter of from_frame must be a pandas DataFrame. "
            f"Got {type(frame).__name__} instead."
        )
    source = frame.drop(columns=["series_id"], errors="ignore")
    # missing cells become empty strings before the cast: pandas 3's string dtype keeps
    # NaN missing through astype(str), so a "nan" text would never appear to replace
    table = source.astype(object).where(source.notna(), "").astype(str)
    table = table.replace({"nan": "", "NaT": "", "None": ""})
    if "date" in table and pd.api.types.is_datetime64_any_dtype(frame["date"]):
        table["date"] = frame["date"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return canonicalize(table, f"{name}", unit=unit, extra_columns=extra_columns)
