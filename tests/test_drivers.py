"""Drivers published ahead (lagged) and given as growth rates (cumulated): how the models
see them, in backtests, forecasts and vintage backtests. Series are synthetic, labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import annual_backtest
from forecast.config import RunConfig, SeriesSpec, for_data, load_config
from forecast.drivers import as_regressor, known_at, path_after
from forecast.errors import ConfigError, DataError
from forecast.stages import (
    DRIVER_SUFFIX,
    Backtested,
    Prepared,
    fit,
    fit_series,
    forecast_year,
    prepare,
    run_backtest,
    select,
)
from forecast.store import ModelStore


def _annual(values, start="1990", name="X/World/exports/total"):
    index = pd.period_range(start, periods=len(values), freq="Y")
    return pd.Series(np.asarray(values, float), index=index, name=name)


def test_a_cumulated_rate_differences_back_to_the_rate_and_a_lag_dates_it_later():
    rates = _annual([10.0, -5.0, 0.0, 25.0], name="X/World/indicator/yoy")
    x = as_regressor(rates, lag=1, cumulate=True)
    assert x.index[0] == pd.Period("1991", "Y") and x.index[-1] == pd.Period("1994", "Y")
    np.testing.assert_allclose(np.diff(x.to_numpy()), np.log1p(rates.to_numpy()[1:] / 100))
    plain = as_regressor(rates, lag=2)
    assert plain.loc["1992"] == 10.0 and plain.index[-1] == pd.Period("1995", "Y")


def test_a_gap_breaks_the_cumulated_index_instead_of_being_skipped():
    rates = _annual([10.0, np.nan, 5.0, 5.0])
    x = as_regressor(rates, cumulate=True)
    assert np.isfinite(x.iloc[0]) and x.iloc[1:].isna().all()


def test_a_rate_at_or_below_minus_100_cannot_be_cumulated():
    rates = _annual([10.0, -100.0], name="X/World/indicator/yoy")
    with pytest.raises(DataError, match=r"X/World/indicator/yoy.*1991.*cumulate = false"):
        as_regressor(rates, cumulate=True)


def test_the_future_takes_published_values_then_holds_the_last():
    known = _annual([1.0, 2.0, 3.0, 4.0]).to_frame("driver")  # 1990-1993
    cutoff = pd.Period("1992", "Y")
    out = path_after(known, cutoff, 3)
    assert out["driver"].tolist() == [4.0, 4.0, 4.0]
    assert path_after(known.loc[:"1992"], cutoff, 2)["driver"].tolist() == [3.0, 3.0]


def test_a_backtest_vintage_never_sees_past_its_lag():
    full = _annual(np.arange(1.0, 11.0)).to_frame("driver")  # 1990-1999, values 1-10
    cutoff = pd.Period("1994", "Y")
    vintage = known_at(full, cutoff, lag=1, h=3)
    # history to the cutoff, one published year ahead (1995 = 6), then held
    assert vintage.loc["1994", "driver"] == 5.0
    assert vintage.loc["1995":, "driver"].tolist() == [6.0, 6.0, 6.0]
    assert known_at(full, cutoff, lag=0, h=2).loc["1995":, "driver"].tolist() == [5.0, 5.0]


def _driven(n=30, seed=11):
    """Synthetic: each year's log growth is 0.8 x the previous December's rate (a
    published driver, one year ahead) plus 1% noise; the rate swings between -10% and
    +25%, so the series' own past says little about next year."""
    rng = np.random.default_rng(seed)
    rates = rng.uniform(-10, 25, n + 1)
    growth = 0.8 * np.log1p(rates[:-1] / 100) + rng.normal(0, 0.01, n)
    y = _annual(100 * np.exp(np.cumsum(growth)), start="1991")
    driver = _annual(rates, start="1990", name="X/World/indicator/december yoy")
    return y, driver


def _config(**run):
    fields = {
        "seed": 0,
        "n_paths": 400,
        "candidates": ("naive", "drift", "arima"),
        "ensemble_size": 2,
        "windows": 3,
        "outlook_year": 0,
        "keep_data": True,
        "calibrate": False,
        **run,
    }
    raw = {"run": {**fields, "candidates": list(fields["candidates"])}, "series": []}
    return RunConfig(series=(), raw=raw, **fields)


