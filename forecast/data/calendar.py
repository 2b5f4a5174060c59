"""Calendar regressors for Chinese trade: Lunar New Year holiday days and working days.

Chinese customs data swing in January and February with the Spring Festival, which
falls between January 21 and February 20. The dates (1985-2035) come from the bundled
table ``lunar_new_year.csv``, computed with the ``lunardate`` package and checked day
for day against the ``holidays`` package's China calendar.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

from forecast.datasets import data_path

__all__ = ["calendar_features", "lunar_new_year", "lunar_new_year_days", "working_days"]


@lru_cache(maxsize=1)
def _table() -> dict[int, dt.date]:
    frame = pd.read_csv(data_path("lunar_new_year.csv"), dtype={"year": int})
    return {
        int(y): dt.date.fromisoformat(d)
        for y, d in zip(frame["year"], frame["lunar_new_year"], strict=True)
    }


def lunar_new_year(year: int) -> dt.date:
    """Return the Gregorian date of the Lunar New Year (Spring Festival day 1) of ``year``.

    Raises
    ------
    ValueError
        Outside the table's span, 1985-2035.
    """
    table = _table()
    if year not in table:
        raise ValueError(
            f"The 'year' parameter of lunar_new_year must be within "
            f"{min(table)}-{max(table)}. Got {year} instead."
        )
    return table[year]


def _check_index(index: pd.PeriodIndex, name: str) -> None:
    if not isinstance(index, pd.PeriodIndex):
        raise TypeError(
            f"The 'index' parameter of {name} must be a PeriodIndex. "
            f"Got {type(index).__name__} instead."
        )


def lunar_new_year_days(index: pd.PeriodIndex, *, before: int = 0, after: int = 6) -> pd.Series:
    """Count the days of the Lunar New Year window falling in each period.

    The window runs from ``before`` days before to ``after`` days after New Year's day;
    the default (0, 6) is the seven-day statutory Spring Festival holiday. Wider windows
    (e.g. ``before=10, after=20``) capture factory closures around it.

    Parameters
    ----------
    index : pandas.PeriodIndex
        Periods of any frequency.
    before, after : int
        Window edges in days, both non-negative.

    Returns
    -------
    pandas.Series
        Integer day counts on ``index``, named ``lny_days``.
    """
    _check_index(index, "lunar_new_year_days")
    for name, val in (("before", before), ("after", after)):
        if not isinstance(val, (int, np.integer)) or val < 0:
            raise ValueError(
                f"The '{name}' parameter of lunar_new_year_days must be a "
                f"non-negative int. Got {val!r} instead."
            )
    starts = index.start_time.normalize()
    ends = index.end_time.normalize()
    # plain datetime64 arrays: pandas 2.x refuses np.minimum(DatetimeIndex, Timestamp)
    start_days, end_days = starts.to_numpy(), ends.to_numpy()
    counts = np.zeros(len(index), dtype=int)
    if not len(index):
        return pd.Series(counts, index=index, name="lny_days")
    table = _table()
    lo_year, hi_year = starts.min().year, ends.max().year
    if lo_year < min(table) or hi_year > max(table):
        raise ValueError(
            f"The 'index' parameter of lunar_new_year_days spans {lo_year}-"
            f"{hi_year}; the Lunar New Year table covers {min(table)}-"
            f"{max(table)}. Shorten the index or set lunar_new_year=False."
        )
    for year in range(max(lo_year - 1, min(table)), min(hi_year + 1, max(table)) + 1):
        day = pd.Timestamp(lunar_new_year(year))
        lo, hi = day - pd.Timedelta(days=before), day + pd.Timedelta(days=after)
        overlap = (
            np.minimum(end_days, hi.to_datetime64()) - np.maximum(start_days, lo.to_datetime64())
        ) // np.timedelta64(1, "D") + 1
        counts += np.clip(overlap.astype(int), 0, None)
    return pd.Series(counts, index=index, name="lny_days")


def working_days(index: pd.PeriodIndex) -> pd.Series:
    """Count Monday-to-Friday days in each period (public holidays are not removed).

    Parameters
    ----------
    index : pandas.PeriodIndex
        Periods of any frequency.

    Returns
    -------
    pandas.Series
        Integer counts on ``index``, named ``working_days``.
    """
    _check_index(index, "working_days")
    starts = index.start_time.normalize().values.astype("datetime64[D]")
    ends = index.end_time.normalize().values.astype("datetime64[D]") + 1
    return pd.Series(np.busday_count(starts, ends), index=index, name="working_days")


def calendar_features(index: pd.PeriodIndex, *, before: int = 0, after: int = 6) -> pd.DataFrame:
    """Return ``lny_days`` and ``working_days`` for ``index`` as a regressor frame."""
    return pd.concat(
        [lunar_new_year_days(index, before=before, after=after), working_days(index)], axis=1
    )
