"""Turn a table of strings into the canonical tidy frame, or say precisely why not.

The canonical frame has one row per (series, period) and the columns in ``COLUMNS``.
Dates are period starts (``Timestamp``); ``frequency`` is ``"M"``, ``"Q"`` or ``"Y"``
per series; ``value`` is float64 and NaN only where the file says the value is missing.
"""

from __future__ import annotations

import math
import re
from functools import reduce

import numpy as np
import pandas as pd

from forecast.errors import DataError, shorten

__all__ = ["COLUMNS", "FLOWS", "KEY", "MISSING_TOKENS", "canonicalize"]

KEY = ("reporter", "partner", "flow", "product")
REQUIRED = (*KEY, "date", "value", "unit")
OPTIONAL = ("adjustment", "source", "mirror_of", "note", "frequency")
COLUMNS = ("series_id", *KEY, "date", "value", "unit", *OPTIONAL)
FLOWS = ("exports", "imports", "balance", "indicator", "unspecified")
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", ".", "..", "-"})
_FREQ_NAMES = {
    "m": "M",
    "monthly": "M",
    "month": "M",
    "q": "Q",
    "quarterly": "Q",
    "quarter": "Q",
    "y": "Y",
    "a": "Y",
    "annual": "Y",
    "yearly": "Y",
    "year": "Y",
}
_STEP = {"M": 1, "Q": 3, "Y": 12}
_QUARTER = re.compile(r"^(\d{4})[- ]?[Qq]([1-4])$")
_ISO = r"(1[89]|2[01])\d\d(-\d\d(-\d\d([ T]\d\d:\d\d(:\d\d)?)?)?)?"
_LONG = ("unique_id", "ds", "y")
_DATE_NAMES = ("date", "ds", "period", "time")


def _lines(table: pd.DataFrame, mask: pd.Series | np.ndarray) -> str:
    return "line " + shorten(table.loc[mask, "_line"].tolist()) if "_line" in table else ""


def _at(where: str, table: pd.DataFrame, mask: pd.Series | np.ndarray) -> str:
    lines = _lines(table, mask)
    return f"{where}, {lines}" if lines else where


def _layout(table: pd.DataFrame, where: str) -> str:
    cols = set(table.columns) - {"_line"}
    if set(REQUIRED) <= cols:
        return "canonical"
    if set(_LONG) <= cols:
        return "long"
    date_cols = [c for c in _DATE_NAMES if c in cols]
    if date_cols and "value" not in cols and len(cols) >= 2 and not set(KEY) & cols:
        return "wide"
    missing = [c for c in REQUIRED if c not in cols]
    raise DataError(
        f"{where}: missing column(s) {', '.join(missing)}. Found {shorten(sorted(cols), 8)}. "
        f"Use the canonical columns ({', '.join(REQUIRED)}), the long layout "
        "(unique_id, ds, y) or the wide layout (a date column and one column per series)."
    )


def _from_long(table: pd.DataFrame, where: str, unit: str) -> pd.DataFrame:
    extra = set(table.columns) - {*_LONG, "_line", *OPTIONAL}
    if extra:
        raise DataError(
            f"{where}: unknown column(s) {shorten(sorted(extra))} in the long "
            "layout (unique_id, ds, y). Remove them."
        )
    out = pd.DataFrame(
        {"date": table["ds"], "value": table["y"], "unit": unit, "_line": table["_line"]}
    )
    ids = table["unique_id"].astype(str)
    parts = ids.str.split("/", expand=True).reindex(columns=range(4)).astype(object)
    parts = parts.where(parts.notna(), "").astype(str)
    four = ids.str.count("/").eq(3) & parts[2].str.lower().isin(FLOWS)
    out["reporter"] = np.where(four, parts[0], ids)
    out["partner"] = np.where(four, parts[1], "")
    out["flow"] = np.where(four, parts[2].str.lower(), "unspecified")
    out["product"] = np.where(four, parts[3], "")
    for col in OPTIONAL:
        if col in table:
            out[col] = table[col]
    return out


