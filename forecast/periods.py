"""Calendar arithmetic with one home: periods per year, default horizons, complete years,
year ends, interval column names, and the series key.

Every stage that needs "12 for monthly", "the last period of a year" or "the parts of
an id" asks here, so the rules cannot drift apart between modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = [
    "SeriesKey",
    "complete_years",
    "default_horizon",
    "hi_col",
    "lo_col",
    "periods_per_year",
    "year_end",
]

_PER_YEAR = {"M": 12, "Q": 4, "Y": 1, "A": 1}


def periods_per_year(index: pd.PeriodIndex | pd.Period) -> int:
    """12 for monthly, 4 for quarterly, 1 for annual periods."""
    freq = index.freqstr if hasattr(index, "freqstr") else str(index)
    return _PER_YEAR.get(freq[0], 1)


def default_horizon(index: pd.PeriodIndex) -> int:
    """The horizon used when none is given: one year of periods."""
    return periods_per_year(index)


def year_end(year: int, freq: object) -> pd.Period:
    """The last period of calendar year ``year`` at frequency ``freq``."""
    return pd.Period(f"{int(year)}-12-31", freq=freq)


def complete_years(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Calendar-year sums over complete years only (NaN for a year missing a period)."""
    index = values.index
    counts = values.notna().groupby(index.year).sum()
    sums = values.groupby(index.year).sum(min_count=1)
    return sums.where(counts == periods_per_year(index))


def lo_col(level: float) -> str:
    """The column of an interval's lower bound, e.g. ``lo-80``."""
    return f"lo-{level:g}"


def hi_col(level: float) -> str:
    """The column of an interval's upper bound, e.g. ``hi-80``."""
    return f"hi-{level:g}"


@dataclass(frozen=True)
class SeriesKey:
    """The key of a trade series: ``reporter/partner/flow/product``.

    >>> key = SeriesKey.parse("China/World/exports/total")
    >>> key.partner, key.with_flow("imports").id
    ('World', 'China/World/imports/total')
    """

    reporter: str
    partner: str = ""
    flow: str = ""
    product: str = ""

    @classmethod
    def parse(cls, series_id: str) -> SeriesKey:
        """The key of an id; an id that is not four parts is kept whole as the reporter
        (the 'unspecified' flow of long and wide files)."""
        parts = str(series_id).split("/")
        return cls(*parts) if len(parts) == 4 else cls(str(series_id))

    @property
    def id(self) -> str:
        """The id string, as outputs write it."""
        if not (self.partner or self.flow or self.product):
            return self.reporter
        return "/".join((self.reporter, self.partner, self.flow, self.product))

    def with_flow(self, flow: str) -> SeriesKey:
        """The same key with another flow (the imports twin of an exports series)."""
        return SeriesKey(self.reporter, self.partner, flow, self.product)
