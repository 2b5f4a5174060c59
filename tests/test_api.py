"""The Python API people expect: many series in one call, paths with dates, summaries.
Series are synthetic and labelled so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.errors import DataError
from forecast.models import get
from tests.conftest import synthetic_seasonal


@pytest.fixture(scope="module")
def long_frame():
    """Synthetic long frame: three series, one with a gap."""
    ids = []
    for name, seed in (("a", 1), ("b", 2), ("c", 3)):
        y = synthetic_seasonal(n=60, seed=seed)
        ids.append(
            pd.DataFrame({"unique_id": name, "ds": y.index.to_timestamp(), "y": y.to_numpy()})
        )
    frame = pd.concat(ids, ignore_index=True)
    frame.loc[(frame["unique_id"] == "c") & (frame.index % 60 == 5), "y"] = np.nan
    return frame


def test_many_series_equal_one_at_a_time(long_frame):
    many = forecast.forecast(long_frame, 6, "ets", level=(80,))
    for name, rows in long_frame.groupby("unique_id"):
        y = pd.Series(rows["y"].to_numpy(), index=pd.PeriodIndex(rows["ds"], freq="M"), name=name)
        if y.isna().any():
            y = y.loc[y.index[y.isna()][-1] + 1 :]
        alone = get("ets").fit(y).predict(6, level=(80,))
        ours = many[many["series_id"] == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, alone)


def test_parallel_equals_serial(long_frame):
    serial = forecast.forecast(long_frame, 3, "theta")
    parallel = forecast.forecast(long_frame, 3, "theta", n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


def test_errors_raise_or_are_listed():
    frame = pd.DataFrame(
        {
            "unique_id": ["ok"] * 30 + ["short"] * 2,
            "ds": list(pd.date_range("2020-01-01", periods=30, freq="MS"))
            + list(pd.date_range("2020-01-01", periods=2, freq="MS")),
            "y": np.r_[np.arange(30.0) + 1, 1.0, 2.0],
        }
    )
    with pytest.raises(DataError, match="short"):
        forecast.forecast(frame, 2, "ets")
    out = forecast.forecast(frame, 2, "ets", errors="skip")
    assert set(out["series_id"]) == {"ok"} and "short" in out.attrs["errors"][0]
    with pytest.raises(ValueError, match="Unknown model"):
        forecast.forecast(frame, 2, "prophet")


def test_paths_with_dates_equal_the_array():
    model = get("ets").fit(synthetic_seasonal(n=48))
    frame = model.sample(4, 10, random_state=5, as_frame=True)
    np.testing.assert_array_equal(frame.to_numpy(), model.sample(4, 10, random_state=5))
    assert list(frame.columns) == list(pd.period_range(model.cutoff_ + 1, periods=4, freq="M"))
    assert frame.index.name == "path" and len(frame) == 10


def test_summaries_name_what_was_chosen():
    y = synthetic_seasonal(n=72)
    arima = get("arima").fit(y).summary()
    assert arima.startswith("AutoARIMA (arima) fitted to 'synthetic/seasonal'")
    assert "chosen: ARIMA(" in arima
    ensemble = get("ensemble", members=["naive", "ets"]).fit(y).summary()
    assert "member naive" in ensemble and "member ets ETS(" in ensemble


def test_dask_equals_serial(long_frame):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    serial = forecast.forecast(long_frame, 3, "theta")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        on_dask = forecast.forecast(long_frame, 3, "theta", n_jobs=2, backend="dask")
    pd.testing.assert_frame_equal(serial, on_dask)
    with pytest.raises(ValueError, match="'backend' parameter"):
        forecast.forecast(long_frame, 3, "theta", backend="spark")
