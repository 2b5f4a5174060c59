"""Hierarchies of series: a summing matrix from parent links and groupings, checked on data.

A hierarchy has *bottom* nodes (series that are not sums) and *aggregates*: tree parents
(the world over continents over countries) and groupings that overlap the tree (ASEAN,
the EU). ``S`` maps bottom values to every node, aggregates first::

    values_of_all_nodes = S @ values_of_bottom_nodes

>>> h = Hierarchy.from_parents({"Asia": "World", "Europe": "World", "Japan": "Asia",
...                             "Rest of Asia": "Asia", "Germany": "Europe"},
...                            groupings={"G2": ["Japan", "Germany"]})
>>> h.nodes
('World', 'Asia', 'Europe', 'G2', 'Japan', 'Rest of Asia', 'Germany')
>>> h.S.sum(axis=1).tolist()
[3.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.errors import DataError, shorten

__all__ = ["Hierarchy"]


@dataclass(frozen=True)
class Hierarchy:
    """A summing structure over named series.

    Attributes
    ----------
    nodes : tuple of str
        Every node, aggregates first (tree parents top-down, then groupings), then the
        bottom nodes.
    bottom : tuple of str
        The bottom nodes, in the order of ``S``'s columns.
    S : numpy.ndarray
        Summing matrix, shape ``(len(nodes), len(bottom))``, of 0 and 1.
    parent : dict
        Tree parent of each node (None for the root); groupings have no parent.
    level : dict
        Level label of each node: ``"top"``, ``"grouping"``, ``"bottom"`` or the tree
        depth (``"level 1"``...).
    members : dict
        For each aggregate, the nodes it is the sum of (tree children, or grouping members).
    """

    nodes: tuple[str, ...]
    bottom: tuple[str, ...]
    S: np.ndarray = field(repr=False)
    parent: dict[str, str | None] = field(repr=False)
    level: dict[str, str] = field(repr=False)
    members: dict[str, tuple[str, ...]] = field(repr=False)

    @classmethod
    def from_parents(
        cls, parents: Mapping[str, str | None], groupings: Mapping[str, Sequence[str]] | None = None
    ) -> Hierarchy:
        """Build a hierarchy from child -> parent links and optional groupings.

        Parameters
        ----------
        parents : mapping of str to str or None
            Each node's parent; nodes that appear only as parents are added, and exactly
            one node (the root) has none.
        groupings : mapping of str to sequence of str, optional
            Extra aggregates, each the sum of its members (bottom nodes or tree nodes,
            which count as the bottom nodes below them). Members must not overlap.

        Returns
        -------
        Hierarchy

        Raises
        ------
        DataError
            A cycle, several roots, an unknown or overlapping grouping member, or a
            grouping named like a tree node.
        """
        links = dict(parents)
        for p in list(links.values()):
            if p is not None and p not in links:
                links[p] = None
        roots = [n for n, p in links.items() if p is None]
        if len(roots) != 1:
            raise DataError(
                f"A hierarchy needs exactly one root (a node without parent); "
                f"found {len(roots)}: {shorten(roots)}."
            )
        children: dict[str, list[str]] = {n: [] for n in links}
        for n, p in links.items():
            if p is not None:
                children[p].append(n)
        order, depth = [], {roots[0]: 0}
        stack = [roots[0]]
        while stack:  # depth-first, children in the order given
            node = stack.pop()
            order.append(node)
            for child in reversed(children[node]):
                depth[child] = depth[node] + 1
                stack.append(child)
        if len(order) != len(links):
            lost = sorted(set(links) - set(order))
            raise DataError(
                f"The parent links hold a cycle: {shorten(lost)} never reach the root {roots[0]!r}."
            )
        bottom = [n for n in order if not children[n]]
        tree_aggs = sorted(
            (n for n in order if children[n]), key=lambda n: (depth[n], order.index(n))
        )
        col = {b: j for j, b in enumerate(bottom)}

        def leaves(node: str) -> list[str]:
            return [node] if not children[node] else [x for c in children[node] for x in leaves(c)]

        rows = {n: leaves(n) for n in tree_aggs}
        members = {n: tuple(children[n]) for n in tree_aggs}
        for name, group in (groupings or {}).items():
            if name in links:
                raise DataError(
                    f"Grouping {name!r} has the name of a tree node; name it differently."
                )
            unknown = [m for m in group if m not in links]
            if unknown:
                raise DataError(
                    f"Grouping {name!r} names member(s) {shorten(unknown)} that "
                    "are not in the hierarchy."
                )
            covered = [x for m in group for x in leaves(m)]
            if len(covered) != len(set(covered)):
                raise DataError(
                    f"Grouping {name!r} counts some bottom nodes twice (a member "
                    "and its own parent both listed)."
                )
            rows[name] = covered
            members[name] = tuple(group)
        nodes = [*rows, *bottom]
        S = np.zeros((len(nodes), len(bottom)))
        for i, node in enumerate(nodes):
            for leaf in rows.get(node, [node]):
                S[i, col[leaf]] = 1.0
        level = {n: ("top" if depth[n] == 0 else f"level {depth[n]}") for n in tree_aggs}
        level.update({g: "grouping" for g in (groupings or {})})
        level.update({b: "bottom" for b in bottom})
        return cls(tuple(nodes), tuple(bottom), S, {n: links[n] for n in order}, level, members)

    @property
    def aggregates(self) -> tuple[str, ...]:
        """The nodes that are sums (every node but the bottom ones)."""
        return self.nodes[: len(self.nodes) - len(self.bottom)]

    def aggregate(self, bottom: pd.DataFrame) -> pd.DataFrame:
        """Every node's values from the bottom nodes' (columns = bottom node names)."""
        missing = [b for b in self.bottom if b not in bottom.columns]
        if missing:
            raise DataError(
                f"Bottom node(s) {shorten(missing)} are missing; the hierarchy "
                f"needs all {len(self.bottom)}."
            )
        values = bottom[list(self.bottom)].to_numpy(dtype=float) @ self.S.T
        return pd.DataFrame(values, index=bottom.index, columns=list(self.nodes))

    def check(
        self,
        values: pd.DataFrame,
        *,
        rtol: float = 1e-6,
        atol: float = 0.0,
        units: Mapping[str, str] | None = None,
        where: str = "Data",
    ) -> None:
        """Check that every aggregate equals the sum of its members, period by period.

        Parameters
        ----------
        values : pandas.DataFrame
            One column per node (every node of the hierarchy), one row per period.
        rtol, atol : float
            Allowed difference ``|aggregate - sum| <= atol + rtol * |aggregate|``.
        units : mapping of node to unit, optional
            Each node's unit; all must agree.
        where : str
            How messages name the data.

        Raises
        ------
        DataError
            Naming the node, the period, both figures and the fix: a missing node, a
            missing value where the aggregate has one, units that differ, or a sum off
            by more than the tolerance.
        """
        missing = [n for n in self.nodes if n not in values.columns]
        if missing:
            raise DataError(
                f"{where}: node(s) {shorten(missing)} of the hierarchy are "
                "missing. Every parent needs all its children (and each grouping "
                "all its members); add them or drop them from the hierarchy."
            )
        if units is not None:
            found = {n: units.get(n, "") for n in self.nodes}
            if len(set(found.values())) > 1:
                first = self.nodes[0]
                odd = [n for n in self.nodes if found[n] != found[first]]
                raise DataError(
                    f"{where}: units differ within the hierarchy ({first!r} in "
                    f"{found[first]!r}, {shorten(repr(n) for n in odd)} in "
                    f"{found[odd[0]]!r}). Convert every node to one unit first."
                )
        for node in self.aggregates:
            parts = values[list(self.members[node])]
            total = values[node]
            gap = parts.isna().any(axis=1) & total.notna()
            if gap.any():
                period = values.index[gap.to_numpy()][0]
                lost = [m for m in parts.columns if pd.isna(parts.loc[period, m])]
                raise DataError(
                    f"{where}: in {period}, {node!r} has a value but its "
                    f"member(s) {shorten(lost)} have none, so the sum cannot be "
                    "checked or used. Supply them or leave that period out."
                )
            diff = (total - parts.sum(axis=1, min_count=1)).abs()
            bad = diff > atol + rtol * total.abs()
            if bad.any():
                period = values.index[bad.to_numpy()][0]
                t, s = total.loc[period], parts.loc[period].sum()
                raise DataError(
                    f"{where}: in {period}, {node!r} is {t:,.6g} but its {len(parts.columns)} "
                    f"members add up to {s:,.6g} (off by {t - s:,.6g}, more than the "
                    f"tolerance {atol:g} + {rtol:g} x value). Check for a missing member, a "
                    "revision, or a unit slip, or widen rtol if the source rounds."
                )
