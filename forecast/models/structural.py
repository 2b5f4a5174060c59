"""Structural time-series models (statsmodels ``UnobservedComponents``).

A trend, an optional stochastic seasonal and regressors, estimated by maximum
likelihood with the Kalman filter, which skips missing observations. This is the model
for series with gaps, such as US exports to China (2020-01 to 2023-08 missing).
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.statespace.structural import UnobservedComponents

from forecast.models._statsmodels import (
    quiet,
    state_space_forecast,
    state_space_sample,
    state_space_tail,
)
from forecast.models.base import Forecaster

__all__ = ["Structural"]

_TRENDS = (
    "local level",
    "local linear trend",
    "smooth trend",
    "random walk with drift",
    "local linear deterministic trend",
)


class Structural(Forecaster):
    """Unobserved-components model: trend + seasonal + regressors; takes gaps.

    Parameters
    ----------
    trend : str, default "local linear trend"
        One of "local level", "local linear trend", "smooth trend",
        "random walk with drift", "local linear deterministic trend".
    seasonal : bool, default True
        Add a stochastic dummy seasonal of ``season_length`` (when > 1).
    season_length, transform, boxcox_lambda
        As in every model.

    Attributes
    ----------
    results_ : statsmodels UnobservedComponentsResults
    """

    name = "structural"
    handles_missing = True
    uses_exog = True
    min_obs = 6

    def __init__(
        self,
        trend: str = "local linear trend",
        seasonal: bool = True,
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.trend = trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _fit(self, y, X):
        if self.trend not in _TRENDS:
            raise ValueError(
                f"The 'trend' parameter of Structural must be one of "
                f"{', '.join(map(repr, _TRENDS))}. Got {self.trend!r} instead."
            )
        m = self.season_length_
        seasonal = m if self.seasonal and m > 1 and np.isfinite(y).sum() >= 2 * m else None
        self.seasonal_periods_ = seasonal
        self.results_ = quiet(self._model(y, X).fit, disp=False, maxiter=200)

    def _model(self, y, X) -> UnobservedComponents:
        return UnobservedComponents(y, level=self.trend, seasonal=self.seasonal_periods_, exog=X)

    def _update(self, y, X):
        # rebuilt rather than results_.apply, which would copy a compact fit's tail setup
        self.results_ = quiet(self._model(y, X).filter, self.results_.params)

    def _compact(self):
        self.results_ = state_space_tail(self.results_, lambda e, x, _shift: self._model(e, x))

    def _forecast(self, h, X):
        return state_space_forecast(self.results_, h, X)

    def _sample(self, h, n_paths, X, rng):
        return state_space_sample(self.results_, h, n_paths, X, rng)
