"""Series out of the tidy frame: selection, gaps, summaries and resampling.

Every series the package hands to a model is a float ``pandas.Series`` on a regular
``PeriodIndex`` (freq ``M``, ``Q`` or ``Y``). Missing periods appear as NaN, never filled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.errors import DataError, shorten

__all__ = ["gaps", "resample", "select", "series_ids", "split", "summarize", "to_frame"]

_ORDER = {"M": 0, "Q": 1, "Y": 2}
_NAMES = {"M": "monthly", "Q": "quarterly", "Y": "annual"}


def series_ids(frame: pd.DataFrame) -> list[str]:
    """Return the distinct ``series_id`` values of a tidy frame, in order."""
    return list(dict.fromkeys(frame["series_id"]))


def _regular(rows: pd.DataFrame, sid: str) -> pd.Series:
    freq = rows["frequency"].iloc[0]
    index = pd.PeriodIndex(rows["date"], freq=freq)
    values = pd.Series(rows["value"].to_numpy(dtype="float64"), index=index, name=sid)
    full = pd.period_range(index.min(), index.max(), freq=freq)
    values = values.reindex(full)
    values.index.name = "period"
    values.attrs["unit"] = rows["unit"].iloc[0]
    return values


def select(
    frame: pd.DataFrame,
    series_id: str | None = None,
    *,
    reporter: str | None = None,
    partner: str | None = None,
    flow: str | None = None,
    product: str | None = None,
) -> pd.Series:
    """Pick one series from a tidy frame as a regular float series.

    Parameters
    ----------
    frame : pandas.DataFrame
        A canonical tidy frame (see :func:`forecast.data.read_csv`).
    series_id : str, optional
        The full id, e.g. ``"China/United States/exports/total"``.
    reporter, partner, flow, product : str, optional
        Key parts; together they must pick exactly one series.

    Returns
    -------
    pandas.Series
        Float values on a ``PeriodIndex`` spanning first to last observation, with NaN
        where a period is missing; ``name`` is the series id, ``attrs["unit"]`` its unit.

    Raises
    ------
    DataError
        When nothing or more than one series matches.
    """
    mask = pd.Series(True, index=frame.index)
    if series_id is not None:
        mask &= frame["series_id"] == series_id
    for col, want in (
        ("reporter", reporter),
        ("partner", partner),
        ("flow", flow),
        ("product", product),
    ):
        if want is not None:
            mask &= frame[col] == want
    found = series_ids(frame.loc[mask])
    if not found:
        raise DataError(
            f"No series matches {series_id or ''} {reporter or ''} {partner or ''} "
            f"{flow or ''} {product or ''}".rstrip()
            + ". Available: "
            f"{shorten(series_ids(frame), 8)}."
        )
    if len(found) > 1:
        raise DataError(f"{len(found)} series match ({shorten(found)}). Name one series_id.")
    return _regular(frame.loc[mask], found[0])


def split(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Return every series of a tidy frame, keyed by ``series_id``."""
    return {sid: _regular(rows, sid) for sid, rows in frame.groupby("series_id", sort=False)}


def to_frame(
    series: pd.Series,
    *,
    reporter: str,
    partner: str,
    flow: str,
    product: str = "total",
    unit: str = "",
) -> pd.DataFrame:
    """Turn a regular series back into canonical tidy rows (missing periods dropped).

    Parameters
    ----------
    series : pandas.Series
        Values on a ``PeriodIndex``.
    reporter, partner, flow, product, unit : str
        The key and unit to record.

    Returns
    -------
    pandas.DataFrame
        Canonical rows, which :func:`forecast.data.from_frame` accepts.
    """
    s = series.dropna()
    freq = s.index.freqstr[0]
    return pd.DataFrame(
        {
            "series_id": f"{reporter}/{partner}/{flow}/{product}",
            "reporter": reporter,
            "partner": partner,
            "flow": flow,
            "product": product,
            "date": s.index.to_timestamp(how="start"),
            "value": s.to_numpy(dtype=float),
            "unit": unit or series.attrs.get("unit", ""),
            "adjustment": "",
            "source": "",
            "mirror_of": "",
            "note": "",
            "frequency": "Y" if freq == "Y" else freq,
        }
    )


