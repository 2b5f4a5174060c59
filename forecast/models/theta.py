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
        The fit (None on a compact model).
    """

    name = "theta"
    min_obs = 4

    def __init__(
        self,
        theta: float = 2.0,
        deseasonalize: bool | None = None,
        method: str = "auto",
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.theta = theta
        self.deseasonalize = deseasonalize
        self.method = method
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _fit(self, y, X):
        if (
            isinstance(self.theta, bool)
            or not isinstance(self.theta, (int, float))
            or not self.theta >= 1
        ):
            raise ValueError(
                "The 'theta' parameter of Theta must be a number >= 1 (2 is the "
                f"classic method). Got {self.theta!r} instead."
            )
        m = self.season_length_
        seasonal = m > 1 and len(y) >= 2 * m
        method = self.method
        if method == "auto":
            method = "multiplicative" if np.all(y > 0) else "additive"
        model = ThetaModel(
            y,
            period=m if seasonal else 1,
            deseasonalize=bool(seasonal and self.deseasonalize is not False),
            use_test=seasonal and self.deseasonalize is None,
            method=method,
        )
        res = quiet(model.fit)
        self.results_ = res
        self.alpha_ = float(np.clip(res.params["alpha"], 1e-6, 1.0))
        # the forecast in closed form (Hyndman & Billah, 2003): trend line + flat SES level,
        # reseasonalised; kept as numbers so a compact model needs no statsmodels object
        period = int(res.model.period) if res.model.deseasonalize else 1
        parts = quiet(res.forecast_components, period)
        self.b0_ = float(res.params["b0"])
        self.trend_start_ = float(parts["trend"].iloc[0])
        self.ses_ = float(parts["ses"].iloc[0])
        self.season_cycle_ = parts["seasonal"].to_numpy(dtype=float)
        self.multiplicative_ = res.model.method.startswith("mul")
        self.sigma2_ = float(res.sigma2)
        self.alpha_raw_ = float(res.params["alpha"])

    def _compact(self):
        self.results_ = None

    def _forecast(self, h, X):
        steps = np.arange(h)
        weight = (self.theta - 1) / self.theta if self.theta < 4.0 / np.finfo(float).eps else 1.0
        mean = weight * (self.trend_start_ + self.b0_ * steps) + self.ses_
        season = self.season_cycle_[steps % len(self.season_cycle_)]
        mean = mean * season if self.multiplicative_ else mean + season
        sd = np.sqrt((1 + steps * (1 + (self.alpha_raw_ - 1) ** 2)) * self.sigma2_)
        return mean, sd

    def _sample(self, h, n_paths, X, rng):
        mean, sd = self._forecast(h, X)
        eps = rng.standard_normal((h, n_paths)).T
        carried = np.concatenate([np.zeros((n_paths, 1)), np.cumsum(eps, axis=1)[:, :-1]], 1)
        steps = np.arange(h)
        z = (eps + self.alpha_ * carried) / np.sqrt(1 + steps * self.alpha_**2)
        return mean + sd * z
