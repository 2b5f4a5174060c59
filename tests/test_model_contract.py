"""The Forecaster contract, checked for every registered model (synthetic data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from forecast.errors import DataError
from forecast.models import Ensemble, available, get
from tests.conftest import synthetic_seasonal

MODELS = available()
EXOG = [name for name in MODELS if get(name).uses_exog]


@pytest.fixture(scope="module")
def y() -> pd.Series:
    return synthetic_seasonal(n=72, seed=1)


@pytest.fixture(scope="module")
def fitted(y):
    return {name: get(name).fit(y) for name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_fit_returns_self_and_sets_state(name, y):
    model = get(name)
    assert model.fit(y) is model
    assert model.cutoff_ == y.index[-1] and model.n_obs_ == len(y)
    assert model.series_id_ == y.name


@pytest.mark.parametrize("name", MODELS)
def test_predict_frame(name, fitted, y):
    out = fitted[name].predict(7, level=(80, 95))
    assert list(out.columns) == [
        "series_id",
        "date",
        "model",
        "mean",
        "lo-80",
        "hi-80",
        "lo-95",
        "hi-95",
    ]
    assert len(out) == 7 and out["date"].iloc[0] == y.index[-1] + 1
    assert np.isfinite(out[["mean", "lo-80", "hi-80", "lo-95", "hi-95"]].to_numpy()).all()
    assert (out["lo-95"] <= out["lo-80"] + 1e-9).all() and (out["lo-80"] <= out["hi-80"]).all()
    assert (out["hi-80"] <= out["hi-95"] + 1e-9).all()
    # the mean of a sensible model stays inside its own 95% interval
    assert ((out["mean"] >= out["lo-95"]) & (out["mean"] <= out["hi-95"])).all()


@pytest.mark.parametrize("name", MODELS)
def test_sample_shape_and_determinism(name, fitted):
    model = fitted[name]
    a = model.sample(5, 50, random_state=7)
    b = model.sample(5, 50, random_state=7)
    c = model.sample(5, 50, random_state=8)
    assert a.shape == (50, 5) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    pd.testing.assert_frame_equal(model.predict(3), model.predict(3))


@pytest.mark.parametrize("name", MODELS)
def test_refit_is_reproducible(name, y):
    a = get(name).fit(y).predict(4)
    b = get(name).fit(y).predict(4)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("name", MODELS)
def test_clone_round_trip_and_not_fitted(name, fitted):
    model = fitted[name]
    twin = clone(model)
    assert twin.get_params() == model.get_params() or name == "ensemble"
    assert repr(twin).startswith(type(model).__name__)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        twin.predict(3)
    with pytest.raises(NotFittedError):
        twin.sample(3, 10)


@pytest.mark.parametrize("name", MODELS)
def test_bad_inputs(name, y):
    model = get(name)
    with pytest.raises(TypeError, match="must be a pandas Series"):
        model.fit(y.to_numpy())
    with pytest.raises(DataError, match="needs at least"):
        model.fit(y.iloc[:1])
    fitted = get(name).fit(y)
    for h in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="'h' parameter must be an int from 1"):
            fitted.predict(h)
    with pytest.raises(ValueError, match="'level' parameter"):
        fitted.predict(3, level=(80, 120))
    with pytest.raises(ValueError, match="'n_paths' parameter"):
        fitted.sample(3, 0)


@pytest.mark.parametrize("name", [n for n in MODELS if not get(n).handles_missing])
def test_gaps_refused_with_advice(name, y):
    gappy = y.copy()
    gappy.iloc[30:33] = np.nan
    with pytest.raises(DataError, match=r"3 missing values .*cannot take gaps.*structural"):
        get(name).fit(gappy)


def test_structural_takes_gaps(y):
    gappy = y.copy()
    gappy.iloc[30:40] = np.nan
    out = get("structural").fit(gappy).predict(3)
    assert np.isfinite(out["mean"]).all()


@pytest.mark.parametrize("name", [n for n in EXOG if n != "ensemble"])
def test_exogenous_contract(name, y):
    X = pd.DataFrame({"driver": np.sin(np.arange(len(y)))}, index=y.index)
    future = pd.DataFrame(
        {"driver": np.zeros(6)}, index=pd.period_range(y.index[-1] + 1, periods=6, freq="M")
    )
    model = get(name).fit(y, X)
    assert len(model.predict(6, X=future)) == 6
    with pytest.raises(ValueError, match="fitted with X"):
        model.predict(6)
    with pytest.raises(ValueError, match=r"lacks 3 period\(s\)"):
        model.predict(9, X=future)
    with pytest.raises(ValueError, match=r"lacks 1 period"):
        get(name).fit(y, X.iloc[1:])


@pytest.mark.parametrize("name", ["naive", "ets", "theta"])
def test_models_without_exog_refuse_X(name, y):
    X = pd.DataFrame({"driver": np.ones(len(y))}, index=y.index)
    with pytest.raises(ValueError, match="does not use exogenous regressors"):
        get(name).fit(y, X)


@pytest.mark.parametrize("name", ["naive", "drift", "ets", "arima", "theta", "structural"])
def test_annual_series_work(name):
    """Synthetic annual series of 25 points (season 1), as much trade data is."""
    rng = np.random.default_rng(3)
    y = pd.Series(
        1000 * np.exp(np.cumsum(rng.normal(0.05, 0.08, 25))),
        index=pd.period_range("2000", periods=25, freq="Y"),
        name="synthetic/annual",
    )
    out = get(name).fit(y).predict(2)
    assert out["date"].tolist() == [pd.Period("2025", "Y"), pd.Period("2026", "Y")]
    assert np.isfinite(out["mean"]).all()


@pytest.mark.parametrize("transform", ["log", "boxcox"])
def test_transform_bias_adjusted_mean(transform, y):
    model = get("naive", transform=transform).fit(y)
    out = model.predict(6)
    paths = model.sample(6, 20000, random_state=0)
    # the reported mean is the mean of the back-transformed distribution, not its median
    np.testing.assert_allclose(out["mean"], paths.mean(axis=0), rtol=5e-3)
    assert (out["mean"] > np.median(paths, axis=0)).all()


def test_transform_refuses_non_positive(y):
    with pytest.raises(DataError, match="needs positive data"):
        get("ets", transform="log").fit(y - 1000)


def test_registry_errors():
    with pytest.raises(ValueError, match="Unknown model 'prophet'"):
        get("prophet")
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) seasonal_periods.*season_length"):
        get("ets", seasonal_periods=12)
    with pytest.raises(ValueError, match="'model' parameter of AutoETS"):
        get("ets", model="XYZ").fit(synthetic_seasonal(48))


@pytest.mark.parametrize("name", MODELS)
def test_paths_of_a_period_do_not_depend_on_the_horizon(name, y):
    """Same seed: the paths (and so the intervals) of the first periods are the same
    whether 3, 12 or 13 periods are asked for (issue: the ensemble's hi-80 moved with h)."""
    model = get(name).fit(y)
    short, long, longer = (model.sample(h, 300, random_state=4) for h in (3, 12, 13))
    np.testing.assert_array_equal(short, long[:, :3])
    np.testing.assert_array_equal(long, longer[:, :12])
    a, b = model.predict(3), model.predict(13)
    np.testing.assert_array_equal(a["hi-80"].to_numpy(), b["hi-80"].to_numpy()[:3])


def test_centred_ensemble_paths_sit_on_the_combined_mean():
    """Synthetic trending series: naive (flat) and drift (trending) disagree. Centred
    paths keep each member's own spread around the combined mean, so their mean is the
    point forecast and they are narrower than the linear pool, which adds the members'
    disagreement; both stay horizon-consistent."""
    index = pd.period_range("2000", periods=30, freq="Y")
    rng = np.random.default_rng(5)
    y = pd.Series(100 + 4 * np.arange(30) + rng.normal(0, 2, 30), index=index, name="s")
    fits = {
        p: Ensemble(["naive", "drift"], combine="mean", paths=p).fit(y)
        for p in ("mixture", "centred")
    }
    paths = {p: m.sample(5, 20000, random_state=0) for p, m in fits.items()}
    point = fits["centred"].predict(5, level=())["mean"].to_numpy()
    np.testing.assert_allclose(paths["centred"].mean(axis=0), point, rtol=2e-3)
    assert (paths["centred"].std(axis=0) < 0.9 * paths["mixture"].std(axis=0)).all()
    short = fits["centred"].sample(2, 300, random_state=4)
    np.testing.assert_array_equal(short, fits["centred"].sample(5, 300, random_state=4)[:, :2])
    with pytest.raises(ValueError, match="'paths' parameter of Ensemble"):
        Ensemble(paths="pooled").fit(y)
