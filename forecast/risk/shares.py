"""Where exports go: shares, contributions to growth, the shift away from a partner,
concentration, and who the surplus is with. Pure arithmetic on the totals it is given.

Definitions (for a partition of the total into parts i, years b (base) and y):

* share ``s_i = X_i / X`` (percent) and its change (percentage points);
* contribution to growth ``c_i = (X_i,y - X_i,b) / X_b`` (pp); over a partition the
  contributions add up to the total's growth exactly;
* Herfindahl-Hirschman index ``sum s_i^2`` over the parts (0-10,000; 1,500 and 2,500 are
  the US DOJ/FTC thresholds of moderate and high concentration); it depends on how fine
  the partition is, so compare it only across years of the same partition;
* the shift away from a partner: its share change, and where it went, the other parts'
  share changes (which add up to minus the partner's);
* balance ``X_i - M_i`` by part and its share of the total surplus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import DataError, shorten
from forecast.periods import complete_years

__all__ = ["Diversion", "annual_totals", "diversion_table"]


def annual_totals(values: pd.DataFrame) -> pd.DataFrame:
    """Calendar-year sums of a monthly (or quarterly) table, complete years only."""
    return complete_years(values)


@dataclass
class Diversion:
    """The shares, contributions and balances of a partition between two years."""

    table: pd.DataFrame
    total: str
    base_year: int
    year: int
    total_growth_pct: float
    hhi_base: float
    hhi_year: float
    unit: str

    def shift_from(self, partner: str, top: int = 5) -> pd.DataFrame:
        """Where the share lost (or won) by ``partner`` went: the ``top`` parts whose
        share moved most the other way, and the rest in one row."""
        t = self.table.set_index("part")
        if partner not in t.index:
            raise DataError(
                f"{partner!r} is not a part of this partition; parts: {shorten(t.index)}."
            )
        moved = t.loc[partner, "share_change_pp"]
        others = t.drop(index=partner)["share_change_pp"]
        ranked = (others if moved < 0 else -others).sort_values(ascending=False)
        head = others.loc[ranked.index[:top]]
        rows = [{"part": partner, "share_change_pp": moved}]
        rows += [{"part": p, "share_change_pp": v} for p, v in head.items()]
        rows.append(
            {"part": "all other parts", "share_change_pp": others.drop(index=head.index).sum()}
        )
        return pd.DataFrame(rows)

    def summary(
        self,
        partner: str = "United States",
        hhi: tuple[float, float] | None = None,
        hhi_label: str = "these parts",
        subject: str | None = None,
    ) -> str:
        """Two or three sentences: the growth, its biggest contributors, concentration
        (over this partition, or the ``hhi`` pair given, named by ``hhi_label``);
        ``subject`` names the total (its column name by default)."""
        t = self.table.sort_values("contribution_pp")
        up = t.iloc[::-1].head(3)
        down = t.head(1).iloc[0]
        text = (
            f"{subject or self.total} grew {self.total_growth_pct:+.1f}% in {self.year} over "
            f"{self.base_year}; the largest contributions came from "
            + ", ".join(f"{r.part} ({r.contribution_pp:+.1f} pp)" for r in up.itertuples())
            + f", the largest drag from {down['part']} ({down['contribution_pp']:+.1f} pp)."
        )
        if partner in set(self.table["part"]):
            row = self.table.set_index("part").loc[partner]
            text += (
                f" {partner}'s share moved from {row['share_base_pct']:.1f}% to "
                f"{row['share_pct']:.1f}% ({row['share_change_pp']:+.1f} pp)."
            )
        low, high = hhi if hhi is not None else (self.hhi_base, self.hhi_year)
        text += f" Concentration (HHI over {hhi_label}) {low:,.0f} -> {high:,.0f}."
        return text


def diversion_table(
    exports: pd.DataFrame,
    total: str,
    parts: Sequence[str],
    *,
    year: int | None = None,
    base_year: int | None = None,
    imports: pd.DataFrame | None = None,
    unit: str = "",
    rtol: float = 1e-6,
) -> Diversion:
    """Shares, growth contributions and balances of a partition of ``total``.

    Parameters
    ----------
    exports : pandas.DataFrame
        Annual totals, years x nodes (see :func:`annual_totals`).
    total : str
        The column of the whole (e.g. ``"World"``).
    parts : sequence of str
        Columns that partition the whole (they must add up to it within ``rtol``).
    year, base_year : int, optional
        The last complete year and the one before by default.
    imports : pandas.DataFrame, optional
        The same layout for imports; adds the balance by part.
    unit : str
        Unit of the totals, for the table.
    rtol : float
        Tolerance of the partition check.

    Returns
    -------
    Diversion
    """
    missing = [p for p in [total, *parts] if p not in exports.columns]
    if missing:
        raise DataError(f"Column(s) {shorten(missing)} are not in the exports table.")
    complete = exports[[total, *parts]].dropna()
    year = int(complete.index.max()) if year is None else int(year)
    base_year = year - 1 if base_year is None else int(base_year)
    for y in (base_year, year):
        if y not in complete.index:
            raise DataError(f"The exports table has no complete year {y} for the partition.")
        gap = complete.loc[y, list(parts)].sum() - complete.loc[y, total]
        if abs(gap) > rtol * abs(complete.loc[y, total]):
            raise DataError(
                f"The parts do not add up to {total!r} in {y} (off by "
                f"{gap:,.6g}); give a partition (every part once, nothing left "
                "out), e.g. the continents or the bottom nodes."
            )
    x_b, x_y = complete.loc[base_year], complete.loc[year]
    share_b = 100 * x_b[list(parts)] / x_b[total]
    share_y = 100 * x_y[list(parts)] / x_y[total]
    table = pd.DataFrame(
        {
            "part": list(parts),
            "unit": unit,
            "exports_base": x_b[list(parts)].to_numpy(),
            "exports": x_y[list(parts)].to_numpy(),
            "growth_pct": (100 * (x_y[list(parts)] / x_b[list(parts)] - 1)).to_numpy(),
            "share_base_pct": share_b.to_numpy(),
            "share_pct": share_y.to_numpy(),
            "share_change_pp": (share_y - share_b).to_numpy(),
            "contribution_pp": (
                100 * (x_y[list(parts)] - x_b[list(parts)]) / x_b[total]
            ).to_numpy(),
        }
    )
    table["growth_pct"] = table["growth_pct"].replace([np.inf, -np.inf], np.nan)
    if imports is not None:
        m_b, m_y = imports.loc[base_year], imports.loc[year]
        table["imports"] = m_y.reindex(list(parts)).to_numpy()
        table["balance_base"] = table["exports_base"] - m_b.reindex(list(parts)).to_numpy()
        table["balance"] = table["exports"] - table["imports"]
        surplus = float(x_y[total] - m_y[total])
        table["share_of_surplus_pct"] = 100 * table["balance"] / surplus if surplus else np.nan
    return Diversion(
        table,
        total,
        base_year,
        year,
        float(100 * (x_y[total] / x_b[total] - 1)),
        float((share_b**2).sum()),
        float((share_y**2).sum()),
        unit,
    )
