"""Next-year outlook by partner, coherent with the total, path by path.

China-reported monthly partner data span only 2024-2025: too short for models that need
two seasons, and with one year-on-year change per partner. The outlook therefore rests
on two bases, and says which per node:

* **level**: the last complete calendar year's total from the monthly table;
* **growth**: each node's history of annual log growth from longer sources: China's own
  annual totals for the world (1999 on), partner-reported imports from China (UN
  Comtrade mirror, 2014-2024, chain-linked over the partners reporting in both years) for
  every other node, and the latest year from the monthly table itself.

Next year's log growth is drawn jointly for all nodes: a multivariate Student t centred
on zero (a random walk in the log level, which beat the historical mean and median in
the backtest), with each node's standard deviation over the window (times
``sqrt(1 + 1/n)`` for the estimated mean), and the nodes' correlation over common years
shrunk toward zero (Schäfer-Strimmer). The scale is calibrated on the history itself:
rolling-origin standardised errors, pooled over nodes, set the factor that makes the
80% interval cover 80% of past years. Base paths (level x exp(growth)) are then
reconciled (:mod:`forecast.reconcile`), so every path's world total equals the sum of
its parts and P(growth >= 0) is coherent across levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from forecast.errors import DataError
from forecast.hierarchy import Hierarchy
from forecast.reconcile import reconcile, shrunk_covariance

__all__ = ["PartnerOutlook", "calibration_factor", "partner_outlook", "simulate_growth"]

QUANTILES = (5, 10, 50, 90, 95)
MIN_YEARS = 4  # growth observations a node needs for its own mean and spread


@dataclass
class PartnerOutlook:
    """Reconciled calendar-year outlook of every node of a hierarchy.

    Attributes
    ----------
    hierarchy : Hierarchy
    year, base_year : int
    unit : str
    base : numpy.ndarray
        Each node's total in ``base_year`` (observed).
    paths : numpy.ndarray
        ``(n_paths, n_nodes)`` reconciled totals of ``year``.
    basis : dict
        How each node's growth distribution was formed, in words.
    method : str
        The reconciliation method.
    scale_factor : float
        The calibration factor applied to every node's spread.
    notes : list of str
    """

    hierarchy: Hierarchy
    year: int
    base_year: int
    unit: str
    base: np.ndarray
    paths: np.ndarray
    basis: dict[str, str]
    method: str
    scale_factor: float
    notes: list[str] = field(default_factory=list)

    @property
    def growth(self) -> np.ndarray:
        """``(n_paths, n_nodes)`` growth of each path over the base year (0.05 = 5%)."""
        return self.paths / self.base - 1

    def table(self) -> pd.DataFrame:
        """One row per node: level, totals, expected growth, quantiles, P(growth >= 0)."""
        g = self.growth
        out = pd.DataFrame(
            {
                "node": list(self.hierarchy.nodes),
                "level": [self.hierarchy.level[n] for n in self.hierarchy.nodes],
                "year": self.year,
                "base_year": self.base_year,
                "unit": self.unit,
                "base_total": self.base,
                "expected_total": self.paths.mean(axis=0),
                "expected_growth": g.mean(axis=0),
            }
        )
        for q in QUANTILES:
            out[f"growth_q{q}"] = np.percentile(g, q, axis=0)
        out["p_growth_ge_0"] = (g >= -1e-12).mean(axis=0)
        out["basis"] = [self.basis[n] for n in self.hierarchy.nodes]
        out["method"] = self.method
        return out

    def contributions(self, partition: list[str] | None = None) -> pd.DataFrame:
        """Each part's contribution to the top node's growth, in percentage points.

        The contribution of part i in a path is ``(X_i - B_i) / B_top``; over a partition
        of the top (the bottom nodes by default) they add up to the top's growth in every
        path, so the expected contributions add up to its expected growth.
        """
        nodes = list(self.hierarchy.nodes)
        parts = list(self.hierarchy.bottom) if partition is None else partition
        idx = [nodes.index(p) for p in parts]
        cover = self.hierarchy.S[idx].sum(axis=0)
        if not np.array_equal(cover, np.ones(len(self.hierarchy.bottom))):
            raise ValueError(
                "The 'partition' parameter must cover every bottom node exactly "
                "once (e.g. the continents, or the bottom nodes)."
            )
        top = self.base[0]
        c = 100 * (self.paths[:, idx] - self.base[idx]) / top
        return pd.DataFrame(
            {
                "node": parts,
                "base_share": 100 * self.base[idx] / top,
                "expected_contribution_pp": c.mean(axis=0),
                "contribution_q10_pp": np.percentile(c, 10, axis=0),
                "contribution_q90_pp": np.percentile(c, 90, axis=0),
            }
        )


def _center(past: np.ndarray, center: str) -> float:
    return {"mean": np.mean, "median": np.median, "zero": lambda x: 0.0}[center](past)


def _standardised_errors(history: pd.DataFrame, window: int, center: str = "zero") -> np.ndarray:
    """Rolling-origin one-year-ahead errors over each node's own spread, pooled."""
    out = []
    for col in history.columns:
        g = history[col].dropna().to_numpy()
        for t in range(MIN_YEARS, len(g)):
            past = g[max(0, t - window) : t]
            sd = past.std(ddof=1)
            if sd > 0:
                out.append((g[t] - _center(past, center)) / (sd * np.sqrt(1 + 1 / len(past))))
    return np.asarray(out)


