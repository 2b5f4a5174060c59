"""The main job: data -> backtest and selection -> fit -> artifacts -> outlook -> risk -> report.

Each stage works series by series; a series that fails is recorded with its error and the
others go on. A rerun with unchanged data and configuration reuses the saved ensemble of
each series (keyed by a hash of the data, the configuration, the selected members and the
package version) unless ``refit`` is asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from forecast import stages
from forecast._text import printable
from forecast.config import RunConfig, SeriesSpec
from forecast.errors import ConfigError, DataError
from forecast.models import Forecaster
from forecast.outlook import default_year
from forecast.partner_job import PartnerResult, analyse_partners
from forecast.periods import SeriesKey
from forecast.risk import assess
from forecast.risk.indicators import USD_BILLION
from forecast.sector_job import SectorResult, analyse_sectors
from forecast.stages import Backtested, Fitted, Outlooked, Prepared, Selection
from forecast.store import ModelStore

__all__ = ["RunResult", "SeriesResult", "assess_series", "new_run_dir", "rescore", "run"]

log = logging.getLogger("forecast")
T = TypeVar("T")


@dataclass
class SeriesResult:
    """One series' stage results, side by side (see :mod:`forecast.stages`), and the
    errors of the stage that stopped it. The properties read through to the stages."""

    spec: SeriesSpec
    prepared: Prepared | None = None
    backtested: Backtested | None = None
    selection: Selection | None = None
    fitted: Fitted | None = None
    outlooked: Outlooked | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def y(self) -> pd.Series | None:
        return self.prepared.y if self.prepared else None

    @property
    def y_full(self) -> pd.Series | None:
        return self.prepared.y_full if self.prepared else None

    @property
    def X(self) -> pd.DataFrame | None:
        return self.prepared.X if self.prepared else None

    @property
    def provenance(self) -> dict:
        return self.prepared.provenance if self.prepared else {}

    @property
    def notes(self) -> list[str]:
        parts = (self.prepared, self.backtested, self.selection)
        return [n for part in parts if part is not None for n in part.notes]

    @property
    def backtest(self) -> pd.DataFrame | None:
        return self.backtested.frame if self.backtested else None

    @property
    def leaderboard(self) -> pd.DataFrame | None:
        return self.backtested.leaderboard if self.backtested else None

    @property
    def backtest_reused(self) -> bool:
        return bool(self.backtested and self.backtested.reused)

    @property
    def weights(self) -> dict[str, float]:
        return dict(self.selection.weights) if self.selection else {}

    @property
    def uses_driver(self) -> bool:
        return bool(self.selection and self.selection.uses_driver)

    @property
    def model(self) -> Forecaster | None:
        return self.fitted.model if self.fitted else None

    @property
    def artifact(self) -> str:
        return self.fitted.artifact if self.fitted else ""

    @property
    def reused(self) -> bool:
        return bool(self.fitted and self.fitted.reused)

    @property
    def outlook(self) -> pd.DataFrame | None:
        return self.outlooked.outlook if self.outlooked else None

    @property
    def forecast(self) -> pd.DataFrame | None:
        return self.outlooked.forecast if self.outlooked else None


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


def _record(res: SeriesResult, stage: str, func: Callable[[], T]) -> T | None:
    """Run one stage of one series; its failure is recorded on the series, not raised."""
    try:
        value = func()
    except Exception as exc:
        detail = (
            str(exc)
            if isinstance(exc, (DataError, ValueError))
            else (f"{type(exc).__name__}: {exc}")
        )
        res.errors.append(f"{stage}: {detail}")
        log.error("%s failed for %s: %s", stage, res.spec.id, detail)
        return None
    log.info("%s done for %s", stage, res.spec.id)
    return value


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
    results = [SeriesResult(spec) for spec in config.series]
    for res in _progress(results, "validate", progress):
        res.prepared = _record(res, "validate", lambda r=res: stages.prepare(r.spec, cache))

    def live() -> list[SeriesResult]:
        return [r for r in results if not r.errors]

    for res in _progress(live(), "backtest", progress):
        res.backtested = _record(
            res,
            "backtest",
            lambda r=res: stages.run_backtest(
                r.prepared, config, n_jobs=n_jobs, store=model_store, refit=refit
            ),
        )
    for res in live():
        res.selection = _record(
            res, "select", lambda r=res: stages.select(r.prepared, r.backtested, config)
        )
    for res in _progress(live(), "fit", progress):
        res.fitted = _record(
            res,
            "fit",
            lambda r=res: stages.fit(
                r.prepared,
                r.backtested,
                r.selection,
                config,
                store=model_store,
                refit=refit,
                save=save,
            ),
        )
    years = _outlook_years(results, config)
    for res in _progress(live(), "outlook", progress):
        res.outlooked = _record(
            res,
            "outlook",
            lambda r=res: stages.forecast_year(
                r.prepared,
                r.selection,
                r.fitted,
                config,
                years.get(r.spec.id),
                shocks.get(r.spec.id, 0.0),
            ),
        )
    return results, _risk(results)


def rescore(
    results: list[SeriesResult], config: RunConfig, shocks: dict[str, float]
) -> pd.DataFrame:
    """The risk table again with scenario ``shocks`` on the outlooks of fitted results (the
    backtests and fits are reused; the results themselves are left as they were)."""
    shocked = [dataclasses.replace(r) for r in results if not r.errors and r.fitted is not None]
    years = _outlook_years(shocked, config)
    for res in shocked:
        res.outlooked = stages.forecast_year(
            res.prepared,
            res.selection,
            res.fitted,
            config,
            years.get(res.spec.id),
            shocks.get(res.spec.id, 0.0),
        )
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
