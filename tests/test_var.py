"""PairVAR: joint simulation agrees with statsmodels; balance outlooks add up (synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from forecast.errors import DataError
from forecast.models import PairVAR
from forecast.outlook import pair_outlook


@pytest.fixture(scope="module")
def Y():
    """Synthetic pair: correlated log growth (rho about 0.6) with a monthly pattern."""
    rng = np.random.default_rng(1)
    n = 180
    shocks = rng.multivariate_normal([0.004, 0.003], [[1e-4, 6e-5], [6e-5, 1e-4]], n)
    season = 0.05 * np.sin(2 * np.pi * np.arange(n) / 12)[:, None]
    logs = np.log([200.0, 150.0]) + np.cumsum(shocks, axis=0) + season
    return pd.DataFrame(
        np.exp(logs),
        columns=["exports", "imports"],
        index=pd.period_range("2005-01", periods=n, freq="M"),
    )


def test_simulated_growth_matches_statsmodels_forecast(Y):
    model = PairVAR().fit(Y)
    paths = model.sample(1, 20000, random_state=0)
    growth = np.log(paths[:, 0, :]) - model.last_log_
    exog = model._dummies(pd.period_range(model.cutoff_ + 1, periods=1, freq="M"))
    direct = model.results_.forecast(model.history_, 1, exog_future=exog)[0]
    se = np.sqrt(np.diag(model.results_.sigma_u)) / np.sqrt(20000)
    assert np.all(np.abs(growth.mean(axis=0) - direct) < 5 * se)
    corr = np.corrcoef(growth.T)[0, 1]
    assert corr == pytest.approx(model.results_.resid_corr[0, 1], abs=0.03)


def test_predict_frame_and_determinism(Y):
    model = PairVAR().fit(Y)
    out = model.predict(6)
    assert set(out["series_id"]) == {"exports", "imports", "balance"} and len(out) == 18
    pd.testing.assert_frame_equal(out, model.predict(6))
    np.testing.assert_array_equal(model.sample(3, 10, 5), model.sample(3, 10, 5))


def test_pair_outlook_balance_is_joint_and_adds_up(Y):
    model = PairVAR().fit(Y)
    out = pair_outlook(model, Y, n_paths=500, random_state=3).set_index("series_id")
    assert out.loc["balance", "joint"]
    assert out.loc["balance", "expected_total"] == pytest.approx(
        out.loc["exports", "expected_total"] - out.loc["imports", "expected_total"]
    )
    assert out.loc["exports", "base_total"] == pytest.approx(Y["exports"].loc["2019"].sum())


def test_errors(Y):
    with pytest.raises(NotFittedError):
        PairVAR().sample(3, 10)
    with pytest.raises(TypeError, match="two columns"):
        PairVAR().fit(Y["exports"])
    bad = Y.copy()
    bad.iloc[5, 0] = -1
    with pytest.raises(DataError, match="positive values"):
        PairVAR().fit(bad)
    with pytest.raises(DataError, match="at least"):
        PairVAR().fit(Y.iloc[:20])
