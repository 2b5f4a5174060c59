"""The partner stage of the main job: where exports go, and next year by partner.

Composes the pieces, and holds no arithmetic of its own: the partner table and its
hierarchy (:mod:`forecast.partners`), shares, contributions and balances
(:mod:`forecast.risk.shares`), and the coherent outlook
(:mod:`forecast.partner_outlook`). The pipeline, ``forecast partners`` and the Python API
all call :func:`analyse_partners`, so they give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.data import read_csv
from forecast.errors import DataError, shorten
from forecast.partner_outlook import PartnerOutlook, partner_outlook
from forecast.partners import (
    complete,
    growth_history,
    panel,
    partner_hierarchy,
    structure,
)
from forecast.risk.shares import Diversion, annual_totals, diversion_table

__all__ = ["PartnerResult", "analyse_partners"]

# GACC's unit; the outputs show CNY billion (an exact change of scale).
SCALE = {"CNY 10 thousand": (1e-5, "CNY billion")}


@dataclass
class PartnerResult:
    """Everything the partner stage found."""

    diversion: Diversion
    regions: Diversion
    outlook: PartnerOutlook
    hhi_countries: tuple[float, float]
    notes: list[str] = field(default_factory=list)

    def outlook_table(self) -> pd.DataFrame:
        """The outlook of the world, continents, groupings and kept partners."""
        return self.outlook.table()

    def headline(self) -> list[str]:
        """Sentences that answer the question, generated from the results."""
        t = self.outlook.table().set_index("node")
        top = t.iloc[0]
        shift = (
            self.diversion.shift_from("United States", top=3)
            if "United States" in set(self.diversion.table["part"])
            else None
        )
        lines = [
            self.diversion.summary(
                hhi=self.hhi_countries, hhi_label="countries", subject="China's exports"
            )
        ]
        if shift is not None:
            gains = shift.iloc[1:-1]
            lines.append(
                "The share China's exports lost in the United States went mostly to "
                + ", ".join(f"{r.part} ({r.share_change_pp:+.1f} pp)" for r in gains.itertuples())
                + "."
            )
        lines.append(
            f"{self.outlook.year}: exports to the world are expected to grow "
            f"{100 * top['expected_growth']:+.1f}% (80%: {100 * top['growth_q10']:+.1f}% to "
            f"{100 * top['growth_q90']:+.1f}%), P(growth >= 0) = {top['p_growth_ge_0']:.2f}, "
            f"coherent with every partner's outlook ({self.outlook.method} reconciliation)."
        )
        return lines


def _frame(dataset: str | None, csv: str | None) -> pd.DataFrame:
    return read_csv(csv) if csv else datasets.load(dataset or "china_partner_monthly")


def _scaled(values: pd.DataFrame) -> pd.DataFrame:
    factor, unit = SCALE.get(values.attrs.get("unit", ""), (1.0, values.attrs.get("unit", "")))
    out = values * factor
    out.attrs = {**values.attrs, "unit": unit}
    return out


def analyse_partners(
    *,
    dataset: str | None = "china_partner_monthly",
    csv: str | None = None,
    top: int = 12,
    keep: tuple[str, ...] = (),
    groupings: tuple[str, ...] = ("ASEAN", "European Union"),
    method: str = "mint_shrink",
    n_paths: int = 2000,
    window: int = 10,
    random_state: int = 0,
) -> PartnerResult:
    """Diversion analytics and the coherent next-year outlook by partner.

    Parameters
    ----------
    dataset, csv : str, optional
        The partner table: a bundled dataset, or a canonical CSV with China's exports and
        imports by partner named as in the bundled one (``forecast data show
        china_partner_monthly``).
    top, keep, groupings
        Which partners the hierarchy names (see :func:`forecast.partners.partner_hierarchy`).
    method : str, default "mint_shrink"
        Reconciliation method.
    n_paths, window, random_state
        See :func:`forecast.partner_outlook.partner_outlook`.

    Returns
    -------
    PartnerResult
    """
    frame = _frame(dataset, csv)
    struct = structure()
    unknown = sorted(set(frame["partner"]) - set(struct["partner"]))
    if unknown:
        raise DataError(
            f"Partner(s) {shorten(unknown)} are not in the partner structure "
            "(names as GACC's English names in `forecast data show "
            "china_partner_monthly`). Rename them or drop them."
        )
    exports = _scaled(panel(frame, "exports"))
    hierarchy, ex_nodes = partner_hierarchy(
        exports, struct, top=top, keep=keep, groupings=groupings
    )
    named = set(struct.loc[struct["kind"] == "country", "partner"])
    kept = [b for b in hierarchy.bottom if b in named]
    imports = _scaled(panel(frame, "imports"))
    _, im_nodes = partner_hierarchy(imports, struct, top=0, keep=kept, groupings=groupings)
    ax, am = annual_totals(ex_nodes), annual_totals(im_nodes)
    unit = exports.attrs["unit"]
    bottom = list(hierarchy.bottom)
    div = diversion_table(ax, "World", bottom, imports=am.reindex(columns=ax.columns), unit=unit)
    regions = [n for n in hierarchy.nodes if hierarchy.parent.get(n) == "World"]
    reg = diversion_table(ax, "World", regions, imports=am.reindex(columns=ax.columns), unit=unit)
    countries = struct.loc[struct["kind"] == "country", "partner"]
    full = annual_totals(complete(exports, struct))
    shares = full[[c for c in countries if c in full.columns]].div(full["World"], axis=0)
    hhi = (100 * shares.dropna(how="all")) ** 2
    hhi_years = hhi.sum(axis=1).iloc[-2:].to_numpy()
    history, sources = growth_history(hierarchy, ex_nodes, struct)
    outlook = partner_outlook(
        ex_nodes,
        hierarchy,
        history,
        n_paths=n_paths,
        method=method,
        window=window,
        random_state=random_state,
    )
    outlook.basis = {
        n: f"level {outlook.base_year} from the monthly table; growth: "
        f"{sources[n]}, {outlook.basis[n]}"
        for n in hierarchy.nodes
    }
    notes = list(dict.fromkeys(ex_nodes.attrs.get("notes", []) + outlook.notes))
    return PartnerResult(
        div, reg, outlook, (float(hhi_years[0]), float(np.atleast_1d(hhi_years)[-1])), notes
    )
