"""The backtest engine: splits, leakage, failures, parallel equality (synthetic data)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import Splitter, backtest, best_models, weights_from_scores
from forecast.metrics import evaluate
from forecast.models import available, get
from forecast.models.base import Forecaster
from tests.conftest import synthetic_seasonal


@pytest.fixture(scope="module")
def y():
    return synthetic_seasonal(n=84, seed=4)


def test_splitter_cutoffs_and_windows(y):
    cv = Splitter(h=6, step=3, n_windows=4)
    cutoffs = cv.cutoffs(y.index)
    assert cutoffs[-1] == y.index[-7] and len(cutoffs) == 4
    assert [(b - a).n for a, b in itertools.pairwise(cutoffs)] == [3, 3, 3]
    folds = Splitter(
        h=6, start="2003-01", step=12, window="sliding", window_length=24, gap=2
    ).folds(y.index)
    assert folds[0].cutoff == pd.Period("2003-01", "M")
    assert folds[1].train_start == folds[1].cutoff - 23
    assert folds[0].test[0] == folds[0].cutoff + 3
    refits = [f.refit for f in Splitter(h=3, n_windows=5, refit_every=2).folds(y.index)]
    assert refits == [True, False, True, False, True]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"h": 0, "n_windows": 2}, "'h' parameter of Splitter"),
        ({"h": 3}, "exactly one of 'n_windows' and 'start'"),
        ({"h": 3, "n_windows": 2, "window": "rolling"}, "'window' parameter"),
        ({"h": 3, "n_windows": 2, "window": "sliding"}, "needs 'window_length'"),
        ({"h": 3, "n_windows": 2, "gap": -1}, "'gap' parameter"),
    ],
)
def test_splitter_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Splitter(**kwargs)


def test_splitter_too_short():
    short = pd.Series(np.arange(5.0), index=pd.period_range("2020-01", periods=5, freq="M"))
    with pytest.raises(ValueError, match="too short for a backtest"):
        Splitter(h=12, n_windows=2).cutoffs(short)


def test_output_frame(y):
    res = backtest(["snaive", "naive"], y, Splitter(h=6, step=6, n_windows=3))
    f = res.forecasts
    assert list(f.columns[:8]) == [
        "series_id",
        "model",
        "cutoff",
        "date",
        "h",
        "y",
        "mean",
        "lo-80",
    ]
    assert len(f) == 2 * 3 * 6 and set(f["h"]) == set(range(1, 7))
    assert all(d == c + int(h) for d, c, h in zip(f["date"], f["cutoff"], f["h"], strict=True))
    np.testing.assert_array_equal(f["y"], y.reindex(f["date"]).to_numpy())
    assert len(res.folds) == 6 and res.failed.empty
    assert (res.folds["fit_seconds"] >= 0).all()


@pytest.mark.parametrize("name", available())
def test_no_leakage_from_the_future(name, y):
    """Changing any observation after a cutoff leaves that cutoff's forecasts unchanged."""
    X = pd.DataFrame({"driver": np.cos(np.arange(len(y)) / 5)}, index=y.index)
    uses_x = get(name).uses_exog and name != "ensemble"
    cv = Splitter(h=6, step=12, n_windows=2, refit_every=1)
    cutoff = cv.cutoffs(y.index)[0]
    y2, X2 = y.copy(), X.copy()
    rng = np.random.default_rng(0)
    after = y.index > cutoff
    y2[after] = y2[after] * rng.uniform(0.5, 1.5, after.sum())
    X2.loc[after, "driver"] = 99.0
    a = backtest(name, y, cv, X if uses_x else None).forecasts
    b = backtest(name, y2, cv, X2 if uses_x else None).forecasts
    cols = ["mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    first_a = a[a["cutoff"] == cutoff][cols].to_numpy()
    first_b = b[b["cutoff"] == cutoff][cols].to_numpy()
    assert first_a.shape == (6, 5)
    np.testing.assert_array_equal(first_a, first_b)
    later_a = a[a["cutoff"] != cutoff]["mean"].to_numpy()
    later_b = b[b["cutoff"] != cutoff]["mean"].to_numpy()
    assert not np.array_equal(later_a, later_b)  # the test can see a change when there is one


def test_oracle_exog_is_labelled_and_uses_the_future(y):
    # synthetic: y depends on a driver that jumps after the cutoff (period 77), which
    # only an oracle run can know
    driver = np.r_[np.sin(np.arange(80) / 3), np.full(4, 50.0)]
    X = pd.DataFrame({"driver": driver}, index=y.index)
    target = y + 2 * driver
    cv = Splitter(h=6, n_windows=1)
    asof = backtest("arima", target, cv, X).forecasts
    oracle = backtest("arima", target, cv, X, exog="oracle").forecasts
    assert set(oracle["exog"]) == {"oracle"} and set(asof["exog"]) == {"forecast"}
    gap = oracle["mean"].to_numpy() - asof["mean"].to_numpy()
    assert np.abs(gap[:2]).max() < 5  # before the jump: only the small sine differs
    assert gap[2:].min() > 50  # from the jump on: about 2 x 50


def test_vintage_exog(y):
    X = pd.DataFrame({"driver": np.arange(len(y), dtype=float)}, index=y.index)
    cv = Splitter(h=6, n_windows=2, step=6)
    vintages = {
        c: X.loc[:c].reindex(pd.period_range(y.index[0], c + 6, freq="M")).fillna(-1.0)
        for c in cv.cutoffs(y.index)
    }
    res = backtest("arima", y, cv, X, exog="vintage", X_vintages=vintages)
    assert res.failed.empty and set(res.forecasts["exog"]) == {"vintage"}
    with pytest.raises(ValueError, match="needs X_vintages"):
        backtest("arima", y, cv, X, exog="vintage")


class _Broken(Forecaster):
    """A model that fails on purpose, to check failures are recorded."""

    name = "broken"

    def __init__(self):
        pass

    def _fit(self, y, X):
        raise RuntimeError("boom")


def test_failed_folds_are_recorded_and_the_run_goes_on(y):
    res = backtest({"broken": _Broken(), "naive": get("naive")}, y, Splitter(h=3, n_windows=2))
    assert len(res.failed) == 2
    assert res.failed["error"].str.contains("RuntimeError: boom").all()
    assert set(res.forecasts["model"]) == {"naive"}


def test_refit_every_extends_without_refitting(y):
    res = backtest("ets", y, Splitter(h=3, n_windows=6, refit_every=3))
    assert res.folds["refit"].tolist() == [True, False, False, True, False, False]
    assert res.failed.empty


def test_parallel_equals_serial(y):
    series = {"a": y, "b": y * 1.1}
    cv = Splitter(h=6, n_windows=2, step=6)
    serial = backtest(["ets", "theta"], series, cv, crps_paths=50).forecasts
    parallel = backtest(["ets", "theta"], series, cv, crps_paths=50, n_jobs=2).forecasts
    pd.testing.assert_frame_equal(serial, parallel)


def test_dask_equals_serial(y):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    cv = Splitter(h=6, n_windows=2, step=6)
    serial = backtest(["naive", "theta"], {"a": y, "b": y + 5}, cv).forecasts
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        on_dask = backtest(
            ["naive", "theta"], {"a": y, "b": y + 5}, cv, n_jobs=2, backend="dask"
        ).forecasts
    pd.testing.assert_frame_equal(
        serial.sort_values(["series_id", "model", "cutoff", "h"]).reset_index(drop=True),
        on_dask.sort_values(["series_id", "model", "cutoff", "h"]).reset_index(drop=True),
    )


def test_selection_and_weights(y):
    res = backtest(["naive", "snaive", "theta"], y, Splitter(h=12, n_windows=3, step=6))
    best = best_models(res.forecasts)
    scores = evaluate(res.forecasts, ["mase"]).set_index("model")["mase"]
    assert best[y.name] == scores.idxmin()
    w = weights_from_scores(scores)
    assert pytest.approx(sum(w.values())) == 1 and max(w, key=w.get) == scores.idxmin()
    with pytest.raises(ValueError, match="no finite, positive loss"):
        weights_from_scores({"a": np.nan})
