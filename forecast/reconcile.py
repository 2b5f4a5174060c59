"""Forecast reconciliation: make base forecasts of every node add up, means and paths alike.

Every method here is linear: coherent forecasts are ``S @ G @ base`` for a matrix ``G``
(bottom x nodes) that depends on the method (Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed., ch. 11; Wickramasuriya, Athanasopoulos & Hyndman 2019
for MinT). Because the same ``G`` is applied to each simulated path, every reconciled path
adds up exactly, and so does any calendar-year total or growth probability computed from
the paths (Panagiotelis et al. 2023 call this reconciling the sample).

Methods
-------
``bottom_up``
    Bottom forecasts summed up.
``top_down_average_proportions``, ``top_down_proportion_averages``
    The top forecast split by historical shares: the average of the bottom nodes' shares
    of the top, or the share of their averages (Gross & Sohl 1990).
``ols``, ``wls_struct``
    Generalised least squares with ``W = I`` or ``W = diag(S 1)`` (number of bottom nodes
    below each node).
``wls_var``
    ``W = diag`` of each node's mean squared residual.
``mint_shrink``
    ``W`` the residual covariance shrunk toward its diagonal with the Schäfer-Strimmer
    intensity. The results equal Nixtla's ``hierarchicalforecast`` on the same input
    (tested).
"""

from __future__ import annotations

import numpy as np

from forecast.hierarchy import Hierarchy

__all__ = ["METHODS", "projection", "reconcile", "shrunk_covariance"]

METHODS = (
    "bottom_up",
    "top_down_average_proportions",
    "top_down_proportion_averages",
    "ols",
    "wls_struct",
    "wls_var",
    "mint_shrink",
)
RIDGE = 2e-8  # floor of W's diagonal (and wls_var's addend, as in hierarchicalforecast)


def shrunk_covariance(residuals: np.ndarray, ridge: float = RIDGE) -> tuple[np.ndarray, float]:
    """Schäfer-Strimmer shrinkage of a residual covariance toward its diagonal.

    Parameters
    ----------
    residuals : numpy.ndarray
        Shape ``(n_obs, n_nodes)``; rows with a NaN are dropped.
    ridge : float
        Floor of the diagonal, so a node without error variance cannot make W singular.

    Returns
    -------
    (numpy.ndarray, float)
        The shrunk covariance ``(n_nodes, n_nodes)`` and the shrinkage intensity in [0, 1].
    """
    r = np.asarray(residuals, dtype=float)
    r = r[~np.isnan(r).any(axis=1)]
    n = len(r)
    if n < 3:
        raise ValueError(
            f"MinT shrinkage needs residuals from at least 3 periods; got {n}. "
            "Use wls_struct or ols, which need none."
        )
    x = r - r.mean(axis=0)
    cov = x.T @ x / (n - 1)
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    xs = x / sd
    mean_w = xs.T @ xs / n
    var_r = n / (n - 1) ** 3 * ((xs**2).T @ (xs**2) - n * mean_w**2)
    corr = n / (n - 1) * mean_w
    off = ~np.eye(cov.shape[0], dtype=bool)
    denom = float(np.sum(corr[off] ** 2))
    lam = 1.0 if denom == 0 else float(np.clip(np.sum(var_r[off]) / denom, 0.0, 1.0))
    shrunk = cov * (1 - lam)
    np.fill_diagonal(shrunk, np.maximum(np.diag(cov), ridge))
    return shrunk, lam


def _gls(S: np.ndarray, W: np.ndarray) -> np.ndarray:
    """G = (S' W^-1 S)^-1 S' W^-1, by solves rather than inverses."""
    if W.ndim == 1:
        WiS = S / W[:, None]
    else:
        WiS = np.linalg.solve(W, S)
    return np.linalg.solve(S.T @ WiS, WiS.T)


