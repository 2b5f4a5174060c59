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


def _sqrt_psd(cov: np.ndarray) -> np.ndarray:
    """A factor ``F`` with ``F @ F.T == cov`` for a symmetric, possibly singular matrix."""
    w, v = np.linalg.eigh((cov + cov.T) / 2)
    return v * np.sqrt(np.clip(w, 0.0, None))


def _fixed(ssm: object, name: str) -> np.ndarray | None:
    matrix = np.asarray(ssm[name], dtype=float)
    if matrix.ndim == 3:
        if matrix.shape[2] != 1:
            return None
        matrix = matrix[:, :, 0]
    return matrix


def state_space_sample(
    results: object,
    h: int,
    n_paths: int,
    X: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Paths from the end of a statsmodels state-space fit, shape (n_paths, h).

    The model is linear and Gaussian, so a path is the forecast mean plus the deviation
    the state equation propagates: the end state drawn from its predicted distribution,
    then one set of shocks per period, all paths at once. statsmodels' ``simulate``
    draws the same distribution one path at a time, about 40 times slower for the 500
    paths an ensemble member draws. Draws are taken period by period, so the paths of a
    period do not depend on how many periods are asked for, with or without regressors.
    Time-varying system matrices are left to statsmodels.
    """
    ssm = results.model.ssm
    design, transition, selection, state_cov, obs_cov = (
        _fixed(ssm, name) for name in ("design", "transition", "selection", "state_cov", "obs_cov")
    )
    if any(m is None for m in (design, transition, selection, state_cov, obs_cov)):
        sim = quiet(results.simulate, h, repetitions=n_paths, anchor="end", exog=X, rng=rng)
        return paths_from_simulation(sim, h, n_paths)
    mean, _sd = state_space_forecast(results, h, X)
    state = _sqrt_psd(np.asarray(results.predicted_state_cov)[:, :, -1]) @ rng.standard_normal(
        (transition.shape[0], n_paths)
    )
    shock_factor = selection @ _sqrt_psd(state_cov)
    noise_sd = float(np.sqrt(max(obs_cov[0, 0], 0.0)))
    deviations = np.empty((h, n_paths))
    for t in range(h):
        shocks = rng.standard_normal((shock_factor.shape[1] + 1, n_paths))
        deviations[t] = design[0] @ state + noise_sd * shocks[-1]
        state = transition @ state + shock_factor @ shocks[:-1]
    return mean + deviations.T


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
