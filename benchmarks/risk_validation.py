"""Validation of the risk layer on history (bundled real data).

1. Sustainability probabilities: for every series-year available, the outlook's
   P(growth >= 0) made with data to the end of the previous year, scored by the Brier
   score against climatology (the share of earlier years with growth) and a reliability
   table.
2. Overcapacity flags: the score's level "high" in year Y (data to Y) against the event
   "next year's export growth below -5%", and against "the surplus widens by more than
   20% next year": hit rate, false-alarm rate, counts.

The samples are small (tens of series-years, a handful of events); the script prints the
counts so that nobody reads more into the rates than they hold.

    python benchmarks/risk_validation.py [--paths 500]

Writes ``benchmarks/results/risk_validation.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from forecast import datasets
from forecast.backtest import annual_backtest
from forecast.config import load_config
from forecast.data import select
from forecast.drivers import as_regressor
from forecast.risk import annual, assess
from forecast.stages import fit_series

RESULTS = Path(__file__).resolve().parent / "results"
SERIES = [
    ("china_total_annual", "China/World/exports/total"),
    ("china_total_annual", "China/World/imports/total"),
    ("us_china_monthly", "China/United States/exports/total"),
    ("japan_china_monthly", "China/Japan/exports/total"),
    ("japan_china_monthly", "China/Japan/imports/total"),
    ("korea_china_monthly", "China/Korea/exports/total"),
    ("korea_china_monthly", "China/Korea/imports/total"),
]
PAIRS = [
    ("china_total_annual", "China/World"),
    ("us_china_monthly", "China/United States"),
    ("japan_china_monthly", "China/Japan"),
    ("korea_china_monthly", "China/Korea"),
]


def main_job_model(
    train: pd.Series, known: pd.DataFrame | None = None, calibrate: bool = True, lag: int = 0
):
    """What ``forecast run`` would fit on ``train``: candidates backtested, the best
    weighted, the spread scaled by its backtest errors, the driver as the default config
    gives it, known as published at the vintage."""
    config = dataclasses.replace(load_config(), calibrate=calibrate)
    return fit_series(train, config, known, lag=lag)


def _one(name: str, sid: str, paths: int, calibrate: bool) -> pd.DataFrame:
    warnings.simplefilter("ignore")
    y = select(datasets.load(name), sid)
    gaps = y.index[y.isna()]
    if len(gaps):
        y = y.loc[gaps[-1] + 1 :]
    spec = next(s for s in load_config().series if s.id == sid)
    X, lag = None, 0
    if spec.driver_id and spec.driver_lag:
        # a driver published ahead of the year (December's growth) is known at every
        # vintage exactly as published; the US tariff driver stays out, as in earlier
        # runs, so that its series' figures stay comparable
        driver = select(datasets.load(spec.driver_dataset), spec.driver_id)
        X = as_regressor(driver, lag=spec.driver_lag, cumulate=spec.driver_cumulate)
        X, lag = X.to_frame("driver"), spec.driver_lag
    fit = functools.partial(main_job_model, calibrate=calibrate, lag=lag)
    return annual_backtest(fit, y, X=X, X_lag=lag, n_paths=paths).assign(series_id=sid)


def probabilities(paths: int, calibrate: bool = True, jobs: int = 2) -> pd.DataFrame:
    frames = Parallel(n_jobs=jobs)(
        delayed(_one)(name, sid, paths, calibrate) for name, sid in SERIES
    )
    return pd.concat(frames, ignore_index=True)


def _skill_range(model: np.ndarray, clim: np.ndarray, draws: int = 2000) -> tuple[float, float]:
    """10th and 90th percentiles of the Brier skill over bootstrap resamples of the
    years: how much a table of a few falls can be trusted."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(model), (draws, len(model)))
    m, c = model[idx].sum(axis=1), clim[idx].sum(axis=1)
    skill = 1 - m[c > 0] / c[c > 0]
    return float(np.percentile(skill, 10)), float(np.percentile(skill, 90))


def brier_table(frame: pd.DataFrame) -> pd.DataFrame:
    ok = frame[(frame["error"] == "") & frame["climatology"].notna()]
    rows = []
    for sid, g in [*ok.groupby("series_id"), ("all series", ok)]:
        outcome = g["grew"].astype(float)
        brier = float(np.mean((g["p_growth_ge_0"] - outcome) ** 2))
        clim = float(np.mean((g["climatology"] - outcome) ** 2))
        low, high = _skill_range(
            ((g["p_growth_ge_0"] - outcome) ** 2).to_numpy(float),
            ((g["climatology"] - outcome) ** 2).to_numpy(float),
        )
        rows.append(
            {
                "series": sid,
                "years": len(g),
                "years_with_growth": int(outcome.sum()),
                "brier": brier,
                "brier_climatology": clim,
                "skill": 1 - brier / clim if clim else np.nan,
                "skill_p10": low,
                "skill_p90": high,
                "coverage_80": float(g["in_80"].mean()),
                "coverage_90": float(g["in_90"].mean()),
                "coverage_95": float(g["in_95"].mean()),
            }
        )
    return pd.DataFrame(rows)


def reliability(frame: pd.DataFrame) -> pd.DataFrame:
    ok = frame[frame["error"] == ""]
    bins = pd.cut(ok["p_growth_ge_0"], [0, 0.2, 0.4, 0.6, 0.8, 1.0], include_lowest=True)
    return (
        ok.groupby(bins, observed=True)
        .agg(
            forecasts=("grew", "size"),
            mean_p=("p_growth_ge_0", "mean"),
            observed_share=("grew", "mean"),
        )
        .reset_index()
        .rename(columns={"p_growth_ge_0": "bin"})
    )