def calibration_factor(
    history: pd.DataFrame, window: int = 10, level: float = 80.0, center: str = "zero"
) -> float:
    """The factor on the spread that makes past ``level``% intervals cover ``level``%.

    Past one-year-ahead errors, each divided by the spread the model would have used then,
    are pooled over nodes; the factor is their ``level``% absolute quantile over the
    normal one. 1.0 when fewer than 20 such errors exist.
    """
    z = _standardised_errors(history, window, center)
    if len(z) < 20:
        return 1.0
    target = stats.norm.ppf(0.5 + level / 200)
    return float(max(np.quantile(np.abs(z), level / 100) / target, 1e-3))


CENTERS = ("mean", "median", "zero")


def simulate_growth(
    history: pd.DataFrame,
    n_paths: int,
    *,
    window: int = 10,
    scale_factor: float = 1.0,
    center: str = "zero",
    random_state: int = 0,
) -> tuple[np.ndarray, dict[str, str], np.ndarray]:
    """Joint draws of next year's log growth of every node.

    Parameters
    ----------
    history : pandas.DataFrame
        Years x nodes of annual log growth (NaN where unknown).
    n_paths : int
    window : int, default 10
        Most recent growth observations used for each node's mean and spread.
    scale_factor : float, default 1.0
        Multiplies every node's spread (see :func:`calibration_factor`).
    center : {"mean", "median", "zero"}, default "zero"
        Each node's expected log growth: zero (a random walk in the log level), or its
        mean or median over the window. Zero had the lowest MASE and Brier score of
        P(growth >= 0) at every level in ``benchmarks/partners.py`` (chosen there, on
        2019-2024).
    random_state : int, default 0

    Returns
    -------
    (numpy.ndarray, dict, numpy.ndarray)
        Draws ``(n_paths, n_nodes)``, each node's basis in words, and the historical
        deviations from the mean ``(years, n_nodes)``, for reconciliation weights; a node
        without history takes the deviations of the first node (the top).
    """
    recent = history.iloc[-window:]
    counts = recent.notna().sum()
    own = counts >= MIN_YEARS
    if not own.any():
        raise DataError(
            f"No node has {MIN_YEARS} years of growth history; an outlook needs "
            "a longer annual source."
        )
    if center not in CENTERS:
        raise ValueError(
            f"The 'center' parameter must be one of {', '.join(CENTERS)}. Got {center!r} instead."
        )
    mu = {"mean": recent.mean(), "median": recent.median(), "zero": recent.mean() * 0.0}[
        center
    ].where(own, 0.0)
    sd = recent.std(ddof=1).where(own)
    pooled_sd = float(sd.median())
    sd = sd.fillna(pooled_sd) * np.sqrt(1 + 1 / counts.clip(lower=1)) * scale_factor
    basis = {
        n: (
            f"{int(counts[n])} years of growth, {recent[n].first_valid_index()}-"
            f"{recent[n].last_valid_index()}"
            if own[n]
            else "no growth history: zero mean, the median spread of the other nodes"
        )
        for n in history.columns
    }
    z = (recent - recent.mean()) / recent.std(ddof=1)
    common = z.loc[:, own].dropna()
    corr = np.eye(len(history.columns))
    if len(common) >= 3:
        shrunk, _ = shrunk_covariance(common.to_numpy())
        d = np.sqrt(np.diag(shrunk))
        idx = np.flatnonzero(own.to_numpy())
        corr[np.ix_(idx, idx)] = shrunk / np.outer(d, d)
    rng = np.random.default_rng(random_state)
    chol = np.linalg.cholesky(corr + 1e-12 * np.eye(len(corr)))
    dof = max(int(counts[own].min()) - 1, 2)
    normal = rng.standard_normal((n_paths, len(corr))) @ chol.T
    t = normal / np.sqrt(rng.chisquare(dof, size=(n_paths, 1)) / dof)
    t *= np.sqrt((dof - 2) / dof) if dof > 2 else 1.0  # unit variance, spread = sd
    draws = mu.to_numpy() + t * sd.to_numpy()
    deviations = recent - recent.mean()
    for node in history.columns[~own.to_numpy()]:
        deviations[node] = deviations.iloc[:, 0]
    return draws, basis, deviations.fillna(0.0).to_numpy()


