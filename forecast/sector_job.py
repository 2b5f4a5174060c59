"""The sector stage of the main job: overcapacity where it is made.

Composes :mod:`forecast.risk.sectors` (decomposition, signal, score) over GACC's export
commodity table, and a next-year outlook of value and volume for the overcapacity
sectors: the level is the last complete year of the monthly table; growth is centred on
no change (as the partner backtest supports); its spread is the robust spread (1.4826 x
MAD) of that year's growth across the lines of the same sector, since a line has only
one year-on-year change of its own. A single partner's imports (US imports from China by
HS chapter, 2013-2021) were tried as the history and rejected: US anti-dumping duties
alone moved steel by -108 log points in 2016, a spread that says nothing about China's
global exports. Lines that the table lists as children of another ("of which") are
coherent with their parent: the parent is the child plus the parent less the child,
path by path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.data import read_csv, split
from forecast.errors import DataError, shorten
from forecast.hierarchy import Hierarchy
from forecast.partners import panel
from forecast.risk.sectors import SectorScore, decompose, score_sector

__all__ = ["FOCUS", "SectorResult", "analyse_sectors", "structure"]

# The sectors of the overcapacity debate, by GACC line.
FOCUS = (
    "Steel products",
    "Lithium-ion batteries",
    "Solar cells",
    "Motor vehicles (including chassis)",
    "Electric passenger vehicles",
    "Ships",
)
QUANTITY = " (quantity)"


def structure() -> pd.DataFrame:
    """The bundled commodity structure: line, level, parent, sector, HS hint, unit."""
    return pd.read_csv(
        datasets.data_path("commodity_structure.csv"), keep_default_na=False, dtype=str
    )


@dataclass
class SectorResult:
    """Scores for every line, decompositions and the outlook for the focus sectors."""

    scores: list[SectorScore]
    decomposition: dict[str, pd.DataFrame]
    monthly: dict[str, pd.DataFrame]
    outlook: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """Every scored line, highest score first."""
        rows = pd.DataFrame([s.row() for s in self.scores])
        return rows.sort_values("score", ascending=False, na_position="last").reset_index(drop=True)

    def headline(self) -> list[str]:
        """Sentences on the focus sectors, generated from the results."""
        t = self.table().set_index("product")
        lines = []
        for product in [p for p in FOCUS if p in t.index]:
            r = t.loc[product]
            if pd.notna(r.get("volume_growth")):
                lines.append(
                    f"{product}: volume {r['volume_growth']:+.1f}%, unit value "
                    f"{r['unit_value_growth']:+.1f}% in {int(r['year'])}; "
                    f"overcapacity score {r['score']:.0f} ({r['level']})."
                )
        return lines


def _overhang(year: int, notes: list[str]) -> float | None:
    """Solar: percent of module production not installed at home, the latest year <= year."""
    pv = datasets.load("china_solar_pv_annual")
    wide = pv.pivot_table(index=pv["date"].dt.year, columns="product", values="value")
    wide = wide.dropna().loc[:year]
    if wide.empty:
        return None
    y = int(wide.index.max())
    prod = wide.loc[y, "solar PV modules production"]
    inst = wide.loc[y, "solar PV modules installation"]
    if y != year:
        notes.append(f"solar supply overhang from {y} (production data end there)")
    return float(100 * (prod - inst) / prod)


def _spreads(
    series: dict[str, pd.Series], struct: pd.DataFrame, year: int
) -> tuple[dict[str, float], dict[str, str]]:
    """Each line's spread of next year's log growth: 1.4826 x MAD of ``year``'s log growth
    across the lines of its sector (at least 5 lines), else across all lines."""
    growth = {}
    for name, y in series.items():
        totals = y.groupby(y.index.year).sum(min_count=12)
        if (
            {year - 1, year} <= set(totals.dropna().index)
            and totals[year - 1] > 0
            and totals[year] > 0
        ):
            growth[name] = float(np.log(totals[year] / totals[year - 1]))
    sectors = struct.set_index("product")["sector"]
    g = pd.Series(growth)
    sector_of = pd.Series(
        [sectors.get(p.replace(QUANTITY, ""), "") for p in g.index], index=g.index
    )

    def mad(x: pd.Series) -> float:
        return float(1.4826 * (x - x.median()).abs().median())

    everything = mad(g)
    spread, basis = {}, {}
    for name in series:
        peers = g[sector_of == sectors.get(name.replace(QUANTITY, ""), "?")]
        if len(peers) >= 5:
            spread[name], basis[name] = mad(peers), f"{len(peers)} lines of its sector"
        else:
            spread[name], basis[name] = everything, f"all {len(g)} lines"
    return spread, basis


def _outlook(
    values: dict[str, pd.Series],
    struct: pd.DataFrame,
    n_paths: int,
    seed: int,
    measure: str,
    peers: dict[str, pd.Series],
) -> pd.DataFrame:
    """Next-year outlook of the focus lines (and their parents) for one measure."""
    if not values:
        return pd.DataFrame(
            columns=[
                "product",
                "measure",
                "year",
                "base_total",
                "expected_growth",
                "growth_q10",
                "growth_q50",
                "growth_q90",
                "p_growth_ge_0",
                "basis",
            ]
        )
    parents = struct.set_index("product")["parent"]
    links: dict[str, str | None] = {}
    for product in values:
        parent = parents.get(product.replace(QUANTITY, ""), "")
        parent = parent + QUANTITY if product.endswith(QUANTITY) and parent else parent
        if parent and parent in peers:
            links[product] = parent
            links[f"{parent} less listed lines"] = parent
            links.setdefault(parent, "All focus lines")
        else:
            links[product] = "All focus lines"
    h = Hierarchy.from_parents(links)
    known = {**peers, **values}
    ends = [known[n].dropna().index[-1] for n in h.nodes if n in known]
    year = min(p.year if p.month == 12 else p.year - 1 for p in ends)
    base = {n: known[n].loc[str(year)].sum() for n in h.nodes if n in known}
    spread, basis = _spreads(peers, struct, year)
    for node in h.bottom:
        if node.endswith(" less listed lines"):
            parent = links[node]
            base[node] = base[parent] - sum(base[c] for c in h.members[parent] if c != node)
            spread[node], basis[node] = spread[parent], basis[parent]
    rng = np.random.default_rng(seed)
    bottom = np.array([base[b] for b in h.bottom])
    sd = np.array([spread[b] for b in h.bottom])
    dof = 5  # heavier tails than normal: a spread from one year's cross-section
    draws = rng.standard_t(dof, size=(n_paths, len(sd))) * sd * np.sqrt((dof - 2) / dof)
    paths = (bottom * np.exp(draws)) @ h.S.T  # parents are sums of their parts, path by path
    base_vec = bottom @ h.S.T
    g = paths / base_vec - 1
    rows = []
    for i, node in enumerate(h.nodes):
        if node == "All focus lines" or node.endswith(" less listed lines"):
            continue
        rows.append(
            {
                "product": node.replace(QUANTITY, ""),
                "measure": measure,
                "year": year + 1,
                "base_total": base_vec[i],
                "expected_growth": g[:, i].mean(),
                "growth_q10": np.percentile(g[:, i], 10),
                "growth_q50": np.percentile(g[:, i], 50),
                "growth_q90": np.percentile(g[:, i], 90),
                "p_growth_ge_0": float((g[:, i] >= -1e-12).mean()),
                "basis": f"level {year} (GACC); no change expected; spread of "
                f"{year}'s {measure} growth across "
                f"{basis.get(node, 'the lines below it')}",
            }
        )
    return pd.DataFrame(rows)


def analyse_sectors(
    *,
    dataset: str | None = "china_commodity_monthly",
    csv: str | None = None,
    n_paths: int = 2000,
    random_state: int = 0,
) -> SectorResult:
    """Score every commodity line and look at the overcapacity sectors.

    Parameters
    ----------
    dataset, csv : str, optional
        The commodity table: a bundled dataset, or a canonical CSV laid out like it
        (``product`` the line, and ``<line> (quantity)`` for its quantity in base units).
    n_paths, random_state
        Paths and seed of the outlook.

    Returns
    -------
    SectorResult
    """
    frame = read_csv(csv) if csv else datasets.load(dataset or "china_commodity_monthly")
    frame = frame[frame["flow"] == "exports"]
    if frame.empty:
        raise DataError("The commodity table holds no exports.")
    series = {sid.split("/", 3)[-1]: y for sid, y in split(frame).items()}
    lines = [p for p in series if not p.endswith(QUANTITY)]
    unitless = [p for p in series if p.endswith(QUANTITY) and not series[p].attrs.get("unit")]
    if unitless:
        raise DataError(
            f"Quantity series {shorten(unitless)} have no unit; give each its base "
            "unit (tonnes, units, vehicles...) in the 'unit' column."
        )
    units = {p: series[p].attrs.get("unit", "") for p in lines}
    if len(set(units.values())) > 1:
        raise DataError(
            f"Commodity values come in several units ({shorten(set(units.values()))});"
            " convert them to one."
        )
    world = panel(datasets.load("china_partner_monthly"), "exports")["World"]
    if world.attrs.get("unit", units[lines[0]]) != units[lines[0]] and "unit" in world.attrs:
        raise DataError("Total exports and the commodity table use different units.")
    notes: list[str] = []
    struct = structure()
    scores, decomposition, monthly = [], {}, {}
    overhang = _overhang(2025, notes)
    for product in lines:
        quantity = series.get(product + QUANTITY)
        try:
            score = score_sector(
                product,
                series[product],
                quantity,
                total=world,
                overhang=overhang if product == "Solar cells" else None,
            )
        except DataError as exc:
            notes.append(f"{product}: {exc}")
            continue
        scores.append(score)
        if product in FOCUS and quantity is not None:
            decomposition[product] = decompose(series[product], quantity, "annual")
            monthly[product] = pd.DataFrame(
                {"value": series[product], "quantity": quantity.reindex(series[product].index)}
            )
    missing = [p for p in FOCUS if p not in series]
    if missing:
        notes.append(f"focus line(s) not in the table, so without an outlook: {shorten(missing)}")
    values = {p: series[p] for p in series if not p.endswith(QUANTITY)}
    quantities = {p: y for p, y in series.items() if p.endswith(QUANTITY)}
    focus_v = {p: values[p] for p in FOCUS if p in values}
    focus_q = {p + QUANTITY: quantities[p + QUANTITY] for p in FOCUS if p + QUANTITY in quantities}
    outlook = pd.concat(
        [
            _outlook(focus_v, struct, n_paths, random_state, "value", values),
            _outlook(focus_q, struct, n_paths, random_state, "volume", quantities),
        ],
        ignore_index=True,
    )
    return SectorResult(scores, decomposition, monthly, outlook, notes)
