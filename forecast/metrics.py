"""Forecast accuracy metrics: pure functions of a tidy backtest frame.

Every metric takes the frame produced by :func:`forecast.backtest.backtest` (columns
``y``, ``mean``, ``lo-L``/``hi-L``, ``scale_mae``, ``scale_mse``, optionally ``crps``)
and returns one number per group. Rows whose actual ``y`` is missing are skipped.

* MAE, RMSE; MAPE and sMAPE in percent (sMAPE on 0-200, the M3 definition
  200 |y - f| / (|y| + |f|));
* MASE and RMSSE, scaled by the in-sample seasonal-naive error of each fold's own
  training data (Hyndman & Koehler, 2006; the M5 RMSSE);
* pinball loss at the interval bounds, interval coverage, the Winkler (interval) score
  (Winkler, 1972), and CRPS from simulated paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecast.periods import hi_col, lo_col

__all__ = [
    "METRICS",
    "coverage",
    "crps",
    "evaluate",
    "mae",
    "mape",
    "mase",
    "pinball",
    "rmse",
    "rmsse",
    "skill",
    "smape",
    "winkler",
]


def _valid(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[
        np.isfinite(frame["y"].to_numpy(dtype=float))
        & np.isfinite(frame["mean"].to_numpy(dtype=float))
    ]


def _err(frame: pd.DataFrame) -> np.ndarray:
    return frame["y"].to_numpy(float) - frame["mean"].to_numpy(float)


def mae(frame: pd.DataFrame) -> float:
    """Mean absolute error."""
    f = _valid(frame)
    return float(np.mean(np.abs(_err(f)))) if len(f) else np.nan


def rmse(frame: pd.DataFrame) -> float:
    """Root mean squared error."""
    f = _valid(frame)
    return float(np.sqrt(np.mean(_err(f) ** 2))) if len(f) else np.nan


def mape(frame: pd.DataFrame) -> float:
    """Mean absolute percentage error, in percent (rows with y = 0 are skipped)."""
    f = _valid(frame)
    f = f[f["y"] != 0]
    return float(np.mean(np.abs(_err(f) / f["y"].to_numpy(float))) * 100) if len(f) else np.nan


def smape(frame: pd.DataFrame) -> float:
    """Symmetric MAPE on 0-200 (M3): mean of 200 |y - f| / (|y| + |f|)."""
    f = _valid(frame)
    denom = np.abs(f["y"].to_numpy(float)) + np.abs(f["mean"].to_numpy(float))
    keep = denom > 0
    if not keep.any():
        return np.nan
    return float(np.mean(200 * np.abs(_err(f))[keep] / denom[keep]))


def mase(frame: pd.DataFrame) -> float:
    """Mean absolute scaled error: each error over its fold's seasonal-naive in-sample MAE."""
    f = _valid(frame)
    scale = f["scale_mae"].to_numpy(float)
    keep = np.isfinite(scale) & (scale > 0)
    return float(np.mean(np.abs(_err(f))[keep] / scale[keep])) if keep.any() else np.nan


def rmsse(frame: pd.DataFrame) -> float:
    """Root mean squared scaled error (M5), per fold, averaged over folds."""
    f = _valid(frame)
    if not len(f):
        return np.nan
    f = f.assign(_sq=_err(f) ** 2)
    per_fold = f.groupby(["series_id", "model", "cutoff"], observed=True).agg(
        sq=("_sq", "mean"), scale=("scale_mse", "first")
    )
    per_fold = per_fold[per_fold["scale"] > 0]
    return float(np.mean(np.sqrt(per_fold["sq"] / per_fold["scale"]))) if len(per_fold) else np.nan


