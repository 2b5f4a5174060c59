"""The main job: data -> backtest and selection -> fit -> artifacts -> outlook -> risk -> report.

Each stage works series by series; a series that fails is recorded with its error and the
others go on. A rerun with unchanged data and configuration reuses the saved ensemble of
each series (keyed by a hash of the data, the configuration, the selected members and the
package version) unless ``refit`` is asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from forecast import __version__, datasets
from forecast._text import printable
from forecast.artifacts import load, read_manifest
from forecast.backtest import Splitter, backtest, weights_from_scores
from forecast.config import RunConfig, SeriesSpec
from forecast.data import read_csv, select, summarize
from forecast.errors import ConfigError, DataError
from forecast.metrics import evaluate
from forecast.models import AutoARIMA, Ensemble, get
from forecast.models.base import fingerprint, season_length_for
from forecast.outlook import default_year, outlook
from forecast.partner_job import PartnerResult, analyse_partners
from forecast.periods import SeriesKey, default_horizon, year_end
from forecast.risk import assess
from forecast.risk.indicators import USD_BILLION
from forecast.scenarios import step_path
from forecast.sector_job import SectorResult, analyse_sectors
from forecast.store import ModelStore

__all__ = ["RunResult", "SeriesResult", "assess_series", "new_run_dir", "rescore", "run"]

log = logging.getLogger("forecast")
T = TypeVar("T")


@dataclass
class SeriesResult:
    """Everything the run learned about one series."""

    spec: SeriesSpec
    y: pd.Series | None = None
    y_full: pd.Series | None = None
    X: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    backtest: pd.DataFrame | None = None
    leaderboard: pd.DataFrame | None = None
    weights: dict[str, float] = field(default_factory=dict)
    uses_driver: bool = False
    backtest_key: str = ""
    backtest_reused: bool = False
    model: Ensemble | None = None
    artifact: str = ""
    reused: bool = False
    forecast: pd.DataFrame | None = None
    outlook: pd.DataFrame | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """The outcome of a run."""

    config: RunConfig
    series: list[SeriesResult]
    risk: pd.DataFrame
    out_dir: Path
    partners: PartnerResult | None = None
    sectors: SectorResult | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether any series or stage failed."""
        return bool(self.errors) or any(s.errors for s in self.series)


def new_run_dir(base: str | Path = "reports") -> Path:
    """Create and return a new, unique run folder ``<base>/<YYYYmmdd-HHMMSS>-<6 hex>``.

    The folder is created atomically (``mkdir`` without ``exist_ok``), so two runs started
    in the same second never share a folder.
    """
    root = Path(base)
    root.mkdir(parents=True, exist_ok=True)
    while True:
        folder = root / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue


class _LogFormatter(logging.Formatter):
    """One record, one line: control and bidi characters in names become escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


class _RunLog(logging.FileHandler):
    """The run's log file; when it cannot be written (a full disk), it stops quietly.

    logging's default prints a traceback to stderr for every record that fails; the
    outputs' own writes report the disk error once, as the run's error.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        self.setLevel(logging.CRITICAL + 1)


def _progress(items: list, desc: str, show: bool) -> Iterable:
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="series", leave=False)


def _frame(dataset: str | None, csv: str | None, cache: dict) -> pd.DataFrame:
    key = dataset or csv
    if key not in cache:
        cache[key] = datasets.load(dataset) if dataset else read_csv(csv)
    return cache[key]


def _prepare(spec: SeriesSpec, cache: dict) -> SeriesResult:
    res = SeriesResult(spec)
    frame = _frame(spec.dataset, spec.csv, cache)
    y = select(frame, spec.id)
    rows = frame[frame["series_id"] == spec.id]
    info = summarize(rows).iloc[0].to_dict()
    info["source"] = spec.dataset or spec.csv
    info["sources"] = sorted(set(rows["source"]) - {""})
    res.provenance = info
    res.y_full = y
    if info.get("mirror_of"):
        res.notes.append(f"mirror data: {info['mirror_of']} stands in for {spec.id}")
    missing = y.index[y.isna()]
    if len(missing):
        start = missing[-1] + 1
        res.notes.append(
            f"gaps until {missing[-1]}: models use the span from {start} "
            f"({len(y.loc[start:])} periods); the gaps are not filled"
        )
        y = y.loc[start:]
    res.y = y
    if spec.driver_id:
        driver = select(_frame(spec.driver_dataset, spec.driver_csv, cache), spec.driver_id)
        if driver.index.freqstr != y.index.freqstr or driver.reindex(y.index).isna().any():
            res.notes.append(f"driver {spec.driver_id} does not cover the series; not used")
        else:
            res.X = driver.reindex(y.index).to_frame("driver")
    return res


