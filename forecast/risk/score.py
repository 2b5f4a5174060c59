"""The overcapacity-risk score and the export-sustainability verdict.

**Score.** Each scored indicator of a year is placed against its own history up to the
year before (at least ``MIN_HISTORY`` years, else "not enough history"): its percentile
and its robust z-score (distance from the median in units of 1.4826 x MAD). Percentiles
are turned so that high means adverse, then averaged with the weights in ``SPEC``
(renormalised over the indicators available), giving 0-100. Levels: below 40 *low*,
40 to 70 *elevated*, 70 and above *high*. The scored indicators must carry at least 20%
of the weight, else the score is "not available"; the reasons say how many indicators a
score rests on, so a thin one is visible as such. The weights are a documented
judgement, not an estimate: divergence carries most because it is the partners'
complaint in numbers.

**Verdict.** From a next-year outlook: *sustained* when P(growth >= 0) >= 0.6 and the
5% quantile of growth is above -10%; *likely to contract* when P(growth >= 0) < 0.4;
otherwise *at risk*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MIN_HISTORY", "SPEC", "Driver", "level_of", "score_year", "verdict"]

MIN_HISTORY = 8
MIN_WEIGHT = 0.2  # scored indicators must carry at least this much of the weight


@dataclass(frozen=True)
class Driver:
    """A scored indicator: its weight, which direction is adverse, and how to say it."""

    indicator: str
    weight: float
    adverse_when_high: bool
    label: str


SPEC = (
    Driver("divergence", 0.30, True, "export growth minus import growth"),
    Driver("expected_divergence", 0.20, True, "next year's expected export minus import growth"),
    Driver("balance_to_exports", 0.20, True, "trade surplus as a share of exports"),
    Driver("balance_growth", 0.15, True, "growth of the trade surplus"),
    Driver("share_change_United States", 0.15, False, "change of the US share of exports"),
)
HISTORY_OF = {"expected_divergence": "divergence"}
LABELS = {d.indicator: d.label for d in SPEC}  # a forecast is judged on realised history


def _ordinal(p: float) -> str:
    n = round(p)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def level_of(score: float) -> str:
    """The level of a 0-100 score: low, elevated or high."""
    if not np.isfinite(score):
        return "not available"
    return "high" if score >= 70 else "elevated" if score >= 40 else "low"


def _fmt(value: float, unit: str) -> str:
    if unit in ("percent", "pp"):
        return f"{value:+.1f}{' pp' if unit == 'pp' else '%'}"
    return f"{value:,.1f}"


def score_year(indicators: pd.DataFrame, year: int) -> dict:
    """Score one year from an indicator frame (``indicator, year, value, unit``).

    Returns
    -------
    dict
        ``year, score, level, components`` (a frame: indicator, value, percentile,
        robust_z, adverse_percentile, weight, status) and ``reasons`` (plain sentences
        naming the drivers that moved the score, with their numbers).
    """
    rows, reasons = [], []
    for drv in SPEC:
        now = indicators[(indicators["indicator"] == drv.indicator) & (indicators["year"] == year)]
        hist_name = HISTORY_OF.get(drv.indicator, drv.indicator)
        hist = indicators[(indicators["indicator"] == hist_name) & (indicators["year"] < year)][
            "value"
        ].to_numpy(float)
        row = {
            "indicator": drv.indicator,
            "value": np.nan,
            "percentile": np.nan,
            "robust_z": np.nan,
            "adverse_percentile": np.nan,
            "weight": drv.weight,
            "status": "not available",
        }
        if now.empty:
            rows.append(row)
            continue
        value, unit = float(now["value"].iloc[0]), str(now["unit"].iloc[0])
        row["value"] = value
        if len(hist) < MIN_HISTORY:
            row["status"] = f"not enough history ({len(hist)} < {MIN_HISTORY} years)"
            rows.append(row)
            continue
        pct = 100 * (np.mean(hist < value) + 0.5 * np.mean(hist == value))
        mad = 1.4826 * np.median(np.abs(hist - np.median(hist)))
        row.update(
            percentile=pct,
            robust_z=(value - np.median(hist)) / mad if mad > 0 else np.nan,
            adverse_percentile=pct if drv.adverse_when_high else 100 - pct,
            status="scored",
        )
        rows.append(row)
        first = int(
            indicators[(indicators["indicator"] == hist_name) & (indicators["year"] < year)][
                "year"
            ].min()
        )
        adverse = row["adverse_percentile"]
        if adverse >= 70 or adverse <= 30:
            direction = "raises" if adverse >= 70 else "lowers"
            said = f"{drv.label} {_fmt(value, unit)}"
            growth = indicators[indicators["year"] == year].set_index("indicator")["value"]
            if drv.indicator == "divergence" and {"export_growth", "import_growth"} <= set(
                growth.index
            ):
                said = (
                    f"exports {growth['export_growth']:+.1f}% while imports "
                    f"{growth['import_growth']:+.1f}%: divergence {value:.1f} pp"
                )
            reasons.append(
                (
                    abs(adverse - 50) * drv.weight,
                    f"{said}, {_ordinal(pct)} percentile of {first}-{year - 1}: "
                    f"{direction} the score",
                )
            )
    components = pd.DataFrame(rows)
    scored = components[components["status"] == "scored"]
    if scored.empty or scored["weight"].sum() < MIN_WEIGHT - 1e-9:
        score = np.nan
        reasons = [
            (
                0.0,
                f"not enough indicators scored ({len(scored)}, weight "
                f"{scored['weight'].sum():.2f}) for a score",
            )
        ]
    else:
        score = float(np.average(scored["adverse_percentile"], weights=scored["weight"]))
        if len(scored) < len(SPEC):
            reasons.append(
                (
                    -1.0,
                    f"score rests on {len(scored)} of {len(SPEC)} indicators "
                    f"(weight {scored['weight'].sum():.2f}: "
                    f"{', '.join(LABELS[i] for i in scored['indicator'])}), the others "
                    "lacking data or history",
                )
            )
    ordered = [text for _, text in sorted(reasons, key=lambda r: -r[0])]
    return {
        "year": year,
        "score": score,
        "level": level_of(score),
        "components": components,
        "reasons": ordered,
    }


def verdict(outlook_row: pd.Series) -> str:
    """Export sustainability verdict from one outlook row (see the module docs)."""
    p = float(outlook_row["p_growth_ge_0"])
    q5 = float(outlook_row.get("growth_q5", np.nan))
    if p >= 0.6 and q5 > -0.10:
        return "sustained"
    if p < 0.4:
        return "likely to contract"
    return "at risk"
