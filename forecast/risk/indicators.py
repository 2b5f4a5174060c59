"""Trade indicators behind the overcapacity and sustainability assessments.

Each function takes annual series (a ``pandas.Series`` on a yearly ``PeriodIndex``, or
monthly ones, which are summed over complete years first) and returns a tidy frame
``indicator, year, value, unit, basis``. Growth rates are in percent; ``basis`` says
whether an indicator is in values or volumes. When an input is missing the indicator is
simply absent: callers report it as "not available".

Sources of the definitions:

* export-import growth divergence and the trade balance: the EU's 2025 import
  surveillance and trade-diversion monitoring, Rhodium Group, "Overcapacity at the
  Gate" (2024);
* Herfindahl-Hirschman concentration of partner shares (0-10,000; 1,500 and 2,500 are
  the US DOJ/FTC thresholds of moderate and high concentration);
* diversion (partner share shifts), IMF WP/2024/180 on trade fragmentation;
* "volume up, price down": the EU surveillance screen (volume growth with unit-value
  decline);
* revealed comparative advantage: Balassa (1965).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecast.data import resample
from forecast.errors import DataError

__all__ = [
    "annual",
    "balance",
    "concentration",
    "divergence",
    "diversion",
    "forecast_implied",
    "market_share",
    "volume_price",
]

COLUMNS = ["indicator", "year", "value", "unit", "basis"]


USD_BILLION = {
    "USD thousand": 1e-6,
    "USD million": 1e-3,
    "USD 100 million": 0.1,
    "USD billion": 1.0,
    "USD trillion": 1e3,
}


def annual(series: pd.Series) -> pd.Series:
    """Annual totals of a series: monthly/quarterly summed over complete years only.

    Series in a known USD scale (``attrs["unit"]``: USD thousand, million, 100 million,
    billion, trillion) are converted to USD billion, so that shares across sources are
    right; other units are kept and recorded in ``attrs["unit"]``.
    """
    unit = series.attrs.get("unit", "")
    if series.index.freqstr[0] != "Y":
        series = resample(series, "Y")
    out = series.dropna().astype(float)
    out.index = out.index.year
    if unit in USD_BILLION:
        out = out * USD_BILLION[unit]
        unit = "USD billion"
    out.attrs["unit"] = unit
    return out


def _same_unit(*series: pd.Series) -> None:
    units = {s.attrs.get("unit", "") for s in series}
    if len(units) > 1:
        raise DataError(
            f"Series {', '.join(repr(s.name) for s in series)} are in different "
            f"units ({', '.join(sorted(map(str, units)))}); convert them to one "
            "currency and scale before computing shares."
        )


def _frame(name: str, values: pd.Series, unit: str, basis: str = "values") -> pd.DataFrame:
    values = values.replace([np.inf, -np.inf], np.nan).dropna()
    return pd.DataFrame(
        {
            "indicator": name,
            "year": values.index.astype(int),
            "value": values.to_numpy(float),
            "unit": unit,
            "basis": basis,
        },
        columns=COLUMNS,
    )


def _previous(s: pd.Series) -> np.ndarray:
    """Last year's value for every year (NaN where that year is missing, not the row above)."""
    return s.reindex(s.index - 1).to_numpy(dtype=float)


def _growth(s: pd.Series) -> pd.Series:
    return pd.Series(100 * (s.to_numpy(dtype=float) / _previous(s) - 1), index=s.index)


def _change(s: pd.Series) -> pd.Series:
    return pd.Series(s.to_numpy(dtype=float) - _previous(s), index=s.index)


def divergence(
    exports: pd.Series,
    imports: pd.Series,
    export_prices: pd.Series | None = None,
    import_prices: pd.Series | None = None,
) -> pd.DataFrame:
    """Export growth minus import growth, in percentage points (``export_growth`` and
    ``import_growth`` too). With price or unit-value indices for both flows the
    growth rates are in volumes (deflated), and ``basis`` says so."""
    x, m = annual(exports), annual(imports)
    basis = "values"
    if export_prices is not None and import_prices is not None:
        x = x / annual(export_prices).reindex(x.index)
        m = m / annual(import_prices).reindex(m.index)
        basis = "volumes"
    gx, gm = _growth(x), _growth(m)
    years = gx.index.intersection(gm.index)
    return pd.concat(
        [
            _frame("export_growth", gx, "percent", basis),
            _frame("import_growth", gm, "percent", basis),
            _frame("divergence", gx.loc[years] - gm.loc[years], "pp", basis),
        ],
        ignore_index=True,
    )


