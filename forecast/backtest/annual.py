"""Annual vintage backtests: how good were past calendar-year outlooks?

For every past year Y, a model is fitted on the data known at an information cutoff
(the end of Y-1, or month m of Y), and its outlook for Y's calendar total is compared
with what happened: the error of the expected total, whether the 80%, 90% and 95%
ranges held the outcome, and the Brier score of P(growth >= 0) against a climatology forecast
(the share of years before Y in which the series grew).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast.drivers import path_after
from forecast.models import Forecaster
from forecast.models.base import season_length_for
from forecast.outlook import outlook
from forecast.periods import year_end

__all__ = ["annual_backtest", "brier_summary"]


def _totals(y: pd.Series) -> pd.Series:
    per_year = season_length_for(y.index)
    grouped = y.groupby(y.index.year)
    return grouped.sum(min_count=1).where(grouped.count() == per_year)


def annual_backtest(
    model: Forecaster | Callable[[pd.Series], Forecaster],
    y: pd.Series,
    *,
    X: pd.DataFrame | None = None,
    X_lag: int = 0,
    years: list[int] | None = None,
    month: int = 0,
    min_train_years: int = 5,
    n_paths: int = 1000,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score the calendar-year outlooks a model would have given in past years.

    Parameters
    ----------
    model : Forecaster or callable
        Unfitted model, a clone of which is fitted for every year; or a function that
        takes the training series and returns a fitted model (e.g. the main job's
        selection, calibration and fit, :func:`forecast.stages.fit_series`); with ``X``,
        the function takes the regressors as known at the cutoff as a second argument.
    y : pandas.Series
        Monthly, quarterly or annual series on a PeriodIndex.
    X : pandas.DataFrame, optional
        Regressors on the series' calendar. At each cutoff the model sees them up to
        ``X_lag`` periods past it, and the outlook holds the last of those values.
    X_lag : int, default 0
        Periods by which ``X`` is published ahead (0: nothing after the cutoff is known).
    years : list of int, optional
        Years to test; every year with complete data, a complete previous year and at
        least ``min_train_years`` of history by default.
    month : int, default 0
        Information cutoff within the year: 0 is the end of Y-1; m (1-11) is the end of
        month m of Y (monthly data only).
    min_train_years : int, default 5
        Shortest history (in years) to fit on.
    n_paths : int, default 1000
        Paths per outlook.
    random_state : int, default 0
        Seed of the paths.

    Returns
    -------
    pandas.DataFrame
        One row per year: ``series_id, model, year, cutoff, expected_total, actual_total,
        pct_error, in_80, in_90, in_95, p_growth_ge_0, grew, climatology, error``.
    """
    if not 0 <= month <= 11 or (month and y.index.freqstr[0] != "M"):
        raise ValueError(
            "The 'month' parameter of annual_backtest must be 0, or 1-11 for "
            f"monthly data. Got {month!r} instead."
        )
    totals = _totals(y)
    growth = totals / totals.shift(1) - 1
    first_year = y.index[0].year
    candidates = [
        int(yr)
        for yr in totals.index
        if np.isfinite(totals.get(yr, np.nan))
        and np.isfinite(growth.get(yr, np.nan))
        and yr - first_year >= min_train_years
    ]
    years = candidates if years is None else [int(yr) for yr in years]
    rows = []
    for year in years:
        freq = y.index.freq
        cutoff = (
            pd.Period(f"{year - 1}-12-31", freq=freq)
            if not month
            else pd.Period(f"{year}-{month:02d}", freq=freq)
        )
        train = y.loc[:cutoff]
        train = train.loc[: train.last_valid_index()]
        past = growth.loc[: year - 1].dropna()
        row = {
            "series_id": str(y.name),
            "model": model.model_name
            if isinstance(model, Forecaster)
            else getattr(model, "__name__", type(model).__name__),
            "year": year,
            "cutoff": str(cutoff),
            "actual_total": float(totals.get(year, np.nan)),
            "grew": bool(growth.get(year, np.nan) >= 0),
            "climatology": float((past >= 0).mean()) if len(past) else np.nan,
            "error": "",
        }
        try:
            known = None if X is None else X.loc[: train.index[-1] + X_lag]
            if isinstance(model, Forecaster):
                fitted = clone(model).fit(
                    train, None if known is None else known.reindex(train.index)
                )
            else:
                fitted = model(train) if known is None else model(train, known)
            steps = (year_end(year, freq) - train.index[-1]).n
            out = outlook(
                fitted,
                train,
                year=year,
                X=None
                if getattr(fitted, "x_columns_", None) is None  # the driver was not kept
                else path_after(known, train.index[-1], steps),
                n_paths=n_paths,
                random_state=random_state,
                quantiles=(2.5, 5, 10, 90, 95, 97.5),
            ).iloc[0]
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            rows.append(row)
            continue
        actual = row["actual_total"]
        row.update(
            {
                "expected_total": out["expected_total"],
                "pct_error": 100 * (out["expected_total"] - actual) / actual,
                "in_80": bool(out["total_q10"] <= actual <= out["total_q90"]),
                "in_90": bool(out["total_q5"] <= actual <= out["total_q95"]),
                "in_95": bool(out["total_q2.5"] <= actual <= out["total_q97.5"]),
                "p_growth_ge_0": out["p_growth_ge_0"],
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def brier_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model: years scored, MAPE of totals, coverage, Brier score and skill.

    ``brier_skill`` is 1 - Brier(model) / Brier(climatology): positive means the model's
    probabilities of growth beat the share of past years with growth.
    """
    ok = frame[(frame["error"] == "") & frame["climatology"].notna()]
    rows = []
    for model, g in ok.groupby("model"):
        outcome = g["grew"].astype(float).to_numpy()
        brier = float(np.mean((g["p_growth_ge_0"].to_numpy(float) - outcome) ** 2))
        clim = float(np.mean((g["climatology"].to_numpy(float) - outcome) ** 2))
        rows.append(
            {
                "model": model,
                "years": len(g),
                "mape_total": float(np.mean(np.abs(g["pct_error"]))),
                "coverage_80": float(g["in_80"].mean()),
                "coverage_90": float(g["in_90"].mean()),
                "coverage_95": float(g["in_95"].mean()),
                "brier": brier,
                "brier_climatology": clim,
                "brier_skill": 1 - brier / clim if clim > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)
