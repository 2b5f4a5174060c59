"""The ARIMA order search: drift, a fair CSS comparison, root checks, parameters.

Series here are synthetic, built with known properties, and labelled as such.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecast.models import get
from forecast.models.arima import _roots_ok


def _monthly(values, name):
    return pd.Series(
        values, index=pd.period_range("2000-01", periods=len(values), freq="M"), name=name
    )


def test_drift_is_a_straight_line_not_a_quadratic():
    # synthetic: random walk with drift 2 per month
    rng = np.random.default_rng(0)
    y = _monthly(100 + np.cumsum(2 + rng.normal(size=150)), "synthetic/walk-with-drift")
    model = get("arima", seasonal=False, d=1).fit(y)
    assert "drift" in model.spec_
    steps = np.diff(model.predict(60, level=())["mean"].to_numpy())
    # increments settle at the drift and stay there: no acceleration over five years
    assert abs(steps[-1] - steps[20]) < 1e-6 and 1.5 < steps[-1] < 2.5


def test_css_scores_do_not_reward_conditioning_on_more_points():
    # synthetic: white noise on a large scale (variance 1e8), monthly. Seasonal AR terms
    # condition on 12 or 24 more points; scored on their own shorter sample, P = 2 wins
    # on every one of these series by dropping likelihood terms (log 2 pi 1e8 + 1 = 20
    # AICc points per dropped point), which is what this guards against
    for seed in (1, 2, 3):
        noise = np.random.default_rng(seed).normal(size=200)
        model = get("arima", d=0, D=0).fit(_monthly(1e6 + 1e4 * noise, "synthetic/noise"))
        assert model.order_[2] < 2, (seed, model.spec_)


def test_unit_root_fits_are_passed_over():
    near = SimpleNamespace(arroots=np.array([1.005, 3.0]), maroots=np.array([]))
    fine = SimpleNamespace(arroots=np.array([1.5]), maroots=np.array([-2.0, 1.2]))
    assert not _roots_ok(near) and _roots_ok(fine)
    assert _roots_ok(SimpleNamespace(arroots=np.array([]), maroots=np.array([])))


def test_more_exact_candidates_never_raise_the_aicc():
    y = _monthly(np.random.default_rng(2).normal(size=120).cumsum() + 50, "synthetic/walk")
    one = get("arima", exact_candidates=1).fit(y)
    three = get("arima", exact_candidates=3).fit(y)
    assert three.results_.aicc <= one.results_.aicc + 1e-9


@pytest.mark.parametrize("value", [0, 1.5, True, "2"])
def test_exact_candidates_must_be_a_positive_integer(value):
    with pytest.raises(ValueError, match="'exact_candidates' parameter of AutoARIMA"):
        get("arima", exact_candidates=value).fit(_monthly(np.arange(60.0), "synthetic/line"))
