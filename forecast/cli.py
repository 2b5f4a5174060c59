"""The ``forecast`` command line: a thin layer over the Python API.

Errors a user can fix (bad data, bad options) print one line ``error: ...`` on stderr
and exit with code 2; nothing else is printed for them. Any other exception is a bug
and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from forecast import __version__, datasets
from forecast.data import read_csv, select, summarize
from forecast.errors import ArtifactError, ConfigError, DataError

USER_ERRORS = (DataError, ConfigError, ArtifactError, FileNotFoundError, PermissionError)


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", 500, "display.max_columns", 20,
                           "display.width", 160, "display.max_colwidth", 60):
        print(frame.to_string(index=False))


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
    frame = read_csv(args.path, unit=args.unit,
                     extra_columns="ignore" if args.ignore_extra else "error")
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
        raise ConfigError("The data hold no exports, imports or balance series; name one with "
                          "--series.")
    return split(trade)


def _backtest(args: argparse.Namespace) -> int:
    from forecast._io import atomic_open
    from forecast.backtest import Splitter, backtest
    from forecast.metrics import evaluate
    from forecast.models import available

    frame = _load_input(args)
    series = _trade_series(frame, args.series)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in available()]
    if unknown:
        raise ConfigError(f"Unknown model(s) {', '.join(unknown)} in --models. Choose from "
                          f"{', '.join(available())}.")
    first = next(iter(series.values()))
    h = args.h or {"M": 12, "Q": 4}.get(first.index.freqstr[0], 1)
    try:
        cv = Splitter(h=h, step=args.step or h, n_windows=args.windows,
                      refit_every=args.refit_every)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    result = backtest(names, series, cv, n_jobs=args.jobs, backend=args.backend,
                      progress=not args.quiet)
    with atomic_open(args.out) as fh:
        result.forecasts.to_csv(fh, index=False)
    board = evaluate(result.forecasts, ["mase", "rmsse", "mape", "coverage_80",
                                        "coverage_95"]).sort_values("mase")
    folds = result.folds.groupby("model")["error"].apply(lambda e: int((e != "").sum()))
    board["failed_folds"] = board["model"].map(folds).fillna(0).astype(int)
    print(f"Backtest: {len(series)} series, {len(names)} models, h={h}, "
          f"{args.windows} windows; forecasts written to {args.out}")
    _print_table(board.round(3))
    if not result.failed.empty:
        print(f"{len(result.failed)} fold(s) failed, e.g. {result.failed.iloc[0]['model']} on "
              f"{result.failed.iloc[0]['series_id']}: {result.failed.iloc[0]['error'][:160]}")
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
    try:
        model = get(args.model, **params)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    model.fit(y)
    path = ModelStore(args.store).save(model, metadata={"source": args.dataset or args.csv},
                                       keep_data=not args.no_data)
    print(path)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from forecast._io import atomic_open
    from forecast.artifacts import load

    model = load(args.path, strict=args.strict)
    try:
        forecast = model.predict(args.h, level=tuple(args.level))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if args.out:
        with atomic_open(args.out) as fh:
            forecast.to_csv(fh, index=False)
        print(f"{len(forecast)} rows written to {args.out}")
    else:
        print(forecast.to_csv(index=False), end="")
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
            _print_table(table.drop(columns=["path"]))
    elif args.models_command == "show":
        import json

        print(json.dumps(read_manifest(args.path), indent=2))
    else:
        removed = store.prune(keep=args.keep)
        print(f"Removed {len(removed)} version(s) from {store.root}.")
    return 0


DEFAULT_RISK_DATA = ("china_total_annual", "us_china_monthly")


def _read_scenarios(path: str) -> dict[str, dict[str, float]]:
    import json
    import tomllib
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"Scenario file '{file}' does not exist.")
    try:
        raw = tomllib.loads(file.read_text()) if file.suffix == ".toml" else \
            json.loads(file.read_text())
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Scenario file '{file}' cannot be parsed ({exc}).") from None
    scenarios = raw.get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(scenarios, dict) or not scenarios:
        raise ConfigError(f"Scenario file '{file}' needs a 'scenarios' table: "
                          "{name: {series_id: shock}}, a shock being a fraction like -0.15.")
    for name, shocks in scenarios.items():
        if not isinstance(shocks, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > -1
                for v in shocks.values()):
            raise ConfigError(f"Scenario {name!r} in '{file}' must map series ids to "
                              "shocks, numbers above -1 (e.g. -0.15 for -15%).")
    return scenarios


def _risk(args: argparse.Namespace) -> int:
    import json

    from forecast.risk.bundle import assess_frame, scenario_outlooks

    if args.dataset or args.csv:
        frame = _load_input(args)
    else:
        frame = pd.concat([datasets.load(n) for n in DEFAULT_RISK_DATA], ignore_index=True)
    if args.scenario:
        table = scenario_outlooks(frame, _read_scenarios(args.scenario))
    else:
        table = pd.DataFrame([r.row() for r in assess_frame(frame, year=args.year)])
    if table.empty:
        raise ConfigError("The data hold no exports series to assess.")
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
    else:
        _print_table(table.drop(columns=["reasons"]))
        for _, row in table.iterrows():
            label = f"[{row['scenario']}] " if "scenario" in row else ""
            print(f"\n{label}{row['series_id']}: {row['reasons']}")
    return 0


def _run(args: argparse.Namespace) -> int:
    import datetime as dt

    from forecast.config import load_config
    from forecast.pipeline import run

    config = load_config(args.config)
    out = args.out or f"reports/{dt.datetime.now():%Y%m%d-%H%M%S}"
    result = run(config, out, refit=args.refit, n_jobs=args.jobs, store=args.store,
                 progress=not args.quiet)
    rows = []
    for s in result.series:
        row = {"series": s.spec.id, "status": "failed" if s.errors else
               ("reused" if s.reused else "fitted")}
        if s.outlook is not None:
            o = s.outlook.iloc[0]
            row.update({"year": int(o["year"]), "growth %": round(100 * o["expected_growth"], 1),
                        "P(growth>=0)": round(float(o["p_growth_ge_0"]), 2)})
        rows.append(row)
    _print_table(pd.DataFrame(rows))
    if not result.risk.empty:
        _print_table(result.risk[["series_id", "score", "level", "verdict"]])
    print(f"Report: {result.out_dir / 'report.html'}")
    for s in result.series:
        for err in s.errors:
            print(f"failed: {s.spec.id}: {' '.join(err.split())[:200]}", file=sys.stderr)
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``forecast`` command."""
    parser = argparse.ArgumentParser(
        prog="forecast",
        description="Forecast trade series, backtest models and assess export risk.")
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="list, show and validate datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    p = data_sub.add_parser("list", help="one line per bundled dataset")
    p.set_defaults(func=_data_list)
    p = data_sub.add_parser("show", help="summary of a bundled dataset, or one series")
    p.add_argument("name", choices=datasets.names())
    p.add_argument("--series", help="series id, e.g. 'China/United States/exports/total'")
    p.set_defaults(func=_data_show)
    p = data_sub.add_parser("validate", help="check a CSV file and summarise its series")
    p.add_argument("path")
    p.add_argument("--unit", default="", help="unit for long/wide files, which carry none")
    p.add_argument("--ignore-extra", action="store_true",
                   help="drop columns the canonical layout does not know")
    p.set_defaults(func=_data_validate)

    p = sub.add_parser("backtest", help="rolling-origin backtest and leaderboard")
    p.add_argument("--dataset", choices=datasets.names())
    p.add_argument("--csv", help="a canonical, long or wide CSV file")
    p.add_argument("--series", nargs="+", help="series ids (default: every trade series)")
    p.add_argument("--models", default="snaive,ets,arima,theta",
                   help="comma-separated registry names")
    p.add_argument("--h", type=int, help="horizon (default: 12 monthly, 4 quarterly, 1 annual)")
    p.add_argument("--windows", type=int, default=4, help="number of folds")
    p.add_argument("--step", type=int, help="periods between cutoffs (default: h)")
    p.add_argument("--refit-every", type=int, default=1)
    p.add_argument("--jobs", type=int, default=1)
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
    p.add_argument("--no-data", action="store_true",
                   help="save without the training data (same forecasts, smaller file; "
                        "`forecast models list` shows the sizes)")
    p.add_argument("--store", help=store_help)
    p.set_defaults(func=_fit)

    p = sub.add_parser("risk", help="overcapacity score, sustainability verdict and reasons")
    p.add_argument("--dataset", choices=datasets.names(),
                   help="default: China's annual totals with the US flows")
    p.add_argument("--csv", help="a canonical CSV with exports (and imports) series")
    p.add_argument("--year", type=int, help="outlook year (default: after the last complete)")
    p.add_argument("--scenario", help="JSON or TOML file of named shocks per series")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_risk)

    p = sub.add_parser("run", help="the main job: backtest, fit, save, outlook, risk, report")
    p.add_argument("--config", help="TOML file (default: the shipped config, bundled data)")
    p.add_argument("--out", help="output folder (default: reports/<run-id>)")
    p.add_argument("--refit", action="store_true", help="refit even if saved models match")
    p.add_argument("--jobs", type=int, default=1, help="parallel backtest tasks")
    p.add_argument("--store", help=store_help)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_run)

    p = sub.add_parser("predict", help="forecast from a saved artifact")
    p.add_argument("path", help="artifact directory printed by `forecast fit`")
    p.add_argument("--h", type=int, required=True, help="periods ahead")
    p.add_argument("--level", type=float, nargs="+", default=[80, 95])
    p.add_argument("--out", help="CSV file (default: standard output)")
    p.add_argument("--strict", action="store_true",
                   help="refuse artifacts written with other library versions")
    p.set_defaults(func=_predict)

    p = sub.add_parser("models", help="list, show or prune saved models")
    models_sub = p.add_subparsers(dest="models_command", required=True)
    q = models_sub.add_parser("list")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    q = models_sub.add_parser("show")
    q.add_argument("path", help="artifact directory")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    q = models_sub.add_parser("prune")
    q.add_argument("--keep", type=int, default=3, help="newest versions to keep per model")
    q.add_argument("--store", help=store_help)
    q.set_defaults(func=_models)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 2 for an error the user can fix, 1 when the job ran but
        some of its parts failed.
    """
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except USER_ERRORS as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `forecast data show ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