def flags() -> pd.DataFrame:
    rows = []
    for name, key in PAIRS:
        frame = datasets.load(name)
        x, m = select(frame, f"{key}/exports/total"), select(frame, f"{key}/imports/total")
        xa, ma = annual(x), annual(m)
        for year in xa.index[:-1]:
            report = assess(x, m, year=int(year))
            if report.level not in ("low", "elevated", "high"):
                continue
            nxt = int(year) + 1
            growth = 100 * (xa.get(nxt, np.nan) / xa.get(int(year), np.nan) - 1)
            bal_now = xa.get(int(year), np.nan) - ma.get(int(year), np.nan)
            bal_next = xa.get(nxt, np.nan) - ma.get(nxt, np.nan)
            rows.append(
                {
                    "pair": key,
                    "year": int(year),
                    "score": report.score,
                    "level": report.level,
                    "next_growth": growth,
                    "drop_event": growth < -5 if np.isfinite(growth) else np.nan,
                    "surplus_event": (bal_next / bal_now - 1 > 0.2)
                    if bal_now > 0 and np.isfinite(bal_next)
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)


def flag_table(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for event in ("drop_event", "surplus_event"):
        g = frame.dropna(subset=[event])
        flag = g["level"] == "high"
        ev = g[event].astype(bool)
        rows.append(
            {
                "event": {
                    "drop_event": "next-year export growth < -5%",
                    "surplus_event": "surplus widens > 20% next year",
                }[event],
                "years": len(g),
                "events": int(ev.sum()),
                "flags": int(flag.sum()),
                "hits": int((flag & ev).sum()),
                "hit_rate": float((flag & ev).sum() / ev.sum()) if ev.sum() else np.nan,
                "false_alarm_rate": float((flag & ~ev).sum() / (~ev).sum())
                if (~ev).sum()
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def targets(brier: pd.DataFrame) -> str:
    """The issue's calibration targets, each with the figure it is judged on."""
    by = brier.set_index("series")
    world = by.loc["China/World/exports/total"]
    long_ = by[(by["years"] >= 10) & (by.index != "all series")]
    overall = by.loc["all series"]
    n = int(world["years"])
    band = stats.binom(n, 0.8)
    chance = band.cdf(np.floor(0.9 * n)) - band.cdf(np.ceil(0.7 * n) - 1)
    lines = [
        f"- 80% coverage of China's annual total exports in [0.7, 0.9]: "
        f"{world['coverage_80']:.3f} ({_met(0.7 <= world['coverage_80'] <= 0.9)}; a "
        f"calibrated 80% range lands in this band on {n} years with probability "
        f"{chance:.2f})",
        "- Brier skill > 0 on every series with 10+ years: "
        + ", ".join(
            f"{sid.split('/')[1]} {sid.split('/')[2]} {v:+.3f}" for sid, v in long_["skill"].items()
        )
        + f" ({'met' if (long_['skill'] > 0).all() else 'not met'})",
        f"- overall coverage within 5 points of nominal: 80% -> {overall['coverage_80']:.3f}, "
        f"95% -> {overall['coverage_95']:.3f} ("
        + (
            "met"
            if abs(overall["coverage_80"] - 0.8) <= 0.05
            and abs(overall["coverage_95"] - 0.95) <= 0.05
            else "not met"
        )
        + ")",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=2000, help="paths per outlook (the run's)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    fmt = {"floatfmt": ".3f", "index": False}
    sections = []
    for calibrate, title in (
        (True, "as the main job runs (calibration on)"),
        (False, "calibration off"),
    ):
        probs = probabilities(args.paths, calibrate, args.jobs)
        brier = brier_table(probs)
        sections.append(
            f"## P(growth >= 0) against climatology, {title}\n\n"
            "Brier score; skill > 0 beats climatology; skill_p10 and skill_p90 bound the "
            "middle 80% of the skill over 2,000 bootstrap resamples of the years. Coverage: "
            "the share of years whose "
            f"total fell in the outlook's 80%, 90% and 95% ranges.\n\n{brier.to_markdown(**fmt)}"
            f"\n\nTargets (issue 18):\n\n{targets(brier)}\n"
        )
        if calibrate:
            sections.append(
                f"## Reliability (calibration on)\n\n{reliability(probs).to_markdown(**fmt)}\n"
            )
    flag_rows = flags()
    ftable = flag_table(flag_rows)
    text = (
        f"# Risk layer: validation on history ({args.paths} paths per outlook)\n\n"
        "Every vintage (data to the end of year Y-1) gets the model `forecast run` would fit "
        "on it: the default candidates backtested (in logs for an annual series), the best "
        "three weighted, their paths centred on the weighted mean, the spread scaled so that "
        "80% of their backtest errors fall in the 80% range (`forecast.stages.fit_series`). "
        "China's annual totals also try their driver, December's year-on-year growth as "
        "first published (out in January, with the year's total), as the default config "
        "gives it; the US tariff driver is left out.\n\n"
        + "\n".join(sections)
        + "\n## Overcapacity flags (level 'high' in year Y) against next-year events\n\n"
        f"{ftable.to_markdown(**fmt)}\n\nSeries-years flagged or not: {len(flag_rows)} "
        "(scores need 8 years of history, so they start late). The samples are small: "
        "read the counts before the rates.\n"
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "risk_validation.md").write_text(text)


if __name__ == "__main__":
    main()
