"""The series stages one by one, and the driver path end to end (synthetic, labelled)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.config import RunConfig, SeriesSpec
from forecast.errors import DataError
from forecast.pipeline import assess_series
from forecast.stages import (
    ANNUAL_WINDOWS,
    DRIVER_SUFFIX,
    MIN_TRAIN,
    Backtested,
    Prepared,
    fit_series,
    model_transform,
    run_backtest,
    select,
)


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
    y = _series(np.arange(1.0, 49.0), "M")
    prep = Prepared(SeriesSpec(str(y.name)), y, y, None, {})
    sel = select(prep, bt, _config([], calibrate=False))
    assert sel.uses_driver and set(sel.weights) == {"naive", "arima"}
    assert "improved arima's backtest MASE" in sel.notes[0]
    worse = board.assign(mase=[1.2, 1.0, 1.1])
    assert not select(
        prep, Backtested(bt.frame, worse, "key"), _config([], calibrate=False)
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


def _series(values, freq):
    index = pd.period_range("2000", periods=len(values), freq=freq)
    return pd.Series(np.asarray(values, float), index=index, name="X/World/exports/total")


def test_the_run_fits_logs_to_positive_annual_series_only():
    """Synthetic: ``auto`` takes logs of a positive annual series, and of nothing else."""
    growing = _series(100 * 1.1 ** np.arange(20), "Y")
    monthly = _series(100 + np.arange(48), "M")
    with_zero = _series([0.0, *growing[1:]], "Y")
    auto, log, none = (_config([], transform=t) for t in ("auto", "log", "none"))
    assert model_transform(growing, auto) == "log"
    assert model_transform(monthly, auto) is None
    assert model_transform(with_zero, auto) is None
    assert model_transform(monthly, log) == "log"
    assert model_transform(growing, none) is None
    with pytest.raises(DataError, match=r"X/World/exports/total.*run.transform = 'log'.*2000"):
        model_transform(with_zero, log)


def test_members_of_an_annual_run_forecast_on_logs():
    """Synthetic compounding series (12% a year, 4% log noise): every member that takes a
    transform is fitted on logs, and the forecast stays positive and keeps growing."""
    rng = np.random.default_rng(3)
    y = _series(50 * np.exp(np.cumsum(0.12 + rng.normal(0, 0.04, 25))), "Y")
    config = _config([], candidates=("naive", "drift", "theta"), calibrate=False)
    model = fit_series(y, config)
    assert all(m.get_params()["transform"] == "log" for m in model.members)
    nxt = model.predict(3, level=(95,))
    assert (nxt["lo-95"] > 0).all() and nxt["mean"].iloc[-1] > y.iloc[-1]
    levels = fit_series(
        y, _config([], ("naive", "drift", "theta"), calibrate=False, transform="none")
    )
    assert all(m.get_params()["transform"] is None for m in levels.members)


def test_an_annual_series_is_backtested_at_many_one_year_origins():
    """Synthetic: three one-year folds are three errors, too few to rank models on, so an
    annual series gets a fold per year up to ANNUAL_WINDOWS; a monthly series keeps the
    configured windows."""
    rng = np.random.default_rng(4)
    annual = _series(50 * np.exp(np.cumsum(0.05 + rng.normal(0, 0.05, 30))), "Y")
    config = _config([], candidates=("naive", "drift"), windows=3, calibrate=False)
    prep = Prepared(SeriesSpec(str(annual.name)), annual, annual, None, {})
    folds = run_backtest(prep, config).frame["cutoff"].nunique()
    assert folds == min(len(annual) - MIN_TRAIN, ANNUAL_WINDOWS) > 3
    monthly = _series(100 + np.arange(72) + rng.normal(0, 1, 72), "M")
    prep = Prepared(SeriesSpec(str(monthly.name)), monthly, monthly, None, {})
    assert run_backtest(prep, config).frame["cutoff"].nunique() == 3


def test_fit_series_names_a_gap_and_the_span_to_pass():
    y = _series([1.0, 2.0, np.nan, *np.arange(4.0, 16.0)], "Y")
    with pytest.raises(DataError, match=r"X/World/exports/total.*2002.*y.loc\['2003':\]"):
        fit_series(y, _config([], candidates=("naive", "drift")))


def test_a_backtest_where_every_fold_fails_says_why():
    """Synthetic: 6 annual points leave folds of 5 years or less, too short for ARIMA."""
    y = _series(np.arange(1.0, 7.0), "Y")
    prep = Prepared(SeriesSpec(str(y.name)), y, y, None, {})
    with pytest.raises(DataError, match=r"X/World/exports/total: no candidate.*AutoARIMA"):
        run_backtest(prep, _config([], candidates=("arima",)))
