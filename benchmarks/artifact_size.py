"""Artifact sizes with and without the training data, for every registered model.

Fits each model to the bundled China-US exports series (US Census mirror data,
2010-01 onward) and saves it twice: as fitted, and with ``keep_data=False``
(:meth:`forecast.models.Forecaster.compact`). Prints the payload bytes of both, their
ratio, and the largest relative difference between the two artifacts' forecasts.

    python benchmarks/artifact_size.py

Writes ``benchmarks/results/artifact_size.md``.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.artifacts import load, read_manifest, save
from forecast.data import select
from forecast.models import available, get

RESULTS = Path(__file__).resolve().parent / "results"
SERIES = "China/United States/exports/total"


def main() -> None:
    warnings.simplefilter("ignore")
    y = select(datasets.load("us_china_monthly"), SERIES).loc["2010-01":]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in available():
            model = get(name).fit(y)
            sizes, means = {}, {}
            for keep in (True, False):
                path = save(model, Path(tmp) / f"{name}-{keep}", keep_data=keep)
                sizes[keep] = read_manifest(path)["payload"]["bytes"]
                means[keep] = load(path).predict(24)["mean"].to_numpy()
            rows.append(
                {
                    "model": name,
                    "with data (kB)": sizes[True] / 1e3,
                    "without data (kB)": sizes[False] / 1e3,
                    "ratio": sizes[True] / sizes[False],
                    "max rel. forecast difference": float(
                        np.max(np.abs(means[True] - means[False]) / np.abs(means[True]))
                    ),
                }
            )
    table = pd.DataFrame(rows)
    text = (
        f"Artifact payload sizes (joblib, compress=3), series {SERIES}, "
        f"{y.index[0]} to {y.index[-1]} ({len(y)} months), 24-month forecasts compared.\n\n"
        + table.to_markdown(index=False, floatfmt=".3g")
        + "\n"
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "artifact_size.md").write_text(text)


if __name__ == "__main__":
    main()
