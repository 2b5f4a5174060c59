"""Wrappers give what a direct statsmodels or numpy computation gives (synthetic data)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

from forecast.models import get
from forecast.models.arima import ndiffs, seasonal_strength
from tests.conftest import synthetic_seasonal


@pytest.fixture(scope="module")
def y():
    return synthetic_seasonal(n=96, seed=5)


def test_naive_and_snaive_by_hand(y):
    values = y.to_numpy()
    out = get("naive").fit(y).predict(3, level=(95,))
    sigma = np.sqrt(np.mean(np.diff(values) ** 2))
    np.testing.assert_allclose(out["mean"], values[-1])
    np.testing.assert_allclose(out["hi-95"], values[-1] + stats.norm.ppf(0.975) * sigma
                               * np.sqrt([1, 2, 3]))
    snaive = get("snaive").fit(y).predict(14)
    np.testing.assert_allclose(snaive["mean"], np.r_[values[-12:], values[-12:-10]])


def test_drift_by_hand(y):
    values = y.to_numpy()
    slope = (values[-1] - values[0]) / (len(values) - 1)
    out = get("drift").fit(y).predict(4)
    np.testing.assert_allclose(out["mean"], values[-1] + slope * np.arange(1, 5))


def test_ets_equals_direct_statsmodels(y):
    model = get("ets", model="AAA", damped=False).fit(y)
    direct = ETSModel(y.to_numpy(), error="add", trend="add", seasonal="add",
                      seasonal_periods=12).fit(disp=False)
    np.testing.assert_allclose(model.predict(12)["mean"], direct.forecast(12), rtol=1e-10)
    assert model.spec_ == "ETS(A,A,A)"


def test_auto_ets_picks_lowest_aicc(y):
    model = get("ets").fit(y)
    e, t, s = model.spec_[4], model.spec_[6], model.spec_[-2]
    trend = {"A": "add", "N": None}[t]
    direct = ETSModel(y.to_numpy(), error={"A": "add", "M": "mul"}[e], trend=trend,
                      damped_trend="d" in model.spec_, seasonal={"A": "add", "M": "mul",
                                                                  "N": None}[s],
                      seasonal_periods=12 if s != "N" else None).fit(disp=False)
    assert model.results_.aicc == pytest.approx(direct.aicc)
    alternative = ETSModel(y.to_numpy(), error="add", trend=None).fit(disp=False)
    assert model.results_.aicc <= alternative.aicc


def test_arima_equals_direct_sarimax(y):
    model = get("arima").fit(y)
    p, q, P, Q, const = model.order_
    trend = ("c" if model.d_ + model.D_ == 0 else "t") if const else None
    spec = SARIMAX(y.to_numpy(), order=(p, model.d_, q),
                   seasonal_order=(P, model.D_, Q, 12) if model.m_ > 1 else (0, 0, 0, 0),
                   trend=trend)
    at_ours = spec.smooth(model.results_.params)
    np.testing.assert_allclose(model.predict(12)["mean"], at_ours.forecast(12), rtol=1e-10)
    with warnings.catch_warnings():  # default start values may not converge here
        warnings.simplefilter("ignore")
        direct = spec.fit(disp=False)
    assert model.results_.llf >= direct.llf - 1e-6
    assert model.D_ == 1  # the synthetic series has a strong fixed season


def test_unit_root_and_season_tests():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=300))
    noise = rng.normal(size=300)
    assert ndiffs(walk) == 1 and ndiffs(noise) == 0
    t = np.arange(240)
    assert seasonal_strength(10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=240), 12) > 0.9
    assert seasonal_strength(noise[:240], 12) < 0.64


def test_theta_equals_direct_statsmodels(y):
    model = get("theta").fit(y)
    direct = ThetaModel(y.to_numpy(), period=12, method="multiplicative").fit()
    np.testing.assert_allclose(model.predict(12)["mean"], direct.forecast(12), rtol=1e-10)


def test_structural_equals_direct_statsmodels(y):
    model = get("structural").fit(y)
    direct = UnobservedComponents(y.to_numpy(), level="local linear trend",
                                  seasonal=12).fit(disp=False, maxiter=200)
    np.testing.assert_allclose(model.predict(6)["mean"], direct.forecast(6), rtol=1e-8)


def test_lagreg_linear_recovers_ar_process():
    """Synthetic AR(1) with known coefficient 0.7: a linear lag model learns it."""
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(2)
    x = np.zeros(400)
    for t in range(1, 400):
        x[t] = 0.7 * x[t - 1] + rng.normal()
    y = pd.Series(x + 50, index=pd.period_range("1990-01", periods=400, freq="M"))
    model = get("lagreg", regressor=LinearRegression(), lags=(1,), windows=(),
                season_dummies=False, lunar_new_year=False, difference=0).fit(y)
    assert model.estimators_[0].coef_[0] == pytest.approx(0.7, abs=0.06)
    step = model.predict(1)["mean"].iloc[0]
    assert step == pytest.approx(50 + model.estimators_[0].coef_[0] * (x[-1]) +
                                 (model.estimators_[0].intercept_ - 50 +
                                  50 * model.estimators_[0].coef_[0]), rel=1e-9)
