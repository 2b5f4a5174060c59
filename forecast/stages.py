"""The series stages of the main job, each a function that returns its own frozen result.

    prepare -> Prepared          the series, its provenance, the driver if it covers it
    run_backtest -> Backtested   rolling-origin backtest of every candidate (or its cache)
    select -> Selection          ensemble weights from backtest MASE; whether the driver helps
    fit -> Fitted                the weighted ensemble, reused from the store or fitted
    forecast_year -> Outlooked   the calendar-year outlook and the forecast table

Nothing here mutates its inputs; :mod:`forecast.pipeline` composes the stages, records
their errors through one helper, and keeps each series' results side by side.

A driver (an exogenous series such as a tariff) is tried with every candidate that takes
one: the candidate is backtested a second time with the driver, labelled
``<name>+driver``, and the ensemble uses the driver when that beats the candidate alone.
Over the periods forecast the driver takes its values already published (a lagged driver,
:mod:`forecast.drivers`) and is then held at the last of them, in backtest and forecast.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast import __version__, datasets
from forecast.artifacts import load, read_manifest
from forecast.backtest import Splitter, backtest, weights_from_scores
from forecast.calibration import Calibration, calibrate_from_backtest
from forecast.config import RunConfig, SeriesSpec
from forecast.data import read_csv, summarize
from forecast.data import select as select_series
from forecast.drivers import as_regressor, known_at, path_after
from forecast.errors import DataError
from forecast.metrics import evaluate
from forecast.models import Calibrated, Ensemble, Forecaster, get
from forecast.models.base import fingerprint, season_length_for
from forecast.outlook import default_year, outlook
from forecast.periods import default_horizon, year_end
from forecast.store import ModelStore

__all__ = [
    "DRIVER_SUFFIX",
    "Backtested",
    "Fitted",
    "Outlooked",
    "Prepared",
    "Selection",
    "fit",
    "forecast_year",
    "model_transform",
    "prepare",
    "run_backtest",
    "select",
]

DRIVER_SUFFIX = "+driver"
MIN_TRAIN = 8  # shortest history of an annual backtest fold
METHOD = 3  # raised when folds or calibration change meaning: stored backtests are redone
ANNUAL_WINDOWS = 20  # one-year backtest folds of an annual series, at most
METRICS = ["mase", "rmsse", "mape", "coverage_80", "coverage_95"]


@dataclass(frozen=True)
class Prepared:
    """A validated series: ``y`` is the span models use (after the last gap)."""

    spec: SeriesSpec
    y: pd.Series
    y_full: pd.Series
    X: pd.DataFrame | None
    provenance: dict
    notes: tuple[str, ...] = ()
    X_ahead: pd.DataFrame | None = None  # the driver's periods published ahead of y

    @property
    def X_known(self) -> pd.DataFrame | None:
        """The driver as known at the series' end: its history and what is published ahead."""
        if self.X is None or self.X_ahead is None:
            return self.X
        return pd.concat([self.X, self.X_ahead])


@dataclass(frozen=True)
class Backtested:
    """The backtest frame and its leaderboard (``reused`` when read from the store)."""

    frame: pd.DataFrame
    leaderboard: pd.DataFrame
    key: str
    reused: bool = False
    notes: tuple[str, ...] = ()
    calibration: Calibration | None = None  # saved with a reused backtest


@dataclass(frozen=True)
class Selection:
    """The ensemble's members and weights, whether it takes the driver, and what the
    backtest says about its intervals (``calibration``; None when switched off)."""

    weights: dict[str, float]
    uses_driver: bool = False
    notes: tuple[str, ...] = ()
    calibration: Calibration | None = None


@dataclass(frozen=True)
class Fitted:
    """The fitted ensemble (wrapped in :class:`Calibrated` when its backtest errors gave
    a calibration factor) and where it is saved."""

    model: Forecaster
    artifact: str = ""
    reused: bool = False


