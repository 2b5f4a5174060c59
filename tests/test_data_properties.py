"""Property-based tests: the reader never fails in an unplanned way."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import from_frame, read_csv, resample, select
from forecast.errors import DataError

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read_bytes(raw: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(raw)
        try:
            return read_csv(path)
        except DataError as exc:
            assert str(exc)  # a message, never an empty one
            return None


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_give_a_frame_or_a_data_error(raw):
    _read_bytes(raw)


cell = st.one_of(
    st.text(alphabet="0123456789-.,eE aQ/:NA", max_size=12),
    st.sampled_from(
        [
            "exports",
            "imports",
            "balance",
            "2020-01-01",
            "USD",
            "",
            "nan",
            "1e999",
            "-1",
            "2020-02-15",
        ]
    ),
)


@SETTINGS
@given(
    st.lists(st.lists(cell, min_size=5, max_size=8), min_size=1, max_size=12),
    st.sampled_from(
        [
            "reporter,partner,flow,product,date,value,unit",
            "unique_id,ds,y",
            "date,a,b",
            "reporter,flow,date,value",
        ]
    ),
)
def test_malformed_tables_give_a_frame_or_a_data_error(rows, header):
    text = header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    frame = _read_bytes(text.encode())
    if frame is not None:
        assert frame["value"].dtype == np.float64
        assert not np.isinf(frame["value"]).any()


@SETTINGS
@given(
    st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=12, max_size=60),
    st.integers(0, 11),
    st.randoms(use_true_random=False),
)
def test_annual_sums_and_row_order(values, offset, rng):
    """Synthetic monthly data: annual totals equal hand sums; row order is irrelevant."""
    dates = pd.period_range("2001-01", periods=len(values), freq="M")[offset:]
    values = values[offset:]
    rows = [
        {
            "reporter": "Synthetic",
            "partner": "World",
            "flow": "exports",
            "product": "total",
            "date": str(d.start_time.date()),
            "value": v,
            "unit": "USD",
        }
        for d, v in zip(dates, values, strict=True)
    ]
    shuffled = rows[:]
    rng.shuffle(shuffled)
    a = from_frame(pd.DataFrame(rows))
    b = from_frame(pd.DataFrame(shuffled))
    pd.testing.assert_frame_equal(a, b)
    series = select(a, "Synthetic/World/exports/total")
    annual = resample(series, "Y")
    for period, total in annual.items():
        hand = sum(v for d, v in zip(dates, values, strict=True) if d.year == period.year)
        assert total == np.float64(hand) or abs(total - hand) <= 1e-9 * max(1.0, hand)
        assert sum(d.year == period.year for d in dates) == 12
    complete_years = {d.year for d in dates if sum(x.year == d.year for x in dates) == 12}
    assert {p.year for p in annual.index} == complete_years
