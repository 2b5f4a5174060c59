"""Any scikit-learn regressor on lags, rolling means, season dummies, the Lunar New Year
calendar and exogenous drivers.

Three strategies: ``recursive`` (one model, fed its own forecasts), ``direct`` (one
model per horizon up to ``horizon``) and ``quantile`` (direct quantile regression: one
model per horizon and per quantile of a fixed grid). Paths: recursive paths add a
resampled in-sample residual at every step; direct paths take the residuals of all
horizons from one resampled origin, which keeps their correlation across horizons;
quantile paths take that origin's residual *ranks* (an empirical copula, as in the
Schaake shuffle) and read each horizon's value off its predicted quantiles, so the
marginals come from the quantile models and the dependence across horizons from history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import QuantileRegressor, Ridge

from forecast.data.calendar import lunar_new_year_days
from forecast.models.base import Forecaster

__all__ = ["QUANTILE_GRID", "LagRegressor"]

#: Quantiles fitted by the ``quantile`` strategy; paths interpolate between them and are
#: clipped at the outer two.
QUANTILE_GRID = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99)


class LagRegressor(Forecaster):
    """A scikit-learn regressor on lag features.

    Parameters
    ----------
    regressor : scikit-learn regressor, optional
        Any estimator with ``fit``/``predict``; ``Ridge(alpha=1.0)`` when None. With
        ``strategy="quantile"`` it must take a ``quantile`` parameter (e.g.
        ``HistGradientBoostingRegressor(loss="quantile")``); unpenalised linear
        ``QuantileRegressor`` when None.
    lags : sequence of int, optional
        Lags of the (differenced) target; ``1..season_length`` (at least 1..3) when None.
    windows : sequence of int, default (3, 12)
        Rolling-mean windows over the most recent values.
    season_dummies : bool, default True
        One-hot position in the season.
    lunar_new_year : bool, default True
        Add Lunar New Year holiday days per period (monthly and quarterly data).
    difference : {0, 1}, default 1
        Model first differences (lets tree models follow a trend) or levels.
    strategy : {"recursive", "direct", "quantile"}, default "recursive"
        Forecasting strategy (see the module notes).
    horizon : int, default 24
        Longest horizon of the direct and quantile strategies.
    season_length, transform, boxcox_lambda
        As in every model.
    """

    name = "lagreg"
    uses_exog = True
    min_obs = 8

    def __init__(
        self,
        regressor: object = None,
        lags: tuple[int, ...] | None = None,
        windows: tuple[int, ...] = (3, 12),
        season_dummies: bool = True,
        lunar_new_year: bool = True,
        difference: int = 1,
        strategy: str = "recursive",
        horizon: int = 24,
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.regressor = regressor
        self.lags = lags
        self.windows = windows
        self.season_dummies = season_dummies
        self.lunar_new_year = lunar_new_year
        self.difference = difference
        self.strategy = strategy
        self.horizon = horizon
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    # -- features --------------------------------------------------------------------
    def _calendar(self, index: pd.PeriodIndex) -> np.ndarray:
        cols = []
        m = self.season_length_
        if self.season_dummies and m > 1:
            pos = (
                (index.month - 1) % m
                if index.freqstr[0] == "M"
                else np.asarray(index.quarter - 1) % m
                if index.freqstr[0] == "Q"
                else np.zeros(len(index), int)
            )
            cols.append(np.eye(m)[np.asarray(pos)][:, 1:])
        if self.lunar_new_year and index.freqstr[0] in "MQ":
            cols.append(lunar_new_year_days(index).to_numpy(float)[:, None])
        return np.hstack(cols) if cols else np.empty((len(index), 0))

    def _lag_features(self, history: np.ndarray) -> np.ndarray:
        """Features from histories of shape (n_rows, length); newest value last."""
        feats = [history[:, -lag] for lag in self.lags_]  # newest value is lag 1
        feats += [history[:, -w:].mean(axis=1) for w in self.windows_]
        return np.column_stack(feats)

    def _design(
        self, z: np.ndarray, calendar: np.ndarray, X: np.ndarray | None, shift: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows predicting z[t + shift - 1] from z up to t - 1, for every usable t."""
        span = self.span_
        rows = np.arange(span, len(z) - shift + 1)
        windows = np.lib.stride_tricks.sliding_window_view(z, span)[rows - span]
        target = z[rows + shift - 1]
        parts = [self._lag_features(windows), calendar[rows + shift - 1]]
        if X is not None:
            parts.append(X[rows + shift - 1])
        return np.hstack(parts), target

    # -- contract --------------------------------------------------------------------
    def _fit(self, y, X):
        if self.strategy not in ("recursive", "direct", "quantile"):
            raise ValueError(
                "The 'strategy' parameter of LagRegressor must be 'recursive', "
                f"'direct' or 'quantile'. Got {self.strategy!r} instead."
            )
        if self.difference not in (0, 1):
            raise ValueError(
                "The 'difference' parameter of LagRegressor must be 0 or 1. "
                f"Got {self.difference!r} instead."
            )
        m = self.season_length_
        self.lags_ = tuple(self.lags) if self.lags else tuple(range(1, max(m, 3) + 1))
        z = np.diff(y) if self.difference else y
        self.windows_ = tuple(w for w in self.windows if 1 < w <= len(z) // 3)
        self.span_ = max((*self.lags_, *self.windows_))
        full_index = (
            self.index_[len(y) - len(z) :] if len(self.index_) == len(y) else self.index_[-len(z) :]
        )
        calendar = self._calendar(full_index)
        x = X[len(y) - len(z) :] if X is not None else None
        if len(z) - self.span_ < 8:
            raise ValueError(
                f"LagRegressor needs at least {self.span_ + 8 + self.difference} "
                f"observations for lags up to {self.span_}; got {len(y)}. Pass "
                "shorter lags=... or windows=..."
            )
        quantile = self.strategy == "quantile"
        base = Ridge(alpha=1.0) if quantile or self.regressor is None else self.regressor
        if quantile:
            qbase = (
                self.regressor
                if self.regressor is not None
                else QuantileRegressor(alpha=0.0, solver="highs")
            )
            if "quantile" not in qbase.get_params():
                raise ValueError(
                    "With strategy='quantile' the 'regressor' parameter of "
                    "LagRegressor must take a 'quantile' parameter (e.g. "
                    "HistGradientBoostingRegressor(loss='quantile')). Got "
                    f"{type(qbase).__name__}."
                )
        self.last_ = float(y[-1])
        self.z_ = z
        shifts = [1] if self.strategy == "recursive" else range(1, self.horizon + 1)
        self.estimators_ = []
        self.residuals_ = []
        self.quantile_estimators_ = []
        for shift in shifts:
            design, target = self._design(z, calendar, x, shift)
            if len(target) < 4:
                break
            est = clone(base).fit(design, target)
            self.estimators_.append(est)
            self.residuals_.append(target - est.predict(design))
            if quantile:
                self.quantile_estimators_.append(
                    [clone(qbase).set_params(quantile=q).fit(design, target) for q in QUANTILE_GRID]
                )
        if self.strategy != "recursive":  # align residuals on a common origin
            n = min(len(r) for r in self.residuals_)
            self.residuals_ = [r[:n] for r in self.residuals_]

    def _update(self, y, X):
        z = np.diff(y) if self.difference else y
        if len(z) < self.span_:
            raise ValueError("LagRegressor.update needs at least as much history as fit.")
        self.last_ = float(y[-1])
        self.z_ = z

    def _compact(self):
        self.z_ = self.z_[-self.span_ :].copy()

    def _future_calendar(self, h: int) -> np.ndarray:
        return self._calendar(pd.period_range(self.cutoff_ + 1, periods=h, freq=self.cutoff_.freq))

    def _recursive(self, h: int, X, noise: np.ndarray) -> np.ndarray:
        n_paths = noise.shape[0]
        calendar = self._future_calendar(h)
        history = np.tile(self.z_[-self.span_ :], (n_paths, 1))
        out = np.empty((n_paths, h))
        est = self.estimators_[0]
        for k in range(h):
            parts = [self._lag_features(history), np.tile(calendar[k], (n_paths, 1))]
            if X is not None:
                parts.append(np.tile(X[k], (n_paths, 1)))
            step = est.predict(np.hstack(parts)) + noise[:, k]
            out[:, k] = step
            history = np.column_stack([history[:, 1:], step])
        return out

    def _direct_rows(self, h: int, X) -> list[np.ndarray]:
        if h > len(self.estimators_):
            raise ValueError(
                f"This {self.strategy} LagRegressor was fitted for horizons up "
                f"to {len(self.estimators_)}; refit with horizon={h} or more."
            )
        calendar = self._future_calendar(h)
        feats = self._lag_features(self.z_[-self.span_ :][None, :])
        return [
            np.hstack([feats, calendar[k][None, :]] + ([X[k][None, :]] if X is not None else []))
            for k in range(h)
        ]

    def _direct(self, h: int, X) -> np.ndarray:
        rows = self._direct_rows(h, X)
        return np.array([self.estimators_[k].predict(rows[k])[0] for k in range(h)])

    def _quantile_paths(self, h: int, n_paths: int, X, rng) -> np.ndarray:
        rows = self._direct_rows(h, X)
        resid = np.column_stack(self.residuals_[:h])
        ranks = (resid.argsort(axis=0).argsort(axis=0) + 0.5) / len(resid)
        u = ranks[rng.integers(0, len(resid), n_paths)]
        out = np.empty((n_paths, h))
        for k in range(h):
            # sorting the predicted quantiles undoes any crossing (Chernozhukov et al. 2010)
            qs = np.sort([est.predict(rows[k])[0] for est in self.quantile_estimators_[k]])
            out[:, k] = np.interp(u[:, k], QUANTILE_GRID, qs)
        return out

    def _undifference(self, z_paths: np.ndarray) -> np.ndarray:
        return self.last_ + np.cumsum(z_paths, axis=-1) if self.difference else z_paths

    def _point(self, h, X):
        if self.strategy == "quantile":
            return None  # the mean of the paths
        if self.strategy == "direct":
            return self._undifference(self._direct(h, X))
        return self._undifference(self._recursive(h, X, np.zeros((1, h)))[0])

    def _sample(self, h, n_paths, X, rng):
        if self.strategy == "quantile":
            return self._undifference(self._quantile_paths(h, n_paths, X, rng))
        if self.strategy == "direct":
            resid = np.column_stack(self.residuals_[:h])
            draws = resid[rng.integers(0, len(resid), n_paths)]
            return self._undifference(self._direct(h, X) + draws)
        resid = self.residuals_[0]
        noise = resid[rng.integers(0, len(resid), (h, n_paths)).T]
        return self._undifference(self._recursive(h, X, noise))
