"""The backtest engine: many series x many models x rolling folds, in parallel.

Leakage rules. At each cutoff a model sees the target only up to the cutoff, and the
regressors only as known then:

* ``exog="forecast"`` (default): future regressors are forecast from their own history
  up to the cutoff (by default held at their last value, the naive forecast);
* ``exog="vintage"``: future regressors come from ``X_vintages[cutoff]``, the table of
  X as it was known at that cutoff (history and announced future values);
* ``exog="oracle"``: the realised future values, only when asked, and every output row
  then says ``oracle`` in its ``exog`` column.

A fold that fails is recorded with its error and the run goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from forecast._parallel import parallel_backend
from forecast.backtest.splitter import Fold, Splitter
from forecast.data import split
from forecast.models import Forecaster, get
from forecast.models.base import check_levels, season_length_for

__all__ = ["BacktestResult", "backtest"]

log = logging.getLogger(__name__)
EXOG_MODES = ("forecast", "vintage", "oracle")


@dataclass
class BacktestResult:
    """What a backtest produced.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per (series, model, cutoff, period): ``series_id, model, cutoff, date, h,
        y, mean, lo-*, hi-*``, the fold's scaling errors ``scale_mae`` and ``scale_mse``
        (in-sample seasonal-naive errors of its training data), ``exog`` and, when paths
        were drawn, ``crps``.
    folds : pandas.DataFrame
        One row per (series, model, cutoff): ``refit``, ``fit_seconds``,
        ``predict_seconds``, ``error`` (empty when the fold succeeded).
    """

    forecasts: pd.DataFrame
    folds: pd.DataFrame
    config: dict = field(default_factory=dict)

    @property
    def failed(self) -> pd.DataFrame:
        """The folds that failed, with their errors."""
        return self.folds[self.folds["error"] != ""]


def _as_series_dict(data: object) -> dict[str, pd.Series]:
    if isinstance(data, pd.Series):
        return {str(data.name or "y"): data}
    if isinstance(data, pd.DataFrame):
        if "series_id" not in data:
            raise TypeError(
                "The 'data' parameter of backtest must be a Series, a mapping of "
                "Series, or a canonical tidy frame (with a series_id column)."
            )
        return split(data)
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items()}
    raise TypeError(
        "The 'data' parameter of backtest must be a Series, a mapping of Series "
        f"or a tidy frame. Got {type(data).__name__} instead."
    )


def _as_models(models: object) -> dict[str, Forecaster]:
    if isinstance(models, (str, Forecaster)):
        models = [models]
    if isinstance(models, Mapping):
        items = list(models.items())
    else:
        items = []
        for m in models:  # type: ignore[union-attr]
            model = get(m) if isinstance(m, str) else m
            items.append((m if isinstance(m, str) else model.model_name, model))
    out = {}
    for name, model in items:
        if not isinstance(model, Forecaster):
            raise TypeError(
                f"Backtest model {name!r} must be a Forecaster or a registry "
                f"name. Got {type(model).__name__} instead."
            )
        out[str(name)] = model
    if not out:
        raise ValueError("The 'models' parameter of backtest must name at least one model.")
    return out


def _scale(train: pd.Series) -> tuple[float, float]:
    values = train.to_numpy(dtype=float)
    m = season_length_for(train.index)
    if m > 1 and np.isfinite(values).sum() <= 2 * m:
        m = 1
    diffs = values[m:] - values[:-m]
    diffs = diffs[np.isfinite(diffs)]
    if not len(diffs):
        return np.nan, np.nan
    return float(np.mean(np.abs(diffs))), float(np.mean(diffs**2))


def _exog(
    X: pd.DataFrame | None,
    fold: Fold,
    train_index: pd.PeriodIndex,
    end: pd.Period,
    mode: str,
    vintages: Mapping | Callable | None,
    x_model: str,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Regressors for training and for the periods after the data cutoff, as-of rules."""
    if X is None:
        return None, None
    if mode == "vintage":
        known = vintages(fold.cutoff) if callable(vintages) else vintages.get(fold.cutoff)
        if known is None:
            raise ValueError(f"X_vintages has no table for cutoff {fold.cutoff}.")
    else:
        known = X.loc[: fold.cutoff]
    train_X = known.reindex(train_index)
    future_index = pd.period_range(train_index[-1] + 1, end, freq=end.freq)
    if mode == "oracle":
        future = X.reindex(future_index)
    elif mode == "vintage":
        future = known.reindex(future_index)
    else:
        past = known.reindex(future_index[future_index <= fold.cutoff])
        ahead = future_index[future_index > fold.cutoff]
        cols = {}
        for col in known.columns:
            x_fit = get(x_model).fit(known[col].loc[: fold.cutoff].rename(col))
            fc = x_fit.predict((ahead[-1] - x_fit.cutoff_).n, level=()) if len(ahead) else None
            cols[col] = (
                fc.set_index("date")["mean"].reindex(ahead).to_numpy() if fc is not None else []
            )
        future = pd.concat([past, pd.DataFrame(cols, index=ahead)])
    return train_X, future


