"""Saving without the training data: ``Forecaster.compact`` and ``save(keep_data=False)``.

All series here are synthetic, built with known properties (trend, season, noise).
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from forecast.artifacts import load, read_manifest
from forecast.cli import main
from forecast.models import available, get
from forecast.store import ModelStore
from tests.conftest import synthetic_seasonal

RTOL = 1e-9  # one Kalman step from a stored state instead of n: rounding only


@pytest.fixture(scope="module")
def y():
    return synthetic_seasonal(n=72, seed=21)


def _numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame.select_dtypes("number").to_numpy()


def _early_values_in(model, y: pd.Series, keep: int = 24) -> int:
    """How many observations older than the last ``keep`` appear verbatim in the pickle."""
    blob = pickle.dumps(model)
    return sum(np.float64(v).tobytes() in blob for v in y.to_numpy()[:-keep])


@pytest.mark.parametrize("name", available())
def test_compact_forecasts_like_the_full_model(name, y):
    full = get(name).fit(y)
    small = full.compact()
    assert small.compact_ and not getattr(full, "compact_", False)
    np.testing.assert_allclose(_numbers(small.predict(18)), _numbers(full.predict(18)), rtol=RTOL)
    np.testing.assert_allclose(
        small.sample(18, 50, random_state=4), full.sample(18, 50, random_state=4), rtol=RTOL
    )
    again = pickle.loads(pickle.dumps(small))
    np.testing.assert_allclose(_numbers(again.predict(18)), _numbers(full.predict(18)), rtol=RTOL)


@pytest.mark.parametrize("name", available())
def test_compact_keeps_no_old_observations(name, y):
    full = get(name).fit(y)
    assert _early_values_in(full.compact(), y) == 0


@pytest.mark.parametrize("name", ["ets", "arima", "theta", "structural", "ensemble"])
def test_full_models_do_hold_the_data(name, y):
    # the check above can fail: the statsmodels-backed fits carry every observation
    assert _early_values_in(get(name).fit(y), y) > 40


@pytest.mark.parametrize("name", available())
def test_update_of_a_compact_model_matches_and_stays_compact(name, y):
    full = get(name).fit(y.iloc[:-6])
    small = full.compact()
    full.update(y)
    small.update(y)
    assert small.compact_ and small.cutoff_ == y.index[-1]
    np.testing.assert_allclose(_numbers(small.predict(12)), _numbers(full.predict(12)), rtol=RTOL)
    assert _early_values_in(small, y) == 0


def test_arima_with_drift_and_regressor():
    rng = np.random.default_rng(5)
    n = 90
    index = pd.period_range("2010-01", periods=n, freq="M")
    x = pd.DataFrame(
        {"tariff": rng.normal(0, 1, n + 12)},
        index=pd.period_range("2010-01", periods=n + 12, freq="M"),
    )
    values = 50 + np.cumsum(2.0 + rng.normal(0, 1, n)) + 3 * x["tariff"].to_numpy()[:n]
    y = pd.Series(values, index=index, name="synthetic/drift")
    for model in (get("arima", d=1, D=0, seasonal=False), get("structural", seasonal=False)):
        full = model.fit(y, x.iloc[:n])
        if model.name == "arima":
            assert "drift" in full.spec_  # the time trend whose offset must carry over
        small = full.compact()
        future = x.iloc[n:]
        np.testing.assert_allclose(
            _numbers(small.predict(12, future)), _numbers(full.predict(12, future)), rtol=RTOL
        )


def test_save_without_data_round_trip_and_sizes(y, tmp_path, monkeypatch):
    monkeypatch.delenv("FORECAST_SIGNING_KEY", raising=False)
    store = ModelStore(tmp_path / "store")
    model = get("arima").fit(y)
    kept = store.save(model)
    dropped = store.save(model, keep_data=False)
    assert read_manifest(kept)["training"]["data_kept"] is True
    assert read_manifest(dropped)["training"]["data_kept"] is False
    assert read_manifest(dropped)["payload"]["bytes"] < read_manifest(kept)["payload"]["bytes"] / 5
    np.testing.assert_allclose(
        _numbers(load(dropped).predict(12)), _numbers(model.predict(12)), rtol=RTOL
    )
    assert not getattr(model, "compact_", False)  # saving compacts a copy
    refreshed = store.refresh(
        y.name, "arima", pd.concat([y, pd.Series([200.0], index=[y.index[-1] + 1])]).rename(y.name)
    )
    assert read_manifest(refreshed)["training"]["data_kept"] is False
    assert list(store.list()["data_kept"]) == [True, False, False]


def test_cli_fit_no_data(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FORECAST_SIGNING_KEY", raising=False)
    args = [
        "fit",
        "--dataset",
        "china_total_annual",
        "--series",
        "China/World/exports/total",
        "--model",
        "ets",
        "--store",
        str(tmp_path),
    ]
    assert main([*args, "--no-data"]) == 0
    path = capsys.readouterr().out.strip()
    assert read_manifest(path)["training"]["data_kept"] is False
    assert main(["models", "list", "--store", str(tmp_path)]) == 0
    assert "data_kept" in capsys.readouterr().out
