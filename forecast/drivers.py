"""A driver as the models see it: on the series' calendar, and over the periods forecast.

Two things a published driver can need before it enters a regression:

* **A lag.** Some drivers are known before the period they inform. December's
  year-on-year export growth is published in mid-January, with the year's total; as a
  driver of the *next* year's total it is dated one year later (``lag=1``), so the
  forecast of that year uses a published figure instead of a guess.
* **Cumulation.** A growth rate in percent drives growth, not the level. Models fit
  levels (or logs) and difference them, so the rate enters as its log index,
  ``sum(log(1 + g / 100))``, whose first differences are the rates again.

Over the periods forecast, a driver takes the values already known (those a lag brings
forward) and is then held at the last of them, the rule the backtest applies at every
cutoff, so backtest and forecast see a driver the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.errors import DataError
from forecast.models.base import future_index

__all__ = ["as_regressor", "known_at", "path_after"]


def as_regressor(driver: pd.Series, *, lag: int = 0, cumulate: bool = False) -> pd.Series:
    """The driver as a regressor: cumulated into a log index if asked, then dated ``lag``
    periods later.

    Parameters
    ----------
    driver : pandas.Series
        The published driver on a PeriodIndex.
    lag : int, default 0
        Periods by which the driver is published ahead of the period it informs.
    cumulate : bool, default False
        The driver is a growth rate in percent; the regressor is its log index
        ``cumsum(log(1 + g / 100))``. A gap leaves the index missing from there on.

    Returns
    -------
    pandas.Series
        The regressor, ``lag`` periods beyond the driver's last period.

    Raises
    ------
    DataError
        With ``cumulate``, a rate of -100% or below (no log index exists).
    """
    x = driver.astype(float)
    if cumulate:
        low = x[x <= -100]
        if len(low):
            raise DataError(
                f"Driver {driver.name}: cumulate = true reads the driver as a growth rate "
                f"in percent, and {low.index[0]} is {low.iloc[0]:g} (at or below -100%). "
                "Set cumulate = false for a driver that is not a growth rate."
            )
        # np.cumsum, not Series.cumsum: a gap must break the index, not be skipped
        x = pd.Series(np.cumsum(np.log1p(x.to_numpy() / 100)), index=x.index, name=x.name)
    return pd.Series(x.to_numpy(), index=x.index + lag, name=driver.name)


def path_after(known: pd.DataFrame, cutoff: pd.Period, h: int) -> pd.DataFrame:
    """Regressors over the ``h`` periods after ``cutoff``: the values already known, then
    the last of them held.

    Parameters
    ----------
    known : pandas.DataFrame
        Regressors as known at the cutoff: up to it, and beyond it where published ahead.
    cutoff : pandas.Period
        The last period of the series.
    h : int
        Periods to cover.

    Returns
    -------
    pandas.DataFrame
        The ``h`` future periods, no value missing.
    """
    index = future_index(cutoff, h)
    rows = known.loc[: index[-1]].dropna()
    return rows.reindex(rows.index.union(index)).ffill().reindex(index)


def known_at(full: pd.DataFrame, cutoff: pd.Period, *, lag: int, h: int) -> pd.DataFrame:
    """Regressors as known at ``cutoff``, the vintage a backtest fold sees.

    Parameters
    ----------
    full : pandas.DataFrame
        Regressors on the series' calendar, possibly published beyond its end.
    cutoff : pandas.Period
        The fold's last period of data.
    lag : int
        Periods published ahead: values up to ``cutoff + lag`` are known.
    h : int
        Periods after the cutoff to cover.

    Returns
    -------
    pandas.DataFrame
        History up to the cutoff, then :func:`path_after` over the ``h`` periods after it.
    """
    known = full.loc[: cutoff + lag]
    return pd.concat([full.loc[:cutoff], path_after(known, cutoff, h)])
