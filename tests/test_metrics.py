"""Each metric against a plain numpy computation on a small hand-made frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import metrics


@pytest.fixture
def frame():
    y = np.array([10.0, 12.0, 8.0, np.nan, 11.0])
    f = np.array([11.0, 10.0, 8.0, 9.0, 14.0])
    return pd.DataFrame(
        {
            "series_id": "s",
            "model": "m",
            "cutoff": pd.Period("2020-01", "M"),
            "h": [1, 2, 3, 4, 5],
            "y": y,
            "mean": f,
            "lo-80": f - 1.5,
            "hi-80": f + 1.5,
            "lo-95": f - 3,
            "hi-95": f + 3,
            "scale_mae": 2.0,
            "scale_mse": 5.0,
        }
    )


def test_point_metrics_by_hand(frame):
    y, f = np.array([10, 12, 8, 11.0]), np.array([11, 10, 8, 14.0])
    e = y - f
    assert metrics.mae(frame) == pytest.approx(np.mean(np.abs(e)))
    assert metrics.rmse(frame) == pytest.approx(np.sqrt(np.mean(e**2)))
    assert metrics.mape(frame) == pytest.approx(100 * np.mean(np.abs(e / y)))
    assert metrics.smape(frame) == pytest.approx(np.mean(200 * np.abs(e) / (np.abs(y) + np.abs(f))))
    assert metrics.mase(frame) == pytest.approx(np.mean(np.abs(e)) / 2.0)
    assert metrics.rmsse(frame) == pytest.approx(np.sqrt(np.mean(e**2) / 5.0))


def test_interval_metrics_by_hand(frame):
    y, f = np.array([10, 12, 8, 11.0]), np.array([11, 10, 8, 14.0])
    lo, hi = f - 1.5, f + 1.5
    assert metrics.coverage(frame, 80) == pytest.approx(np.mean((y >= lo) & (y <= hi)))
    alpha = 0.2
    wink = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    assert metrics.winkler(frame, 80) == pytest.approx(np.mean(wink))
    pin = np.mean([np.maximum(q * (y - b), (q - 1) * (y - b)) for q, b in ((0.1, lo), (0.9, hi))])
    assert metrics.pinball(frame, 80) == pytest.approx(pin)
    with pytest.raises(ValueError, match="no 50% interval"):
        metrics.coverage(frame, 50)


def test_crps_from_paths_matches_definition():
    from forecast.backtest.engine import _crps

    rng = np.random.default_rng(0)
    paths = rng.normal(size=(300, 2))
    actual = np.array([0.3, -1.0])
    direct = [
        np.mean(np.abs(paths[:, k] - actual[k]))
        - 0.5 * np.mean(np.abs(paths[:, k][:, None] - paths[:, k][None, :]))
        for k in range(2)
    ]
    np.testing.assert_allclose(_crps(paths, actual), direct, rtol=1e-10)


def test_evaluate_and_skill(frame):
    both = pd.concat([frame, frame.assign(model="snaive", mean=frame["y"].fillna(0) + 2)])
    table = metrics.evaluate(both, ["mae", "mase"])
    assert set(table["model"]) == {"m", "snaive"}
    sk = metrics.skill(both, "mae", baseline="snaive").set_index("model")["skill_mae"]
    assert sk["snaive"] == 0 and sk["m"] == pytest.approx(1 - 1.5 / 2.0)
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.evaluate(both, ["r2"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(1, 1e6)), min_size=1, max_size=30))
def test_metric_bounds(pairs):
    y, f = np.array(pairs).T
    frame = pd.DataFrame(
        {
            "series_id": "s",
            "model": "m",
            "cutoff": 0,
            "y": y,
            "mean": f,
            "scale_mae": 1.0,
            "scale_mse": 1.0,
            "lo-80": f,
            "hi-80": f,
        }
    )
    assert 0 <= metrics.smape(frame) <= 200
    assert metrics.rmse(frame) >= metrics.mae(frame) - 1e-9
    assert 0 <= metrics.coverage(frame, 80) <= 1
