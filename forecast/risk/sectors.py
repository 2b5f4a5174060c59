"""Overcapacity where it is made: value = volume x unit value, by commodity.

The tell-tale sign of overcapacity in trade data is volume growing while export prices
fall. For a commodity with quantities, value ``V``, volume ``Q`` and unit value
``UV = V / Q`` satisfy, between two periods, exactly::

    ln(V1 / V0) = ln(Q1 / Q0) + ln(UV1 / UV0)

so value growth splits into a volume and a unit-value contribution that add up (log
points). :func:`decompose` gives them per calendar year and per month against the same
month a year earlier; :func:`signal` counts the months with "volume up, unit value down".

**Score.** Unlike the aggregate score (:mod:`forecast.risk.score`), which ranks each
indicator against 8+ years of its own history, commodity lines have 24 months, so each
indicator is placed on a fixed scale set in advance (``SECTOR_SPEC``: 0 at the first
bound, 100 at the second, linear between, clipped), not tuned to any series. The score
is the weighted mean over the indicators available; it needs half of the weight, and
the reasons say how many indicators it rests on. Levels as for the aggregate score:
below 40 low, 40-70 elevated, 70 and above high.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import DataError
from forecast.periods import complete_years, periods_per_year
from forecast.risk.score import level_of

__all__ = ["SECTOR_SPEC", "SectorScore", "decompose", "score_sector", "signal", "unit_values"]

MIN_WEIGHT = 0.5


@dataclass(frozen=True)
class Scale:
    """An indicator's fixed scale: 0 points at ``zero``, 100 at ``full``."""

    indicator: str
    weight: float
    zero: float
    full: float
    unit: str
    label: str


SECTOR_SPEC = (
    Scale("volume_growth", 0.20, 0.0, 30.0, "percent", "export volume growth"),
    Scale("unit_value_growth", 0.20, 0.0, -20.0, "percent", "export unit-value growth"),
    Scale("divergence", 0.20, 0.0, 40.0, "pp", "volume growth minus unit-value growth"),
    Scale(
        "persistence",
        0.15,
        0.0,
        12.0,
        "months",
        "months of the last 12 with volume up and unit value down (year on year)",
    ),
    Scale("growth_vs_total", 0.15, 0.0, 30.0, "pp", "value growth minus total export growth"),
    Scale("share_of_exports", 0.10, 0.0, 5.0, "percent", "share of China's exports"),
    Scale(
        "supply_overhang",
        0.20,
        30.0,
        70.0,
        "percent",
        "production not installed at home (solar: exported or stocked)",
    ),
)


def unit_values(value: pd.Series, quantity: pd.Series) -> tuple[pd.Series, list[str]]:
    """Unit value ``value / quantity``; undefined (NaN, said in the notes) where the
    quantity is zero, negative or missing, never an infinity.

    Raises
    ------
    DataError
        When a value or quantity is negative.
    """
    for name, s in (("value", value), ("quantity", quantity)):
        if (s < 0).any():
            raise DataError(
                f"Series '{s.name}': negative {name} in "
                f"{s.index[s < 0][0]}; exports and quantities are non-negative."
            )
    q = quantity.reindex(value.index)
    ok = q.gt(0) & value.notna()
    uv = (value / q).where(ok)
    notes = []
    zero = int((q == 0).sum())
    missing = int(q.isna().sum())
    if zero:
        notes.append(f"unit value undefined in {zero} period(s) with zero quantity")
    if missing:
        notes.append(f"unit value undefined in {missing} period(s) without a quantity")
    return uv, notes


def decompose(value: pd.Series, quantity: pd.Series, basis: str = "annual") -> pd.DataFrame:
    """Value growth split into volume and unit-value growth.

    Parameters
    ----------
    value, quantity : pandas.Series
        Monthly (or annual) series on a PeriodIndex.
    basis : {"annual", "yoy"}
        Calendar years (complete ones only), or each period against the same period a
        year earlier.

    Returns
    -------
    pandas.DataFrame
        ``period, value_growth_pct, volume_growth_pct, unit_value_growth_pct,
        log_value, log_volume, log_unit_value`` (log points x 100; ``log_value`` equals
        ``log_volume + log_unit_value``), only where all three are defined.
    """
    if basis not in ("annual", "yoy"):
        raise ValueError(
            f"The 'basis' parameter of decompose must be 'annual' or 'yoy'. Got {basis!r} instead."
        )
    unit_values(value, quantity)  # validates signs
    if basis == "annual":
        v, q = complete_years(value), complete_years(quantity.reindex(value.index))
        lag = 1
    else:
        v, q = value, quantity.reindex(value.index)
        lag = periods_per_year(value.index)
    ok = (v > 0) & (q > 0)
    v, q = v.where(ok), q.where(ok)
    lv = np.log(v / v.shift(lag))
    lq = np.log(q / q.shift(lag))
    out = pd.DataFrame(
        {"period": v.index, "log_value": 100 * lv.to_numpy(), "log_volume": 100 * lq.to_numpy()}
    )
    out["log_unit_value"] = out["log_value"] - out["log_volume"]
    for col, src in (
        ("value_growth_pct", "log_value"),
        ("volume_growth_pct", "log_volume"),
        ("unit_value_growth_pct", "log_unit_value"),
    ):
        out[col] = 100 * np.expm1(out[src] / 100)
    return out.dropna().reset_index(drop=True)[
        [
            "period",
            "value_growth_pct",
            "volume_growth_pct",
            "unit_value_growth_pct",
            "log_value",
            "log_volume",
            "log_unit_value",
        ]
    ]