def balance(exports: pd.Series, imports: pd.Series) -> pd.DataFrame:
    """Trade balance, its growth (percent) and balance over exports (percent)."""
    x, m = annual(exports), annual(imports)
    _same_unit(x, m)
    years = x.index.intersection(m.index)
    bal = x.loc[years] - m.loc[years]
    return pd.concat(
        [
            _frame("balance", bal, "level"),
            _frame("balance_growth", _growth(bal).where(_previous(bal) > 0), "percent"),
            _frame("balance_to_exports", 100 * bal / x.loc[years], "percent"),
        ],
        ignore_index=True,
    )


def concentration(partners: Mapping[str, pd.Series], total: pd.Series) -> pd.DataFrame:
    """Partner shares of the total (percent), their Herfindahl-Hirschman index (sum of
    squared percentage shares, 0-10,000, over the listed partners and the rest of the
    world as one) and its change. HHI above 1,500 is moderate, above 2,500 high."""
    tot = annual(total)
    parts = {p: annual(s) for p, s in partners.items()}
    _same_unit(tot, *parts.values())
    shares = pd.DataFrame({p: 100 * s.reindex(tot.index) / tot for p, s in parts.items()}).dropna()
    frames = [_frame(f"share_{p}", shares[p], "percent") for p in shares.columns]
    if len(shares):
        rest = (100 - shares.sum(axis=1)).clip(lower=0)
        hhi = (shares**2).sum(axis=1) + rest**2
        frames += [_frame("hhi", hhi, "index"), _frame("hhi_change", _change(hhi), "index")]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def diversion(partner: pd.Series, total: pd.Series, name: str) -> pd.DataFrame:
    """Shift of export share away from one partner: its share of the total (percent),
    the share's change (pp), and the gap between the partner's growth and the growth of
    exports to everyone else (pp; negative means trade is diverted elsewhere)."""
    p, tot = annual(partner), annual(total)
    _same_unit(p, tot)
    years = p.index.intersection(tot.index)
    share = 100 * p.loc[years] / tot.loc[years]
    rest = tot.loc[years] - p.loc[years]
    gap = _growth(p.loc[years]) - _growth(rest)
    return pd.concat(
        [
            _frame(f"share_{name}", share, "percent"),
            _frame(f"share_change_{name}", _change(share), "pp"),
            _frame(f"growth_gap_{name}", gap, "pp"),
        ],
        ignore_index=True,
    )


def forecast_implied(export_outlook: pd.DataFrame, import_outlook: pd.DataFrame) -> pd.DataFrame:
    """From two outlook rows (see :func:`forecast.outlook.outlook`): expected export and
    import growth next year, their divergence, and the expected change of the surplus."""
    x, m = export_outlook.iloc[0], import_outlook.iloc[0]
    year = int(x["year"])
    gx, gm = 100 * x["expected_growth"], 100 * m["expected_growth"]
    surplus_now = x["base_total"] - m["base_total"]
    surplus_next = x["expected_total"] - m["expected_total"]
    rows = [
        ("expected_export_growth", gx, "percent"),
        ("expected_import_growth", gm, "percent"),
        ("expected_divergence", gx - gm, "pp"),
        ("expected_surplus_change", surplus_next - surplus_now, "level"),
    ]
    return pd.DataFrame(
        [
            {"indicator": n, "year": year, "value": float(v), "unit": u, "basis": "forecast"}
            for n, v, u in rows
        ],
        columns=COLUMNS,
    )


def volume_price(volume: pd.Series, unit_value: pd.Series) -> pd.DataFrame:
    """The "volume up, price down" screen: volume growth, unit-value growth (percent),
    and a flag (1.0) in years when volume grew while the unit value fell."""
    gv, gp = _growth(annual(volume)), _growth(annual(unit_value))
    years = gv.dropna().index.intersection(gp.dropna().index)
    flag = ((gv.loc[years] > 0) & (gp.loc[years] < 0)).astype(float)
    return pd.concat(
        [
            _frame("volume_growth", gv, "percent", "volumes"),
            _frame("unit_value_growth", gp, "percent", "prices"),
            _frame("volume_up_price_down", flag, "flag", "volumes"),
        ],
        ignore_index=True,
    )


def market_share(
    exports: pd.Series,
    world_exports: pd.Series,
    product_exports: pd.Series | None = None,
    world_product_exports: pd.Series | None = None,
) -> pd.DataFrame:
    """World market share (percent) and, with product data, Balassa's revealed
    comparative advantage: (x_p / x) / (w_p / w); above 1 means specialisation."""
    x, w = annual(exports), annual(world_exports)
    years = x.index.intersection(w.index)
    frames = [_frame("world_share", 100 * x.loc[years] / w.loc[years], "percent")]
    if product_exports is not None and world_product_exports is not None:
        xp, wp = annual(product_exports), annual(world_product_exports)
        yrs = years.intersection(xp.index).intersection(wp.index)
        rca = (xp.loc[yrs] / x.loc[yrs]) / (wp.loc[yrs] / w.loc[yrs])
        frames.append(_frame("rca", rca, "ratio"))
    return pd.concat(frames, ignore_index=True)
