"""Resampling sums only complete periods; calendar counts match hand counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecast.data import (
    calendar_features,
    lunar_new_year,
    lunar_new_year_days,
    resample,
    working_days,
)


def _monthly(values, start="2019-01"):
    return pd.Series(
        values,
        index=pd.period_range(start, periods=len(values), freq="M"),
        dtype=float,
        name="synthetic",
    )


def test_annual_sum_of_complete_years_only():
    values = np.arange(1.0, 31.0)  # 2019-01 .. 2021-06: 2021 is incomplete
    out = resample(_monthly(values), "Y")
    assert out.index.tolist() == [pd.Period("2019", "Y"), pd.Period("2020", "Y")]
    assert out.tolist() == [values[:12].sum(), values[12:24].sum()]


def test_missing_month_makes_year_incomplete():
    values = np.ones(24)
    values[5] = np.nan
    assert resample(_monthly(values), "Y").tolist() == [12.0]
    marked = resample(_monthly(values), "Y", incomplete="nan")
    assert np.isnan(marked.iloc[0]) and marked.iloc[1] == 12


def test_quarterly_then_annual():
    s = _monthly(np.arange(24.0))
    assert resample(resample(s, "Q"), "Y").tolist() == resample(s, "Y").tolist()


@pytest.mark.parametrize("to, incomplete", [("M", "drop"), ("W", "drop"), ("Y", "half")])
def test_resample_bad_parameters(to, incomplete):
    with pytest.raises(ValueError, match="parameter of resample"):
        resample(_monthly(np.ones(12)), to, incomplete=incomplete)


def test_lunar_new_year_known_dates():
    assert lunar_new_year(2025) == dt.date(2025, 1, 29)
    assert lunar_new_year(2024) == dt.date(2024, 2, 10)
    assert lunar_new_year(1985) == dt.date(1985, 2, 20)
    with pytest.raises(ValueError, match="within 1985-2035"):
        lunar_new_year(1900)


def test_lunar_new_year_days_split_across_months():
    index = pd.period_range("2025-01", "2025-03", freq="M")
    # 2025-01-29 .. 2025-02-04: 3 days in January, 4 in February
    assert lunar_new_year_days(index).tolist() == [3, 4, 0]
    wide = lunar_new_year_days(index, before=10, after=20)
    assert wide.sum() == 31 and wide.iloc[0] == 13


def test_lunar_new_year_days_annual_sums_window():
    index = pd.period_range("2010", "2012", freq="Y")
    assert lunar_new_year_days(index).tolist() == [7, 7, 7]


def test_working_days_hand_count():
    index = pd.period_range("2024-02", periods=2, freq="M")
    assert working_days(index).tolist() == [21, 21]
    assert list(calendar_features(index).columns) == ["lny_days", "working_days"]