def projection(
    hierarchy: Hierarchy,
    method: str = "mint_shrink",
    *,
    residuals: np.ndarray | None = None,
    history: np.ndarray | None = None,
) -> np.ndarray:
    """The matrix ``G`` (bottom x nodes) of a reconciliation method.

    Parameters
    ----------
    hierarchy : Hierarchy
        The structure; columns of ``residuals`` and ``history`` follow ``hierarchy.nodes``.
    method : str
        One of :data:`METHODS`.
    residuals : numpy.ndarray, optional
        In-sample (or backtest) errors, shape ``(n_obs, n_nodes)``; needed by
        ``wls_var`` and ``mint_shrink``.
    history : numpy.ndarray, optional
        Observed values, shape ``(n_obs, n_nodes)``; needed by the top-down methods.

    Returns
    -------
    numpy.ndarray
    """
    S = hierarchy.S
    n_nodes, n_bottom = S.shape
    n_agg = n_nodes - n_bottom
    if method not in METHODS:
        raise ValueError(
            f"The 'method' parameter of reconcile must be one of "
            f"{', '.join(METHODS)}. Got {method!r} instead."
        )
    if method == "bottom_up":
        G = np.zeros((n_bottom, n_nodes))
        G[:, n_agg:] = np.eye(n_bottom)
        return G
    if method.startswith("top_down"):
        if history is None:
            raise ValueError(
                f"Reconciliation method {method!r} needs 'history' (observed "
                "values of every node) for the shares."
            )
        top = np.asarray(history, dtype=float)[:, 0]
        low = np.asarray(history, dtype=float)[:, n_agg:]
        shares = (
            np.nanmean(low / top[:, None], axis=0)
            if method.endswith("average_proportions")
            else np.nanmean(low, axis=0) / np.nanmean(top)
        )
        G = np.zeros((n_bottom, n_nodes))
        G[:, 0] = shares
        return G
    if method == "ols":
        return _gls(S, np.ones(n_nodes))
    if method == "wls_struct":
        return _gls(S, S.sum(axis=1))
    if residuals is None:
        raise ValueError(
            f"Reconciliation method {method!r} needs 'residuals' (errors of "
            "every node over past periods)."
        )
    res = np.asarray(residuals, dtype=float)
    if res.ndim != 2 or res.shape[1] != n_nodes:
        raise ValueError(
            f"The 'residuals' parameter must have shape (periods, {n_nodes}). "
            f"Got {res.shape} instead."
        )
    if method == "wls_var":
        return _gls(S, np.nanmean(res**2, axis=0) + RIDGE)
    return _gls(S, shrunk_covariance(res)[0])


def reconcile(
    base: np.ndarray,
    hierarchy: Hierarchy,
    method: str = "mint_shrink",
    *,
    residuals: np.ndarray | None = None,
    history: np.ndarray | None = None,
    axis: int = -1,
) -> np.ndarray:
    """Coherent forecasts from base forecasts of every node.

    Parameters
    ----------
    base : numpy.ndarray
        Base forecasts with the nodes (in ``hierarchy.nodes`` order) along ``axis``: a
        vector, a ``(horizon, n_nodes)`` table, or ``(n_paths, ..., n_nodes)`` paths.
    hierarchy, method, residuals, history
        See :func:`projection`.
    axis : int, default -1
        The axis of ``base`` that runs over the nodes.

    Returns
    -------
    numpy.ndarray
        Same shape as ``base``; along ``axis`` every aggregate equals the sum of its
        bottom nodes (the aggregates are computed as those sums).
    """
    values = np.moveaxis(np.asarray(base, dtype=float), axis, -1)
    if values.shape[-1] != len(hierarchy.nodes):
        raise ValueError(
            f"The 'base' parameter has {values.shape[-1]} nodes along axis "
            f"{axis}; the hierarchy has {len(hierarchy.nodes)}."
        )
    G = projection(hierarchy, method, residuals=residuals, history=history)
    coherent = (values @ G.T) @ hierarchy.S.T
    return np.moveaxis(coherent, -1, axis)
