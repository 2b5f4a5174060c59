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
from forecast.errors import ConfigError, DataError

USER_ERRORS = (DataError, ConfigError, FileNotFoundError, PermissionError)


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