def gaps(series: pd.Series) -> list[tuple[pd.Period, pd.Period]]:
    """Return the runs of missing periods inside a regular series as (first, last) pairs."""
    missing = series.isna().to_numpy()
    out = []
    start = None
    for i, miss in enumerate(missing):
        if miss and start is None:
            start = i
        if not miss and start is not None:
            out.append((series.index[start], series.index[i - 1]))
            start = None
    if start is not None:
        out.append((series.index[start], series.index[-1]))
    return out


def _fmt_gaps(runs: list[tuple[pd.Period, pd.Period]]) -> str:
    return shorten([str(a) if a == b else f"{a} to {b}" for a, b in runs], 4) or "none"


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per series: frequency, span, counts, gaps, unit, adjustment and mirror label.

    Parameters
    ----------
    frame : pandas.DataFrame
        A canonical tidy frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id, frequency, start, end, n_obs, n_missing, gaps, unit,
        adjustment, mirror_of``.
    """
    rows = []
    for sid, series in split(frame).items():
        first = frame.loc[frame["series_id"] == sid].iloc[0]
        runs = gaps(series)
        rows.append(
            {
                "series_id": sid,
                "frequency": _NAMES[series.index.freqstr[0]],
                "start": str(series.index[0]),
                "end": str(series.index[-1]),
                "n_obs": int(series.notna().sum()),
                "n_missing": int(series.isna().sum()),
                "gaps": _fmt_gaps(runs),
                "unit": first["unit"],
                "adjustment": first["adjustment"],
                "mirror_of": first["mirror_of"],
            }
        )
    return pd.DataFrame(rows)


def resample(series: pd.Series, to: str, *, incomplete: str = "drop") -> pd.Series:
    """Sum a regular series to a lower frequency, never half-summing a period.

    Parameters
    ----------
    series : pandas.Series
        Values on a monthly or quarterly ``PeriodIndex``.
    to : {"Q", "Y"}
        Target frequency (quarterly or annual).
    incomplete : {"drop", "nan"}, default "drop"
        A target period lacking any sub-period (missing value, or outside the data) is
        dropped, or kept as NaN so that it stays visible.

    Returns
    -------
    pandas.Series
        Sums on the target ``PeriodIndex``; ``attrs`` carry over.

    Raises
    ------
    ValueError
        For an unknown target, a target not lower than the source, or a bad ``incomplete``.
    """
    if not isinstance(series.index, pd.PeriodIndex):
        raise TypeError(
            "The 'series' parameter of resample must have a PeriodIndex. "
            f"Got {type(series.index).__name__} instead; use forecast.data.select."
        )
    source = series.index.freqstr[0]
    if to not in _ORDER or _ORDER[to] <= _ORDER[source]:
        raise ValueError(
            f"The 'to' parameter of resample must be a frequency lower than "
            f"{source!r} ('Q' or 'Y'). Got {to!r} instead."
        )
    if incomplete not in ("drop", "nan"):
        raise ValueError(
            "The 'incomplete' parameter of resample must be 'drop' or 'nan'. "
            f"Got {incomplete!r} instead."
        )
    per = {("M", "Q"): 3, ("M", "Y"): 12, ("Q", "Y"): 4}[(source, to)]
    target = series.index.asfreq(to)
    grouped = series.groupby(target)
    sums = grouped.sum(min_count=1)
    complete = grouped.count().eq(per)
    out = sums.where(complete, np.nan)
    if incomplete == "drop":
        out = out[complete]
    out.index.name = "period"
    out.name = series.name
    out.attrs.update(series.attrs)
    return out.astype("float64")
