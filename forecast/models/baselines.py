"""Baselines every score is judged against: naive, seasonal naive and drift.

Forecast distributions follow Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), section 5.5: Gaussian errors with the residual standard deviation.
Simulated paths accumulate the same errors, so sums over horizons have the right spread.
"""

from __future__ import annotations

import numpy as np

from forecast.models.base import Forecaster

__all__ = ["Drift", "Naive", "SeasonalNaive"]


def _sd(resid: np.ndarray) -> float:
    resid = resid[np.isfinite(resid)]
    return float(np.sqrt(np.mean(resid**2))) if len(resid) else 0.0


class Naive(Forecaster):
    """Random walk: every forecast equals the last observation.

    Parameters
    ----------
    transform : {None, "log", "boxcox"}
        Variance-stabilising transform, undone (bias-adjusted) for the mean.
    boxcox_lambda : float, optional
        Fixed Box-Cox lambda; estimated by maximum likelihood when None.
    """

    constant_ok = True

    name = "naive"
    min_obs = 2

    def __init__(self, transform: str | None = None, boxcox_lambda: float | None = None):
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _fit(self, y, X):
        self.last_ = float(y[-1])
        self.sigma_ = _sd(np.diff(y))

    def _forecast(self, h, X):
        steps = np.arange(1, h + 1)
        return np.full(h, self.last_), self.sigma_ * np.sqrt(steps)

    def _sample(self, h, n_paths, X, rng):
        return self.last_ + np.cumsum(rng.normal(0, self.sigma_, (h, n_paths)).T, axis=1)


class SeasonalNaive(Forecaster):
    """Each forecast equals the last observed value of the same season.

    Parameters
    ----------
    season_length : int, optional
        Periods per season; 12 monthly, 4 quarterly, 1 annual when None.
    transform, boxcox_lambda
        As in :class:`Naive`.
    """

    constant_ok = True

    name = "snaive"

    def __init__(
        self,
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _min_obs_for(self, index):
        return self._season_length(index) + 1

    def _fit(self, y, X):
        m = self.season_length_
        self.last_season_ = y[-m:].astype(float)
        self.sigma_ = _sd(y[m:] - y[:-m])

    def _forecast(self, h, X):
        m = self.season_length_
        steps = np.arange(h)
        cycles = steps // m + 1
        return self.last_season_[steps % m], self.sigma_ * np.sqrt(cycles)

    def _sample(self, h, n_paths, X, rng):
        m = self.season_length_
        cycles = -(-h // m)
        noise = rng.normal(0, self.sigma_, (cycles, m, n_paths)).transpose(2, 0, 1).cumsum(axis=1)
        base = np.tile(self.last_season_, cycles)
        return (base + noise.reshape(n_paths, cycles * m))[:, :h]


class Drift(Forecaster):
    """Random walk with drift: the line from the first to the last observation, extended.

    Parameters
    ----------
    transform, boxcox_lambda
        As in :class:`Naive`.
    """

    constant_ok = True

    name = "drift"

    def __init__(self, transform: str | None = None, boxcox_lambda: float | None = None):
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _fit(self, y, X):
        n = len(y)
        self.last_ = float(y[-1])
        self.slope_ = float((y[-1] - y[0]) / (n - 1))
        self.sigma_ = _sd(np.diff(y) - self.slope_)
        self.n_ = n

    def _forecast(self, h, X):
        steps = np.arange(1, h + 1)
        sd = self.sigma_ * np.sqrt(steps * (1 + steps / (self.n_ - 1)))
        return self.last_ + self.slope_ * steps, sd

    def _sample(self, h, n_paths, X, rng):
        steps = np.arange(1, h + 1)
        slope = self.slope_ + rng.normal(0, self.sigma_ / np.sqrt(self.n_ - 1), (n_paths, 1))
        walk = np.cumsum(rng.normal(0, self.sigma_, (h, n_paths)).T, axis=1)
        return self.last_ + slope * steps + walk
