"""Small helpers shared by the statsmodels wrappers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def quiet(func: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Call a statsmodels function with its convergence and value warnings silenced.

    The wrappers judge fits by information criteria and check results themselves, so the
    optimiser's chatter would only bury the warnings a user needs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)


def paths_from_simulation(sim: object, h: int, n_paths: int) -> np.ndarray:
    """Reshape statsmodels' ``simulate`` output (h, [1,] n) into (n_paths, h)."""
    return np.asarray(sim, dtype=float).reshape(h, n_paths).T


def state_space_forecast(
    results: object, h: int, X: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian forecast mean and standard deviation of a statsmodels state-space fit."""
    fc = quiet(results.get_forecast, h, exog=X)
    return np.asarray(fc.predicted_mean, float), np.sqrt(np.asarray(fc.var_pred_mean, float))


def state_space_sample(
    results: object,
    h: int,
    n_paths: int,
    X: np.ndarray | None,
    rng: np.random.Generator,
    min_h: int = 1,
) -> np.ndarray:
    """Paths simulated from the end of a statsmodels state-space fit, shape (n_paths, h).

    statsmodels draws all of a simulation's shocks at once, in an order that depends on
    its length, so without exogenous inputs it always simulates at least ``min_h``
    periods and keeps the first ``h``: any ``h <= min_h`` then gets the same paths for the
    periods it shares (with exogenous inputs only the ``h`` given can be simulated).
    """
    steps = h if X is not None else max(h, min_h)
    sim = quiet(results.simulate, steps, repetitions=n_paths, anchor="end", exog=X, rng=rng)
    return paths_from_simulation(sim, steps, n_paths)[:, :h]


def state_space_tail(
    results: object, build: Callable[[np.ndarray, np.ndarray | None, int], object]
) -> object:
    """A filter over the last observation only, started from the full fit's state.

    The Kalman filter is sequential: started from the predicted state (and covariance)
    for the last period, one filtering step reproduces the end-of-sample state, so
    forecasts and simulations from the end are the same while the history is gone.
    ``build(endog, exog, shift)`` returns the same model on the last observation, with
    deterministic time trends shifted by ``shift`` periods.
    """
    model = results.model
    n = model.nobs
    exog = None if model.exog is None else np.asarray(model.exog)[-1:]
    tail = build(np.asarray(model.endog)[-1:], exog, n - 1)
    tail.ssm.initialize_known(
        np.asarray(results.predicted_state)[:, n - 1],
        np.asarray(results.predicted_state_cov)[:, :, n - 1],
    )
    out = quiet(tail.filter, np.asarray(results.params))
    # Cython filter objects cached on the model are rebuilt on demand; pickled, they are
    # two thirds of a compact artifact
    tail.ssm._kalman_filters.clear()
    tail.ssm._statespaces.clear()
    return out
