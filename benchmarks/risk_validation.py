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
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.backtest import annual_backtest
from forecast.data import select
from forecast.models import get
from forecast.risk import annual, assess

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


def model():
    """ETS + Theta with drift as a third member: the ensemble without ARIMA, for speed."""
    return get("ensemble", members=["ets", "theta", "drift"])


def probabilities(paths: int) -> pd.DataFrame:
    frames = []
    for name, sid in SERIES:
        y = select(datasets.load(name), sid)
        gaps = y.index[y.isna()]
        if len(gaps):
            y = y.loc[gaps[-1] + 1 :]
        frames.append(annual_backtest(model(), y, n_paths=paths).assign(series_id=sid))
    return pd.concat(frames, ignore_index=True)


def brier_table(frame: pd.DataFrame) -> pd.DataFrame:
    ok = frame[(frame["error"] == "") & frame["climatology"].notna()]
    rows = []
    for sid, g in [*ok.groupby("series_id"), ("all series", ok)]:
        outcome = g["grew"].astype(float)
        brier = float(np.mean((g["p_growth_ge_0"] - outcome) ** 2))
        clim = float(np.mean((g["climatology"] - outcome) ** 2))
        rows.append(
            {
                "series": sid,
                "years": len(g),
                "years_with_growth": int(outcome.sum()),
                "brier": brier,
                "brier_climatology": clim,
                "skill": 1 - brier / clim if clim else np.nan,
                "coverage_80": float(g["in_80"].mean()),
                "coverage_90": float(g["in_90"].mean()),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=500)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    probs = probabilities(args.paths)
    brier, rel = brier_table(probs), reliability(probs)
    flag_rows = flags()
    ftable = flag_table(flag_rows)
    fmt = {"floatfmt": ".3f", "index": False}
    text = (
        "# Risk layer: validation on history\n\n"
        "## P(growth >= 0) against climatology (Brier score; skill > 0 beats it)\n\n"
        f"{brier.to_markdown(**fmt)}\n\n## Reliability\n\n{rel.to_markdown(**fmt)}\n\n"
        "## Overcapacity flags (level 'high' in year Y) against next-year events\n\n"
        f"{ftable.to_markdown(**fmt)}\n\nSeries-years flagged or not: {len(flag_rows)} "
        "(scores need 8 years of history, so they start late). The samples are small: "
        "read the counts before the rates.\n"
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "risk_validation.md").write_text(text)


if __name__ == "__main__":
    main()
