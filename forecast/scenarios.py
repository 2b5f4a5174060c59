"""Named scenarios for exogenous drivers, forecast and outlook side by side.

A scenario is a frame of future regressors (for example the US tariff on Chinese goods
held at 20% versus raised to 50% from a date). Each is pushed through the same fitted
model, so differences between scenarios come from the drivers alone; with identical
drivers two scenarios give identical numbers under the same seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecast.models.base import Forecaster, future_index
from forecast.outlook import outlook

__all__ = ["run_scenarios", "step_path"]


def step_path(
    cutoff: pd.Period,
    h: int,
    *,
    current: float,
    level: float | None = None,
    start: str | pd.Period | None = None,
    name: str = "x",
) -> pd.DataFrame:
    """A future regressor held at ``current``, switching to ``level`` from ``start``.

    Parameters
    ----------
    cutoff : pandas.Period
        The last observed period; the path covers the ``h`` periods after it.
    h : int
        Number of future periods.
    current : float
        Value held until ``start`` (or throughout when ``level`` is None).
    level : float, optional
        Value from ``start`` on.
    start : str or pandas.Period, optional
        First period at ``level``; the first future period when None.
    name : str, default "x"
        Column name.

    Returns
    -------
    pandas.DataFrame
        One column on the future PeriodIndex.
    """
    index = future_index(cutoff, h)
    values = np.full(h, float(current))
    if level is not None:
        first = pd.Period(start, freq=cutoff.freq) if start is not None else index[0]
        values[index >= first] = float(level)
    return pd.DataFrame({name: values}, index=index)


def run_scenarios(
    model: Forecaster,
    y: pd.Series,
    scenarios: Mapping[str, pd.DataFrame],
    *,
    h: int | None = None,
    year: int | None = None,
    n_paths: int = 2000,
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecast and outlook of a fitted model under each named scenario.

    Parameters
    ----------
    model : Forecaster
        A model fitted on ``y`` with exogenous regressors.
    y : pandas.Series
        The series the model was fitted on.
    scenarios : mapping of str to pandas.DataFrame
        Future regressors per scenario, covering at least ``h`` periods.
    h : int, optional
        Forecast horizon; the length of the shortest scenario when None.
    year : int, optional
        Outlook year; the year after the last complete year by default.
    n_paths : int, default 2000
        Paths per scenario outlook.
    random_state : int, default 0
        The same seed for every scenario, so that only the drivers differ.

    Returns
    -------
    forecasts, outlooks : pandas.DataFrame
        The tidy forecast and the outlook row of every scenario, with a ``scenario`` column.
    """
    if not scenarios:
        raise ValueError(
            "The 'scenarios' parameter of run_scenarios must name at least one "
            "scenario. Got an empty mapping instead."
        )
    h = h or min(len(frame) for frame in scenarios.values())
    forecasts, outlooks = [], []
    for name, future in scenarios.items():
        fc = model.predict(h, X=future)
        fc.insert(0, "scenario", name)
        forecasts.append(fc)
        out = outlook(model, y, year=year, n_paths=n_paths, X=future, random_state=random_state)
        out.insert(0, "scenario", name)
        outlooks.append(out)
    return pd.concat(forecasts, ignore_index=True), pd.concat(outlooks, ignore_index=True)
