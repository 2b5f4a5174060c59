"""The Theta method (Assimakopoulos & Nikolopoulos, 2000) via statsmodels ``ThetaModel``.

Theta is simple exponential smoothing with drift (Hyndman & Billah, 2003). Paths reuse
that structure: the h-step error is ``e_h + alpha * (e_1 + ... + e_{h-1})``, scaled so
that each horizon's spread equals statsmodels' prediction interval.
"""

from __future__ import annotations

import numpy as np
from statsmodels.tsa.forecasting.theta import ThetaModel

from forecast.models._statsmodels import quiet
from forecast.models.base import Forecaster

__all__ = ["Theta"]


class Theta(Forecaster):
    """Theta forecasts with statsmodels' seasonality test and deseasonalisation.

    Parameters
    ----------
    theta : float, default 2.0
        Weight of the SES line against the trend line.
    deseasonalize : bool, optional
        Force (True) or skip (False) classical decomposition; None tests for seasonality
        (90% autocorrelation test at the seasonal lag, as in the M3 Theta method).
    method : {"auto", "additive", "multiplicative"}, default "auto"
        Seasonal decomposition type; "auto" is multiplicative for positive data.
    season_length, transform, boxcox_lambda
        As in every model.

    Attributes
    ----------
    results_ : statsmodels ThetaModelResults
    """

    name = "theta"
    min_obs = 4

    def __init__(self, theta: float = 2.0, deseasonalize: bool | None = None,
                 method: str = "auto", season_length: int | None = None,
                 transform: str | None = None, boxcox_lambda: float | None = None):
        self.theta = theta
        self.deseasonalize = deseasonalize
        self.method = method
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _fit(self, y, X):
        m = self.season_length_
        seasonal = m > 1 and len(y) >= 2 * m
        method = self.method
        if method == "auto":
            method = "multiplicative" if np.all(y > 0) else "additive"
        model = ThetaModel(y, period=m if seasonal else 1,
                           deseasonalize=bool(seasonal and self.deseasonalize is not False),
                           use_test=seasonal and self.deseasonalize is None, method=method)
        self.results_ = quiet(model.fit)
        self.alpha_ = float(np.clip(self.results_.params["alpha"], 1e-6, 1.0))

    def _forecast(self, h, X):
        mean = np.asarray(quiet(self.results_.forecast, h, theta=self.theta), float)
        bounds = np.asarray(quiet(self.results_.prediction_intervals, h, theta=self.theta,
                                  alpha=0.05), float)
        sd = (bounds[:, 1] - bounds[:, 0]) / (2 * 1.959963984540054)
        return mean, sd

    def _sample(self, h, n_paths, X, rng):
        mean, sd = self._forecast(h, X)
        eps = rng.standard_normal((n_paths, h))
        carried = np.concatenate([np.zeros((n_paths, 1)), np.cumsum(eps, axis=1)[:, :-1]], 1)
        steps = np.arange(h)
        z = (eps + self.alpha_ * carried) / np.sqrt(1 + steps * self.alpha_**2)
        return mean + sd * z
