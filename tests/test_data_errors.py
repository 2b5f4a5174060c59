"""Every class of bad input gets a DataError that names the place and the fix."""

from __future__ import annotations

import pytest

from forecast.data import read_csv
from forecast.errors import DataError
from tests.conftest import HEADER, monthly_rows

GOOD = HEADER + monthly_rows(3)


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match=r"does not exist.*Check the path"):
        read_csv(tmp_path / "nope.csv")


def test_directory(tmp_path):
    with pytest.raises(DataError, match=r"is a directory.*Name a \.csv file"):
        read_csv(tmp_path)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(write, content):
    with pytest.raises(DataError, match=r"trade\.csv' is empty"):
        read_csv(write(content))


def test_header_only(write):
    with pytest.raises(DataError, match=r"has a header but no data rows"):
        read_csv(write(HEADER))


def test_binary_file(write):
    with pytest.raises(DataError, match=r"NUL bytes.*Export it as CSV"):
        read_csv(write(b"PK\x03\x04\x00\x00binary"))


def test_undecodable(write):
    with pytest.raises(DataError, match=r"not UTF-8 text: byte \d+ .*Re-save"):
        read_csv(
            write(HEADER.encode() + "China,Côte,exports,total,2020-01-01,1,USD\n".encode("latin-1"))
        )


def test_ragged_rows(write):
    with pytest.raises(DataError, match=r"ragged rows.*7 fields but line 3 has 8"):
        read_csv(
            write(
                GOOD[: GOOD.index("\n", len(HEADER)) + 1]
                + "China,US,exports,total,2020-02-01,1,USD,extra\n"
            )
        )


def test_missing_columns(write):
    with pytest.raises(DataError, match=r"missing column\(s\) value, unit.*long layout"):
        read_csv(write("reporter,partner,flow,product,date\nChina,US,exports,total,2020-01-01\n"))


def test_unknown_columns(write):
    text = HEADER.strip() + ",colour\n" + "China,US,exports,total,2020-01-01,1,USD,red\n"
    with pytest.raises(DataError, match=r"unknown column\(s\) colour.*extra_columns='ignore'"):
        read_csv(write(text))
    assert len(read_csv(write(text), extra_columns="ignore")) == 1


def test_unparseable_date(write):
    with pytest.raises(DataError, match=r"line 3: unparseable date\(s\) 'March 2020'"):
        read_csv(write(HEADER + monthly_rows(1) + "China,US,exports,total,March 2020,1,USD\n"))


def test_date_not_period_start(write):
    with pytest.raises(DataError, match=r"line 2: date\(s\) 2020-01-31 are not period starts"):
        read_csv(write(HEADER + "China,US,exports,total,2020-01-31,1,USD\n"))


def test_mixed_frequencies(write):
    annual = "".join(f"China,US,exports,total,{y}-01-01,5,USD\n" for y in range(2010, 2014))
    monthly = "".join(f"China,US,exports,total,2014-{m:02d}-01,5,USD\n" for m in (2, 3, 4))
    with pytest.raises(DataError, match=r"series 'China/US/exports/total': mixed frequencies"):
        read_csv(write(HEADER + annual + monthly))


def test_mixed_declared_frequencies(write):
    text = (
        HEADER.strip() + ",frequency\n" + "China,US,exports,total,2010-01-01,5,USD,annual\n"
        "China,US,exports,total,2010-02-01,5,USD,monthly\n"
    )
    with pytest.raises(DataError, match=r"mixed frequencies \(M, Y\)"):
        read_csv(write(text))


def test_duplicate_series_date(write):
    with pytest.raises(DataError, match=r"line 2, 3: duplicate \(series, date\).*2020-01-01"):
        read_csv(write(HEADER + "China,US,exports,total,2020-01-01,1,USD\n" * 2))


@pytest.mark.parametrize(
    "value, pattern",
    [
        ("abc", r"non-numeric value\(s\) 'abc'"),
        ("1,234", r"non-numeric.*Remove thousands separators"),
        ("inf", r"infinite or overflowing value\(s\) 'inf'"),
        ("1e999", r"infinite or overflowing value\(s\) '1e999'"),
    ],
)
def test_bad_values(write, value, pattern):
    with pytest.raises(DataError, match=pattern):
        read_csv(write(HEADER + f'China,US,exports,total,2020-01-01,"{value}",USD\n'))


@pytest.mark.parametrize("flow", ["exports", "imports"])
def test_negative_trade_flow(write, flow):
    with pytest.raises(DataError, match=rf"line 2: negative {flow} value.*flow 'balance'"):
        read_csv(write(HEADER + f"China,US,{flow},total,2020-01-01,-5,USD\n"))


def test_negative_balance_is_fine(write):
    frame = read_csv(write(HEADER + "China,US,balance,total,2020-01-01,-5,USD\n"))
    assert frame["value"].iloc[0] == -5


def test_unknown_flow(write):
    with pytest.raises(DataError, match=r"unknown flow export.*'export' -> 'exports'"):
        read_csv(write(HEADER + "China,US,export,total,2020-01-01,5,USD\n"))


def test_mixed_units(write):
    text = HEADER + (
        "China,US,exports,total,2020-01-01,5,USD million\n"
        "China,US,exports,total,2020-02-01,5,USD billion\n"
    )
    with pytest.raises(DataError, match=r"mixed units within a series \(USD billion, USD mill"):
        read_csv(write(text))


def test_empty_key(write):
    with pytest.raises(DataError, match=r"line 2: empty 'partner'"):
        read_csv(write(HEADER + "China,,exports,total,2020-01-01,5,USD\n"))


def test_unclosed_quote_is_ragged_or_parse_error(write):
    with pytest.raises(DataError):
        read_csv(write(HEADER + 'China,"US,exports,total,2020-01-01,5,USD\n'))


def test_long_list_of_lines_is_shortened(write):
    rows = "".join(f"China,US,exports,total,2020-01-{d:02d},1,USD\n" for d in range(2, 20))
    with pytest.raises(DataError, match=r"line 2, 3, 4, 5, 6 and 13 more"):
        read_csv(write(HEADER + rows))
