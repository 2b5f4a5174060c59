"""Short series, as the partner and commodity stages carry them: speed against statsforecast.

The bundled GACC commodity table (``china_commodity_monthly``) has 24 months per line
(2024-01 to 2025-12). Every value line with all 24 months is forecast by both sides,
each in a fresh Python process, 80% and 95% intervals:

* this package: ``forecast.forecast(df, h, n_jobs)``, the default ensemble;
* statsforecast: AutoETS, AutoARIMA, AutoTheta and SeasonalNaive (season 12), numba
  compilation included, as in ``forecast_speed.py``.

Two tasks: **fit** all 24 months and forecast 12 (the shape of the main job; timing
only, 2026 is not in the data) and **holdout**: fit the first 18 months, forecast the
last 6 and score sMAPE (percent) and MASE (scaled by the in-sample mean absolute
one-month change: 18 months hold too few seasonal differences).

    pip install '.[bench]'
    python benchmarks/short_series_speed.py [--jobs 2] [--repeats 2]

Writes ``benchmarks/results/short_series_speed.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forecast_speed import SF_MODELS, timed_forecast

RESULTS = Path(__file__).resolve().parent / "results"
TASKS = {"fit": (24, 12), "holdout": (18, 6)}  # months fitted, months forecast


def lines() -> pd.DataFrame:
    """Value lines with all 24 months, as a long frame (``unique_id, ds, y``)."""
    from forecast import datasets

    d = datasets.load("china_commodity_monthly")
    d = d[~d["series_id"].str.endswith("(quantity)") & d["value"].notna()]
    d = d[d.groupby("series_id")["value"].transform("size") == 24]
    return pd.DataFrame(
        {"unique_id": d["series_id"], "ds": pd.to_datetime(d["date"]), "y": d["value"]}
    ).reset_index(drop=True)


def run_side(side: str, task: str, jobs: int) -> dict:
    """Forecast every line with one library; wall seconds and point forecasts."""
    import warnings

    warnings.simplefilter("ignore")
    fit_n, h = TASKS[task]
    df = lines().groupby("unique_id", sort=False).head(fit_n)
    return timed_forecast(side, df, h, 12, "MS", jobs)


def accuracy(points: dict[str, list]) -> tuple[float, float]:
    """Mean sMAPE and MASE of the holdout forecasts over lines and months."""
    smape, mase = [], []
    for sid, g in lines().groupby("unique_id", sort=False):
        y = g["y"].to_numpy(float)
        x, actual, f = y[:18], y[18:], np.asarray(points[sid], float)
        denom = np.abs(actual) + np.abs(f)
        smape.append(np.mean(np.where(denom > 0, 200 * np.abs(actual - f) / denom, 0.0)))
        scale = np.mean(np.abs(np.diff(x)))
        if scale > 0:
            mase.append(np.mean(np.abs(actual - f)) / scale)
    return float(np.mean(smape)), float(np.mean(mase))


def in_fresh_process(side: str, task: str, jobs: int) -> dict:
    cmd = [sys.executable, __file__, "--side", side, "--task", task, "--jobs", str(jobs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="alternate the sides this often")
    parser.add_argument("--side", choices=("ours", "sf"), help=argparse.SUPPRESS)
    parser.add_argument("--task", choices=list(TASKS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # a child process: one side, one task, JSON on the last line
        print(json.dumps(run_side(args.side, args.task, args.jobs)))
        return
    n = lines()["unique_id"].nunique()
    text = [
        "# Short series: default ensemble against statsforecast\n\n"
        f"{n} GACC commodity value lines (24 months each), 80% and 95% intervals, "
        f"{args.jobs} jobs, {args.repeats} run(s) per side alternating, each in a fresh "
        f"process; {platform.machine()}, {os.cpu_count()} CPUs; statsforecast "
        f"{version('statsforecast')}. Wall time is the median over runs; statsforecast's "
        "includes its numba compilation.\n"
    ]
    for task, (fit_n, h) in TASKS.items():
        walls: dict[str, list[float]] = {"ours": [], "sf": []}
        results: dict[str, dict] = {}
        for _ in range(args.repeats):
            for side in ("sf", "ours"):
                res = in_fresh_process(side, task, args.jobs)
                walls[side].append(res["wall"])
                results[side] = res["forecasts"]
        ours, sf = np.median(walls["ours"]), np.median(walls["sf"])
        block = (
            f"\n## {task}: fit {fit_n} months, forecast {h}\n\n"
            f"Wall seconds: forecast {ours:.1f} (runs: "
            f"{', '.join(f'{w:.1f}' for w in walls['ours'])}), statsforecast {sf:.1f} "
            f"(runs: {', '.join(f'{w:.1f}' for w in walls['sf'])}); ratio {ours / sf:.2f}.\n"
        )
        if task == "holdout":
            rows = [("forecast ensemble", *accuracy(results["ours"]["ensemble"]))]
            rows += [
                (f"statsforecast {c}", *accuracy(results["sf"][c])) for c in ("mean3", *SF_MODELS)
            ]
            table = pd.DataFrame(rows, columns=["model", "sMAPE", "MASE"])
            block += "\n" + table.to_markdown(index=False, floatfmt=".3f") + "\n"
        print(block, flush=True)
        text.append(block)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "short_series_speed.md").write_text("".join(text))


if __name__ == "__main__":
    main()
