"""Intervals cover near their level on synthetic series with known dynamics; outlook
totals equal hand sums of the paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataError
from forecast.models import get
from forecast.outlook import default_year, outlook, year_totals
from forecast.scenarios import run_scenarios, step_path

N_SERIES = 150
H = 6


def _coverage(make_series, model_factory):
    hits = {80: [], 95: []}
    for seed in range(N_SERIES):
        y, future = make_series(np.random.default_rng(seed))
        out = model_factory().fit(y).predict(H, level=(80, 95))
        for lv in hits:
            hits[lv].append(
                (future >= out[f"lo-{lv}"].to_numpy()) & (future <= out[f"hi-{lv}"].to_numpy())
            )
    return {lv: float(np.mean(v)) for lv, v in hits.items()}


def _random_walk(rng):
    """Synthetic random walk, 60 points plus H future ones."""
    x = 100 + np.cumsum(rng.normal(0, 1, 60 + H))
    return pd.Series(x[:60], index=pd.period_range("2000-01", periods=60, freq="M")), x[60:]


def _local_level(rng):
    """Synthetic local-level process: random-walk level plus noise (ETS(A,N,N) is exact)."""
    level = 50 + np.cumsum(rng.normal(0, 0.5, 80 + H))
    x = level + rng.normal(0, 1, 80 + H)
    return pd.Series(x[:80], index=pd.period_range("1990", periods=80, freq="Y")), x[80:]


def _ar1(rng):
    """Synthetic stationary AR(1), coefficient 0.6, mean 20."""
    x = np.zeros(120 + H)
    for t in range(1, len(x)):
        x[t] = 0.6 * x[t - 1] + rng.normal()
    return pd.Series(20 + x[:120], index=pd.period_range("1990-01", periods=120, freq="M")), 20 + x[
        120:
    ]


@pytest.mark.parametrize(
    "make, factory",
    [
        (_random_walk, lambda: get("naive")),
        (_local_level, lambda: get("ets", model="ANN")),
        (_ar1, lambda: get("arima", seasonal=False)),
    ],
)
def test_intervals_cover_near_their_level(make, factory):
    cov = _coverage(make, factory)
    # 900 forecasts per level; estimated parameters make intervals a little narrow
    assert 0.73 <= cov[80] <= 0.87, cov
    assert 0.90 <= cov[95] <= 0.985, cov


@pytest.fixture(scope="module")
def monthly():
    rng = np.random.default_rng(11)
    t = np.arange(66)  # synthetic: 2019-01 .. 2024-06
    values = 200 + 2 * t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 66)
    return pd.Series(
        values, index=pd.period_range("2019-01", periods=66, freq="M"), name="synthetic/monthly"
    )


def test_outlook_equals_hand_sums(monthly):
    model = get("ets").fit(monthly)
    assert default_year(monthly) == 2024
    out = outlook(
        model, monthly, year=2024, n_paths=500, random_state=4, thresholds=(0.0, 0.1)
    ).iloc[0]
    paths = model.sample(6, 500, random_state=4)
    totals = monthly.loc["2024-01":"2024-06"].sum() + paths.sum(axis=1)
    base = monthly.loc["2023"].sum()
    assert out["expected_total"] == pytest.approx(totals.mean(), rel=1e-12)
    assert out["base_total"] == pytest.approx(base)
    growth = totals / base - 1
    assert out["p_growth_ge_0"] == pytest.approx(np.mean(growth >= 0))
    assert out["p_growth_ge_0.1"] == pytest.approx(np.mean(growth >= 0.1))
    assert out["total_q5"] == pytest.approx(np.percentile(totals, 5))
    assert out["periods_observed"] == 6 and out["periods_simulated"] == 6


def test_outlook_two_years_ahead_simulates_base_too(monthly):
    model = get("snaive").fit(monthly)
    out = outlook(model, monthly, year=2025, n_paths=300, random_state=1).iloc[0]
    paths = model.sample(18, 300, random_state=1)
    base = monthly.loc["2024-01":"2024-06"].sum() + paths[:, :6].sum(axis=1)
    total = paths[:, 6:18].sum(axis=1)
    assert out["expected_growth"] == pytest.approx(np.mean(total / base - 1))


def test_outlook_annual_is_one_step():
    y = pd.Series(
        [100.0, 110, 120, 125, 130, 140, 150, 155],
        index=pd.period_range("2015", periods=8, freq="Y"),
        name="synthetic/annual",
    )
    model = get("drift").fit(y)
    out = outlook(model, y, n_paths=400, random_state=2).iloc[0]
    paths = model.sample(1, 400, random_state=2)
    assert out["year"] == 2023 and out["base_total"] == 155
    assert out["expected_total"] == pytest.approx(paths[:, 0].mean())


def test_year_totals_refuses_missing_observed_period(monthly):
    gappy = monthly.copy()
    gappy.loc["2024-02"] = np.nan
    with pytest.raises(DataError, match=r"2024 has missing observed periods \(2024-02\)"):
        year_totals(gappy, np.zeros((3, 6)), 2024)


def test_outlook_needs_the_fitted_series(monthly):
    model = get("naive").fit(monthly)
    with pytest.raises(ValueError, match="pass the series it was fitted on"):
        outlook(model, monthly.iloc[:-1])


def test_scenarios_zero_shock_equals_baseline_and_shock_moves_it(monthly):
    X = pd.DataFrame({"tariff": np.r_[np.zeros(40), np.full(26, 10.0)]}, index=monthly.index)
    model = get("arima", seasonal=False).fit(monthly, X)
    same = step_path(monthly.index[-1], 12, current=10, name="tariff")
    raised = step_path(monthly.index[-1], 12, current=10, level=60, start="2024-09", name="tariff")
    fc, out = run_scenarios(model, monthly, {"a": same, "b": same.copy(), "c": raised}, n_paths=300)
    rows = out.set_index("scenario")
    assert rows.loc["a", "expected_total"] == rows.loc["b", "expected_total"]
    assert rows.loc["c", "expected_total"] != rows.loc["a", "expected_total"]
    assert set(fc["scenario"]) == {"a", "b", "c"} and len(fc) == 36
    assert raised.loc[pd.Period("2024-08", "M"), "tariff"] == 10
    assert raised.loc[pd.Period("2024-09", "M"), "tariff"] == 60


def test_shock_zero_is_baseline_and_scales_simulated_part(monthly):
    model = get("theta").fit(monthly)
    base = outlook(model, monthly, year=2024, n_paths=300, random_state=5)
    zero = outlook(model, monthly, year=2024, n_paths=300, random_state=5, shock=0.0)
    pd.testing.assert_frame_equal(base, zero)
    down = outlook(model, monthly, year=2024, n_paths=300, random_state=5, shock=-0.1).iloc[0]
    observed = monthly.loc["2024-01":"2024-06"].sum()
    simulated = base.iloc[0]["expected_total"] - observed
    assert down["expected_total"] == pytest.approx(observed + 0.9 * simulated)
    with pytest.raises(ValueError, match="'shock' parameter"):
        outlook(model, monthly, shock=-1.5)
