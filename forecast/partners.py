"""China's trade by partner as a hierarchy: the GACC table, its structure, and mirrors.

GACC's monthly table (bundled as ``china_partner_monthly``) lists the world, six
continents with their countries and an "other" line each, Antarctica, "unknown", and
groupings (ASEAN, the EU, APEC, RCEP) that overlap the continents. This module

* builds the full published hierarchy and checks that it adds up (:func:`full_hierarchy`);
* builds the working hierarchy the outlook uses (:func:`partner_hierarchy`): world ->
  continents -> the main partners and one remainder per continent, with ASEAN and the EU
  as groupings. A remainder ("Rest of Asia") is the continent less the partners listed,
  computed exactly from published figures and labelled as derived;
* reads each node's annual growth history from the partner-reported mirror data
  (:func:`mirror_growth`), chain-linked over the partners that report in both years.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.data import select, split
from forecast.errors import DataError, shorten
from forecast.hierarchy import Hierarchy

__all__ = [
    "REST",
    "check_groupings",
    "complete",
    "full_hierarchy",
    "growth_history",
    "memberships",
    "mirror_growth",
    "node_countries",
    "panel",
    "partner_hierarchy",
    "published_ytd",
    "structure",
]

REST = "Rest of "  # prefix of the derived remainder nodes
WORLD = "World"
_OUTSIDE = ("Antarctica", "Unknown country (region)")  # children of the world, not continents


def structure() -> pd.DataFrame:
    """The bundled partner table's structure: one row per partner.

    Columns ``partner, kind`` (total, continent, country, other, grouping), ``continent``,
    ``iso3``, ``groupings`` (the declared groupings a country belongs to, ``;``-joined;
    ``ASEAN@2025-10`` means a member from that month's table on),
    ``name_zh`` (as published) and ``order`` (as listed by GACC).
    """
    table = pd.read_csv(
        datasets.data_path("partner_structure.csv"), keep_default_na=False, dtype=str
    )
    return table.assign(order=table["order"].astype(int))


def published_ytd() -> pd.DataFrame:
    """GACC's year-to-date rows: ``date, partner, flow, value_ytd, ytd_yoy_pct, unit``.

    Year-to-date figures include revisions of earlier months, so ``ytd(m) - ytd(m-1)``
    is *not* the month's value (it differs by up to a few percent for small partners);
    the monthly dataset holds the published month values.
    """
    table = pd.read_csv(datasets.data_path("china_partner_ytd.csv"), keep_default_na=False)
    table["date"] = pd.PeriodIndex(table["date"], freq="M")
    for col in ("value_ytd", "ytd_yoy_pct"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    return table


def panel(frame: pd.DataFrame, flow: str = "exports", reporter: str = "China") -> pd.DataFrame:
    """One column per partner of ``reporter``'s ``flow``, one row per period.

    Parameters
    ----------
    frame : pandas.DataFrame
        A canonical tidy frame (e.g. ``datasets.load("china_partner_monthly")``).
    flow : str, default "exports"
    reporter : str, default "China"

    Returns
    -------
    pandas.DataFrame
        Float values on a PeriodIndex; ``attrs["unit"]`` holds the one unit.

    Raises
    ------
    DataError
        When the rows hold no such flow or more than one unit.
    """
    rows = frame[(frame["reporter"] == reporter) & (frame["flow"] == flow)]
    if rows.empty:
        raise DataError(f"The data hold no {reporter} {flow} by partner.")
    units = rows["unit"].unique()
    if len(units) > 1:
        raise DataError(
            f"{reporter} {flow} by partner come in several units "
            f"({shorten(units)}); convert them to one first."
        )
    products = rows.groupby("partner")["product"].nunique()
    if (products > 1).any():
        raise DataError(
            f"Partner(s) {shorten(products.index[products > 1])} have several "
            "products; give one series per partner (e.g. product 'total')."
        )
    partner_of = dict(zip(rows["series_id"], rows["partner"], strict=True))
    table = pd.DataFrame({partner_of[sid]: s for sid, s in split(rows).items()})
    table.attrs["unit"] = str(units[0])
    return table


def complete(values: pd.DataFrame, struct: pd.DataFrame | None = None) -> pd.DataFrame:
    """Count partner-months absent from GACC's table as zero, and say so.

    GACC lists a country (or "other" line, Antarctica, "unknown") only in months with
    trade, and its published continent and world totals add up without the absent ones;
    so an absent country-month is a zero, not an unknown. Groupings and totals are left
    as they are. The count goes to ``attrs["notes"]``.
    """
    struct = structure() if struct is None else struct
    cells = struct.loc[struct["kind"].isin(["country", "other"]), "partner"]
    cols = [c for c in values.columns if c in set(cells)]
    absent = int(values[cols].isna().sum().sum())
    out = values.copy()
    out[cols] = out[cols].fillna(0.0)
    out.attrs = {**values.attrs, "notes": list(values.attrs.get("notes", []))}
    if absent:
        out.attrs["notes"].append(
            f"{absent} partner-months absent from GACC's table (small territories in months "
            "without trade) counted as zero; the published totals add up without them"
        )
    return out


def full_hierarchy(
    struct: pd.DataFrame | None = None, present: Sequence[str] | None = None
) -> Hierarchy:
    """The tree exactly as GACC publishes it: world, continents, every country and "other"
    line (groupings, whose membership changes, are checked by :func:`check_groupings`).

    ``present`` limits it to the partners a flow has (China's re-imports from itself
    appear among imports only).
    """
    struct = structure() if struct is None else struct
    if present is not None:
        struct = struct[struct["partner"].isin(set(present))]
    parents: dict[str, str | None] = {WORLD: None}
    for row in struct.sort_values("order").itertuples():
        if row.kind == "continent" or row.partner in _OUTSIDE:
            parents[row.partner] = WORLD
        elif row.kind in ("country", "other") and row.continent:
            parents[row.partner] = row.continent
    return Hierarchy.from_parents(parents)


def memberships(
    struct: pd.DataFrame, group: str
) -> dict[str, tuple[pd.Period | None, pd.Period | None]]:
    """The declared members of ``group``, each with the first month it counts in and the
    first month it no longer does (None: throughout). ``ASEAN@2025-10`` in the structure
    means from 2025-10 on, ``APEC<2025-03`` until 2025-02."""
    out = {}
    for partner, tags in zip(struct["partner"], struct["groupings"], strict=True):
        for tag in filter(None, tags.split(";")):
            name, since, until = re.fullmatch(r"([^@<]+)(?:@([\d-]+))?(?:<([\d-]+))?", tag).groups()
            if name == group:
                out[partner] = (
                    pd.Period(since, freq="M") if since else None,
                    pd.Period(until, freq="M") if until else None,
                )
    if not out:
        known = sorted(
            {re.split("[@<]", t)[0] for s in struct["groupings"] for t in s.split(";") if t}
        )
        raise DataError(
            f"Grouping {group!r} has no declared members; declared: {', '.join(known)}."
        )
    return out


def _in_force(span: tuple[pd.Period | None, pd.Period | None], period: pd.Period) -> bool:
    since, until = span
    return (since is None or period >= since) and (until is None or period < until)


def _members(
    struct: pd.DataFrame, nodes: dict, groupings: Sequence[str], period: pd.Period
) -> dict[str, list[str]]:
    """Members in force at ``period`` (a static summing matrix cannot change membership);
    a member the flow does not have (China's re-imports among exports) is left out."""
    out = {}
    kinds = struct.set_index("partner")["kind"]
    for group in groupings:
        members = [
            m
            for m, span in memberships(struct, group).items()
            if _in_force(span, period) and (m in nodes or kinds[m] != "other")
        ]
        missing = [m for m in members if m not in nodes]
        if missing:
            raise DataError(
                f"Grouping {group!r} lists {shorten(missing)}, which are not in the hierarchy."
            )
        out[group] = members
    return out


def check_groupings(
    values: pd.DataFrame,
    struct: pd.DataFrame | None = None,
    groupings: Sequence[str] = ("ASEAN", "European Union", "APEC", "RCEP"),
    rtol: float = 1e-6,
) -> None:
    """Check that each published grouping equals its members in force, month by month.

    Raises
    ------
    DataError
        Naming the grouping, the month and both figures.
    """
    struct = structure() if struct is None else struct
    for group in groupings:
        members = {m: s for m, s in memberships(struct, group).items() if m in values.columns}
        for period, total in values[group].dropna().items():
            now = [m for m, span in members.items() if _in_force(span, period)]
            parts = values.loc[period, now].sum()
            if abs(total - parts) > rtol * abs(total):
                raise DataError(
                    f"The partner table: in {period}, {group!r} is {total:,.6g} "
                    f"but its {len(now)} members in force add up to "
                    f"{parts:,.6g}. Check the declared membership."
                )


def partner_hierarchy(
    values: pd.DataFrame,
    struct: pd.DataFrame | None = None,
    *,
    top: int = 12,
    keep: Sequence[str] = (),
    groupings: Sequence[str] = ("ASEAN", "European Union"),
) -> tuple[Hierarchy, pd.DataFrame]:
    """The working hierarchy and every node's values.

    World -> continents (plus Antarctica and "unknown") -> kept partners and a remainder
    per continent; ``groupings`` are kept whole (all their members become nodes) so they
    can be summed. Kept partners are the ``top`` largest over the last 12 periods, the
    ``keep`` list, and the groupings' members.

    Parameters
    ----------
    values : pandas.DataFrame
        :func:`panel` of the full table (every partner as a column).
    struct : pandas.DataFrame, optional
        :func:`structure` (the bundled one by default).
    top : int, default 12
        How many of the largest countries to keep by name.
    keep : sequence of str
        Further countries to keep.
    groupings : sequence of str
        Groupings to add as aggregates.

    Returns
    -------
    (Hierarchy, pandas.DataFrame)
        The hierarchy and a table with one column per node (remainders computed as the
        continent less its kept partners), checked to add up.
    """
    struct = structure() if struct is None else struct
    values = complete(values, struct)
    present = struct[
        struct["kind"].isin(["country", "other"]) & struct["partner"].isin(values.columns)
    ]
    named = present[present["kind"] == "country"]["partner"]
    recent = values[named].iloc[-12:].sum()
    kept = set(recent.sort_values(ascending=False).index[:top]) | set(keep)
    kept |= {
        p
        for group in groupings
        for p, span in memberships(struct, group).items()
        if p in values.columns and _in_force(span, values.index[-1])
    }
    unknown = sorted(set(keep) - set(named))
    if unknown:
        raise DataError(f"Partner(s) {shorten(unknown)} in 'keep' are not countries of the table.")
    parents: dict[str, str | None] = {WORLD: None}
    table = {WORLD: values[WORLD]}
    for row in struct.sort_values("order").itertuples():
        if row.kind == "continent" or row.partner in _OUTSIDE:
            parents[row.partner] = WORLD
            table[row.partner] = values[row.partner]
    for continent in [p for p, q in parents.items() if q == WORLD and p not in _OUTSIDE]:
        listed = [
            p
            for p in present.sort_values("order")["partner"]
            if p in kept and struct.set_index("partner").loc[p, "continent"] == continent
        ]
        if not listed:  # nothing named: the continent itself is a bottom node
            continue
        for p in listed:
            parents[p] = continent
            table[p] = values[p]
        rest = f"{REST}{continent}"
        parents[rest] = continent
        table[rest] = values[continent] - values[listed].sum(axis=1, min_count=1).fillna(0)
    last = values.index[-1]
    hierarchy = Hierarchy.from_parents(
        parents, groupings=_members(struct, parents, groupings, last)
    )
    notes = list(values.attrs["notes"])
    for group in groupings:
        members = {m: s for m, s in memberships(struct, group).items() if m in values.columns}
        table[group] = values[[m for m in members if _in_force(members[m], last)]].sum(axis=1)
        changed = [
            f"{m} before {since}"
            for m, (since, _) in members.items()
            if since is not None and since > values.index[0] and since <= last
        ]
        changed += [
            f"adds {m} until {until}"
            for m, (_, until) in members.items()
            if until is not None and until <= last
        ]
        if changed:
            left_out = ", ".join(changed)
            notes.append(
                f"{group} is summed over today's members throughout; GACC's own "
                f"figure leaves out {left_out}"
            )
    nodes = pd.DataFrame(table)[list(hierarchy.nodes)]
    nodes.attrs = {"unit": values.attrs.get("unit", ""), "notes": notes}
    # GACC's world exceeds its parts by up to 71.5 (CNY 10k) in a month: 3e-7 of it.
    hierarchy.check(nodes, rtol=1e-6, where="The partner table")
    return hierarchy, nodes


def node_countries(
    hierarchy: Hierarchy, struct: pd.DataFrame | None = None
) -> dict[str, list[str]]:
    """The countries each node of a :func:`partner_hierarchy` covers (bottom countries of
    its subtree; a remainder covers its continent's countries that are not kept)."""
    struct = structure() if struct is None else struct
    countries = struct[struct["kind"] == "country"]
    by_continent = countries.groupby("continent")["partner"].apply(list).to_dict()
    kept = set(hierarchy.bottom)
    direct: dict[str, list[str]] = {}
    for node in hierarchy.bottom:
        if node.startswith(REST):
            direct[node] = [c for c in by_continent.get(node[len(REST) :], []) if c not in kept]
        else:
            direct[node] = [node] if node in set(countries["partner"]) else []
    out = {}
    for i, node in enumerate(hierarchy.nodes):
        cols = [b for b, one in zip(hierarchy.bottom, hierarchy.S[i], strict=True) if one]
        out[node] = [c for b in cols for c in direct[b]]
    return out


def mirror_growth(
    hierarchy: Hierarchy, leaves: dict[str, list[str]], mirror: pd.DataFrame
) -> pd.DataFrame:
    """Annual log growth of every node from partner-reported (mirror) data.

    Parameters
    ----------
    hierarchy : Hierarchy
    leaves : dict of node -> list of countries
        The countries each node covers (see :func:`node_countries`).
    mirror : pandas.DataFrame
        Years x countries of partner-reported imports from China (NaN where a partner
        did not report).

    Returns
    -------
    pandas.DataFrame
        Years x nodes of ``log(V_t / V_{t-1})``, each ratio over the countries that
        reported in both years (chain-linking, so a partner that stops reporting does not
        count as a collapse). NaN where no member reported in both years.
    """
    out = {}
    both = mirror.notna() & mirror.shift(1).notna()
    for node in hierarchy.nodes:
        cols = [c for c in leaves.get(node, []) if c in mirror.columns]
        if not cols:
            out[node] = pd.Series(np.nan, index=mirror.index)
            continue
        mask = both[cols]
        now = mirror[cols].where(mask).sum(axis=1, min_count=1)
        before = mirror[cols].shift(1).where(mask).sum(axis=1, min_count=1)
        out[node] = np.log(now / before)
    return pd.DataFrame(out, index=mirror.index)


def growth_history(
    hierarchy: Hierarchy,
    values: pd.DataFrame,
    struct: pd.DataFrame | None = None,
    *,
    mirror: pd.DataFrame | None = None,
    world: pd.Series | None = None,
    last_mirror_year: int = 2024,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every node's annual log growth, from the longest honest source for it.

    * the top node (``World``): China's own annual totals (``world``, by default the
      bundled ``china_total_annual`` exports, USD);
    * every other node: partner-reported imports from China (``mirror``, by default the
      bundled Comtrade mirror, CIF USD) up to ``last_mirror_year`` (2025 has 13 early
      reporters only), chain-linked by :func:`mirror_growth`;
    * the years the monthly ``values`` cover completely (China-reported, CNY), for every
      node but the top, whose own annual source already has them.

    Returns
    -------
    (pandas.DataFrame, dict)
        Years x nodes of log growth (PeriodIndex, annual), and a note per node naming
        its sources.
    """
    struct = structure() if struct is None else struct
    if mirror is None:
        mirror = datasets.load("partner_mirror_annual")
    table = mirror.pivot_table(index=mirror["date"].dt.year, columns="partner", values="value")
    table = table.loc[table.index <= last_mirror_year]
    growth = mirror_growth(hierarchy, node_countries(hierarchy, struct), table)
    months = values.index
    years = [y for y in sorted(set(months.year)) if (months.year == y).sum() == 12]
    annual = pd.DataFrame({y: values.loc[months.year == y].sum() for y in years}).T
    recent = np.log(annual / annual.shift(1)).iloc[1:]
    top = hierarchy.nodes[0]
    if world is None:
        total = datasets.load("china_total_annual")
        world = select(total, "China/World/exports/total")
    world_growth = np.log(world / world.shift(1)).dropna()
    index = sorted(set(growth.index) | set(recent.index) | set(world_growth.index.year))
    out = growth.reindex(index)
    for y in recent.index:
        out.loc[y, [n for n in hierarchy.nodes if n != top]] = recent.loc[
            y, [n for n in hierarchy.nodes if n != top]
        ]
    out[top] = pd.Series(world_growth.to_numpy(), index=world_growth.index.year).reindex(index)
    out.index = pd.PeriodIndex([pd.Period(str(y), freq="Y") for y in index])
    src = (
        f"mirror (partner-reported, CIF USD) to {last_mirror_year}, then China-reported "
        f"({', '.join(map(str, recent.index))}, CNY)"
    )
    sources = {n: src for n in hierarchy.nodes}
    sources[top] = f"China's annual totals ({world.attrs.get('unit', '')})"
    return out, sources
