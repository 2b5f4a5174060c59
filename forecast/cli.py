"""The ``forecast`` command line: a thin layer over the Python API.

Every failure ends in one line on stderr and an exit code, decided in one place
(:func:`_failure`): ``error: ...`` and 2 for what the user can fix (bad data, options,
paths, artifacts), ``error: ...`` and 1 for a failure of the machine (a full disk, no
memory), and ``internal error: ... (please report)`` and 1 for anything else, a bug;
``--debug`` adds its traceback. Text from users' files is printed with control and bidi
characters escaped, so a series name cannot forge lines or reorder a label.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from forecast import __version__, datasets
from forecast._text import printable, spreadsheet_safe
from forecast.data import read_csv, select, summarize
from forecast.errors import ArtifactError, ConfigError, DataError
from forecast.models.base import MAX_H, check_levels
from forecast.periods import default_horizon

USER_ERRORS = (DataError, ConfigError, ArtifactError, ValueError)


def _print_table(frame: pd.DataFrame) -> None:
    frame = frame.copy()
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: v if v is None else printable(v))
    with pd.option_context(
        "display.max_rows",
        500,
        "display.max_columns",
        20,
        "display.width",
        160,
        "display.max_colwidth",
        60,
    ):
        print(frame.to_string(index=False))


def _output_file(path: str, option: str = "--out") -> Path:
    """Check a file path to write before any work is done."""
    target = Path(path)
    if target.is_dir():
        raise ConfigError(
            f"{option} '{path}' is a folder; name a file, e.g. '{target / 'out.csv'}'."
        )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"{option} '{path}': '{parent}' is a file, so nothing can "
                    "be written below it. Name a path inside a folder."
                )
            break
    return target


def _data_list(args: argparse.Namespace) -> int:
    _print_table(datasets.describe())
    return 0


def _data_show(args: argparse.Namespace) -> int:
    frame = datasets.load(args.name)
    if args.series:
        series = select(frame, args.series)
        print(f"# {series.name} ({series.attrs.get('unit', '')})")
        print(series.to_frame("value").to_string())
    else:
        print(f"# {args.name}: {datasets.DATASETS[args.name].title}")
        _print_table(summarize(frame))
    return 0


def _data_validate(args: argparse.Namespace) -> int:
    frame = read_csv(
        args.path, unit=args.unit, extra_columns="ignore" if args.ignore_extra else "error"
    )
    summary = summarize(frame)
    print(f"{args.path}: valid, {len(frame)} rows, {len(summary)} series")
    _print_table(summary)
    return 0


def _load_input(args: argparse.Namespace) -> pd.DataFrame:
    if bool(args.dataset) == bool(args.csv):
        raise ConfigError("Give exactly one of --dataset NAME and --csv PATH.")
    return datasets.load(args.dataset) if args.dataset else read_csv(args.csv)


def _trade_series(frame: pd.DataFrame, ids: Sequence[str] | None) -> dict[str, pd.Series]:
    from forecast.data import split

    if ids:
        return {sid: select(frame, sid) for sid in ids}
    trade = frame[frame["flow"].isin(["exports", "imports", "balance", "unspecified"])]
    if trade.empty:
        raise ConfigError(
            "The data hold no exports, imports or balance series; name one with --series."
        )
    return split(trade)


def _backtest(args: argparse.Namespace) -> int:
    from forecast._io import write_csv
    from forecast.backtest import Splitter, backtest
    from forecast.metrics import evaluate
    from forecast.models import available

    _output_file(args.out)
    frame = _load_input(args)
    series = _trade_series(frame, args.series)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in available()]
    if unknown:
        raise ConfigError(
            f"Unknown model(s) {', '.join(unknown)} in --models. Choose from "
            f"{', '.join(available())}."
        )
    first = next(iter(series.values()))
    h = args.h if args.h is not None else default_horizon(first.index)
    try:
        cv = Splitter(
            h=h,
            step=args.step if args.step is not None else h,
            n_windows=args.windows,
            refit_every=args.refit_every,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for sid, y in list(series.items()):
        if y.isna().any():  # as the main job does: the span after the last gap
            last_gap = y.index[y.isna()][-1]
            series[sid] = y = y.loc[last_gap + 1 :]
            print(
                printable(
                    f"note: {sid} has gaps until {last_gap}; backtesting the "
                    f"{len(y)} periods after them (gaps are not filled)"
                )
            )
        try:
            cv.cutoffs(y.index)
        except ValueError as exc:
            raise ConfigError(f"Series '{sid}': {exc}") from None
    result = backtest(
        names, series, cv, n_jobs=args.jobs, backend=args.backend, progress=not args.quiet
    )
    if result.forecasts.empty:
        first = result.failed.iloc[0] if not result.failed.empty else None
        detail = (
            f" (e.g. {first['model']} on {first['series_id']}: {first['error']})"
            if first is not None
            else ""
        )
        raise DataError(f"No fold of any model completed, so nothing was written{detail}.")
    write_csv(args.out, result.forecasts)
    board = evaluate(
        result.forecasts, ["mase", "rmsse", "mape", "coverage_80", "coverage_95"]
    ).sort_values("mase")
    folds = result.folds.groupby("model", observed=True)["error"].apply(
        lambda e: int((e != "").sum())
    )
    board["failed_folds"] = board["model"].map(folds).fillna(0).astype(int)
    run = result.folds.groupby("series_id", observed=True)["cutoff"].nunique()
    ran = f"{run.min()}" if run.min() == run.max() else f"{run.min()} to {run.max()}"
    windows = (
        f"{args.windows} windows"
        if run.min() == args.windows
        else (f"{args.windows} windows asked, {ran} run (the series are too short for more)")
    )
    print(
        f"Backtest: {len(series)} series, {len(names)} models, h={h}, step={cv.step}, "
        f"{windows}; forecasts written to {args.out}"
    )
    _print_table(board.round(3))
    if not result.failed.empty:
        first = result.failed.iloc[0]
        print(
            f"{len(result.failed)} fold(s) failed, e.g. {first['model']} on "
            f"{printable(first['series_id'])}: {printable(first['error'])}"
        )
    return 1 if len(result.failed) == len(result.folds) else 0


def _param(text: str) -> tuple[str, object]:
    """Parse k=v; v as JSON when it parses (numbers, true/false, null, lists), else text."""
    import json

    if "=" not in text:
        raise ConfigError(f"--param {text!r} must look like name=value (e.g. damped=true).")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), tuple(value) if isinstance(value, list) else value


def _fit(args: argparse.Namespace) -> int:
    from forecast.models import get
    from forecast.store import ModelStore

    frame = _load_input(args)
    y = select(frame, args.series)
    params = dict(_param(p) for p in args.param or [])
    model = get(args.model, **params)
    model.fit(y)
    path = ModelStore(args.store).save(
        model, metadata={"source": args.dataset or args.csv}, keep_data=not args.no_data
    )
    print(path)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from forecast._io import write_csv
    from forecast.artifacts import load

    if args.out:
        _output_file(args.out)
    check_levels(args.level)
    model = load(args.path, strict=args.strict)
    forecast = model.predict(args.h, level=tuple(args.level))
    if args.out:
        write_csv(args.out, forecast)
        print(f"{len(forecast)} rows written to {args.out}")
    else:
        print(spreadsheet_safe(forecast).to_csv(index=False), end="")
    return 0


def _models(args: argparse.Namespace) -> int:
    from forecast.artifacts import read_manifest
    from forecast.store import ModelStore

    store = ModelStore(args.store)
    if args.models_command == "list":
        table = store.list()
        if table.empty:
            print(f"No saved models in {store.root}.")
        else:
            _print_table(table.drop(columns=["path"]).astype(object).fillna(""))
    elif args.models_command == "show":
        import json

        print(json.dumps(read_manifest(args.path), indent=2))
    else:
        removed = store.prune(keep=args.keep)
        print(f"Removed {len(removed)} version(s) from {store.root}.")
    return 0


def _read_scenarios(path: str) -> dict[str, dict[str, float]]:
    import json
    import tomllib
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"Scenario file '{file}' does not exist.")
    try:
        raw = (
            tomllib.loads(file.read_text())
            if file.suffix == ".toml"
            else json.loads(file.read_text())
        )
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Scenario file '{file}' cannot be parsed ({exc}).") from None
    scenarios = raw.get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(scenarios, dict) or not scenarios:
        raise ConfigError(
            f"Scenario file '{file}' needs a 'scenarios' table: "
            "{name: {series_id: shock}}, a shock being a fraction like -0.15."
        )
    for name, shocks in scenarios.items():
        if not isinstance(shocks, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > -1
            for v in shocks.values()
        ):
            raise ConfigError(
                f"Scenario {name!r} in '{file}' must map series ids to "
                "shocks, numbers above -1 (e.g. -0.15 for -15%)."
            )
    return scenarios


def _risk(args: argparse.Namespace) -> int:
    import json

    from forecast.config import for_data, load_config
    from forecast.pipeline import assess_series, rescore

    if args.sectors:
        from forecast.sector_job import analyse_sectors

        if args.scenario or args.year:
            raise ConfigError(
                "--sectors scores the commodity table as it is; it takes no --scenario or --year."
            )
        result = analyse_sectors(dataset=args.dataset or "china_commodity_monthly", csv=args.csv)
        table = result.table()
        if args.json:
            from forecast.report import _clean

            print(json.dumps(_clean(table.to_dict(orient="records")), indent=2, allow_nan=False))
        else:
            _print_table(
                table[
                    [
                        "product",
                        "year",
                        "score",
                        "level",
                        "volume_growth",
                        "unit_value_growth",
                        "persistence",
                    ]
                ]
            )
            for line in result.headline():
                print(printable(line))
        return 0
    config = load_config(args.config)
    if args.dataset or args.csv:
        frame = _load_input(args)
        flows = frame[frame["flow"].isin(["exports", "imports"])]
        ids = list(dict.fromkeys(flows["series_id"]))
        if not any(f == "exports" for f in flows["flow"]):
            raise ConfigError("The data hold no exports series to assess.")
        config = for_data(config, ids, dataset=args.dataset, csv=args.csv, outlook_year=args.year)
    elif args.year:
        raw = {**config.raw, "run": {**config.raw["run"], "outlook_year": args.year}}
        config = dataclasses.replace(config, outlook_year=args.year, raw=raw)
    scenarios = _read_scenarios(args.scenario) if args.scenario else {}
    # the run's own settings, seed and saved models (read only): the same numbers as `run`
    results, risk = assess_series(config, store=args.store, save=False)
    for res in results:
        for err in res.errors:
            print(printable(f"failed: {res.spec.id}: {' '.join(err.split())}"), file=sys.stderr)
    tables = [risk.assign(scenario="baseline") if scenarios else risk]
    for name, shocks in scenarios.items():
        tables.append(rescore(results, config, shocks).assign(scenario=name))
    table = pd.concat(tables, ignore_index=True)
    if table.empty:
        raise ConfigError("The data hold no exports series to assess.")
    if args.json:
        from forecast.report import _clean

        print(
            json.dumps(
                _clean(table.to_dict(orient="records")), indent=2, default=str, allow_nan=False
            )
        )
    else:
        _print_table(table.drop(columns=["reasons", "notes"], errors="ignore"))
        for _, row in table.iterrows():
            label = f"[{row['scenario']}] " if "scenario" in row else ""
            print(f"\n{printable(label + str(row['series_id']))}: {printable(row['reasons'])}")
            if row.get("notes"):
                print(f"  notes: {printable(row['notes'])}")
    return 1 if any(res.errors for res in results) else 0


def _run(args: argparse.Namespace) -> int:
    from forecast.config import load_config
    from forecast.pipeline import new_run_dir, run

    config = load_config(args.config)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise ConfigError(f"--out '{args.out}' is a file; name a folder for the run's outputs.")
    out = args.out or new_run_dir("reports")
    result = run(
        config, out, refit=args.refit, n_jobs=args.jobs, store=args.store, progress=not args.quiet
    )
    rows = []
    for s in result.series:
        row = {
            "series": s.spec.id,
            "status": "failed" if s.errors else ("reused" if s.reused else "fitted"),
        }
        if s.outlook is not None:
            o = s.outlook.iloc[0]
            row.update(
                {
                    "year": int(o["year"]),
                    "growth %": round(100 * o["expected_growth"], 1),
                    "P(growth>=0)": round(float(o["p_growth_ge_0"]), 2),
                }
            )
        rows.append(row)
    _print_table(pd.DataFrame(rows))
    if not result.risk.empty:
        _print_table(result.risk[["series_id", "score", "level", "verdict"]])
    for stage in (result.partners, result.sectors):
        if stage is not None:
            for line in stage.headline():
                print(printable(line))
    print(f"Report: {result.out_dir / 'report.html'}")
    for s in result.series:
        for err in s.errors:
            print(printable(f"failed: {s.spec.id}: {' '.join(err.split())}"), file=sys.stderr)
    for err in result.errors:
        print(printable(f"failed: {' '.join(err.split())}"), file=sys.stderr)
    return 1 if result.failed else 0


class _Parser(argparse.ArgumentParser):
    """argparse with the package's error grammar: one ``error:`` line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {printable(message)} (see `{self.prog} --help`)\n")
        sys.exit(2)