def signal(yoy: pd.DataFrame, last: int = 12) -> dict:
    """ "Volume up, unit value down" over the last ``last`` year-on-year periods.

    Returns
    -------
    dict
        ``months`` (how many periods show the signal), ``of`` (periods available),
        ``run`` (consecutive periods with it, up to the latest) and ``size`` (the mean of
        the smaller of volume growth and unit-value decline over those periods, percent).
    """
    tail = yoy.tail(last)
    on = (tail["volume_growth_pct"] > 0) & (tail["unit_value_growth_pct"] < 0)
    run = 0
    for flag in on.iloc[::-1]:
        if not flag:
            break
        run += 1
    size = np.minimum(tail.loc[on, "volume_growth_pct"], -tail.loc[on, "unit_value_growth_pct"])
    return {
        "months": int(on.sum()),
        "of": len(tail),
        "run": run,
        "size": float(size.mean()) if on.any() else 0.0,
    }


@dataclass
class SectorScore:
    """The overcapacity assessment of one commodity line for one year."""

    product: str
    year: int
    score: float
    level: str
    reasons: list[str]
    indicators: dict[str, float]
    notes: list[str]

    def row(self) -> dict:
        """A flat row for tables and JSON."""
        return {
            "product": self.product,
            "year": self.year,
            "score": round(self.score, 1) if np.isfinite(self.score) else None,
            "level": self.level,
            **{k: round(v, 2) for k, v in self.indicators.items()},
            "reasons": "; ".join(self.reasons),
            "notes": "; ".join(self.notes),
        }


def _points(spec: Scale, x: float) -> float:
    return float(np.clip(100 * (x - spec.zero) / (spec.full - spec.zero), 0, 100))


def score_sector(
    product: str,
    value: pd.Series,
    quantity: pd.Series | None,
    *,
    total: pd.Series,
    year: int | None = None,
    overhang: float | None = None,
) -> SectorScore:
    """Indicators, a 0-100 score, a level and reasons for one commodity line.

    Parameters
    ----------
    product : str
    value : pandas.Series
        Monthly export value of the line.
    quantity : pandas.Series, optional
        Monthly export quantity (base units); without it only the value indicators are
        scored, and the reasons say so.
    total : pandas.Series
        China's total monthly exports in the same unit as ``value``.
    year : int, optional
        The last complete year by default.
    overhang : float, optional
        Percent of production not installed at home (solar), for that year.
    """
    notes: list[str] = []
    annual_v, annual_t = complete_years(value), complete_years(total)
    years = [
        y
        for y in annual_v.dropna().index
        if y - 1 in annual_v.dropna().index and y in annual_t.dropna().index
    ]
    if not years:
        raise DataError(
            f"Commodity {product!r} has no two complete consecutive years of "
            "value; nothing to compare."
        )
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise DataError(f"Commodity {product!r} has no complete years {year - 1} and {year}.")
    ind: dict[str, float] = {}
    value_growth = 100 * (annual_v[year] / annual_v[year - 1] - 1)
    ind["value_growth"] = value_growth
    ind["growth_vs_total"] = value_growth - 100 * (annual_t[year] / annual_t[year - 1] - 1)
    ind["share_of_exports"] = 100 * annual_v[year] / annual_t[year]
    if quantity is None or quantity.dropna().empty:
        notes.append("no quantities: volume and unit value not available (value only)")
    else:
        _, uv_notes = unit_values(value, quantity)
        notes += uv_notes
        annual = decompose(value, quantity, "annual")
        row = annual[annual["period"] == year]
        if len(row):
            ind["volume_growth"] = float(row["volume_growth_pct"].iloc[0])
            ind["unit_value_growth"] = float(row["unit_value_growth_pct"].iloc[0])
            ind["divergence"] = ind["volume_growth"] - ind["unit_value_growth"]
        yoy = decompose(value, quantity, "yoy")
        yoy = yoy[yoy["period"].dt.year <= year]
        if len(yoy):
            sig = signal(yoy)
            ind["persistence"] = float(sig["months"])
            ind["signal_size"] = sig["size"]
            ind["signal_run"] = float(sig["run"])
    if overhang is not None and np.isfinite(overhang):
        ind["supply_overhang"] = float(overhang)
    scored = [(s, _points(s, ind[s.indicator])) for s in SECTOR_SPEC if s.indicator in ind]
    weight = sum(s.weight for s, _ in scored)
    total_weight = sum(
        s.weight for s in SECTOR_SPEC if s.indicator != "supply_overhang" or overhang is not None
    )
    score = sum(s.weight * p for s, p in scored) / weight if weight >= MIN_WEIGHT else np.nan
    reasons = [
        f"{s.label} {_fmt(ind[s.indicator], s.unit)} ({p:.0f} of 100 points, 100 at "
        f"{_fmt(s.full, s.unit)})"
        for s, p in sorted(scored, key=lambda t: -t[1])
        if p >= 50
    ]
    possible = sum(1 for s in SECTOR_SPEC if s.indicator != "supply_overhang") + (
        overhang is not None
    )
    reasons.append(
        f"score rests on {len(scored)} of {possible} indicators (weight "
        f"{weight:.2f} of {total_weight:.2f}: {', '.join(sp.label for sp, _ in scored)})"
    )
    if not np.isfinite(score):
        reasons.insert(
            0, f"not enough indicators for a score (weight {weight:.2f}, needs {MIN_WEIGHT})"
        )
    return SectorScore(product, year, score, level_of(score), reasons, ind, notes)


def _fmt(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:+.1f}%"
    if unit == "pp":
        return f"{value:+.1f} pp"
    return f"{value:.0f} {unit}"