def _run_task(
    sid: str,
    y: pd.Series,
    name: str,
    model: Forecaster,
    folds: list[Fold],
    X: pd.DataFrame | None,
    exog: str,
    vintages: object,
    x_model: str,
    levels: tuple[float, ...],
    crps_paths: int,
    random_state: int,
) -> tuple[pd.DataFrame, list[dict]]:
    rows, records = [], []
    fitted: Forecaster | None = None
    for fold in folds:
        record = {
            "series_id": sid,
            "model": name,
            "cutoff": fold.cutoff,
            "refit": False,
            "fit_seconds": np.nan,
            "predict_seconds": np.nan,
            "error": "",
        }
        try:
            train = y.loc[fold.train_start : fold.cutoff]
            train = train.loc[: train.last_valid_index()]
            end = fold.test[-1]
            train_X, future_X = _exog(X, fold, train.index, end, exog, vintages, x_model)
            start = time.perf_counter()
            if fold.refit or fitted is None:
                fitted = clone(model).fit(train, train_X)
                record["refit"] = True
            else:
                fitted.update(train, train_X)
            record["fit_seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            steps = (end - fitted.cutoff_).n
            fc = fitted.predict(steps, future_X, level=levels)
            fc = fc[fc["date"].isin(fold.test)].reset_index(drop=True)
            if crps_paths:
                paths = fitted.sample(steps, crps_paths, future_X, random_state=random_state)
                fc["crps"] = _crps(paths[:, -len(fold.test) :], y.reindex(fold.test).to_numpy())
            record["predict_seconds"] = time.perf_counter() - start
        except Exception as exc:
            record["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            fitted = None
            records.append(record)
            continue
        fc["series_id"], fc["model"], fc["cutoff"] = sid, name, fold.cutoff
        fc["h"] = [(d - fold.cutoff).n for d in fc["date"]]
        fc["y"] = y.reindex(fc["date"]).to_numpy(dtype=float)
        fc["scale_mae"], fc["scale_mse"] = _scale(train)
        fc["exog"] = exog if X is not None else ""
        head = ["series_id", "model", "cutoff", "date", "h", "y"]
        rows.append(fc[head + [c for c in fc.columns if c not in head]])
        records.append(record)
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return frame, records


def _crps(paths: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """CRPS of an ensemble of paths per horizon: E|X - y| - 0.5 E|X - X'| (sorted form)."""
    n = paths.shape[0]
    term1 = np.mean(np.abs(paths - actual[None, :]), axis=0)
    srt = np.sort(paths, axis=0)
    weights = (2 * np.arange(1, n + 1) - n - 1)[:, None]
    term2 = np.sum(weights * srt, axis=0) / n**2
    return term1 - term2


def backtest(
    models: object,
    data: object,
    cv: Splitter,
    X: pd.DataFrame | None = None,
    *,
    exog: str = "forecast",
    X_vintages: Mapping | Callable | None = None,
    x_model: str = "naive",
    level: Sequence[float] = (80, 95),
    crps_paths: int = 0,
    n_jobs: int = 1,
    backend: str = "loky",
    random_state: int = 0,
    progress: bool = False,
) -> BacktestResult:
    """Rolling-origin backtest of models over series.

    Parameters
    ----------
    models : str, Forecaster, sequence of them, or mapping of name to Forecaster
        Models to evaluate (unfitted; each fold fits a clone).
    data : pandas.Series, mapping of str to Series, or canonical tidy frame
        Target series on PeriodIndexes.
    cv : Splitter
        The folds.
    X : pandas.DataFrame, optional
        Realised regressors on a PeriodIndex (shared by all series).
    exog : {"forecast", "vintage", "oracle"}, default "forecast"
        How future regressors are formed at each cutoff (see the module docs).
    X_vintages : mapping or callable, optional
        For ``exog="vintage"``: cutoff -> DataFrame of X as known at that cutoff.
    x_model : str, default "naive"
        Registry model that forecasts regressors under ``exog="forecast"``.
    level : sequence of float, default (80, 95)
        Interval levels in percent.
    crps_paths : int, default 0
        Paths per fold for CRPS (0 skips it).
    n_jobs : int, default 1
        Parallel tasks (one task is one series x model); -1 for one per CPU. Except on
        Dask, capped at the number of CPUs and of tasks.
    backend : {"loky", "threading", "dask"}, default "loky"
        joblib back end; "dask" uses the current dask.distributed client, or a local
        cluster for the duration of the call.
    random_state : int, default 0
        Seed of the CRPS paths.
    progress : bool, default False
        Show a progress bar (tqdm) over tasks.

    Returns
    -------
    BacktestResult
    """
    if exog not in EXOG_MODES:
        raise ValueError(
            f"The 'exog' parameter of backtest must be one of "
            f"{', '.join(EXOG_MODES)}. Got {exog!r} instead."
        )
    if exog == "vintage" and X_vintages is None:
        raise ValueError(
            "exog='vintage' needs X_vintages: a mapping (or function) from "
            "cutoff to the table of X as known at that cutoff."
        )
    if backend not in ("loky", "threading", "dask", "multiprocessing"):
        raise ValueError(
            "The 'backend' parameter of backtest must be 'loky', 'threading' or "
            f"'dask'. Got {backend!r} instead."
        )
    if not isinstance(cv, Splitter):
        raise TypeError(
            f"The 'cv' parameter of backtest must be a Splitter. Got {type(cv).__name__} instead."
        )
    levels = check_levels(level)
    series = _as_series_dict(data)
    model_map = _as_models(models)
    tasks = []
    for sid, y in series.items():
        folds = cv.folds(y.index)
        for name, model in model_map.items():
            tasks.append(
                delayed(_run_task)(
                    sid,
                    y,
                    name,
                    model,
                    folds,
                    X,
                    exog,
                    X_vintages,
                    x_model,
                    levels,
                    crps_paths,
                    random_state,
                )
            )
    if backend != "dask":  # a cluster's size is its own; locally, more workers than CPUs
        cpus = os.cpu_count() or 1  # or tasks only cost start-up time and memory
        n_jobs = max(1, min(cpus if n_jobs < 0 else n_jobs, cpus, len(tasks)))
    frames, records = [], []
    with parallel_backend(backend, n_jobs):
        runner = (
            Parallel(n_jobs=n_jobs, return_as="generator")
            if backend == "dask"
            else Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        )
        results = runner(tasks)
        if progress:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(tasks), desc="backtest", unit="task")
        for frame, recs in results:
            if len(frame):
                frames.append(frame)
            records.extend(recs)
    forecasts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(forecasts):
        forecasts["series_id"] = forecasts["series_id"].astype("category")
        forecasts["model"] = forecasts["model"].astype("category")
    folds = pd.DataFrame(records)
    failed = int((folds["error"] != "").sum()) if len(folds) else 0
    if failed:
        log.warning("%d of %d backtest folds failed; see result.failed", failed, len(folds))
    return BacktestResult(forecasts, folds, {"cv": cv, "exog": exog, "level": levels})
