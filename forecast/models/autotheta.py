"""Optimised and dynamic Theta models (Fiorucci et al., 2016), chosen by in-sample MSE.

The Theta line with weight ``w = 1 - 1/theta`` on the linear trend is written as a state
space model: a smoothed level ``l_t`` (simple exponential smoothing with ``alpha``) plus
``w`` times a trend term built from the intercept ``A_t`` and slope ``B_t`` of a linear
fit on time. The four variants differ in two ways:

* static (STM, OTM): ``A``, ``B`` are the least-squares line over the whole sample;
  dynamic (DSTM, DOTM): they are refitted on observations ``1..t`` at every step (a
  recursion, so no look-ahead enters the one-step errors);
* standard (STM, DSTM): ``theta = 2``; optimised (OTM, DOTM): ``theta >= 1`` estimated.

For a given ``alpha`` the one-step errors are linear in the initial level and in ``w``,
so both come from least squares and only ``alpha`` is searched (a grid, then a bounded
scalar minimisation): the fit is exact for the MSE criterion and costs milliseconds.
``variant="auto"`` keeps the lowest in-sample MSE, as statsforecast's ``AutoTheta`` and
R's ``forecTheta`` do. Seasonal series are deseasonalised first by classical decomposition
when the autocorrelation at the seasonal lag is significant (the M3 Theta test, 90%).

Paths and intervals follow from linearity: a future shock moves the level and, in the
dynamic variants, the refitted line; its effect on every later step is computed once
as an impulse response, so sampling is one matrix product.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter
from scipy.stats import norm
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

from forecast.models.base import Forecaster

__all__ = ["AutoTheta"]

VARIANTS = ("stm", "otm", "dstm", "dotm")
_BURN_IN = 3  # one-step errors before this index are left out of the MSE (as in forecTheta)


def trend_states(y: np.ndarray, dynamic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Intercept ``A_t`` and slope ``B_t`` of the line on time (t = 1, 2, ...) after each y_t.

    Static: the least-squares line over all of ``y``, repeated. Dynamic: the line fitted
    to ``y[:t+1]`` only, by the recursive update (the first point gives a flat line).
    """
    n = len(y)
    if not dynamic:
        t = np.arange(1, n + 1)
        slope = 6 * (2 * np.mean(t * y) - (n + 1) * np.mean(y)) / (n * n - 1) if n > 1 else 0.0
        return (np.full(n, np.mean(y) - (n + 1) * slope / 2), np.full(n, slope))
    a, b = np.empty(n), np.empty(n)
    mean, slope = y[0], 0.0
    a[0], b[0] = y[0], 0.0
    for i in range(1, n):
        slope = ((i - 1) * slope + 6 * (y[i] - mean) / (i + 1)) / (i + 2)
        mean = (i * mean + y[i]) / (i + 1)
        a[i], b[i] = mean - slope * (i + 2) / 2, slope
    return a, b


def _design(y: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray):
    """One-step errors as ``r - l0 * c - w * g`` for the initial level l0 and weight w."""
    n = len(y)
    beta = 1 - alpha
    smoothed = lfilter([alpha], [1, -beta], y)  # the level with l0 = 0
    i = np.arange(_BURN_IN, n)
    r = y[i] - smoothed[i - 1]
    c = beta**i
    g = a[i - 1] * beta**i + b[i - 1] * (1 - beta ** (i + 1)) / alpha
    return r, c, g


def _fit_given_alpha(y, alpha, a, b, optimise_w: bool) -> tuple[float, float, float]:
    """Least-squares initial level and w (fixed at 1/2 unless optimised); returns mse, l0, w."""
    r, c, g = _design(y, alpha, a, b)
    w = 0.5
    if optimise_w:
        design = np.column_stack([c, g])
        coef, *_ = np.linalg.lstsq(design, r, rcond=None)
        w = float(np.clip(coef[1], 0.0, 1.0 - 1e-8))  # theta >= 1
    target = r - w * g
    cc = float(c @ c)
    level0 = float(c @ target / cc) if cc > 1e-300 else 0.0
    resid = target - level0 * c
    return float(resid @ resid / len(resid)), level0, w