def _backtest_key(res: SeriesResult, config: RunConfig) -> str:
    """What a backtest depends on: the data (and driver), the configuration, the package."""
    parts = [fingerprint(res.y, res.X), config.digest(), __version__]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _cached_backtest(res: SeriesResult, key: str, store: ModelStore) -> pd.DataFrame | None:
    """The backtest saved with an ensemble of the same key, if the store holds one."""
    if not store.root.is_dir():
        return None
    for path in reversed(store.versions(res.spec.id, "ensemble")):
        meta = read_manifest(path)["metadata"]
        if meta.get("backtest_key") == key and isinstance(meta.get("backtest"), dict):
            return pd.DataFrame(**meta["backtest"])
    return None


def _backtest(
    res: SeriesResult,
    config: RunConfig,
    n_jobs: int,
    store: ModelStore | None = None,
    refit: bool = False,
) -> None:
    y = res.y
    res.backtest_key = _backtest_key(res, config)
    cached = None if refit or store is None else _cached_backtest(res, res.backtest_key, store)
    if cached is not None:  # an unchanged rerun: the same folds would give the same numbers
        res.backtest, res.backtest_reused = cached, True
    else:
        h = default_horizon(y.index)
        cv = Splitter(h=h, step=h, n_windows=config.windows)
        parts = [backtest(list(config.candidates), y, cv, n_jobs=n_jobs)]
        if res.X is not None:
            parts.append(backtest({"arima_driver": AutoARIMA()}, y, cv, res.X, n_jobs=n_jobs))
        res.backtest = pd.concat([p.forecasts for p in parts], ignore_index=True)
        for p in parts:
            for _, fold in p.failed.iterrows():
                res.notes.append(
                    f"backtest fold {fold['cutoff']} of {fold['model']} failed: {fold['error']}"
                )
    board = evaluate(res.backtest, ["mase", "rmsse", "mape", "coverage_80", "coverage_95"])
    res.leaderboard = board.sort_values("mase").reset_index(drop=True)


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


def _select(res: SeriesResult, config: RunConfig) -> list[str]:
    board = res.leaderboard[np.isfinite(res.leaderboard["mase"])]
    scores = board.set_index("model")["mase"].astype(float)
    if "arima_driver" in scores:
        res.uses_driver = bool(scores["arima_driver"] < scores.get("arima", np.inf))
        scores = scores.drop("arima_driver")
        if res.uses_driver:
            res.notes.append(
                "the driver improved ARIMA's backtest MASE; the ensemble's ARIMA "
                "member uses it (held at its last value in forecasts)"
            )
    if scores.empty:
        ran = res.backtest is not None and not res.backtest.empty
        scale = res.backtest["scale_mae"] if ran else None
        if ran and (scale == 0).all():
            raise DataError(
                f"Series {res.spec.id}: the backtest ran, but the in-sample "
                "seasonal-naive error is zero in every fold (a constant or exactly "
                "repeating series), so MASE cannot rank the models. Check the data."
            )
        raise DataError(f"No candidate model completed a backtest fold on {res.spec.id}.")
    res.weights = weights_from_scores(scores, top=config.ensemble_size)
    return list(res.weights)


