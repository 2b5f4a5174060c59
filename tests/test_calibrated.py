"""Calibrated intervals: a misspecified model's coverage brought to nominal on labelled
synthetic series, with the model's means and horizon-consistent paths kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataError
from forecast.models import Calibrated, get
from tests.conftest import synthetic_seasonal


def _series(seed: int, kind: str, n: int = 96) -> pd.Series:
    """Synthetic: 'ar' is mean-reverting AR(1) with t(3) shocks (a random-walk model's
    intervals are too wide); 'break' a random walk whose volatility triples in its last
    third (intervals from the whole history are too narrow)."""
    rng = np.random.default_rng(seed)
    if kind == "ar":
        e, y = rng.standard_t(3, n + 6) * 2, np.zeros(n + 6)
        for t in range(1, n + 6):
            y[t] = 0.6 * y[t - 1] + e[t]
        y = y + 100
    else:
        sd = np.r_[np.ones(2 * n // 3), 3 * np.ones(n + 6 - 2 * n // 3)]
        y = 100 + np.cumsum(rng.normal(0, 1, n + 6) * sd)
    return pd.Series(
        y,
        index=pd.period_range("2010-01", periods=n + 6, freq="M"),
        name=f"synthetic/{kind}/{seed}",
    )


@pytest.mark.parametrize("kind", ["ar", "break"])
def test_misspecified_intervals_reach_nominal_coverage(kind):
    base_hits, cal_hits = [], []
    for seed in range(60):
        y = _series(seed, kind)
        train, test = y.iloc[:-6], y.iloc[-6:].to_numpy()
        base = get("naive").fit(train).predict(6, level=(80,))
        cal = Calibrated(get("naive"), horizon=6).fit(train).predict(6, level=(80,))
        base_hits += list((test >= base["lo-80"]) & (test <= base["hi-80"]))
        cal_hits += list((test >= cal["lo-80"]) & (test <= cal["hi-80"]))
    base_cov, cal_cov = np.mean(base_hits), np.mean(cal_hits)
    assert abs(base_cov - 0.8) > 0.1  # the model alone is off
    assert abs(cal_cov - 0.8) < 0.06, cal_cov  # 360 points: about 2 standard errors


def test_means_are_the_models_and_paths_are_horizon_consistent():
    y = synthetic_seasonal(n=84)
    cal = Calibrated(get("ets"), n_windows=4).fit(y)
    np.testing.assert_allclose(cal.predict(6)["mean"], get("ets").fit(y).predict(6)["mean"])
    short, long = cal.sample(3, 200, random_state=1), cal.sample(15, 200, random_state=1)
    np.testing.assert_array_equal(short, long[:, :3])
    assert cal.factors_.shape == (12,) and (cal.factors_ > 0).all()


def test_bad_inputs_are_named():
    y = synthetic_seasonal(n=30)
    with pytest.raises(TypeError, match="'model' parameter of Calibrated"):
        Calibrated("ets").fit(y)
    with pytest.raises(ValueError, match="'n_windows' parameter"):
        Calibrated(get("naive"), n_windows=1).fit(y)
    with pytest.raises(DataError, match="too short to calibrate"):
        Calibrated(get("naive"), n_windows=24, horizon=12).fit(y.iloc[:14])
