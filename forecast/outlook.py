"""Calendar-year outlooks from simulated paths.

A calendar year's total is its observed periods (year to date) plus simulated remaining
periods, path by path, so the distribution of the total (and of its growth over the
previous year) carries the paths' correlation across months. For annual data the year
is one simulated step. The answer analysts ask for: the expected total, growth over the
last complete year, quantiles, and the probability that exports grow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.errors import DataError
from forecast.models.base import Forecaster, season_length_for
from forecast.periods import year_end

__all__ = ["QUANTILES", "default_year", "outlook", "pair_outlook", "year_totals"]

QUANTILES = (5, 10, 50, 90, 95)


def default_year(y: pd.Series) -> int:
    """The year after the last complete calendar year of ``y``."""
    per_year = season_length_for(y.index)
    observed = y.dropna()
    counts = observed.groupby(observed.index.year).count()
    complete = counts[counts == per_year].index
    if not len(complete):
        raise DataError(
            f"Series '{y.name}' has no complete calendar year; an outlook needs "
            "at least one as its base."
        )
    return int(complete.max()) + 1


def year_totals(y: pd.Series, paths: np.ndarray, year: int) -> np.ndarray:
    """Per-path totals of ``year``: observed periods plus simulated ones.

    Parameters
    ----------
    y : pandas.Series
        Observed values on a PeriodIndex, ending at the paths' origin.
    paths : numpy.ndarray
        Simulated values, shape ``(n_paths, h)``, for the periods after ``y``.
    year : int
        Calendar year.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_paths,)``.

    Raises
    ------
    DataError
        When an observed period of the year is missing or the paths do not reach its end.
    """
    freq = y.index.freq
    periods = pd.period_range(
        pd.Period(f"{year}-01-01", freq=freq), pd.Period(f"{year}-12-31", freq=freq), freq=freq
    )
    cutoff = y.index[-1]
    observed = periods[periods <= cutoff]
    simulated = periods[periods > cutoff]
    actual = y.reindex(observed)
    if actual.isna().any():
        gaps = ", ".join(str(p) for p in actual.index[actual.isna()][:4])
        raise DataError(
            f"Series '{y.name}': {year} has missing observed periods ({gaps}); "
            "its total cannot be formed without filling them."
        )
    total = np.full(paths.shape[0], float(actual.sum()))
    if len(simulated):
        steps = np.array([(p - cutoff).n for p in simulated])
        if steps.max() > paths.shape[1]:
            raise ValueError(
                f"The paths reach {paths.shape[1]} periods ahead but {year} "
                f"needs {steps.max()}. Simulate more periods."
            )
        total = total + paths[:, steps - 1].sum(axis=1)
    return total


def outlook(
    model: Forecaster,
    y: pd.Series,
    *,
    year: int | None = None,
    n_paths: int = 2000,
    X: pd.DataFrame | None = None,
    thresholds: Sequence[float] = (0.0,),
    quantiles: Sequence[float] = QUANTILES,
    random_state: int | np.random.Generator | None = 0,
    shock: float = 0.0,
) -> pd.DataFrame:
    """The distribution of a calendar year's total and its growth.

    Parameters
    ----------
    model : Forecaster
        A model fitted on ``y``.
    y : pandas.Series
        The observed series the model was fitted on.
    year : int, optional
        Target year; the year after the last complete year of ``y`` by default.
    n_paths : int, default 2000
        Number of simulated paths.
    X : pandas.DataFrame, optional
        Future regressors for the simulated periods (when the model uses them).
    thresholds : sequence of float, default (0.0,)
        Growth rates g (as fractions) for which P(growth >= g) is reported.
    quantiles : sequence of float, default (5, 10, 50, 90, 95)
        Percentiles of the total and of growth to report.
    random_state : int or Generator, default 0
        Seed of the paths; the same seed gives the same outlook.
    shock : float, default 0.0
        Proportional shift of every simulated period (-0.1 lowers them by 10%), e.g. a
        tariff change times a trade elasticity. Zero gives the baseline exactly.

    Returns
    -------
    pandas.DataFrame
        One row: ``series_id, model, year, base_year, base_total, expected_total,
        expected_growth, total_q{q}, growth_q{q}, p_growth_ge_{g}, periods_observed,
        periods_simulated, n_paths``. Growth is a fraction (0.05 = 5%).
    """
    model._check_fitted()
    if y.index[-1] != model.cutoff_:
        raise ValueError(
            f"The 'y' parameter of outlook ends at {y.index[-1]} but the model "
            f"was fitted up to {model.cutoff_}; pass the series it was fitted on."
        )
    target = default_year(y) if year is None else int(year)
    cutoff = model.cutoff_
    last_needed = year_end(target, cutoff.freq)
    h = max((last_needed - cutoff).n, 0)
    if target - 1 < y.index[0].year:
        raise DataError(
            f"Series '{y.name}' starts in {y.index[0].year}; the base year "
            f"{target - 1} of an outlook for {target} is not in the data."
        )
    if not np.isfinite(shock) or shock <= -1:
        raise ValueError(
            "The 'shock' parameter of outlook must be a finite fraction above "
            f"-1 (e.g. -0.1 for -10%). Got {shock!r} instead."
        )
    paths = (
        model.sample(h, n_paths, X=X, random_state=random_state) if h else np.zeros((n_paths, 0))
    )
    paths = paths * (1.0 + shock) if shock else paths
    total = year_totals(y, paths, target)
    base = year_totals(y, paths, target - 1)
    if (base <= 0).any():  # growth from a zero (or negative) base has no meaning
        raise DataError(
            f"Series '{y.name}': the base year {target - 1} totals "
            f"{float(base.min()):g} in some paths; growth is undefined from a zero "
            "or negative base. Check the data, or ask for the outlook of another "
            "year."
        )
    growth = total / base - 1
    row: dict[str, object] = {
        "series_id": model.series_id_,
        "model": model.model_name,
        "shock": float(shock),
        "year": target,
        "base_year": target - 1,
        "base_total": float(base.mean()),
        "expected_total": float(total.mean()),
        "expected_growth": float(growth.mean()),
    }
    for q in quantiles:
        row[f"total_q{q:g}"] = float(np.percentile(total, q))
    for q in quantiles:
        row[f"growth_q{q:g}"] = float(np.percentile(growth, q))
    for g in thresholds:
        # a tolerance, so a flat path's growth of 0 (summed to -1e-17) counts as >= 0
        row[f"p_growth_ge_{g:g}"] = float(np.mean(growth >= g - 1e-12))
    freq = cutoff.freq
    in_year = pd.period_range(pd.Period(f"{target}-01-01", freq=freq), last_needed, freq=freq)
    row["periods_observed"] = int((in_year <= cutoff).sum())
    row["periods_simulated"] = int((in_year > cutoff).sum())
    row["n_paths"] = int(n_paths)
    return pd.DataFrame([row])


def pair_outlook(
    model,
    Y: pd.DataFrame,
    *,
    year: int | None = None,
    n_paths: int = 2000,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Outlook of both flows and the balance from a fitted :class:`PairVAR`'s joint paths.

    The balance is exports minus imports per path, so its spread reflects the flows'
    correlation. For the balance, ``expected_growth`` and the growth quantiles are the
    change over the base year relative to the base's absolute value, and
    ``p_growth_ge_0`` is the probability that the balance rises.

    Returns
    -------
    pandas.DataFrame
        Rows for the two flows and ``balance``, with ``joint = True``.
    """
    first = Y.iloc[:, 0]
    target = default_year(first) if year is None else int(year)
    cutoff = model.cutoff_
    h = max((year_end(target, cutoff.freq) - cutoff).n, 0)
    paths = model.sample(h, n_paths, random_state=random_state) if h else np.zeros((n_paths, 0, 2))
    flows = {
        Y.columns[0]: (Y.iloc[:, 0], paths[:, :, 0]),
        Y.columns[1]: (Y.iloc[:, 1], paths[:, :, 1]),
        "balance": (Y.iloc[:, 0] - Y.iloc[:, 1], paths[:, :, 0] - paths[:, :, 1]),
    }
    rows = []
    for name, (observed, p) in flows.items():
        total = year_totals(observed.rename(name), p, target)
        base = year_totals(observed.rename(name), p, target - 1)
        growth = (total - base) / np.abs(base)
        row = {
            "series_id": str(name),
            "model": model.name,
            "year": target,
            "base_year": target - 1,
            "base_total": float(base.mean()),
            "expected_total": float(total.mean()),
            "expected_growth": float(growth.mean()),
            "p_growth_ge_0": float(np.mean(growth >= 0)),
            "joint": True,
        }
        for q in QUANTILES:
            row[f"total_q{q:g}"] = float(np.percentile(total, q))
            row[f"growth_q{q:g}"] = float(np.percentile(growth, q))
        rows.append(row)
    return pd.DataFrame(rows)
