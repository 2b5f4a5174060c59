"""Valid canonical, long and wide files are accepted; gaps stay visible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data import from_frame, gaps, read_csv, select, summarize, to_frame
from tests.conftest import HEADER, monthly_rows


def test_canonical_roundtrip(write):
    frame = read_csv(write(HEADER + monthly_rows(24)))
    series = select(frame, "China/United States/exports/total")
    assert series.index.freqstr == "M"
    assert series.dtype == np.float64
    assert series.iloc[0] == 100 and series.iloc[-1] == 123
    assert series.attrs["unit"] == "USD million"


def test_gap_is_kept_as_nan(write):
    rows = monthly_rows(12).splitlines(keepends=True)
    del rows[4:7]  # May-July missing
    frame = read_csv(write(HEADER + "".join(rows)))
    series = select(frame, "China/United States/exports/total")
    assert len(series) == 12 and series.isna().sum() == 3
    assert [(str(a), str(b)) for a, b in gaps(series)] == [("2020-05", "2020-07")]
    assert summarize(frame)["gaps"].iloc[0] == "2020-05 to 2020-07"


def test_explicit_missing_value_is_nan(write):
    frame = read_csv(
        write(
            HEADER + "China,US,exports,total,2020-01-01,NA,USD\n"
            "China,US,exports,total,2020-02-01,3,USD\n"
        )
    )
    assert frame["value"].isna().sum() == 1


def test_long_layout(write):
    text = (
        "unique_id,ds,y\nChina/US/exports/total,2020-01-01,1\nChina/US/exports/total,2020-02-01,2\n"
    )
    frame = read_csv(write(text), unit="USD")
    assert frame["series_id"].unique().tolist() == ["China/US/exports/total"]
    assert frame["flow"].iloc[0] == "exports" and frame["unit"].iloc[0] == "USD"


def test_long_layout_free_ids(write):
    frame = read_csv(write("unique_id,ds,y\nH1,2020-01-01,1\nH1,2020-02-01,-2\n"))
    assert frame["series_id"].tolist() == ["H1", "H1"]
    assert frame["flow"].iloc[0] == "unspecified"


def test_wide_layout(write):
    text = "date,China/US/exports/total,China/US/imports/total\n2020-01-01,1,2\n2020-02-01,3,\n"
    frame = read_csv(write(text))
    assert sorted(frame["series_id"].unique()) == [
        "China/US/exports/total",
        "China/US/imports/total",
    ]
    assert frame["value"].isna().sum() == 1


@pytest.mark.parametrize("date, freq", [("2020-04", "M"), ("2021", "Y"), ("2020-Q2", "Q")])
def test_short_date_forms(write, date, freq):
    nxt = {"M": "2020-05", "Y": "2022", "Q": "2020-Q3"}[freq]
    frame = read_csv(
        write(HEADER + f"China,US,exports,total,{date},1,USD\nChina,US,exports,total,{nxt},2,USD\n")
    )
    assert frame["frequency"].iloc[0] == freq


def test_semicolon_delimiter_and_bom(write):
    text = "\ufeff" + HEADER.replace(",", ";") + "China;US;exports;total;2020-01-01;1;USD\n"
    assert len(read_csv(write(text))) == 1


def test_quarterly_and_annual_inference(write):
    q = "".join(f"China,US,exports,total,2020-{m:02d}-01,1,USD\n" for m in (1, 4, 7, 10))
    a = "".join(f"China,US,imports,total,{y}-01-01,1,USD\n" for y in (2018, 2019, 2021))
    frame = read_csv(write(HEADER + q + a))
    freq = frame.groupby("series_id")["frequency"].first().to_dict()
    assert freq == {"China/US/exports/total": "Q", "China/US/imports/total": "Y"}
    annual = select(frame, "China/US/imports/total")
    assert len(annual) == 4 and np.isnan(annual.loc[pd.Period("2020", "Y")])


def test_from_frame_and_to_frame_roundtrip(write):
    frame = read_csv(write(HEADER + monthly_rows(6)))
    series = select(frame, "China/United States/exports/total")
    back = from_frame(
        to_frame(
            series, reporter="China", partner="United States", flow="exports", unit="USD million"
        )
    )
    pd.testing.assert_series_equal(select(back, series.name), series)


def test_select_errors(write):
    from forecast.errors import DataError

    frame = read_csv(write(HEADER + monthly_rows(3) + monthly_rows(3, flow="imports")))
    with pytest.raises(DataError, match=r"No series matches .*Available: China/United States"):
        select(frame, "nope")
    with pytest.raises(DataError, match=r"2 series match"):
        select(frame, reporter="China")
