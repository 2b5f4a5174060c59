"""Calibration from backtest errors: scaled errors by hand, the factor and its test on
synthetic backtests with known miscalibration, and the main job's use of it (synthetic,
labelled)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.calibration import calibrate_from_backtest, scaled_errors
from forecast.models import Calibrated, get
from forecast.pipeline import assess_series
from forecast.stages import Backtested, Prepared, select
from tests.conftest import synthetic_seasonal
from tests.test_stages import _config

Z80 = stats.norm.ppf(0.9)


def _frame(y, half, models=("a",), periods=None):
    """A synthetic backtest: mean 0, an 80% interval of +-half, realised values y."""
    n = len(y)
    periods = periods if periods is not None else np.arange(n)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "series_id": "s",
                    "model": m,
                    "cutoff": periods // 12,
                    "date": periods,
                    "y": y,
                    "mean": 0.0,
                    "lo-80": -half,
                    "hi-80": half,
                }
            )
            for m in models
        ],
        ignore_index=True,
    )


def test_scaled_errors_by_hand():
    frame = pd.DataFrame(
        {"y": [1.0, 3.0, -2.0, 0.5], "mean": 1.0, "lo-80": [0.0, 0.0, -1.0, 1.0], "hi-80": 2.0}
    )
    # on the upper side in half-widths of hi - mean, on the lower of mean - lo; a zero
    # half-width is no interval
    np.testing.assert_allclose(scaled_errors(frame), [0.0, 2.0, 1.5, np.nan])
    with pytest.raises(ValueError, match=r"no column.*hi-95"):
        scaled_errors(frame, level=95)


def test_too_narrow_intervals_are_widened_by_the_missing_factor():
    """Synthetic: errors N(0, 2) against intervals built for N(0, 1)."""
    y = np.random.default_rng(0).normal(0, 2.0, 600)
    cal = calibrate_from_backtest(_frame(y, Z80))
    assert cal.applied and cal.coverage < 0.6 and cal.p_value < 1e-6
    assert cal.factor == pytest.approx(2.0, rel=0.08)
    assert "scaled by" in cal.describe()


def test_right_intervals_get_a_factor_near_one():
    """Synthetic: 300 backtests of 100 periods whose 80% intervals are exact. The
    factor is always applied, so it must stay near 1 by itself: the empirical 80%
    quantile of 100 errors has a sampling sd of about 9% here. The binomial test,
    reported beside it, calls about one in ten miscalibrated at 10%."""
    rng = np.random.default_rng(1)
    calls = [calibrate_from_backtest(_frame(rng.normal(0, 1, 100), Z80)) for _ in range(300)]
    factors = np.array([c.factor for c in calls])
    assert all(c.applied for c in calls)
    assert np.median(factors) == pytest.approx(1.0, abs=0.03)
    low, high = np.percentile(factors, [10, 90])
    assert 0.85 < low < 1 < high < 1.15
    assert 0.04 < np.mean([c.p_value < 0.10 for c in calls]) < 0.16
    assert "p=" in calls[0].describe() and "scaled by" in calls[0].describe()


def test_few_errors_shrink_the_factor_and_members_count_once():
    y = np.random.default_rng(2).normal(0, 4.0, 12)
    one = calibrate_from_backtest(_frame(y, Z80), prior=10)
    # three members forecasting the same twelve periods are twelve periods of evidence
    three = calibrate_from_backtest(_frame(y, Z80, models=("a", "b", "c")), prior=10)
    assert one.n_errors == three.n_errors == 12
    raw = calibrate_from_backtest(_frame(y, Z80), prior=0)
    assert 1 < one.factor < raw.factor
    assert np.log(one.factor) == pytest.approx(np.log(raw.factor) * 12 / 22)
    # an 80% bound needs the split-conformal rank ceil(0.8 (n + 1)) within n errors
    three = calibrate_from_backtest(_frame(y[:3], Z80))
    assert not three.applied and three.factor == 1.0 and "too few" in three.describe()
    four = calibrate_from_backtest(_frame(y[:4], Z80))
    assert four.applied and four.factor != 1.0


def test_weights_pick_the_members():
    rng = np.random.default_rng(3)
    good, bad = (
        _frame(rng.normal(0, 1, 300), Z80, ("good",)),
        _frame(rng.normal(0, 3, 300), Z80, ("bad",)),
    )
    frame = pd.concat([good, bad], ignore_index=True)
    assert calibrate_from_backtest(frame, {"good": 1.0}).factor == pytest.approx(1.0, abs=0.1)
    assert calibrate_from_backtest(frame, {"bad": 1.0, "absent": 1.0}).factor > 2.5
    mixed = calibrate_from_backtest(frame, {"good": 0.5, "bad": 0.5})
    assert 1 < mixed.factor < calibrate_from_backtest(frame, {"bad": 1.0}).factor


def test_combined_scores_the_ensemble_not_its_members():
    """Synthetic: values N(0, 0.5); two members biased by +-1.5 in opposite directions,
    each with the 80% half-width of N(0, 1) around its own mean. Each member misses
    most periods, yet their equal-weight combination is unbiased and too wide: scored
    per member, calibration would widen the ensemble; scored combined, it narrows it
    by about half."""
    truth = np.random.default_rng(5).normal(0, 0.5, 400)
    frame = pd.concat(
        [_frame(truth - bias, Z80, (name,)) for name, bias in (("up", 1.5), ("down", -1.5))],
        ignore_index=True,
    )
    shift = np.repeat([1.5, -1.5], len(truth))  # the same values, each member's mean moved
    frame[["y", "mean", "lo-80", "hi-80"]] = frame[["y", "mean", "lo-80", "hi-80"]].add(
        shift, axis=0
    )
    weights = {"up": 0.5, "down": 0.5}
    members = calibrate_from_backtest(frame, weights)
    combined = calibrate_from_backtest(frame, weights, combined=True)
    assert members.applied and members.factor > 1.3
    assert combined.applied and combined.coverage > 0.95
    assert combined.factor == pytest.approx(0.5, rel=0.1)
    assert combined.n_errors == 400
    # a member missing a period, or its interval, leaves that period to the other
    gaps = frame.drop(index=range(10)).copy()
    gaps.loc[len(truth) + np.arange(10, 20), "hi-80"] = np.nan
    partial = calibrate_from_backtest(gaps, weights, combined=True)
    assert partial.n_errors == 400 and partial.coverage < combined.coverage
    with pytest.raises(ValueError, match="weights"):
        calibrate_from_backtest(frame, combined=True)


def test_calibrated_with_given_factors_scales_deviations_exactly():
    y = synthetic_seasonal(72, seed=4)
    plain = get("ets").fit(y)
    cal = Calibrated(get("ets"), factors=[1.5]).fit(y)
    assert cal.calibration_windows_ == 0
    base = plain.sample(6, 300, random_state=9)
    mean = plain.predict(6, level=())["mean"].to_numpy()
    np.testing.assert_allclose(cal.sample(6, 300, random_state=9), mean + 1.5 * (base - mean))
    lean = cal.compact()
    np.testing.assert_allclose(lean.predict(6)["hi-80"], cal.predict(6)["hi-80"], rtol=1e-8)
    longer = synthetic_seasonal(84, seed=4).iloc[:80]
    assert cal.update(longer).cutoff_ == longer.index[-1]
    with pytest.raises(ValueError, match="'factors' parameter of Calibrated"):
        Calibrated(get("ets"), factors=[0.0]).fit(y)


def test_select_calibrates_only_when_asked():
    y = pd.Series(np.random.default_rng(5).normal(0, 3, 300))
    bt = Backtested(
        _frame(y.to_numpy(), Z80, ("naive",)).assign(scale_mae=1.0),
        pd.DataFrame({"model": ["naive"], "mase": [1.0]}),
        "key",
    )
    idx = pd.period_range("2000-01", periods=300, freq="M")
    prep = Prepared(None, pd.Series(y.to_numpy(), idx), None, None, {}, ())
    on = select(prep, bt, _config([], candidates=("naive",)))
    assert on.calibration.applied and any("spread scaled by" in n for n in on.notes)
    off = select(prep, bt, _config([], candidates=("naive",), calibrate=False))
    assert off.calibration is None


def test_the_main_job_calibrates_a_misspecified_series(tmp_path):
    """Synthetic: a random walk with volatility tripling after month 60, so the models'
    spread (estimated mostly on the calm part) is too narrow in the backtest."""
    rng = np.random.default_rng(6)
    dates = pd.date_range("2010-01-01", periods=120, freq="MS")
    sd = np.where(np.arange(120) < 60, 1.0, 6.0)
    values = 500 + np.cumsum(rng.normal(0, sd))
    rows = ["reporter,partner,flow,product,date,value,unit"]
    rows += [
        f"X,World,exports,total,{d:%Y-%m-%d},{v:.4f},USD"
        for d, v in zip(dates, values, strict=True)
    ]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n")
    from forecast.config import SeriesSpec

    spec = SeriesSpec("X/World/exports/total", csv=str(data))
    config = _config([spec], candidates=("naive", "drift"), windows=4)
    results, _ = assess_series(config, store=tmp_path / "store")
    res = results[0]
    assert not res.errors, res.errors
    assert res.selection.calibration.applied and res.selection.calibration.factor > 1
    assert isinstance(res.model, Calibrated)
    # a rerun finds the calibrated model in the store and gives the same outlook
    again, _ = assess_series(config, store=tmp_path / "store")
    assert again[0].reused
    # the calibration comes back with the saved backtest rather than being recomputed
    assert again[0].backtested.calibration == res.selection.calibration
    pd.testing.assert_frame_equal(again[0].outlook, res.outlook)
