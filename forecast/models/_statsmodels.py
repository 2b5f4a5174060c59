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
