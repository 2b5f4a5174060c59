"""Many series in one call: a long frame in, a tidy forecast frame out.

>>> import forecast
>>> forecast.forecast(df, h=12)                          # doctest: +SKIP
>>> forecast.forecast(df, h=12, model="ets", n_jobs=2)   # doctest: +SKIP

``df`` is a long frame ``unique_id, ds, y`` (as statsforecast takes), a canonical tidy
frame (``reporter, partner, flow, product, date, value, unit``), or a wide one (a date
column and one column per series); it is validated by :func:`forecast.data.from_frame`.
Each series is fitted on its span after its last gap (gaps are never filled), exactly as
fitting it alone would; results are the same with any ``n_jobs`` (tested).
"""

from __future__ import annotations

import pandas as pd
from joblib import Parallel, delayed

from forecast._parallel import BACKENDS, parallel_backend
from forecast.data import from_frame, split
from forecast.errors import DataError
from forecast.models import get
from forecast.models.base import check_levels

__all__ = ["forecast"]


def _one(y: pd.Series, model: str, params: dict, h: int, level: tuple[float, ...]) -> pd.DataFrame:
    if y.isna().any():
        y = y.loc[y.index[y.isna()][-1] + 1 :]
    return get(model, **params).fit(y).predict(h, level=level)


def forecast(
    df: pd.DataFrame,
    h: int,
    model: str = "ensemble",
    *,
    level: tuple[float, ...] = (80, 95),
    n_jobs: int = 1,
    backend: str = "loky",
    errors: str = "raise",
    **params: object,
) -> pd.DataFrame:
    """Forecast every series of a frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Long (``unique_id, ds, y``), canonical or wide layout.
    h : int
        Periods ahead.
    model : str, default "ensemble"
        A registry name (:func:`forecast.models.available`).
    level : tuple of float, default (80, 95)
        Interval levels in percent.
    n_jobs : int, default 1
        Parallel series (joblib; -1 for every CPU).
    backend : {"loky", "threading", "dask"}, default "loky"
        Where the series run; "dask" uses the current ``dask.distributed`` client or a
        local cluster for the call. Results are the same on every back end (tested).
    errors : {"raise", "skip"}, default "raise"
        What a series that cannot be fitted does: raise its error, or leave it out (its
        error is then listed in ``result.attrs["errors"]``).
    **params
        Hyperparameters of the model.

    Returns
    -------
    pandas.DataFrame
        ``series_id, date, model, mean, lo-80, hi-80, lo-95, hi-95``, series after series.
    """
    if backend not in BACKENDS:
        raise ValueError(
            f"The 'backend' parameter of forecast must be one of "
            f"{', '.join(BACKENDS)}. Got {backend!r} instead."
        )
    if errors not in ("raise", "skip"):
        raise ValueError(
            f"The 'errors' parameter of forecast must be 'raise' or 'skip'. Got {errors!r} instead."
        )
    levels = check_levels(level)
    get(model, **params)  # a bad name or parameter fails here, once
    frame = df if {"series_id", "frequency"} <= set(df.columns) else from_frame(df)
    series = split(frame)
    if not series:
        raise DataError("The frame holds no series.")

    def safe(y):
        try:
            return _one(y, model, params, h, levels)
        except (DataError, ValueError) as exc:
            if errors == "raise":
                raise
            return f"{y.name}: {exc}"

    with parallel_backend(backend, n_jobs):
        runner = (
            Parallel(n_jobs=n_jobs)
            if backend == "dask"
            else Parallel(n_jobs=n_jobs, backend=backend)
        )
        out = runner(delayed(safe)(y) for y in series.values())
    frames = [f for f in out if isinstance(f, pd.DataFrame)]
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    result.attrs["errors"] = [f for f in out if isinstance(f, str)]
    return result