def _bounds(frame: pd.DataFrame, level: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = lo_col(level), hi_col(level)
    if lo not in frame or hi not in frame:
        raise ValueError(
            f"The frame has no {level:g}% interval (columns {lo}, {hi}); run the "
            f"backtest with level=({level:g},)."
        )
    return frame[lo].to_numpy(float), frame[hi].to_numpy(float)


def coverage(frame: pd.DataFrame, level: float = 80) -> float:
    """Share of actuals inside the ``level``% interval."""
    f = _valid(frame)
    lo, hi = _bounds(f, level)
    y = f["y"].to_numpy(float)
    return float(np.mean((y >= lo) & (y <= hi))) if len(f) else np.nan


def pinball(frame: pd.DataFrame, level: float = 80) -> float:
    """Mean pinball (quantile) loss at the two bounds of the ``level``% interval."""
    f = _valid(frame)
    lo, hi = _bounds(f, level)
    y = f["y"].to_numpy(float)
    losses = []
    for q, pred in ((0.5 - level / 200, lo), (0.5 + level / 200, hi)):
        diff = y - pred
        losses.append(np.maximum(q * diff, (q - 1) * diff))
    return float(np.mean(losses)) if len(f) else np.nan


def winkler(frame: pd.DataFrame, level: float = 80) -> float:
    """Winkler score: width plus 2/alpha times the distance outside the interval."""
    f = _valid(frame)
    lo, hi = _bounds(f, level)
    y = f["y"].to_numpy(float)
    alpha = 1 - level / 100
    score = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    return float(np.mean(score)) if len(f) else np.nan


def crps(frame: pd.DataFrame) -> float:
    """Mean continuous ranked probability score (needs a backtest with ``crps_paths``)."""
    if "crps" not in frame:
        raise ValueError("The frame has no 'crps' column; run the backtest with crps_paths > 0.")
    f = _valid(frame)
    return float(np.nanmean(f["crps"].to_numpy(float))) if len(f) else np.nan


METRICS: dict[str, Callable[[pd.DataFrame], float]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "mase": mase,
    "rmsse": rmsse,
    "coverage_80": lambda f: coverage(f, 80),
    "coverage_95": lambda f: coverage(f, 95),
    "winkler_95": lambda f: winkler(f, 95),
    "pinball_80": lambda f: pinball(f, 80),
}


def evaluate(
    frame: pd.DataFrame,
    metrics: Sequence[str] = ("mase", "rmsse", "mape", "smape", "coverage_80", "coverage_95"),
    by: Sequence[str] = ("model",),
) -> pd.DataFrame:
    """Metrics by group (e.g. by model; by model and horizon; by series and model).

    Parameters
    ----------
    frame : pandas.DataFrame
        A backtest's forecasts.
    metrics : sequence of str
        Names from ``METRICS`` (plus ``"crps"`` when the frame has it).
    by : sequence of str, default ("model",)
        Grouping columns.

    Returns
    -------
    pandas.DataFrame
        One row per group, one column per metric.
    """
    table = {**METRICS, "crps": crps}
    unknown = [m for m in metrics if m not in table]
    if unknown:
        raise ValueError(f"Unknown metric(s) {', '.join(unknown)}. Choose from {', '.join(table)}.")
    rows = []
    for key, group in frame.groupby(list(by), observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        row.update({m: table[m](group) for m in metrics})
        rows.append(row)
    return pd.DataFrame(rows)


def skill(
    frame: pd.DataFrame,
    metric: str = "mase",
    baseline: str = "snaive",
    by: Sequence[str] = ("model",),
) -> pd.DataFrame:
    """Skill against a baseline model: 1 - metric(model) / metric(baseline), per group.

    Positive skill means the model beats the baseline on the same folds.
    """
    if baseline not in set(frame["model"].astype(str)):
        raise ValueError(
            f"The baseline model {baseline!r} is not in the frame; include it in the backtest."
        )
    scores = evaluate(frame, [metric], by=by)
    rest = [b for b in by if b != "model"]
    base = scores[scores["model"] == baseline].drop(columns="model")
    base = base.rename(columns={metric: "baseline"})
    merged = (
        scores.merge(base, on=rest)
        if rest
        else scores.assign(baseline=float(base["baseline"].iloc[0]))
    )
    merged[f"skill_{metric}"] = 1 - merged[metric] / merged["baseline"]
    return merged.drop(columns="baseline")