class AutoTheta(Forecaster):
    """Theta models of Fiorucci et al. (2016): standard or optimised, static or dynamic.

    Parameters
    ----------
    variant : {"auto", "stm", "otm", "dstm", "dotm"}, default "auto"
        Which model; "auto" fits all four and keeps the lowest in-sample one-step MSE.
    alpha_bounds : tuple of float, default (0.1, 0.99)
        Search range of the smoothing parameter (statsforecast's bounds).
    deseasonalize : bool, optional
        Force (True) or skip (False) classical decomposition; None tests the
        autocorrelation at the seasonal lag at the 90% level.
    season_length, transform, boxcox_lambda
        As in every model.

    Attributes
    ----------
    variant_ : str
        The variant kept.
    alpha_, theta_ : float
        Smoothing parameter and Theta coefficient of the kept variant.
    mse_ : dict
        In-sample one-step MSE of each variant fitted.
    """

    constant_ok = True

    name = "autotheta"
    min_obs = _BURN_IN + 3

    def __init__(
        self,
        variant: str = "auto",
        alpha_bounds: tuple[float, float] = (0.1, 0.99),
        deseasonalize: bool | None = None,
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.variant = variant
        self.alpha_bounds = alpha_bounds
        self.deseasonalize = deseasonalize
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _check_params(self) -> tuple[str, ...]:
        if self.variant != "auto" and self.variant not in VARIANTS:
            raise ValueError(
                f"The 'variant' parameter of AutoTheta must be 'auto' or one of "
                f"{', '.join(VARIANTS)}. Got {self.variant!r} instead."
            )
        bounds = tuple(self.alpha_bounds) if isinstance(self.alpha_bounds, (tuple, list)) else ()
        if (
            len(bounds) != 2
            or not all(isinstance(v, (int, float)) for v in bounds)
            or not 0 < bounds[0] < bounds[1] < 1
        ):
            raise ValueError(
                "The 'alpha_bounds' parameter of AutoTheta must be two numbers "
                f"0 < low < high < 1. Got {self.alpha_bounds!r} instead."
            )
        return VARIANTS if self.variant == "auto" else (self.variant,)

    def _season(self, y: np.ndarray) -> tuple[np.ndarray | None, bool]:
        """Seasonal indices for every observation (None when not deseasonalising), and
        whether they are multiplicative."""
        m = self.season_length_
        if m < 4 or len(y) < 2 * m or self.deseasonalize is False:
            return None, False
        if self.deseasonalize is None:
            r = acf(y, nlags=m, fft=False)[1:]
            stat = np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / len(y))
            if not abs(r[-1]) / stat > norm.ppf(0.95):
                return None, False
        if np.all(y > 0):
            season = seasonal_decompose(y, model="multiplicative", period=m).seasonal
            if np.all(season >= 0.01):
                return season, True
        return seasonal_decompose(y, model="additive", period=m).seasonal, False

    def _fit_variant(self, y: np.ndarray, variant: str, a: np.ndarray, b: np.ndarray) -> dict:
        optimise_w = variant.endswith("otm")

        def mse(alpha: float) -> float:
            return _fit_given_alpha(y, alpha, a, b, optimise_w)[0]

        lo, hi = self.alpha_bounds
        grid = np.linspace(lo, hi, 15)
        values = [mse(x) for x in grid]
        k = int(np.nanargmin(values))
        res = minimize_scalar(
            mse,
            bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 14)]),
            method="bounded",
            options={"xatol": 1e-5},
        )
        alpha = float(res.x) if res.fun <= values[k] else float(grid[k])
        err, level0, w = _fit_given_alpha(y, alpha, a, b, optimise_w)
        return {"variant": variant, "mse": err, "alpha": alpha, "level0": level0, "w": w}

    def _fit(self, y, X):
        variants = self._check_params()
        season, self.multiplicative_ = self._season(y)
        # season_phase_[k] applies to every period t (from the start) with t % m == k
        self.season_phase_ = (
            np.zeros(1)
            if season is None
            else np.asarray(season[: self.season_length_], dtype=float)
        )
        z = self._deseasonalised(y)
        lines = {
            dynamic: trend_states(z, dynamic) for dynamic in {v.startswith("d") for v in variants}
        }
        fits = [self._fit_variant(z, v, *lines[v.startswith("d")]) for v in variants]
        best = min(fits, key=lambda f: (f["mse"], VARIANTS.index(f["variant"])))
        self.mse_ = {f["variant"]: f["mse"] for f in fits}
        self.variant_, self.alpha_, self.w_ = best["variant"], best["alpha"], best["w"]
        self.theta_ = float(1 / (1 - self.w_))
        self.level0_ = best["level0"]
        self._filter(z, *lines[self.variant_.startswith("d")])

    def _filter(
        self, z: np.ndarray, a: np.ndarray | None = None, b: np.ndarray | None = None
    ) -> None:
        """Run the model through ``z`` with fixed parameters; keep the end state and sigma.

        ``a``, ``b`` are the trend lines of ``z`` when the caller has them already.
        """
        alpha, beta = self.alpha_, 1 - self.alpha_
        if a is None:
            a, b = trend_states(z, self.variant_.startswith("d"))
        level = lfilter([alpha], [1, -beta], z) + beta ** np.arange(1, len(z) + 1) * self.level0_
        r, c, g = _design(z, alpha, a, b)
        resid = r - self.level0_ * c - self.w_ * g
        n_par = 2 + int(self.variant_.endswith("otm"))  # alpha, initial level, maybe theta
        self.sigma_ = float(np.sqrt(resid @ resid / max(len(resid) - n_par, 1)))
        self.state_ = (float(level[-1]), float(np.mean(z)), float(a[-1]), float(b[-1]))
        self.n_ = len(z)

    def _update(self, y, X):
        # parameters and seasonal indices stay as estimated; only the states move on
        self._filter(self._deseasonalised(y))

    def _season_at(self, t: np.ndarray) -> np.ndarray:
        return self.season_phase_[t % len(self.season_phase_)]

    def _deseasonalised(self, y: np.ndarray) -> np.ndarray:
        season = self._season_at(np.arange(len(y)))
        return y / season if self.multiplicative_ else y - season

    def _run(self, h: int, shocks: np.ndarray) -> np.ndarray:
        """Future values for each row of ``shocks`` (n_rows, h): the state recursion."""
        alpha, beta, w = self.alpha_, 1 - self.alpha_, self.w_
        level, mean, a, b = (np.full(len(shocks), v) for v in self.state_)
        dynamic = self.variant_.startswith("d")
        out = np.empty_like(shocks)
        for j in range(h):
            i = self.n_ + j
            value = level + w * (a * beta**i + b * (1 - beta ** (i + 1)) / alpha) + shocks[:, j]
            out[:, j] = value
            level = alpha * value + beta * level
            if dynamic:
                b = ((i - 1) * b + 6 * (value - mean) / (i + 1)) / (i + 2)
                mean = (i * mean + value) / (i + 1)
                a = mean - b * (i + 2) / 2
        return out

    def _responses(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean path and the (h, h) effect of a unit shock at step k on step j."""
        runs = self._run(h, np.vstack([np.zeros(h), np.eye(h)]))
        return runs[0], runs[1:] - runs[0]

    def _future_season(self, h: int) -> np.ndarray:
        return self._season_at(self.n_ + np.arange(h))

    def _forecast(self, h, X):
        mean, resp = self._responses(h)
        sd = self.sigma_ * np.sqrt(np.sum(resp**2, axis=0))
        season = self._future_season(h)
        if self.multiplicative_:
            return mean * season, sd * season
        return mean + season, sd

    def _sample(self, h, n_paths, X, rng):
        mean, resp = self._responses(h)
        paths = mean + self.sigma_ * rng.standard_normal((h, n_paths)).T @ resp
        season = self._future_season(h)
        return paths * season if self.multiplicative_ else paths + season