@dataclass(frozen=True)
class Outlooked:
    """The calendar-year outlook and the forecast up to the end of that year."""

    outlook: pd.DataFrame
    forecast: pd.DataFrame


def _frame(dataset: str | None, csv: str | None, cache: dict) -> pd.DataFrame:
    key = dataset or csv
    if key not in cache:
        cache[key] = datasets.load(dataset) if dataset else read_csv(csv)
    return cache[key]


def _split_driver(
    X: pd.DataFrame, index: pd.PeriodIndex, lag: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The driver on the series' periods, and its values after them only as far as the
    lag says they are published (the backtest assumes no more)."""
    end = index[-1]
    return X.reindex(index), X.loc[end + 1 : end + lag].dropna()


def prepare(spec: SeriesSpec, cache: dict) -> Prepared:
    """Select and check one series; models use the span after its last gap."""
    frame = _frame(spec.dataset, spec.csv, cache)
    y = select_series(frame, spec.id)
    rows = frame[frame["series_id"] == spec.id]
    info = summarize(rows).iloc[0].to_dict()
    info["source"] = spec.dataset or spec.csv
    info["sources"] = sorted(set(rows["source"]) - {""})
    notes = []
    if info.get("mirror_of"):
        notes.append(f"mirror data: {info['mirror_of']} stands in for {spec.id}")
    y_full = y
    missing = y.index[y.isna()]
    if len(missing):
        start = missing[-1] + 1
        notes.append(
            f"gaps until {missing[-1]}: models use the span from {start} "
            f"({len(y.loc[start:])} periods); the gaps are not filled"
        )
        y = y.loc[start:]
    X = ahead = None
    if spec.driver_id:
        driver = select_series(_frame(spec.driver_dataset, spec.driver_csv, cache), spec.driver_id)
        x = as_regressor(driver, lag=spec.driver_lag, cumulate=spec.driver_cumulate)
        if driver.index.freqstr != y.index.freqstr or x.reindex(y.index).isna().any():
            notes.append(f"driver {spec.driver_id} does not cover the series; not used")
        else:
            X, ahead = _split_driver(x.to_frame("driver"), y.index, spec.driver_lag)
            if len(ahead):
                last = driver.dropna()
                notes.append(
                    f"driver {spec.driver_id}: {last.index[-1]}'s {last.iloc[-1]:g} is "
                    f"published and informs {ahead.index[-1]} (lag {spec.driver_lag})"
                )
    return Prepared(spec, y, y_full, X, info, tuple(notes), ahead)


def model_transform(y: pd.Series, config: RunConfig) -> str | None:
    """The scale the candidates fit: ``"log"`` or None (levels), from ``run.transform``.

    ``"auto"`` fits logs to a positive annual series: its totals compound over decades
    (China's exports grew nineteenfold from 1999 to 2025), so errors scale with the
    level, and with 20-30 points a backtest cannot choose the scale reliably. Monthly and
    quarterly series keep their levels: fitting logs to every series lowered the vintage
    validation's overall Brier skill (0.305 to 0.275) although China's annual series
    gained.

    Raises
    ------
    DataError
        ``run.transform = "log"`` on a series with a zero or negative value.
    """
    if config.transform == "none":
        return None
    positive = bool((y > 0).all())
    if config.transform == "log" and not positive:
        raise DataError(
            f"Series {y.name}: run.transform = 'log' needs positive values, and "
            f"{y.index[~(y > 0)][0]} is {y[~(y > 0)].iloc[0]:g}. Set run.transform to "
            "'auto' or 'none'."
        )
    if config.transform == "log" or (positive and season_length_for(y.index) == 1):
        return "log"
    return None


def _member(name: str, transform: str | None) -> Forecaster:
    """A registry model on the scale the run chose (models without a transform as is)."""
    model = get(name)
    if transform and "transform" in model.get_params():
        model.set_params(transform=transform)
    return model


def _backtest_key(prep: Prepared, config: RunConfig) -> str:
    """What a backtest depends on: the data (and driver), the configuration, the package."""
    parts = [fingerprint(prep.y, prep.X_known), config.digest(), __version__, str(METHOD)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _saved(store: ModelStore, series_id: str) -> list:
    """The main job's saved models of a series (plain or calibrated ensembles), newest
    first within each kind."""
    return [
        p for kind in ("ensemble", "calibrated") for p in reversed(store.versions(series_id, kind))
    ]


def _cached(spec: SeriesSpec, key: str, store: ModelStore) -> dict | None:
    """The metadata of a model saved with a backtest of the same key, if the store holds
    one: the backtest itself and the calibration drawn from it."""
    if not store.root.is_dir():
        return None
    for path in _saved(store, spec.id):
        meta = read_manifest(path)["metadata"]
        if meta.get("backtest_key") == key and isinstance(meta.get("backtest"), dict):
            return meta
    return None


def run_backtest(
    prep: Prepared,
    config: RunConfig,
    *,
    n_jobs: int = 1,
    store: ModelStore | None = None,
    refit: bool = False,
) -> Backtested:
    """Backtest every candidate (and each that takes a driver, with it), or reuse the
    backtest saved under the same key."""
    key = _backtest_key(prep, config)
    cached = None if refit or store is None else _cached(prep.spec, key, store)
    notes: list[str] = []
    saved_calibration = None
    if cached is not None:  # an unchanged rerun: the same folds would give the same numbers
        frame, reused = pd.DataFrame(**cached["backtest"]), True
        if isinstance(cached.get("calibration"), dict):
            saved_calibration = Calibration(**cached["calibration"])
    else:
        h = default_horizon(prep.y.index)
        n_windows = config.windows
        if h == 1:  # an annual series: one error per fold, too few to rank models on
            n_windows = max(n_windows, min(len(prep.y) - MIN_TRAIN, ANNUAL_WINDOWS))
        cv = Splitter(h=h, step=h, n_windows=n_windows)
        scale = model_transform(prep.y, config)
        models = {c: _member(c, scale) for c in config.candidates}
        parts = [backtest(models, prep.y, cv, n_jobs=n_jobs)]
        if prep.X is not None:
            takers = {f"{c}{DRIVER_SUFFIX}": m for c, m in models.items() if m.uses_exog}
            if takers:
                # as known at each cutoff: published ahead, then held (as in forecasts)
                vintage = functools.partial(known_at, prep.X_known, lag=prep.spec.driver_lag, h=h)
                parts.append(
                    backtest(
                        takers,
                        prep.y,
                        cv,
                        prep.X,
                        exog="vintage",
                        X_vintages=vintage,
                        n_jobs=n_jobs,
                    )
                )
        frame, reused = pd.concat([p.forecasts for p in parts], ignore_index=True), False
        for p in parts:
            for _, fold in p.failed.iterrows():
                notes.append(
                    f"backtest fold {fold['cutoff']} of {fold['model']} failed: {fold['error']}"
                )
    if frame.empty:  # every fold of every candidate failed: say why, not a KeyError
        raise DataError(
            f"Series {prep.spec.id}: no candidate model completed a backtest fold "
            f"({len(prep.y)} periods); the first failure: "
            f"{notes[0] if notes else 'no fold fits the series'}. Use a longer series or "
            "simpler candidates (naive, drift)."
        )
    board = evaluate(frame, METRICS).sort_values("mase").reset_index(drop=True)
    return Backtested(frame, board, key, reused, tuple(notes), saved_calibration)


def _driver_note(spec: SeriesSpec, name: str, scores: pd.Series) -> str:
    """What the driver did to a candidate's backtest, and how its future is formed."""
    base = name[: -len(DRIVER_SUFFIX)]
    lag = spec.driver_lag
    how = (
        f"its values published {lag} period{'s' if lag > 1 else ''} ahead, then the last held"
        if lag
        else "held at its last value"
    )
    return (
        f"the driver improved {base}'s backtest MASE ({scores[base]:.3f} -> "
        f"{scores[name]:.3f}); the ensemble's members that take a driver use it "
        f"({spec.driver_id or 'driver'}: {how}, in forecasts)"
    )


def select(prep: Prepared, bt: Backtested, config: RunConfig) -> Selection:
    """Weights by inverse backtest MASE over the best candidates; the driver is used when
    it improves a candidate that takes it."""
    board = bt.leaderboard[np.isfinite(bt.leaderboard["mase"])]
    scores = board.set_index("model")["mase"].astype(float)
    with_driver = [m for m in scores.index if str(m).endswith(DRIVER_SUFFIX)]
    better = [m for m in with_driver if scores[m] < scores.get(m[: -len(DRIVER_SUFFIX)], np.inf)]
    notes = tuple(_driver_note(prep.spec, m, scores) for m in better)
    # a candidate the driver improves competes with its score with the driver
    scores = scores.drop(with_driver).combine(
        scores[better].rename(lambda m: m[: -len(DRIVER_SUFFIX)]), min, fill_value=np.inf
    )
    if scores.empty:
        scale = bt.frame["scale_mae"] if not bt.frame.empty else None
        if scale is not None and (scale == 0).all():
            raise DataError(
                f"Series {prep.spec.id}: the backtest ran, but the in-sample "
                "seasonal-naive error is zero in every fold (a constant or "
                "exactly repeating series), so MASE cannot rank the models. "
                "Check the data."
            )
        raise DataError(f"No candidate model completed a backtest fold on {prep.spec.id}.")
    weights = weights_from_scores(scores, top=config.ensemble_size)
    if model_transform(prep.y, config) == "log":
        notes = (*notes, "the candidates fit logs (run.transform = 'none' fits levels)")
    if not config.calibrate:
        return Selection(weights, bool(better), notes)
    # the same backtest gives the same weights and calibration: a reused one brings its
    # calibration along
    cal = bt.calibration or _calibration(bt, weights, bool(better))
    return Selection(weights, bool(better), (*notes, f"intervals: {cal.describe()}"), cal)


def _as_run(bt: Backtested, members: list[str], uses_driver: bool) -> dict[str, str]:
    """Each member's name in the backtest as the ensemble runs it (with the driver when
    the ensemble takes it and the member was backtested with it)."""
    tried = set(bt.leaderboard["model"])
    return {
        m: f"{m}{DRIVER_SUFFIX}" if uses_driver and f"{m}{DRIVER_SUFFIX}" in tried else m
        for m in members
    }


def _calibration(bt: Backtested, weights: dict[str, float], uses_driver: bool) -> Calibration:
    """Calibration of the ensemble's spread from its backtest errors: its members'
    forecasts combined as the centred ensemble combines them (no extra fits)."""
    names = _as_run(bt, list(weights), uses_driver)
    as_run = {names[m]: w for m, w in weights.items()}
    return calibrate_from_backtest(bt.frame, as_run, combined=True)


def _storable(frame: pd.DataFrame) -> dict:
    """A backtest frame as JSON-safe columns and rows (periods and labels as text)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or isinstance(
            out[col].dtype, pd.CategoricalDtype
        ):
            out[col] = out[col].astype(str)
    data = out.astype(object).where(out.notna(), None).to_numpy().tolist()
    return {"columns": list(out.columns), "data": data}


def fit(
    prep: Prepared,
    bt: Backtested,
    sel: Selection,
    config: RunConfig,
    *,
    store: ModelStore,
    refit: bool = False,
    save: bool = True,
) -> Fitted:
    """The weighted ensemble: a saved one with the same key, or fitted (and saved)."""
    members = list(sel.weights)
    X = prep.X if sel.uses_driver else None
    factor = sel.calibration.factor if sel.calibration and sel.calibration.applied else None
    key = hashlib.sha256(
        "|".join(
            [
                fingerprint(prep.y, X),
                config.digest(),
                json.dumps(sel.weights, sort_keys=True),
                __version__,
                ",".join(members),
                repr(factor),
            ]
        ).encode()
    ).hexdigest()
    if not refit and (save or store.root.is_dir()):  # without save, a missing store stays so
        for path in _saved(store, prep.spec.id):
            if read_manifest(path)["metadata"].get("run_key") == key:
                return Fitted(load(path), str(path.relative_to(store.root)), True)
    scale = model_transform(prep.y, config)
    model: Forecaster = Ensemble(
        members=[_member(m, scale) for m in members],
        combine="weighted",
        weights=sel.weights,
        paths="centred",
    )
    if factor is not None:
        model = Calibrated(model, factors=[factor])
    model.fit(prep.y, X)
    if not save:
        return Fitted(model)
    board = bt.leaderboard.set_index("model")
    names = _as_run(bt, members, sel.uses_driver)
    meta = {
        "run_key": key,
        "weights": sel.weights,
        "backtest_mase": {m: float(board.loc[names[m], "mase"]) for m in members},
        "backtest_key": bt.key,
        "backtest": _storable(bt.frame),
        "calibration": dataclasses.asdict(sel.calibration) if sel.calibration else None,
    }
    path = store.save(model, metadata=meta, keep_data=config.keep_data)
    return Fitted(model, str(path.relative_to(store.root)), False)


def forecast_year(
    prep: Prepared,
    sel: Selection,
    fitted: Fitted,
    config: RunConfig,
    year: int | None = None,
    shock: float = 0.0,
) -> Outlooked:
    """The outlook of ``year`` (the year after the last complete one by default) and the
    forecast table up to its end (at least one season)."""
    y = prep.y
    target = year or default_year(y)
    season = default_horizon(y.index)
    h = max((year_end(target, y.index.freq) - y.index[-1]).n, season)
    future = path_after(prep.X_known, y.index[-1], h) if sel.uses_driver else None
    out = outlook(
        fitted.model,
        y,
        year=year,
        n_paths=config.n_paths,
        X=future,
        random_state=config.seed,
        shock=shock,
    )
    return Outlooked(out, fitted.model.predict(h, X=future))


def fit_series(
    y: pd.Series, config: RunConfig, X: pd.DataFrame | None = None, *, lag: int = 0
) -> Forecaster:
    """The main job's model for one series, fitted in memory: backtest the candidates,
    select and weight the best, scale the spread by the factor its backtest errors give, fit.

    Parameters
    ----------
    y : pandas.Series
        The series on a PeriodIndex (named by its id); nothing is read from or written to
        a model store.
    config : RunConfig
        Candidates, ensemble size, backtest windows and calibration, as in a run.
    X : pandas.DataFrame, optional
        A driver as the models see it (:func:`forecast.drivers.as_regressor`), in one
        column named ``driver``, known up to ``lag`` periods after the series' end.
    lag : int, default 0
        Periods the driver is published ahead.

    Returns
    -------
    Forecaster
        The fitted (possibly calibrated) ensemble that ``forecast run`` would build.

    Raises
    ------
    DataError
        ``y`` has a gap (the main job models the span after its last gap), or no
        candidate completes a backtest fold.
    """
    gaps = y.index[y.isna()]
    if len(gaps):
        raise DataError(
            f"Series {y.name}: missing value at {gaps[-1]}. fit_series models a span "
            f"without gaps, as the main job models the span after the last one: pass "
            f"y.loc['{gaps[-1] + 1}':]."
        )
    spec = SeriesSpec(str(y.name), driver_lag=lag)
    ahead = None
    if X is not None:
        X, ahead = _split_driver(X, y.index, lag)
    prep = Prepared(spec, y, y, X, {}, (), ahead)
    bt = run_backtest(prep, config)
    sel = select(prep, bt, config)
    return fit(prep, bt, sel, config, store=ModelStore(), refit=True, save=False).model