def _from_wide(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    date_col = next(c for c in _DATE_NAMES if c in table.columns)
    long = table.melt(id_vars=[date_col, "_line"], var_name="unique_id", value_name="y")
    long = long.rename(columns={date_col: "ds"})
    return _from_long(long[["unique_id", "ds", "y", "_line"]], "", unit)


def _parse_dates(table: pd.DataFrame, where: str) -> pd.Series:
    text = table["date"].astype(str).str.strip()
    quarter = text.str.extract(_QUARTER)
    is_q = quarter[0].notna()
    text = text.where(
        ~is_q,
        quarter[0]
        + "-"
        + ((quarter[1].astype(float) - 1) * 3 + 1).map(lambda m: f"{int(m):02d}" if m == m else "")
        + "-01",
    )
    shaped = text.str.fullmatch(_ISO)
    dates = pd.to_datetime(text.where(shaped), format="ISO8601", errors="coerce")
    bad = dates.isna()
    if bad.any():
        examples = shorten(repr(v) for v in table.loc[bad, "date"].head(3))
        raise DataError(
            f"{_at(where, table, bad)}: unparseable date(s) {examples}. Write dates as "
            "YYYY-MM-DD (period start), YYYY-MM, YYYY or YYYY-Qn."
        )
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    not_start = (dates.dt.day != 1) | (dates != dates.dt.normalize())
    if not_start.any():
        examples = shorten(table.loc[not_start, "date"].head(3))
        raise DataError(
            f"{_at(where, table, not_start)}: date(s) {examples} are not period starts. "
            "Date each observation by the first day of its period (2024-03-01 for March "
            "2024, 2024-01-01 for the year 2024)."
        )
    return dates.astype("datetime64[ns]")


def _parse_values(table: pd.DataFrame, where: str) -> pd.Series:
    text = table["value"].astype(str).str.strip()
    missing = text.str.lower().isin(MISSING_TOKENS)
    numbers = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = numbers.isna() & ~missing
    if bad.any():
        examples = shorten(repr(v) for v in text[bad].head(3))
        hint = (
            " Remove thousands separators and units ('1,234' -> 1234)."
            if text[bad].str.contains(r"\d", regex=True).any()
            else ""
        )
        raise DataError(
            f"{_at(where, table, bad)}: non-numeric value(s) {examples}.{hint} Leave a "
            "missing value empty (or NA); never write 0 for missing."
        )
    infinite = np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        examples = shorten(repr(v) for v in text[infinite].head(3))
        raise DataError(
            f"{_at(where, table, infinite)}: infinite or overflowing value(s) {examples}. "
            "Values must be finite numbers within float64 range (about 1.8e308)."
        )
    return numbers.astype("float64")


def _frequency(months: np.ndarray, declared: str | None, sid: str, where: str) -> str:
    """Infer (or check) the frequency of one series from its period-start months."""
    month_of_year = months % 12
    if declared is not None:
        if declared == "Y" and (month_of_year != 0).any():
            raise DataError(
                f"{where}, series '{sid}': frequency is annual but some dates are "
                "not January 1. Date annual values YYYY-01-01."
            )
        if declared == "Q" and (month_of_year % 3 != 0).any():
            raise DataError(
                f"{where}, series '{sid}': frequency is quarterly but some dates "
                "are not quarter starts (Jan, Apr, Jul, Oct 1)."
            )
        return declared
    months = np.sort(months)  # inference must not depend on the order of the rows
    month_of_year = months % 12
    diffs = np.diff(months)
    if len(diffs) == 0:
        return "Y" if month_of_year[0] == 0 else "M"
    step = reduce(math.gcd, diffs.astype(int).tolist())
    if step % 12 == 0 and (month_of_year == 0).all():
        return "Y"
    if step % 3 == 0 and (month_of_year % 3 == 0).all():
        return "Q"
    # Three January points a year apart with nothing between them, in a series that
    # also has month-to-month steps, is annual data mixed into a monthly series.
    yearly_run = (diffs[:-1] == 12) & (diffs[1:] == 12) & (month_of_year[1:-1] == 0)
    if yearly_run.any() and (diffs == 1).any():
        raise DataError(
            f"{where}, series '{sid}': mixed frequencies, yearly January dates alongside "
            "monthly ones. Split the annual and monthly data into separate series, or add a "
            "'frequency' column if these really are monthly values with gaps."
        )
    # Likewise four quarter starts three months apart (a year of quarterly observations)
    # beside month-to-month steps: the series changes frequency.
    quarterly = [
        (diffs[i : i + 3] == 3).all() and (month_of_year[i : i + 4] % 3 == 0).all()
        for i in range(len(diffs) - 2)
    ]
    if any(quarterly) and (diffs == 1).any():
        raise DataError(
            f"{where}, series '{sid}': mixed frequencies, a run of quarterly dates alongside "
            "monthly ones. Split the quarterly and monthly data into separate series, or add "
            "a 'frequency' column if these really are monthly values with gaps."
        )
    return "M"


def _check_series(df: pd.DataFrame, where: str, table: pd.DataFrame) -> pd.Series:
    dup = df.duplicated(["series_id", "date"], keep=False)
    if dup.any():
        first = df.loc[dup].iloc[0]
        raise DataError(
            f"{_at(where, table, dup.to_numpy())}: duplicate (series, date): "
            f"'{first['series_id']}' on {first['date']:%Y-%m-%d} appears more than once. "
            "Keep one value per series and period (drop revisions or aggregate first)."
        )
    units = df.groupby("series_id", sort=False)["unit"].nunique()
    mixed = units[units > 1].index.tolist()
    if mixed:
        found = sorted(df.loc[df["series_id"] == mixed[0], "unit"].unique())
        raise DataError(
            f"{where}, series {shorten(repr(s) for s in mixed)}: mixed units within a series "
            f"({', '.join(found)}). Convert every row of a series to one unit."
        )
    declared = df["frequency"].str.strip().str.lower() if "frequency" in df else None
    freqs = {}
    for sid, idx in df.groupby("series_id", sort=False).groups.items():
        decl = None
        if declared is not None:
            names = [n for n in declared.loc[idx].unique() if n]
            unknown = [n for n in names if n not in _FREQ_NAMES]
            if unknown:
                raise DataError(
                    f"{where}, series '{sid}': unknown frequency {unknown[0]!r}. "
                    "Use monthly, quarterly or annual."
                )
            codes = {_FREQ_NAMES[n] for n in names}
            if len(codes) > 1:
                raise DataError(
                    f"{where}, series '{sid}': mixed frequencies "
                    f"({', '.join(sorted(codes))}). Split it into one series "
                    "per frequency."
                )
            decl = codes.pop() if codes else None
        dates = df.loc[idx, "date"]
        months = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()
        freqs[sid] = _frequency(months, decl, str(sid), where)
    return df["series_id"].map(freqs)


def canonicalize(
    table: pd.DataFrame, where: str = "Data", *, unit: str = "", extra_columns: str = "error"
) -> pd.DataFrame:
    """Validate a table of strings and return the canonical tidy frame.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns as read from a file (lower-case names, string cells); an optional
        ``_line`` column gives file line numbers for messages.
    where : str
        How messages name the input, e.g. ``"File 'x.csv'"``.
    unit : str, default ""
        Unit to record for the long and wide layouts, which carry none.
    extra_columns : {"error", "ignore"}, default "error"
        What to do with columns the canonical layout does not know.

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``, sorted by ``series_id`` and ``date``.

    Raises
    ------
    DataError
        For any of the problems listed in the module documentation.
    """
    if extra_columns not in ("error", "ignore"):
        raise ValueError(
            "The 'extra_columns' parameter must be 'error' or 'ignore'. "
            f"Got {extra_columns!r} instead."
        )
    table = table.copy()
    known = {*REQUIRED, *OPTIONAL, *_LONG, *_DATE_NAMES}
    # Known names match case-insensitively; others (wide-layout series ids) keep their case.
    table.columns = [
        str(c).strip().lower() if str(c).strip().lower() in known else str(c).strip()
        for c in table.columns
    ]
    if table.columns.duplicated().any():
        dup = sorted(set(table.columns[table.columns.duplicated()]))
        raise DataError(
            f"{where}: the header repeats column(s) {shorten(dup)} (names are "
            "case-insensitive). Keep one column of each name."
        )
    if "_line" not in table:
        table["_line"] = np.arange(len(table)) + 1
    if table.empty:
        raise DataError(f"{where} has no rows. Provide at least one observation.")
    layout = _layout(table, where)
    if layout == "long":
        table = _from_long(table, where, unit)
    elif layout == "wide":
        table = _from_wide(table, unit)
    else:
        extra = sorted(set(table.columns) - {*REQUIRED, *OPTIONAL, "_line"})
        if extra and extra_columns == "error":
            raise DataError(
                f"{where}: unknown column(s) {shorten(extra)}. The canonical layout takes "
                f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}. Remove them, "
                "or pass extra_columns='ignore' (--ignore-extra on the command line)."
            )
    for col in (*KEY, "unit"):
        table[col] = table[col].astype(str).str.strip()
    table["flow"] = table["flow"].str.lower()
    bad_flow = ~table["flow"].isin(FLOWS)
    if bad_flow.any():
        found = shorten(sorted(table.loc[bad_flow, "flow"].unique()))
        raise DataError(
            f"{_at(where, table, bad_flow)}: unknown flow {found}. Use one of "
            f"{', '.join(FLOWS)} (e.g. 'export' -> 'exports')."
        )
    for col in ("reporter", "partner", "product"):
        empty = table[col].eq("") & table["flow"].ne("unspecified")
        if empty.any():
            raise DataError(
                f"{_at(where, table, empty)}: empty '{col}'. Every row needs a "
                f"{col} (e.g. 'World' or 'total')."
            )
        # Ids join the key with '/', so ('A/B', 'C') and ('A', 'B/C') would be one series.
        slash = table[col].str.contains("/", regex=False) & table["flow"].ne("unspecified")
        if slash.any():
            raise DataError(
                f"{_at(where, table, slash)}: '{col}' "
                f"{table.loc[slash, col].iloc[0]!r} contains '/', which joins the "
                "parts of a series id. Write it another way (e.g. 'Bosnia and "
                "Herzegovina', 'A-B')."
            )
    table["date"] = _parse_dates(table, where)
    table["value"] = _parse_values(table, where)
    negative = table["flow"].isin(["exports", "imports"]) & (table["value"] < 0)
    if negative.any():
        raise DataError(
            f"{_at(where, table, negative)}: negative {table.loc[negative, 'flow'].iloc[0]} "
            f"value(s) {shorten(table.loc[negative, 'value'].head(3))}. Exports and imports "
            "are non-negative; a net figure belongs in flow 'balance'."
        )
    sid = table["reporter"] + "/" + table["partner"] + "/" + table["flow"] + "/" + table["product"]
    table["series_id"] = sid.where(table["flow"] != "unspecified", table["reporter"])
    for col in OPTIONAL:
        table[col] = table[col].astype(str).str.strip() if col in table else ""
    table["frequency"] = _check_series(table, where, table)
    out = table[list(COLUMNS)].sort_values(["series_id", "date"], kind="mergesort")
    return out.reset_index(drop=True)