def _run_key(res: SeriesResult, config: RunConfig, members: list[str]) -> str:
    parts = [
        fingerprint(res.y, res.X if res.uses_driver else None),
        config.digest(),
        json.dumps(res.weights, sort_keys=True),
        __version__,
        ",".join(members),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _fit(
    res: SeriesResult, config: RunConfig, store: ModelStore, refit: bool, save: bool = True
) -> None:
    members = _select(res, config)
    key = _run_key(res, config, members)
    X = res.X if res.uses_driver else None
    if not refit and (save or store.root.is_dir()):  # without save, a missing store stays so
        for path in reversed(store.versions(res.spec.id, "ensemble")):
            if read_manifest(path)["metadata"].get("run_key") == key:
                res.model, res.reused = load(path), True
                res.artifact = str(path.relative_to(store.root))
                return
    model = Ensemble(members=[get(m) for m in members], combine="weighted", weights=res.weights)
    model.fit(res.y, X)
    board = res.leaderboard.set_index("model")
    meta = {
        "run_key": key,
        "weights": res.weights,
        "backtest_mase": {m: float(board.loc[m, "mase"]) for m in members},
        "backtest_key": res.backtest_key,
        "backtest": _storable(res.backtest),
    }
    res.model = model
    if save:
        path = store.save(model, metadata=meta, keep_data=config.keep_data)
        res.artifact = str(path.relative_to(store.root))


def _outlook_years(results: list[SeriesResult], config: RunConfig) -> dict[str, int]:
    """One outlook year per series; imports take their exports' year, so pairs compare."""
    years = {}
    for r in results:
        if r.y is not None and not r.errors:
            years[r.spec.id] = config.outlook_year or default_year(r.y)
    for sid in list(years):
        key = SeriesKey.parse(sid)
        if key.flow == "imports":
            years[sid] = years.get(key.with_flow("exports").id, years[sid])
    return years


def _outlook(res: SeriesResult, config: RunConfig, year: int | None, shock: float = 0.0) -> None:
    y, model = res.y, res.model
    target = year or default_year(y)
    h = max((year_end(target, y.index.freq) - y.index[-1]).n, season_length_for(y.index))
    future = None
    if res.uses_driver:  # the driver held at its last value over the periods forecast
        last = float(res.X["driver"].iloc[-1])
        future = step_path(y.index[-1], h, current=last, name="driver")
    res.outlook = outlook(
        model, y, year=year, n_paths=config.n_paths, X=future, random_state=config.seed, shock=shock
    )
    res.forecast = model.predict(h, X=future)


def _risk(results: list[SeriesResult]) -> pd.DataFrame:
    done = {r.spec.id: r for r in results if r.outlook is not None}
    rows = []
    for sid, res in done.items():
        key = SeriesKey.parse(sid)
        if key.flow != "exports":
            continue
        imp = done.get(key.with_flow("imports").id)
        partners, skipped = {}, []
        if key.partner == "World":
            for p, r in done.items():
                other = SeriesKey.parse(p)
                if (
                    other.reporter != key.reporter
                    or other.flow != "exports"
                    or (other.partner == "World")
                ):
                    continue
                if {r.y_full.attrs.get("unit"), res.y_full.attrs.get("unit")} <= set(USD_BILLION):
                    partners[other.partner] = r.y_full
                else:
                    skipped.append(f"{p} ({r.y_full.attrs.get('unit')})")
        try:
            # indicators use the whole history: a gap only removes the years it touches
            report = assess(
                res.y_full,
                imp.y_full if imp else None,
                partners=partners or None,
                export_outlook=res.outlook,
                import_outlook=imp.outlook if imp else None,
            )
        except (DataError, ValueError) as exc:
            res.errors.append(f"risk: {exc}")
            continue
        if skipped:
            report.notes.append(
                "partner shares leave out flows in other currencies: " + ", ".join(skipped)
            )
        row = report.row()
        row["notes"] = "; ".join(report.notes + res.notes)
        if imp is not None:
            row["balance_note"] = "exports and imports simulated independently"
        rows.append(row)
    for res in results:  # a failed exports series is a row that says so, not a silence
        if res.errors and SeriesKey.parse(res.spec.id).flow == "exports":
            rows.append(
                {
                    "series_id": res.spec.id,
                    "year": None,
                    "score": None,
                    "level": "not available",
                    "verdict": "not available",
                    "p_growth_ge_0": None,
                    "expected_growth": None,
                    "reasons": "not assessed: the series failed (see notes)",
                    "notes": "; ".join(res.errors),
                }
            )
    return pd.DataFrame(rows)


def assess_series(
    config: RunConfig,
    *,
    store: str | Path | None = None,
    refit: bool = False,
    n_jobs: int = 1,
    progress: bool = False,
    save: bool = True,
    shocks: dict[str, float] | None = None,
) -> tuple[list[SeriesResult], pd.DataFrame]:
    """The series stages of the main job: validate, backtest, select, fit, outlook, risk.

    ``forecast run`` and ``forecast risk`` both call this, so the same data, config and
    seed give the same scores, verdicts and probabilities through either (and through
    the Python API).

    Parameters
    ----------
    config : RunConfig
    store : str or path, optional
        Model store: a saved ensemble whose key matches is reused.
    refit : bool, default False
        Fit anew even when a saved ensemble matches.
    n_jobs : int, default 1
    progress : bool, default False
    save : bool, default True
        Save new ensembles in the store; False leaves the store untouched (the fits then
        live in memory only).
    shocks : dict of series id to float, optional
        Scenario shocks (fractions) applied to those series' simulated periods.

    Returns
    -------
    (list of SeriesResult, pandas.DataFrame)
        Every series' result (errors recorded, not raised) and the risk table.
    """
    model_store = ModelStore(store)
    shocks = dict(shocks or {})
    cache: dict = {}
    results = []
    for spec in _progress(list(config.series), "validate", progress):
        try:
            results.append(_prepare(spec, cache))
        except (DataError, ValueError) as exc:
            results.append(SeriesResult(spec, errors=[f"validate: {exc}"]))
        log.info("validated %s", spec.id)
    years: dict[str, int] = {}
    stages = [
        ("backtest", lambda r: _backtest(r, config, n_jobs, model_store, refit)),
        ("fit", lambda r: _fit(r, config, model_store, refit, save)),
        (
            "outlook",
            lambda r: _outlook(r, config, years.get(r.spec.id), shocks.get(r.spec.id, 0.0)),
        ),
    ]
    for name, stage in stages:
        if name == "outlook":
            years.update(_outlook_years(results, config))
        for res in _progress([r for r in results if not r.errors], name, progress):
            try:
                stage(res)
                log.info("%s done for %s", name, res.spec.id)
            except Exception as exc:
                res.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                log.error("%s failed for %s: %s", name, res.spec.id, exc)
    return results, _risk(results)


def rescore(
    results: list[SeriesResult], config: RunConfig, shocks: dict[str, float]
) -> pd.DataFrame:
    """The risk table again with scenario ``shocks`` on the outlooks of fitted results (the
    backtests and fits are reused; the results keep their baseline outlooks)."""
    import copy

    shocked = [copy.copy(r) for r in results if not r.errors and r.model is not None]
    years = _outlook_years(shocked, config)
    for res in shocked:
        _outlook(res, config, years.get(res.spec.id), shocks.get(res.spec.id, 0.0))
    return _risk(shocked)


def _stage(result: RunResult, name: str, func: Callable[[], T]) -> T | None:
    """Run a whole-job stage; a bad-data failure is recorded in the result, not raised."""
    try:
        value = func()
    except (DataError, ValueError) as exc:
        result.errors.append(f"{name}: {exc}")
        log.error("%s failed: %s", name, exc)
        return None
    log.info("%s done", name)
    return value


def run(
    config: RunConfig,
    out_dir: str | Path,
    *,
    refit: bool = False,
    n_jobs: int = 1,
    store: str | Path | None = None,
    progress: bool = True,
) -> RunResult:
    """Run the whole job and write its outputs to ``out_dir``.

    Parameters
    ----------
    config : RunConfig
        From :func:`forecast.config.load_config`.
    out_dir : str or path
        Folder for ``report.html``, ``summary.json``, ``forecasts.csv``, ``backtest.csv``,
        ``risk.csv`` and ``run.log``.
    refit : bool, default False
        Refit every series even when a saved ensemble matches its data and config.
    n_jobs : int, default 1
        Parallel backtest tasks.
    store : str or path, optional
        Model store folder (default: ``$FORECAST_MODEL_STORE`` or ``./models``).
    progress : bool, default True
        Progress bars on standard error.

    Returns
    -------
    RunResult
    """
    from forecast.report import write_outputs

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"The output folder '{out}' is a file. Name a folder (it is created if missing)."
        )
    out.mkdir(parents=True, exist_ok=True)
    # A summary left by an earlier run in this folder must not vouch for this run's
    # outputs if it is interrupted: the new one is written last.
    (out / "summary.json").unlink(missing_ok=True)
    handler = _RunLog(out / "run.log", mode="w", encoding="utf-8")
    handler.setFormatter(_LogFormatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        results, risk = assess_series(
            config, store=store, refit=refit, n_jobs=n_jobs, progress=progress
        )
        result = RunResult(config, results, risk, out)
        if config.partners is not None:
            spec = config.partners
            result.partners = _stage(
                result,
                "partners",
                lambda: analyse_partners(
                    dataset=spec.dataset,
                    csv=spec.csv,
                    top=spec.top,
                    groupings=spec.groupings,
                    method=spec.method,
                    n_paths=config.n_paths,
                    random_state=config.seed,
                ),
            )
        if config.sectors is not None:
            result.sectors = _stage(
                result,
                "sectors",
                lambda: analyse_sectors(
                    dataset=config.sectors.dataset,
                    csv=config.sectors.csv,
                    n_paths=config.n_paths,
                    random_state=config.seed,
                ),
            )
        write_outputs(result)
        log.info("outputs written to %s", out)
        return result
    finally:
        log.removeHandler(handler)
        handler.close()
