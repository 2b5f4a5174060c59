"""AutoTheta against a plain loop over the equations of Fiorucci et al. (2016).

Series here are synthetic, built with known properties, and labelled as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models import get
from forecast.models.autotheta import trend_states


def loop_errors(y, variant, alpha, theta, level0):
    """One-step errors written out step by step, independently of the vectorised fit."""
    n = len(y)
    t = np.arange(1, n + 1)
    slope = np.polyfit(t, y, 1)[0]
    a_static, b_static = np.mean(y) - slope * (n + 1) / 2, slope
    level = alpha * y[0] + (1 - alpha) * level0
    errors = []
    for i in range(1, n):
        if variant in ("dstm", "dotm"):  # the line through y[0..i-1] only
            if i == 1:
                a, b = y[0], 0.0
            else:
                b, a = np.polyfit(np.arange(1, i + 1), y[:i], 1)
        else:
            a, b = a_static, b_static
        mu = level + (1 - 1 / theta) * (
            a * (1 - alpha) ** i + b * (1 - (1 - alpha) ** (i + 1)) / alpha
        )
        errors.append(y[i] - mu)
        level = alpha * y[i] + (1 - alpha) * level
    return np.array(errors[2:])  # the first three one-step errors are burn-in


def synthetic(n=96, seed=0, season=True):
    """Synthetic: trend 0.8 per month, AR(1) noise, a 12-month cycle of amplitude 6."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.6 * noise[i - 1] + rng.normal()
    values = 80 + 0.8 * t + 3 * noise + (6 * np.sin(2 * np.pi * t / 12) if season else 0)
    return pd.Series(values, index=pd.period_range("2015-01", periods=n, freq="M"))


def test_dynamic_line_is_least_squares_on_each_prefix():
    y = synthetic(40, season=False).to_numpy()
    a, b = trend_states(y, dynamic=True)
    for i in (1, 7, 39):
        slope, intercept = np.polyfit(np.arange(1, i + 2), y[: i + 1], 1)
        assert b[i] == pytest.approx(slope, abs=1e-10)
        assert a[i] == pytest.approx(intercept, abs=1e-8)


@pytest.mark.parametrize("variant", ["stm", "otm", "dstm", "dotm"])
def test_fit_matches_loop_and_beats_random_parameters(variant):
    y = synthetic(season=False)
    model = get("autotheta", variant=variant).fit(y)
    z = y.to_numpy()
    fitted = loop_errors(z, variant, model.alpha_, model.theta_, model.level0_)
    assert np.mean(fitted**2) == pytest.approx(model.mse_[variant], rel=1e-8)
    rng = np.random.default_rng(1)
    optimise_theta = variant.endswith("otm")
    for _ in range(40):  # the profile least squares is the optimum over all parameters
        theta = rng.uniform(1, 6) if optimise_theta else 2.0
        trial = loop_errors(
            z, variant, rng.uniform(0.1, 0.99), theta, model.level0_ + rng.normal(scale=20)
        )
        assert np.mean(trial**2) >= model.mse_[variant] * (1 - 1e-9)


def test_auto_keeps_lowest_mse_and_static_forecast_is_a_straight_line():
    y = synthetic(season=False)
    model = get("autotheta").fit(y)
    assert model.mse_[model.variant_] == min(model.mse_.values())
    static = get("autotheta", variant="otm").fit(y)
    steps = np.diff(static.predict(24, level=())["mean"].to_numpy())
    _a, b = trend_states(y.to_numpy(), dynamic=False)
    np.testing.assert_allclose(steps, (1 - 1 / static.theta_) * b[0], rtol=1e-9)


def test_seasonal_series_is_deseasonalised_and_paths_match_intervals():
    y = synthetic(120)
    model = get("autotheta").fit(y)
    assert model.multiplicative_ and np.ptp(model.season_phase_) > 0.05
    pred = model.predict(12, level=(80,))
    paths = model.sample(12, 20000, random_state=3)
    np.testing.assert_allclose(paths.mean(axis=0), pred["mean"], rtol=5e-3)
    inside = (paths >= pred["lo-80"].to_numpy()) & (paths <= pred["hi-80"].to_numpy())
    assert abs(inside.mean() - 0.8) < 0.01
    # the forecast carries the season: peak and trough months stay apart
    assert np.ptp(pred["mean"].to_numpy() - np.linspace(*pred["mean"].iloc[[0, -1]], 12)) > 4


def test_update_with_the_same_data_changes_nothing_and_new_data_moves_the_level():
    y = synthetic(120)
    model = get("autotheta").fit(y.iloc[:108])
    before = model.predict(6, level=())["mean"].to_numpy()
    params = (model.alpha_, model.theta_, model.variant_)
    model.update(y.iloc[:108])
    np.testing.assert_allclose(model.predict(6, level=())["mean"], before, rtol=1e-12)
    model.update(y)
    assert (model.alpha_, model.theta_, model.variant_) == params
    assert model.cutoff_ == y.index[-1]
    refit = get("autotheta", variant=model.variant_).fit(y)
    np.testing.assert_allclose(
        model.predict(6, level=())["mean"], refit.predict(6, level=())["mean"], rtol=0.05
    )


@pytest.mark.parametrize(
    "params, name",
    [
        ({"variant": "xtm"}, "variant"),
        ({"alpha_bounds": (0.5, 0.2)}, "alpha_bounds"),
        ({"alpha_bounds": 0.3}, "alpha_bounds"),
    ],
)
def test_bad_parameters_are_named(params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter of AutoTheta"):
        get("autotheta", **params).fit(synthetic())
