"""Export sustainability and overcapacity risk: indicators, scores with reasons, verdicts.

>>> from forecast.risk import assess                         # doctest: +SKIP
>>> report = assess(exports, imports, partners={"United States": to_us})
>>> report.score, report.level, report.reasons               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from forecast.risk.indicators import (
    annual,
    balance,
    concentration,
    divergence,
    diversion,
    forecast_implied,
    market_share,
    volume_price,
)
from forecast.risk.score import SPEC, level_of, score_year, verdict

__all__ = [
    "SPEC",
    "RiskReport",
    "annual",
    "assess",
    "balance",
    "concentration",
    "divergence",
    "diversion",
    "forecast_implied",
    "level_of",
    "market_share",
    "score_year",
    "verdict",
    "volume_price",
]


@dataclass
class RiskReport:
    """The assessment of one reporter's (or partner flow's) exports for one year."""

    series_id: str
    year: int
    score: float
    level: str
    reasons: list[str]
    components: pd.DataFrame
    indicators: pd.DataFrame
    outlook: pd.DataFrame | None = None
    verdict: str = "not available"
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict:
        """A flat summary row for tables and JSON."""
        out = {
            "series_id": self.series_id,
            "year": self.year,
            "score": round(self.score, 1) if self.score == self.score else None,
            "level": self.level,
            "verdict": self.verdict,
            "p_growth_ge_0": None,
            "expected_growth": None,
            "reasons": "; ".join(self.reasons) or "no driver far from its history",
            "notes": "; ".join(self.notes),
        }
        if self.outlook is not None and len(self.outlook):
            o = self.outlook.iloc[0]
            out["p_growth_ge_0"] = round(float(o["p_growth_ge_0"]), 3)
            out["expected_growth"] = round(float(o["expected_growth"]), 4)
            out["outlook_year"] = int(o["year"])
        return out


def assess(
    exports: pd.Series,
    imports: pd.Series | None = None,
    *,
    partners: Mapping[str, pd.Series] | None = None,
    export_outlook: pd.DataFrame | None = None,
    import_outlook: pd.DataFrame | None = None,
    year: int | None = None,
) -> RiskReport:
    """Compute indicators, the overcapacity score and the sustainability verdict.

    Parameters
    ----------
    exports : pandas.Series
        The reporter's exports (monthly, quarterly or annual; complete years are used).
    imports : pandas.Series, optional
        The reporter's imports; without them divergence and balance are not available.
    partners : mapping of str to Series, optional
        Exports to individual partners (e.g. ``{"United States": ...}``) for diversion
        and concentration indicators.
    export_outlook, import_outlook : pandas.DataFrame, optional
        Next-year outlook rows (:func:`forecast.outlook.outlook`); they give the verdict
        and the forecast-implied indicators.
    year : int, optional
        The year scored: the last complete year of ``exports`` by default.

    Returns
    -------
    RiskReport
    """
    frames, notes = [], []
    if imports is not None:
        frames += [divergence(exports, imports), balance(exports, imports)]
    else:
        notes.append("imports not supplied: divergence and balance not available")
    for name, series in (partners or {}).items():
        frames.append(diversion(series, exports, name))
    if partners:
        frames.append(concentration(partners, exports))
    last = int(annual(exports).index.max())
    year = last if year is None else int(year)
    if export_outlook is not None and import_outlook is not None:
        implied = forecast_implied(export_outlook, import_outlook)
        implied["year"] = year  # judged beside the last realised year's indicators
        frames.append(implied)
    indicators = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["indicator", "year", "value", "unit", "basis"])
    )
    result = score_year(indicators, year)
    report = RiskReport(
        str(exports.name),
        year,
        result["score"],
        result["level"],
        result["reasons"],
        result["components"],
        indicators,
        export_outlook,
        notes=notes,
    )
    if export_outlook is not None:
        report.verdict = verdict(export_outlook.iloc[0])
    return report