def test_a_published_driver_is_used_and_its_next_value_moves_the_outlook():
    y, driver = _driven()
    X = as_regressor(driver, lag=1, cumulate=True).to_frame("driver")
    spec = SeriesSpec(str(y.name), driver_lag=1)
    config = _config()
    outlooks = {}
    for last in (-10.0, 25.0):  # the same history; only the rate published last differs
        x = X.copy()
        x.iloc[-1] = x.iloc[-2] + np.log1p(last / 100)
        prep = Prepared(spec, y, y, x.reindex(y.index), {}, (), x.loc[y.index[-1] + 1 :])
        bt = run_backtest(prep, config)
        sel = select(prep, bt, config)
        assert sel.uses_driver and "arima" in sel.weights
        fitted = fit(prep, bt, sel, config, store=ModelStore(), refit=True, save=False)
        out = forecast_year(prep, sel, fitted, config).outlook
        outlooks[last] = float(out["expected_growth"].iloc[0])
    # 0.8 x log(1.25) against 0.8 x log(0.90): about +19% against -8%, with the arima
    # member weighted in; the series' own past is the same in both
    assert outlooks[25.0] - outlooks[-10.0] > 0.10


def test_a_candidate_improved_by_the_driver_competes_with_its_driver_score():
    board = pd.DataFrame(
        {
            "model": ["naive", "drift", "arima", f"arima{DRIVER_SUFFIX}"],
            "mase": [1.0, 1.1, 2.0, 0.8],
        }
    )
    bt = Backtested(pd.DataFrame({"scale_mae": [1.0]}), board, "key")
    y = _annual(np.arange(1.0, 21.0))
    sel = select(Prepared(SeriesSpec(str(y.name)), y, y, None, {}), bt, _config())
    assert set(sel.weights) == {"arima", "naive"} and sel.uses_driver
    assert sel.weights["arima"] > sel.weights["naive"]


def test_a_vintage_backtest_hands_the_model_only_what_was_published():
    y, driver = _driven(n=16)
    X = as_regressor(driver, lag=1, cumulate=True).to_frame("driver")
    seen = []

    def model(train, known):
        seen.append((train.index[-1], known.index[-1]))
        return fit_series(train, _config(candidates=("naive", "arima")), known, lag=1)

    frame = annual_backtest(model, y, X=X, X_lag=1, years=[2003, 2005], n_paths=200)
    assert (frame["error"] == "").all(), frame["error"].tolist()
    assert seen == [(pd.Period(f"{yr - 1}", "Y"), pd.Period(f"{yr}", "Y")) for yr in (2003, 2005)]


def test_the_default_run_gives_china_annual_totals_their_december_driver():
    specs = {s.id: s for s in load_config().series}
    for flow in ("exports", "imports"):
        spec = specs[f"China/World/{flow}/total"]
        assert spec.driver_dataset == "china_december_yoy"
        assert spec.driver_lag == 1 and spec.driver_cumulate
        prep = prepare(spec, {})
        # the year to forecast has its published driver value, and the notes say which
        assert prep.X_ahead.index.tolist() == [prep.y.index[-1] + 1]
        assert any(f"is published and informs {prep.y.index[-1] + 1}" in n for n in prep.notes)


@pytest.mark.parametrize(
    ("driver", "match"),
    [
        ('{ dataset = "china_december_yoy", id = "a", lag = -1 }', r"series\[0\].driver.lag"),
        ('{ dataset = "china_december_yoy", id = "a", lag = true }', r"series\[0\].driver.lag"),
        (
            '{ dataset = "china_december_yoy", id = "a", cumulate = "yes" }',
            r"series\[0\].driver.cumulate",
        ),
    ],
)
def test_a_bad_lag_or_cumulate_names_its_key(tmp_path, driver, match):
    path = tmp_path / "c.toml"
    path.write_text(
        f'[[series]]\ndataset = "china_total_annual"\nid = "China/World/exports/total"\n'
        f"driver = {driver}\n"
    )
    with pytest.raises(ConfigError, match=match):
        load_config(path)


def test_risk_on_a_configured_dataset_keeps_the_runs_driver():
    """`forecast risk --dataset china_total_annual` asks the run's question of the run's
    series: their December driver comes along (one question, one answer); a series the
    config does not name, or named from another source, gets none."""
    config = load_config()
    ids = ["China/World/exports/total", "China/World/imports/total"]
    same = for_data(config, ids, dataset="china_total_annual")
    run = {s.id: s for s in config.series}
    assert [s for s in same.series] == [run[i] for i in ids]
    assert all(e["driver"]["lag"] == 1 for e in same.raw["series"])
    other = for_data(config, ["China/World/exports/total"], dataset="china_exports_sa_monthly")
    assert other.series[0].driver_id is None and "driver" not in other.raw["series"][0]
