"""Intervals calibrated on a model's own rolling-origin errors (conformal, per horizon).

A model's intervals come from its assumptions (Gaussian errors, a correct
specification); when those fail, 80% intervals do not cover 80%. :class:`Calibrated`
wraps any model. At fit time it backtests the model on the training data alone:
``n_windows`` origins, each forecasting ``horizon`` periods. For each horizon step it
compares the empirical quantile of the absolute errors at ``level`` (the calibration set
of conformal prediction, as statsforecast's ``ConformalIntervals`` builds it) with the
model's own quantile
of ``|path - mean|`` at that step. It then rescales the model's simulated deviations
around its mean by that ratio, step by step. The mean is the model's. Paths keep
their shape, so every quantile, outlook and probability computed from them inherits
the calibration. Steps beyond ``horizon`` take the last step's factor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast.errors import DataError
from forecast.models.base import Forecaster
from forecast.periods import default_horizon

__all__ = ["Calibrated"]


class Calibrated(Forecaster):
    """Wrap ``model`` so its paths and intervals are calibrated on its backtest errors.

    Parameters
    ----------
    model : Forecaster
        Any unfitted model (an ensemble too); it is cloned.
    n_windows : int, default 24
        Backtest origins in the training data, one period apart at the end (24 reached
        nominal coverage within 3 points on synthetic tests where 12 fell 5-7 short; each
        window is one fit of the model).
    horizon : int, optional
        Steps calibrated; one year of periods by default.
    level : float, default 80.0
        The interval level the calibration matches (percent).
    n_paths : int, default 400
        Paths the model draws for its own quantiles at fit time.
    factors : sequence of float, optional
        Spread factors by horizon step, known already (e.g. from the main job's backtest,
        :func:`forecast.calibration.calibrate_from_backtest`): no backtest is run at fit
        time, the model is fitted once and its deviations scaled by these.
    """

    constant_ok = True

    def __init__(
        self,
        model: Forecaster | None = None,
        n_windows: int = 24,
        horizon: int | None = None,
        level: float = 80.0,
        n_paths: int = 400,
        factors: Sequence[float] | None = None,
    ):
        self.model = model
        self.n_windows = n_windows
        self.horizon = horizon
        self.level = level
        self.n_paths = n_paths
        self.factors = factors

    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> Calibrated:
        """Backtest the model on ``y``, compute the factors, then fit it to all of ``y``."""
        if not isinstance(self.model, Forecaster):
            raise TypeError(
                "The 'model' parameter of Calibrated must be a Forecaster, e.g. "
                f"get('ets'). Got {type(self.model).__name__} instead."
            )
        for name in ("n_windows", "n_paths"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise ValueError(
                    f"The '{name}' parameter of Calibrated must be an int of at "
                    f"least 2. Got {value!r} instead."
                )
        y = self._check_y(y)
        if self.factors is not None:
            given = np.asarray(self.factors, dtype=float).ravel()
            if not len(given) or not np.all(np.isfinite(given) & (given > 0)):
                raise ValueError(
                    "The 'factors' parameter of Calibrated must be positive numbers, "
                    f"one per horizon step. Got {self.factors!r} instead."
                )
            return self._finish(y, X, given, 0)
        h = self.horizon or default_horizon(y.index)
        errors = np.full((self.n_windows, h), np.nan)
        spread = np.full((self.n_windows, h), np.nan)
        q = self.level / 100
        for k in range(self.n_windows):
            cut = len(y) - h - (self.n_windows - 1 - k)
            if cut < 3:
                continue
            train, test = y.iloc[:cut], y.iloc[cut : cut + h].to_numpy(float)
            try:
                fitted = clone(self.model).fit(train, None if X is None else X.iloc[:cut])
                fut = None if X is None else X.iloc[cut : cut + h]
                paths = fitted.sample(h, self.n_paths, X=fut, random_state=k)
            except (DataError, ValueError):
                continue
            mean = paths.mean(axis=0)
            errors[k] = np.abs(test - mean)
            spread[k] = np.quantile(np.abs(paths - mean), q, axis=0)
        ok = ~np.isnan(errors).all(axis=1)
        if ok.sum() < 2:
            raise DataError(
                f"Series '{y.name}' is too short to calibrate on {self.n_windows} "
                f"windows of {h} periods; use fewer windows or a shorter horizon."
            )
        n = int(ok.sum())
        # the empirical quantile; the split-conformal rank ceil((n+1)q)/n with the next
        # higher order statistic over-covered by 4-8 points with 24 windows (tested)
        target = np.nanquantile(errors[ok], q, axis=0)
        own = np.nanmean(spread[ok], axis=0)
        factors = np.where(own > 0, target / np.where(own > 0, own, 1.0), 1.0)
        return self._finish(y, X, factors, n)

    def _finish(self, y: pd.Series, X: pd.DataFrame | None, factors, windows: int):
        self.factors_ = np.asarray(factors, dtype=float)
        self.model_ = clone(self.model).fit(y, X)
        self._fit_state(y, X)
        self.transform_lambda_ = None
        self.calibration_windows_ = windows
        return self

    def update(self, y: pd.Series, X: pd.DataFrame | None = None) -> Calibrated:
        """Extend the model with new observations; the factors are kept (see
        :meth:`Forecaster.update`)."""
        self._check_fitted()
        y = self._check_y(y)
        self.model_.update(y, X if self.model_.x_columns_ is not None else None)
        self._advance(y, X)
        return self

    def _compact(self):
        self.model_ = self.model_.compact()

    @property
    def uses_exog(self) -> bool:  # type: ignore[override]
        return bool(getattr(self.model, "uses_exog", False))

    def _scale(self, h: int) -> np.ndarray:
        f = self.factors_
        return np.r_[f, np.full(max(h - len(f), 0), f[-1])][:h]

    def _point(self, h, X):
        return self.model_.predict(h, self._X(X, h), level=())["mean"].to_numpy()

    def _X(self, X: np.ndarray | None, h: int) -> pd.DataFrame | None:
        if X is None or self.x_columns_ is None:
            return None
        index = pd.period_range(self.cutoff_ + 1, periods=h, freq=self.cutoff_.freq)
        return pd.DataFrame(X[:h], index=index, columns=self.x_columns_)

    def _sample(self, h, n_paths, X, rng):
        paths = self.model_.sample(h, n_paths, X=self._X(X, h), random_state=rng)
        mean = self._point(h, X)
        return mean + (paths - mean) * self._scale(h)