def _bounded(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range; give a whole number {span}")
        return value

    return parse


def _level(text: str) -> float:
    try:
        value = float(text)
        check_levels(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            str(exc) if "level" in str(exc) else f"{text!r} is not a number"
        ) from None
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``forecast`` command."""
    parser = _Parser(
        prog="forecast",
        description="Forecast trade series, backtest models and assess export risk.",
    )
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    data = sub.add_parser("data", help="list, show and validate datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    p = data_sub.add_parser("list", help="one line per bundled dataset")
    p.set_defaults(func=_data_list)
    p = data_sub.add_parser("show", help="summary of a bundled dataset, or one series")
    p.add_argument("name", choices=datasets.names())
    p.add_argument("--series", help="series id, e.g. 'China/United States/exports/total'")
    p.set_defaults(func=_data_show)
    p = data_sub.add_parser("validate", help="check a CSV file and summarise its series")
    p.add_argument("path")
    p.add_argument("--unit", default="", help="unit for long/wide files, which carry none")
    p.add_argument(
        "--ignore-extra",
        action="store_true",
        help="drop columns the canonical layout does not know",
    )
    p.set_defaults(func=_data_validate)

    p = sub.add_parser("backtest", help="rolling-origin backtest and leaderboard")
    p.add_argument("--dataset", choices=datasets.names())
    p.add_argument("--csv", help="a canonical, long or wide CSV file")
    p.add_argument("--series", nargs="+", help="series ids (default: every trade series)")
    p.add_argument(
        "--models", default="snaive,ets,arima,theta", help="comma-separated registry names"
    )
    p.add_argument(
        "--h", type=_bounded(1, MAX_H), help="horizon (default: 12 monthly, 4 quarterly, 1 annual)"
    )
    p.add_argument("--windows", type=_bounded(1, 1000), default=4, help="number of folds")
    p.add_argument("--step", type=_bounded(1, MAX_H), help="periods between cutoffs (default: h)")
    p.add_argument("--refit-every", type=_bounded(1), default=1)
    p.add_argument(
        "--jobs",
        type=_bounded(1),
        default=1,
        help="parallel tasks (capped at the CPUs and the number of tasks)",
    )
    p.add_argument("--backend", choices=["loky", "dask"], default="loky")
    p.add_argument("--out", required=True, help="CSV file for the tidy forecasts")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_backtest)

    store_help = "model store folder (default: $FORECAST_MODEL_STORE or ./models)"
    p = sub.add_parser("fit", help="fit a model to one series and save it in the store")
    p.add_argument("--dataset", choices=datasets.names())
    p.add_argument("--csv", help="a canonical, long or wide CSV file")
    p.add_argument("--series", required=True, help="series id")
    p.add_argument("--model", default="ensemble", help="registry name (default: ensemble)")
    p.add_argument("--param", action="append", help="hyperparameter name=value (repeatable)")
    p.add_argument(
        "--no-data",
        action="store_true",
        help="save without the training data (same forecasts, smaller file; "
        "`forecast models list` shows the sizes)",
    )
    p.add_argument("--store", help=store_help)
    p.set_defaults(func=_fit)

    p = sub.add_parser("risk", help="overcapacity score, sustainability verdict and reasons")
    p.add_argument(
        "--dataset",
        choices=datasets.names(),
        help="default: the run's series ([[series]] of --config, or the shipped config's)",
    )
    p.add_argument("--csv", help="a canonical CSV with exports (and imports) series")
    p.add_argument(
        "--year", type=_bounded(1900, 2200), help="outlook year (default: after the last complete)"
    )
    p.add_argument(
        "--config",
        help="TOML file whose [run] settings (and, without --dataset "
        "or --csv, [[series]]) to use; the shipped one by default",
    )
    p.add_argument("--store", help="model store whose saved ensembles to reuse (read only)")
    p.add_argument("--scenario", help="JSON or TOML file of named shocks per series")
    p.add_argument(
        "--sectors",
        action="store_true",
        help="score commodity lines (volume, unit value) instead: the bundled "
        "GACC table, or --csv in its layout (<line> and <line> (quantity))",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_risk)

    p = sub.add_parser("run", help="the main job: backtest, fit, save, outlook, risk, report")
    p.add_argument("--config", help="TOML file (default: the shipped config, bundled data)")
    p.add_argument("--out", help="output folder (default: reports/<run-id>)")
    p.add_argument("--refit", action="store_true", help="refit even if saved models match")
    p.add_argument(
        "--jobs",
        type=_bounded(1),
        default=1,
        help="parallel backtest tasks (capped at the CPUs and the tasks)",
    )
    p.add_argument("--store", help=store_help)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)

    p = sub.add_parser("predict", help="forecast from a saved artifact")
    p.add_argument("path", help="artifact directory printed by `forecast fit`")
    p.add_argument("--h", type=_bounded(1, MAX_H), required=True, help="periods ahead")
    p.add_argument(
        "--level",
        type=_level,
        nargs="+",
        default=[80, 95],
        help="interval levels in percent (default: 80 95)",
    )
    p.add_argument("--out", help="CSV file (default: standard output)")
    p.add_argument(
        "--strict", action="store_true", help="refuse artifacts written with other library versions"
    )
    p.set_defaults(func=_predict)

    p = sub.add_parser("models", help="list, show or prune saved models")
    models_sub = p.add_subparsers(dest="models_command", required=True, parser_class=_Parser)
    q = models_sub.add_parser("list")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    q = models_sub.add_parser("show")
    q.add_argument("path", help="artifact directory")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    q = models_sub.add_parser("prune")
    q.add_argument("--keep", type=_bounded(1), default=3, help="newest versions to keep per model")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    return parser


def _one_line(exc: BaseException) -> str:
    return printable(" ".join(str(exc).split()))


def _failure(exc: BaseException) -> tuple[int, str]:
    """The one place that maps an exception to its exit code and its line on stderr."""
    if isinstance(exc, USER_ERRORS):
        return 2, f"error: {_one_line(exc)}"
    if isinstance(exc, OSError) and exc.errno in (
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.EIO,
    ):
        where = f" '{exc.filename}'" if exc.filename else ""
        return 1, (
            f"error: could not write{where}: {exc.strerror}. Free space (or choose "
            "another folder) and run again; earlier outputs were left as they were."
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return 2, f"error: {printable(exc.filename)}: {exc.strerror}."
    if isinstance(exc, MemoryError):
        return 1, (
            "error: out of memory. Ask for fewer paths, a shorter horizon or fewer series at once."
        )
    return 1, (
        f"internal error: {type(exc).__name__}: {_one_line(exc)} (please report "
        "this; rerun with --debug for the traceback)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success; 2 for an error the user can fix (one ``error:`` line on stderr);
        1 when the job ran but some of its parts failed, or the machine failed it (a
        full disk, no memory), or on an internal error; 130 when interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 2
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        with warnings.catch_warnings():
            if not args.debug:  # numerical chatter of the estimators, not the user's concern
                from statsmodels.tools.sm_exceptions import ModelWarning

                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.simplefilter("ignore", ModelWarning)
            return func(args)
    except BrokenPipeError:  # e.g. `forecast data show ... | head`
        with open(os.devnull, "w") as devnull:  # keep Python's exit flush quiet
            os.dup2(devnull.fileno(), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        code, line = _failure(exc)
        if args.debug:
            traceback.print_exc()
        print(line, file=sys.stderr)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
