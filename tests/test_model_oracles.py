"""Wrappers give what a direct statsmodels or numpy computation gives (synthetic data)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
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
    np.testing.assert_allclose(
        out["hi-95"], values[-1] + stats.norm.ppf(0.975) * sigma * np.sqrt([1, 2, 3])
    )
    snaive = get("snaive").fit(y).predict(14)
    np.testing.assert_allclose(snaive["mean"], np.r_[values[-12:], values[-12:-10]])


def test_drift_by_hand(y):
    values = y.to_numpy()
    slope = (values[-1] - values[0]) / (len(values) - 1)
    out = get("drift").fit(y).predict(4)
    np.testing.assert_allclose(out["mean"], values[-1] + slope * np.arange(1, 5))


def test_ets_equals_direct_statsmodels(y):
    model = get("ets", model="AAA", damped=False).fit(y)
    direct = ETSModel(
        y.to_numpy(), error="add", trend="add", seasonal="add", seasonal_periods=12
    ).fit(disp=False)
    np.testing.assert_allclose(model.predict(12)["mean"], direct.forecast(12), rtol=1e-10)
    assert model.spec_ == "ETS(A,A,A)"


def test_auto_ets_picks_lowest_aicc(y):
    model = get("ets").fit(y)
    e, t, s = model.spec_[4], model.spec_[6], model.spec_[-2]
    trend = {"A": "add", "N": None}[t]
    direct = ETSModel(
        y.to_numpy(),
        error={"A": "add", "M": "mul"}[e],
        trend=trend,
        damped_trend="d" in model.spec_,
        seasonal={"A": "add", "M": "mul", "N": None}[s],
        seasonal_periods=12 if s != "N" else None,
    ).fit(disp=False)
    assert model.results_.aicc == pytest.approx(direct.aicc)
    alternative = ETSModel(y.to_numpy(), error="add", trend=None).fit(disp=False)
    assert model.results_.aicc <= alternative.aicc


def test_arima_equals_direct_sarimax(y):
    model = get("arima").fit(y)
    p, q, P, Q, const = model.order_
    trend = "c" if const else None  # SARIMAX's "c" is a drift once differenced
    spec = SARIMAX(
        y.to_numpy(),
        order=(p, model.d_, q),
        seasonal_order=(P, model.D_, Q, 12) if model.m_ > 1 else (0, 0, 0, 0),
        trend=trend,
    )
    at_ours = spec.smooth(model.results_.params)
    np.testing.assert_allclose(model.predict(12)["mean"], at_ours.forecast(12), rtol=1e-10)
    with warnings.catch_warnings():  # default start values may not converge here
        warnings.simplefilter("ignore")
        direct = spec.fit(disp=False)
    # as good an optimum as statsmodels' own start values, up to optimiser tolerance
    assert model.results_.llf >= direct.llf - 1e-2
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
    direct = UnobservedComponents(y.to_numpy(), level="local linear trend", seasonal=12).fit(
        disp=False, maxiter=200
    )
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
    model = get(
        "lagreg",
        regressor=LinearRegression(),
        lags=(1,),
        windows=(),
        season_dummies=False,
        lunar_new_year=False,
        difference=0,
    ).fit(y)
    assert model.estimators_[0].coef_[0] == pytest.approx(0.7, abs=0.06)
    step = model.predict(1)["mean"].iloc[0]
    assert step == pytest.approx(
        50
        + model.estimators_[0].coef_[0] * (x[-1])
        + (model.estimators_[0].intercept_ - 50 + 50 * model.estimators_[0].coef_[0]),
        rel=1e-9,
    )


def _synthetic(values: np.ndarray):
    import pandas as pd

    return pd.Series(
        values, index=pd.period_range("1990-01", periods=len(values), freq="M"), name="synthetic"
    )


def _quantile_model(**params):
    return get(
        "lagreg",
        strategy="quantile",
        lags=(1,),
        windows=(),
        season_dummies=False,
        lunar_new_year=False,
        horizon=12,
        **params,
    )


def test_lagreg_quantile_intervals_match_known_noise():
    """Synthetic level 10 plus N(0, 1) noise: the intervals are the normal quantiles."""
    rng = np.random.default_rng(7)
    y = _synthetic(10 + rng.normal(size=400))
    fc = _quantile_model(difference=0).fit(y).predict(3, level=(80, 95))
    assert fc["hi-80"].iloc[0] - 10 == pytest.approx(1.2816, abs=0.3)
    assert 10 - fc["lo-80"].iloc[0] == pytest.approx(1.2816, abs=0.3)
    assert fc["hi-95"].iloc[0] - fc["lo-95"].iloc[0] == pytest.approx(2 * 1.96, abs=0.8)


def test_lagreg_quantile_paths_keep_history_dependence():
    """Synthetic random walk, N(0, 1) steps: the 12-step sum spreads like sqrt(12), not the
    12 of perfectly dependent steps nor a single step's 1."""
    rng = np.random.default_rng(8)
    y = _synthetic(100 + np.cumsum(rng.normal(size=400)))
    model = _quantile_model(difference=1).fit(y)
    paths = model.sample(12, 4000, random_state=1)
    assert paths[:, -1].std() == pytest.approx(np.sqrt(12), rel=0.25)
    np.testing.assert_array_equal(paths, model.sample(12, 4000, random_state=1))
    with pytest.raises(ValueError, match="horizons up to 12"):
        model.predict(13)


def test_lagreg_quantile_needs_a_quantile_regressor():
    from sklearn.linear_model import Ridge

    y = _synthetic(np.arange(60.0))
    with pytest.raises(ValueError, match="'quantile' parameter"):
        _quantile_model(regressor=Ridge()).fit(y)


@pytest.mark.parametrize("name", ["arima", "structural"])
def test_state_space_paths_have_statsmodels_distribution(name, y):
    """Paths are drawn for all repetitions at once, not by statsmodels' simulate: each
    period's spread must be the analytic one, and the 12-month total's spread (which
    depends on the covariance across periods) must be what statsmodels simulates."""
    model = get(name).fit(y)
    res = model.results_
    paths = model.sample(12, 20_000, random_state=1)
    fc = res.get_forecast(12)
    np.testing.assert_allclose(paths.mean(axis=0), fc.predicted_mean, rtol=2e-3)
    np.testing.assert_allclose(paths.std(axis=0), np.sqrt(fc.var_pred_mean), rtol=3e-2)
    direct = res.simulate(12, repetitions=4_000, anchor="end", rng=np.random.default_rng(2))
    direct_total_sd = np.asarray(direct).reshape(12, -1).sum(axis=0).std()
    assert paths.sum(axis=1).std() == pytest.approx(direct_total_sd, rel=0.06)


def test_arima_paths_with_regressors_do_not_depend_on_the_horizon(y):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        {"x": rng.normal(size=len(y) + 12)},
        index=pd.period_range(y.index[0], periods=len(y) + 12, freq=y.index.freq),
    )
    model = get("arima").fit(y, X.iloc[: len(y)])
    future = X.iloc[len(y) :]
    short = model.sample(3, 200, future.iloc[:3], random_state=5)
    long = model.sample(12, 200, future, random_state=5)
    np.testing.assert_array_equal(short, long[:, :3])
