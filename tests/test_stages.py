"""The series stages one by one, and the driver path end to end (synthetic, labelled)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.config import RunConfig, SeriesSpec
from forecast.pipeline import assess_series
from forecast.stages import DRIVER_SUFFIX, Backtested, select


def _config(series, candidates=("naive", "arima"), **run):
    fields = {
        "seed": 0,
        "n_paths": 200,
        "candidates": tuple(candidates),
        "ensemble_size": 2,
        "windows": 2,
        "outlook_year": 0,
        "keep_data": True,
        **run,
    }
    raw = {"run": {**fields, "candidates": list(candidates)}, "series": []}
    return RunConfig(series=tuple(series), raw=raw, **fields)


def test_select_uses_the_driver_only_where_it_helps():
    board = pd.DataFrame(
        {"model": ["naive", "arima", f"arima{DRIVER_SUFFIX}"], "mase": [1.2, 1.0, 0.7]}
    )
    bt = Backtested(pd.DataFrame({"scale_mae": [1.0]}), board, "key")
    sel = select(None, bt, _config([], calibrate=False))
    assert sel.uses_driver and set(sel.weights) == {"naive", "arima"}
    assert "improved arima's backtest MASE" in sel.notes[0]
    worse = board.assign(mase=[1.2, 1.0, 1.1])
    assert not select(
        None, Backtested(bt.frame, worse, "key"), _config([], calibrate=False)
    ).uses_driver


def test_a_driver_that_explains_the_series_is_used_end_to_end(tmp_path):
    """Synthetic: exports = 50 + 3 x driver + small noise, the driver a random walk."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2012-01-01", periods=120, freq="MS")
    driver = 20 + np.cumsum(rng.normal(0, 1, len(dates)))
    exports = 50 + 3 * driver + rng.normal(0, 0.5, len(dates))
    rows = ["reporter,partner,flow,product,date,value,unit"]
    rows += [
        f"X,World,exports,total,{d:%Y-%m-%d},{v:.4f},USD"
        for d, v in zip(dates, exports, strict=True)
    ]
    rows += [
        f"X,World,indicator,tariff,{d:%Y-%m-%d},{v:.4f},percent"
        for d, v in zip(dates, driver, strict=True)
    ]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n")
    spec = SeriesSpec(
        "X/World/exports/total",
        csv=str(data),
        driver_id="X/World/indicator/tariff",
        driver_csv=str(data),
    )
    results, risk = assess_series(_config([spec]), store=tmp_path / "store")
    res = results[0]
    assert not res.errors, res.errors
    assert f"arima{DRIVER_SUFFIX}" in set(res.leaderboard["model"])
    assert res.uses_driver and any("driver improved" in n for n in res.notes)
    assert res.model.x_columns_ == ["driver"]
    assert res.forecast is not None and len(res.forecast) >= 12
    assert risk["series_id"].tolist() == ["X/World/exports/total"]  # no imports: no pair