def partner_outlook(
    values: pd.DataFrame,
    hierarchy: Hierarchy,
    history: pd.DataFrame,
    *,
    year: int | None = None,
    n_paths: int = 2000,
    method: str = "mint_shrink",
    window: int = 10,
    center: str = "zero",
    calibrate: bool = True,
    random_state: int = 0,
) -> PartnerOutlook:
    """The coherent calendar-year outlook of every node.

    Parameters
    ----------
    values : pandas.DataFrame
        Months x nodes (see :func:`forecast.partners.partner_hierarchy`).
    hierarchy : Hierarchy
    history : pandas.DataFrame
        Years x nodes of annual log growth, up to the last complete year.
    year : int, optional
        The outlook year: the year after the last complete year of ``values`` by default
        (the only one this method supports: the level is that year's total).
    n_paths : int, default 2000
    method : str, default "mint_shrink"
        Reconciliation method (:data:`forecast.reconcile.METHODS`).
    window : int, default 10
    center : str, default "zero"
        See :func:`simulate_growth`.
    calibrate : bool, default True
        Scale the spread by :func:`calibration_factor` of the history.
    random_state : int, default 0

    Returns
    -------
    PartnerOutlook
    """
    months = values.index
    complete = [
        y
        for y in sorted(set(months.year))
        if (months.year == y).sum() == 12 and not values.loc[months.year == y].isna().any().any()
    ]
    if not complete:
        raise DataError(
            "The partner table holds no complete calendar year; an outlook needs one as its level."
        )
    base_year = complete[-1]
    if year is not None and year != base_year + 1:
        raise DataError(
            f"A partner outlook is for the year after the last complete one "
            f"({base_year + 1}); got year={year}."
        )
    base = values.loc[months.year == base_year, list(hierarchy.nodes)].sum().to_numpy()
    hist = history[list(hierarchy.nodes)]
    factor = calibration_factor(hist, window, center=center) if calibrate else 1.0
    draws, basis, deviations = simulate_growth(
        hist, n_paths, window=window, scale_factor=factor, center=center, random_state=random_state
    )
    raw = base * np.exp(draws)
    paths = reconcile(
        raw,
        hierarchy,
        method,
        residuals=deviations * base,
        history=values[list(hierarchy.nodes)].to_numpy(),
    )
    notes = list(values.attrs.get("notes", []))
    if (paths < 0).any():
        notes.append(
            f"{int((paths < 0).any(axis=1).sum())} of {n_paths} reconciled paths hold "
            "a negative total for some node (the method does not bound them)"
        )
    return PartnerOutlook(
        hierarchy,
        base_year + 1,
        base_year,
        values.attrs.get("unit", ""),
        base,
        paths,
        basis,
        method,
        factor,
        notes,
    )
