"""Seasonal ARIMA with automatic orders (Hyndman & Khandakar, 2008) on statsmodels SARIMAX.

* Seasonal differencing ``D``: one if the STL seasonal strength exceeds 0.64 (the
  ``nsdiffs(test="seas")`` rule of R's ``forecast``), at most one.
* Differencing ``d``: repeated KPSS tests at the 5% level (bandwidth ``3 sqrt(n) / 13``),
  at most two.
* Orders: the stepwise search, starting from four models and moving one step in p, q, P,
  Q or the constant while AICc improves. Candidates are scored cheaply by conditional
  sum of squares (CSS, as R's ``auto.arima`` does for long series): residuals of the
  differenced series through ``scipy.signal.lfilter``, minimised by ``least_squares``,
  every order's likelihood counted over the same differenced sample. The best
  ``exact_candidates`` orders are then estimated exactly (state-space maximum likelihood
  on the levels, started from their CSS estimates) and the lowest exact AICc is kept; a
  fit with a root within 1% of the unit circle is passed over, as in R.
* Exogenous regressors give a regression with ARIMA errors.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares
from scipy.signal import lfilter
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.stattools import kpss

from forecast.models._statsmodels import (
    quiet,
    state_space_forecast,
    state_space_sample,
    state_space_tail,
)
from forecast.models.base import Forecaster

__all__ = ["AutoARIMA"]

Order = tuple[int, int, int, int, bool]  # p, q, P, Q, constant


def seasonal_strength(y: np.ndarray, m: int) -> float:
    """STL seasonal strength F_s = max(0, 1 - Var(remainder) / Var(season + remainder)).

    The decomposition is the one R's ``mstl`` makes for a single season (seasonal window
    11, locally constant seasonal fit, not robust), so the 0.64 threshold of
    ``nsdiffs(test="seas")`` means what it means there.
    """
    res = quiet(STL(y, period=m, seasonal=11, seasonal_deg=0).fit)
    detrended = res.seasonal + res.resid
    var = np.var(detrended)
    return float(max(0.0, 1 - np.var(res.resid) / var)) if var > 0 else 0.0


def ndiffs(y: np.ndarray, max_d: int = 2, alpha: float = 0.05) -> int:
    """Number of first differences for stationarity by repeated KPSS tests."""
    d = 0
    x = y
    while d < max_d and len(x) > 8 and np.ptp(x) > 0:
        # the bandwidth of R's ndiffs, trunc(3 sqrt(n) / 13); statsmodels' data-driven
        # "auto" bandwidth rejects more often and over-differences seasonal series
        _stat, pvalue, *_ = quiet(kpss, x, regression="c", nlags=int(3 * np.sqrt(len(x)) / 13))
        if pvalue >= alpha:
            break
        x = np.diff(x)
        d += 1
    return d


def _roots_ok(res, margin: float = 1.01) -> bool:
    """Whether an exact fit is stationary and invertible with room to spare.

    Like R's ``auto.arima``, a fit with an AR or MA root within 1% of the unit circle is
    rejected: the likelihood there is flat or degenerate and the forecasts explode.
    """
    return bool(np.all(np.abs(np.r_[res.arroots, res.maroots]) > margin))


class AutoARIMA(Forecaster):
    """Seasonal ARIMA with orders chosen by the Hyndman-Khandakar stepwise search.

    Parameters
    ----------
    season_length : int, optional
        Periods per season; inferred from the index when None.
    max_p, max_q : int, default 5
        Largest non-seasonal AR and MA orders.
    max_P, max_Q : int, default 2
        Largest seasonal AR and MA orders.
    max_order : int, default 5
        Largest p + q + P + Q.
    d, D : int, optional
        Fixed differencing orders; chosen by tests when None.
    seasonal : bool, default True
        Allow seasonal terms.
    exact_candidates : int, default 1
        How many of the best orders by CSS are then estimated exactly; the one with the
        lowest exact AICc is kept. 1 estimates only the CSS winner.
    transform, boxcox_lambda
        Variance-stabilising transform, as in every model.

    Attributes
    ----------
    results_ : statsmodels SARIMAXResults
        The exact fit of the chosen order.
    spec_ : str
        E.g. ``"ARIMA(1,1,1)(0,1,1)[12] with drift"``.
    n_candidates_ : int
        How many orders the search fitted.
    """

    name = "arima"
    uses_exog = True
    min_obs = 6

    def __init__(
        self,
        season_length: int | None = None,
        max_p: int = 5,
        max_q: int = 5,
        max_P: int = 2,
        max_Q: int = 2,
        max_order: int = 5,
        d: int | None = None,
        D: int | None = None,
        seasonal: bool = True,
        exact_candidates: int = 1,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.season_length = season_length
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_order = max_order
        self.d = d
        self.D = D
        self.seasonal = seasonal
        self.exact_candidates = exact_candidates
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _model(self, y, X, order: Order, trend_offset: int = 1) -> SARIMAX:
        p, q, P, Q, const = order
        m = self.m_
        # SARIMAX adds the trend to the differenced series, so "c" is the mean when
        # d + D = 0 and the drift when d + D = 1 ("t" there would be a quadratic trend)
        trend = "c" if const else None
        return SARIMAX(
            y,
            exog=X,
            order=(p, self.d_, q),
            seasonal_order=(P, self.D_, Q, m) if m > 1 else (0, 0, 0, 0),
            trend=trend,
            trend_offset=trend_offset,
            # a one-row tail (compact) has exog that looks like a constant
            validate_specification=len(y) > 1,
        )

    def _polys(self, params: np.ndarray, order: Order) -> tuple[np.ndarray, np.ndarray]:
        p, q, P, Q, _ = order
        m = self.m_
        phi, theta = params[:p], params[p : p + q]
        sphi, stheta = params[p + q : p + q + P], params[p + q + P : p + q + P + Q]
        ar = np.r_[1.0, -phi]
        ma = np.r_[1.0, theta]
        sar = np.zeros(P * m + 1)
        sar[0] = 1.0
        sar[m::m] = -sphi
        sma = np.zeros(Q * m + 1)
        sma[0] = 1.0
        sma[m::m] = stheta
        return np.convolve(ar, sar), np.convolve(ma, sma)

    def _css(self, order: Order) -> tuple[float, np.ndarray]:
        """AICc and estimates of an order by conditional sum of squares."""
        p, q, P, Q, const = order
        w = self.w_
        k_arma = p + q + P + Q
        cond = p + P * self.m_
        n_eff = len(w) - cond
        k = k_arma + int(const) + 1
        if n_eff - k - 1 <= 0:
            return np.inf, np.zeros(k_arma)

        def resid(theta: np.ndarray) -> np.ndarray:
            ar, ma = self._polys(theta[:k_arma], order)
            centred = w - (theta[k_arma] if const else 0.0)
            e = lfilter(ar, ma, centred)[cond:]
            return np.where(np.isfinite(e), e, 1e10)

        x0 = np.zeros(k_arma + int(const))
        if const:
            x0[-1] = w.mean()
        try:
            fit = quiet(least_squares, resid, x0, method="lm", max_nfev=40 * (k_arma + 2))
        except (ValueError, np.linalg.LinAlgError):
            return np.inf, x0
        sse = float(np.sum(fit.fun**2))
        if not np.isfinite(sse) or sse <= 0:
            return np.inf, fit.x
        ar, ma = self._polys(fit.x[:k_arma], order)
        roots_ok = all(
            np.all(np.abs(np.roots(poly[::-1])) > 1.01)
            for poly in (ar, ma)
            if len(poly) > 1 and np.any(poly[1:])
        )
        if not roots_ok:
            return np.inf, fit.x
        # every order is scored on the same number of differenced points (R's nstar): a
        # likelihood over only the n_eff points it conditions on would reward orders
        # that condition on more of them (seasonal AR) by dropping terms, not by fit
        n_w = len(w)
        sigma2 = sse / n_eff
        aicc = n_w * (np.log(2 * np.pi * sigma2) + 1) + 2 * k + 2 * k * (k + 1) / (n_w - k - 1)
        self.n_candidates_ += 1
        return float(aicc), fit.x

    def _score(self, y, X, order: Order) -> float:
        aicc, params = self._css(order)
        self.css_params_[order] = params
        return aicc

    def _differenced(self, y: np.ndarray, X: np.ndarray | None) -> np.ndarray:
        w = y
        if self.D_:
            w = w[self.m_ :] - w[: -self.m_]
        w = np.diff(w, n=self.d_) if self.d_ else w
        if X is not None:
            xd = X
            if self.D_:
                xd = xd[self.m_ :] - xd[: -self.m_]
            xd = np.diff(xd, n=self.d_, axis=0) if self.d_ else xd
            beta, *_ = np.linalg.lstsq(xd, w - w.mean(), rcond=None)
            w = w - xd @ beta
        return w

    def _start_params(self, model: SARIMAX, order: Order) -> np.ndarray | None:
        params = self.css_params_.get(order)
        if params is None:
            return None
        p, q, P, Q, _ = order
        m = self.m_
        names = (
            [f"ar.L{i}" for i in range(1, p + 1)]
            + [f"ma.L{i}" for i in range(1, q + 1)]
            + [f"ar.S.L{m * i}" for i in range(1, P + 1)]
            + [f"ma.S.L{m * i}" for i in range(1, Q + 1)]
        )
        start = np.array(quiet(lambda: model.start_params), dtype=float)
        for name, value in zip(names, params, strict=False):
            if name in model.param_names:
                start[model.param_names.index(name)] = value
        return start

    def _admissible(self, order: Order) -> bool:
        p, q, P, Q, const = order
        if min(p, q, P, Q) < 0 or p > self.max_p or q > self.max_q:
            return False
        if (P or Q) and (self.m_ == 1 or not self.seasonal):
            return False
        if P > self.max_P or Q > self.max_Q or p + q + P + Q > self.max_order:
            return False
        return not (const and self.d_ + self.D_ >= 2)

    def _neighbours(self, order: Order) -> list[Order]:
        p, q, P, Q, c = order
        steps = [
            (1, 0, 0, 0),
            (-1, 0, 0, 0),
            (0, 1, 0, 0),
            (0, -1, 0, 0),
            (1, 1, 0, 0),
            (-1, -1, 0, 0),
            (0, 0, 1, 0),
            (0, 0, -1, 0),
            (0, 0, 0, 1),
            (0, 0, 0, -1),
            (0, 0, 1, 1),
            (0, 0, -1, -1),
        ]
        out = [(p + a, q + b, P + e, Q + f, c) for a, b, e, f in steps]
        out.append((p, q, P, Q, not c))
        return [o for o in out if self._admissible(o)]

    def _fit(self, y, X):
        k = self.exact_candidates
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(
                "The 'exact_candidates' parameter of AutoARIMA must be an "
                f"integer >= 1. Got {k!r} instead."
            )
        m = self.season_length_ if self.seasonal else 1
        self.m_ = m if m > 1 and len(y) >= 3 * m else 1
        if self.D is not None:
            self.D_ = int(self.D) if self.m_ > 1 else 0
        else:
            self.D_ = int(self.m_ > 1 and seasonal_strength(y, self.m_) > 0.64)
        base = y[self.m_ :] - y[: -self.m_] if self.D_ else y
        self.d_ = int(self.d) if self.d is not None else ndiffs(base)
        self.n_candidates_ = 0
        self.css_params_: dict[Order, np.ndarray] = {}
        self.w_ = self._differenced(y, X)
        const = self.d_ + self.D_ < 2
        seasonal = self.m_ > 1
        starts = [
            (2, 2, int(seasonal), int(seasonal), const),
            (0, 0, 0, 0, const),
            (1, 0, int(seasonal), 0, const),
            (0, 1, 0, int(seasonal), const),
        ]
        scores: dict[Order, float] = {}
        for order in starts:
            if self._admissible(order) and order not in scores:
                scores[order] = self._score(y, X, order)
        best = min(scores, key=lambda o: scores[o])
        for _ in range(94):  # the stepwise search's usual cap on moves
            improved = False
            for cand in self._neighbours(best):
                if cand not in scores:
                    scores[cand] = self._score(y, X, cand)
                if scores[cand] < scores[best]:
                    best, improved = cand, True
            if not improved:
                break
        ranked = sorted(scores, key=lambda o: scores[o])
        # exact fits can fail or land on a unit root; go down the CSS ranking a little
        # further for those, and only accept a near-unit-root fit when nothing else fits
        fits, fallback = [], None
        for tried, order in enumerate(ranked):
            if len(fits) == self.exact_candidates or (
                tried >= self.exact_candidates + 4 and (fits or fallback)
            ):
                break
            model = self._model(y, X, order)
            try:
                res = quiet(model.fit, start_params=self._start_params(model, order), disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if not (np.all(np.isfinite(res.params)) and np.isfinite(res.aicc)):
                continue
            if _roots_ok(res):
                fits.append((res.aicc, order, res))
            elif fallback is None:
                fallback = (res.aicc, order, res)
        fits = fits or ([fallback] if fallback else [])
        if not fits:
            raise ValueError("AutoARIMA could not estimate any candidate order exactly.")
        _aicc, self.order_, self.results_ = min(fits, key=lambda f: f[0])
        p, q, P, Q, c = self.order_
        seas = f"({P},{self.D_},{Q})[{self.m_}]" if self.m_ > 1 else ""
        drift = " with drift" if c and self.d_ + self.D_ == 1 else (" with mean" if c else "")
        self.spec_ = f"ARIMA({p},{self.d_},{q}){seas}{drift}"

    def _update(self, y, X):
        # rebuilt rather than results_.apply, which would copy a compact fit's tail setup
        self.results_ = quiet(self._model(y, X, self.order_).filter, self.results_.params)

    def _compact(self):
        self.results_ = state_space_tail(
            self.results_, lambda e, x, shift: self._model(e, x, self.order_, 1 + shift)
        )
        self.w_, self.css_params_ = None, {}

    def _forecast(self, h, X):
        return state_space_forecast(self.results_, h, X)

    def _sample(self, h, n_paths, X, rng):
        return state_space_sample(self.results_, h, n_paths, X, rng)
