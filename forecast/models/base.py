"""The Forecaster contract shared by every model.

A model subclasses :class:`Forecaster` and implements ``_fit`` and ``_sample`` (and,
when it has closed-form Gaussian forecasts, ``_forecast``). The base class validates and
coerces ``y`` and ``X``, applies the optional ``log`` / ``boxcox`` transform, and builds
the tidy prediction frame. Hyperparameters live in ``__init__`` only; fitted state ends
in ``_``; predicting before ``fit`` raises ``NotFittedError``.
"""

from __future__ import annotations

import copy
import hashlib
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from forecast.errors import DataError, shorten
from forecast.periods import hi_col, lo_col

__all__ = ["Forecaster", "check_levels", "fingerprint", "future_index", "season_length_for"]

_SEASON = {"M": 12, "Q": 4, "Y": 1}
MAX_H = 10_000  # periods ahead; far beyond any trade horizon, well inside memory
MAX_DRAWS = 200_000_000  # n_paths x h of one sample: 1.6 GB of float64
MAX_ABS = 1e150  # larger values overflow float64 when squared (sums of squares, variances)
PATHS_FOR_INTERVALS = 2000
INTERVAL_SEED = 20250101


def season_length_for(index: pd.PeriodIndex) -> int:
    """Return the natural season length of a PeriodIndex: 12 monthly, 4 quarterly, 1 annual."""
    return _SEASON.get(index.freqstr[0], 1)


def as_periods(index: pd.Index, where: str) -> pd.PeriodIndex:
    """A monthly, quarterly or annual PeriodIndex from a PeriodIndex or a DatetimeIndex.

    A DatetimeIndex may carry a frequency (``MS``, ``ME``, ``QS``, ``QE-DEC``, ``YS``,
    ``YE``...) or none, when pandas can infer one; period starts and ends both convert.
    Anything else (daily, weekly, irregular) is refused with a typed error naming ``where``.
    """
    if isinstance(index, pd.PeriodIndex):
        return index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"The {where} must have a PeriodIndex or a DatetimeIndex. Got "
            f"{type(index).__name__} instead; use forecast.data.select."
        )
    freq = index.freqstr if index.freq is not None else None
    if freq is None and len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3.1 announces an offset return type
            warnings.simplefilter("ignore")
            inferred = pd.infer_freq(index)
        freq = getattr(inferred, "freqstr", inferred)
    code = {"M": "M", "Q": "Q", "Y": "Y", "A": "Y"}.get((freq or "?")[0])
    if code is None:
        found = f"of frequency {freq}" if freq else "with no regular spacing pandas can infer"
        raise ValueError(
            f"The {where} has a DatetimeIndex {found}; models take monthly, "
            "quarterly or annual data. Give one date per period with no period "
            "left out (a missing value as NaN), or a PeriodIndex."
        )
    return index.to_period(code)


def future_index(cutoff: pd.Period, h: int) -> pd.PeriodIndex:
    """Return the ``h`` periods after ``cutoff``."""
    return pd.period_range(cutoff + 1, periods=h, freq=cutoff.freq)


def fingerprint(y: pd.Series, X: pd.DataFrame | None = None) -> str:
    """SHA-256 of a series' periods and values (and of X, when given)."""
    digest = hashlib.sha256()
    for obj in (y, X):
        if obj is None:
            continue
        digest.update("|".join(map(str, obj.index)).encode())
        digest.update(np.ascontiguousarray(obj.to_numpy(dtype="float64")).tobytes())
    return digest.hexdigest()


def check_levels(level: object) -> tuple[float, ...]:
    """Validate interval levels given in percent, e.g. ``(80, 95)``."""
    levels = (level,) if isinstance(level, (int, float)) else tuple(level or ())  # type: ignore[arg-type]
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, (int, float)) or not 0 < lv < 100:
            raise ValueError(
                "The 'level' parameter must hold numbers strictly between 0 and "
                f"100 (percent). Got {level!r} instead."
            )
        if lv < 1:  # 0.8 is far likelier a fraction meant as 80% than a 0.8% interval
            raise ValueError(
                f"The 'level' parameter is in percent: {lv:g} would be a {lv:g}% "
                f"interval. Did you mean {100 * lv:g}?"
            )
    return tuple(sorted({float(lv) for lv in levels}))


class Forecaster(BaseEstimator):
    """Base class of every model: validation, transforms and tidy outputs.

    Subclasses implement:

    ``_fit(self, y, X)``
        ``y`` is a float ndarray on the transformed scale (NaN only when the class sets
        ``handles_missing = True``); ``X`` an ndarray or None.
    ``_sample(self, h, n_paths, X, rng) -> ndarray (n_paths, h)``
        Simulated future paths on the transformed scale.
    ``_forecast(self, h, X) -> (mean, sd)`` (optional)
        Gaussian forecast mean and standard deviation per horizon, transformed scale.
    ``_point(self, h, X) -> mean`` (optional)
        A deterministic mean when intervals come from paths (no transform).

    Parameters common to all models (declared by each subclass's ``__init__``):
    ``season_length`` (None: 12 monthly, 4 quarterly, 1 annual) and ``transform``
    (None, ``"log"`` or ``"boxcox"``).
    """

    handles_missing = False
    uses_exog = False
    min_obs = 3
    # Whether a constant series gets the constant back with no spread. Models whose
    # estimation breaks on zero variance (ARIMA, Theta's drift) refuse one instead.
    constant_ok = False

    # -- the public contract -------------------------------------------------------------
    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> Forecaster:
        """Fit the model to a series.

        Parameters
        ----------
        y : pandas.Series
            Float values on a regular ``PeriodIndex`` (see :func:`forecast.data.select`).
        X : pandas.DataFrame, optional
            Exogenous regressors on the same index as ``y`` (models that take them).

        Returns
        -------
        self
        """
        y = self._check_y(y)
        if X is not None and not self.uses_exog:
            raise ValueError(
                f"{type(self).__name__} does not use exogenous regressors; "
                "fit it without X or choose a model that takes X "
                "(arima, structural, lagreg)."
            )
        self._fit_state(y, X)
        x = None if X is None else self._align_X(X, y.index, "fit").to_numpy(dtype=float)
        self.transform_lambda_ = self._fit_transform(y)
        yt = self._apply(y.to_numpy(dtype=float))
        self._fit(yt, x)
        return self

    def _fit_state(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        """The fitted state every model records: series, span, season, regressors, data."""
        self.series_id_ = str(y.name) if y.name is not None else "y"
        self.index_, self.cutoff_ = y.index, y.index[-1]
        self.n_obs_ = int(y.notna().sum())
        self.season_length_ = self._season_length(y.index)
        self.x_columns_ = list(X.columns) if X is not None else None
        self.data_fingerprint_ = fingerprint(y, X)

    def _advance(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        """The fitted state an update moves: the span, its size and the data's fingerprint."""
        self.index_, self.cutoff_ = y.index, y.index[-1]
        self.n_obs_ = int(y.notna().sum())
        self.data_fingerprint_ = fingerprint(y, X)

    def update(self, y: pd.Series, X: pd.DataFrame | None = None) -> Forecaster:
        """Extend a fitted model with new observations, keeping its estimated parameters.

        State-space models (ETS, ARIMA, structural) re-run their filter with the fitted
        parameters; the lag regressor keeps its estimators and takes the new history.
        Models whose estimation is closed-form (baselines, theta) simply re-estimate.
        This is what makes ``refit_every`` in backtests cheap.

        Parameters
        ----------
        y : pandas.Series
            The training series extended by new periods (same start, later end).
        X : pandas.DataFrame, optional
            Regressors for all of ``y`` (when the model was fitted with X).

        Returns
        -------
        self
        """
        self._check_fitted()
        y = self._check_y(y)
        if y.index[0] != self.index_[0] or y.index[-1] < self.cutoff_:
            raise ValueError(
                f"The 'y' parameter of update must start at {self.index_[0]} "
                f"(as in fit) and end at or after {self.cutoff_}. Got "
                f"{y.index[0]} to {y.index[-1]} instead."
            )
        x = None
        if self.x_columns_ is not None:
            if X is None:
                raise ValueError(
                    f"This {type(self).__name__} was fitted with X; pass X "
                    "for the whole of y to update."
                )
            x = self._align_X(X[self.x_columns_], y.index, "update").to_numpy(dtype=float)
        elif X is not None:
            raise ValueError(f"This {type(self).__name__} was fitted without X; update without X.")
        self._advance(y, X)
        yt = self._apply(y.to_numpy(dtype=float))
        self._update(yt, x)
        if getattr(self, "compact_", False):
            self._compact()
        return self

    def compact(self) -> Forecaster:
        """Return a copy that forecasts exactly like this model but keeps no training data.

        Fitted parameters and the model's state at the cutoff are kept; the training
        observations, fitted values and residual series are dropped. What remains per
        model: naive and drift keep the last value and the error scale; seasonal naive the
        last season (which *is* its forecast); ETS its final state plus the last season of
        observations, from which statsmodels rebuilds the seasonal state; ARIMA and
        structural models their final state and its covariance plus the last observation;
        theta its forecast components; the lag regressor the last ``span_`` values and
        its in-sample residuals (the bootstrap draws from them); an ensemble compacts
        every member. ``predict`` and ``sample`` give the same numbers (to floating-point
        rounding), and ``update`` still works (given the full series, as always), after
        which the model is compacted again. In-sample diagnostics (``results_.summary()``,
        fitted values) are not available on a compact model.

        Returns
        -------
        Forecaster
            A fitted copy with ``compact_ = True``; this model is left unchanged.
        """
        self._check_fitted()
        out = copy.deepcopy(self)
        out._compact()
        out.compact_ = True
        return out

    def predict(
        self, h: int, X: pd.DataFrame | None = None, level: object = (80, 95)
    ) -> pd.DataFrame:
        """Forecast ``h`` periods ahead with prediction intervals.

        Parameters
        ----------
        h : int
            Number of periods after the cutoff, at least 1.
        X : pandas.DataFrame, optional
            Future regressors covering the ``h`` periods (required when fitted with X).
        level : sequence of float, default (80, 95)
            Interval levels in percent.

        Returns
        -------
        pandas.DataFrame
            Columns ``series_id, date, model, mean`` then ``lo-L, hi-L`` per level;
            ``date`` holds the forecast periods.
        """
        self._check_fitted()
        h = self._check_h(h)
        levels = check_levels(level)
        x = self._future_X(X, h)
        probs = [p for lv in levels for p in (0.5 - lv / 200, 0.5 + lv / 200)]
        gaussian = self._forecast(h, x)
        if gaussian is not None:
            mu, sd = (np.asarray(a, dtype=float) for a in gaussian)
            mean = self._bias_adjusted_mean(mu, sd)
            bounds = {p: self._invert(mu + stats.norm.ppf(p) * sd) for p in probs}
        else:
            paths = self._paths(h, PATHS_FOR_INTERVALS, x, INTERVAL_SEED)
            point = self._point(h, x) if self.transform_lambda_ is None else None
            mean = paths.mean(axis=0) if point is None else np.asarray(point, dtype=float)
            qs = np.quantile(paths, probs, axis=0) if probs else []
            bounds = dict(zip(probs, qs, strict=True))
        out = pd.DataFrame(
            {
                "series_id": self.series_id_,
                "date": future_index(self.cutoff_, h),
                "model": self.model_name,
                "mean": mean,
            }
        )
        for lv in levels:
            out[lo_col(lv)] = bounds[0.5 - lv / 200]
            out[hi_col(lv)] = bounds[0.5 + lv / 200]
        return out

    def sample(
        self,
        h: int,
        n_paths: int,
        X: pd.DataFrame | None = None,
        random_state: int | np.random.Generator | None = None,
        as_frame: bool = False,
    ) -> np.ndarray | pd.DataFrame:
        """Simulate future paths.

        Parameters
        ----------
        h : int
            Number of periods after the cutoff.
        n_paths : int
            Number of paths.
        X : pandas.DataFrame, optional
            Future regressors (required when fitted with X).
        random_state : int or numpy Generator, optional
            Seed; the same seed gives the same paths.
        as_frame : bool, default False
            Return a frame with one row per path and one column per future period.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_paths, h)``, on the scale of ``y``.
        """
        self._check_fitted()
        h = self._check_h(h)
        if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
            raise ValueError(
                "The 'n_paths' parameter of sample must be a positive int. "
                f"Got {n_paths!r} instead."
            )
        if n_paths * h > MAX_DRAWS:
            raise ValueError(
                f"sample(h={h}, n_paths={n_paths}) would draw {n_paths * h:,} "
                f"values, more than the {MAX_DRAWS:,} allowed at once; ask for "
                "fewer paths or a shorter horizon."
            )
        paths = self._paths(h, int(n_paths), self._future_X(X, h), random_state)
        if not as_frame:
            return paths
        return pd.DataFrame(
            paths,
            columns=future_index(self.cutoff_, h),
            index=pd.RangeIndex(int(n_paths), name="path"),
        )

    def plot(
        self,
        h: int,
        y: pd.Series | None = None,
        X: pd.DataFrame | None = None,
        level: tuple[float, ...] = (80, 95),
        title: str | None = None,
    ):
        """A matplotlib figure of the forecast, joined to the history ``y`` when given.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from forecast.charts import forecast_figure

        frame = self.predict(h, X=X, level=level)
        unit = y.attrs.get("unit", "") if y is not None else ""
        if y is not None and not isinstance(y.index, pd.PeriodIndex):
            y = y.set_axis(as_periods(y.index, "'y' parameter of plot"))
        return forecast_figure(y, frame, title or f"{self.series_id_}: {self.model_name}", unit)

    def summary(self) -> str:
        """A readable account of the fitted model: series, span, chosen specification,
        members and weights of an ensemble, and the hyperparameters."""
        self._check_fitted()
        lines = [
            f"{type(self).__name__} ({self.model_name}) fitted to '{self.series_id_}': "
            f"{self.index_[0]} to {self.cutoff_}, {self.n_obs_} observations, "
            f"season length {getattr(self, 'season_length_', '?')}"
        ]
        if getattr(self, "spec_", None):
            lines.append(f"  chosen: {self.spec_}")
        members = getattr(self, "members_", None)
        if members:
            weights = getattr(self, "weights_", {}) or {}
            for name, member in members.items():
                spec = getattr(member, "spec_", None)
                weight = weights.get(name) if isinstance(weights, dict) else None
                lines.append(
                    f"  member {name}"
                    + (f" {spec}" if spec else "")
                    + (f", weight {weight:.3f}" if weight is not None else "")
                )
            for name, error in (getattr(self, "failed_", {}) or {}).items():
                lines.append(f"  member {name} failed: {error}")
        params = {k: v for k, v in self.get_params(deep=False).items() if v is not None}
        if params:
            lines.append("  parameters: " + ", ".join(f"{k}={v!r}" for k, v in params.items()))
        return "\n".join(lines)

    @property
    def model_name(self) -> str:
        """The registry name used in output frames."""
        return getattr(self, "name", type(self).__name__.lower())

    # -- hooks for subclasses ------------------------------------------------------------
    def _fit(self, y: np.ndarray, X: np.ndarray | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _sample(
        self, h: int, n_paths: int, X: np.ndarray | None, rng: np.random.Generator
    ) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _forecast(self, h: int, X: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def _update(self, y: np.ndarray, X: np.ndarray | None) -> None:
        """Take new observations without re-estimating; by default, re-estimate."""
        self._fit(y, X)

    def _compact(self) -> None:
        """Drop training data kept by the fit; models holding only summary state keep all."""

    def _point(self, h: int, X: np.ndarray | None) -> np.ndarray | None:
        """Deterministic mean forecast (untransformed models), used instead of a path mean."""
        return None

    # -- helpers -------------------------------------------------------------------------
    def _paths(self, h: int, n: int, x: np.ndarray | None, seed: object) -> np.ndarray:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        paths = np.asarray(self._sample(h, n, x, rng), dtype=float).reshape(n, h)
        return self._invert(paths)

    def _season_length(self, index: pd.PeriodIndex) -> int:
        m = getattr(self, "season_length", None)
        if m is None:
            return season_length_for(index)
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(
                f"The 'season_length' parameter of {type(self).__name__} must be "
                f"a positive int. Got {m!r} instead."
            )
        return int(m)

    def _check_fitted(self) -> None:
        if not hasattr(self, "cutoff_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. "
                "Call 'fit' with a series first."
            )

    @staticmethod
    def _check_h(h: object) -> int:
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or not 1 <= h <= MAX_H:
            raise ValueError(
                f"The 'h' parameter must be an int from 1 to {MAX_H}. Got {h!r} instead."
            )
        return int(h)

    def _check_y(self, y: object) -> pd.Series:
        cls = type(self).__name__
        if not isinstance(y, pd.Series):
            raise TypeError(
                f"The 'y' parameter of {cls}.fit must be a pandas Series with a "
                f"PeriodIndex. Got {type(y).__name__} instead."
            )
        y = y.set_axis(as_periods(y.index, f"'y' parameter of {cls}.fit"))
        expected = (
            pd.period_range(y.index[0], periods=len(y), freq=y.index.freq) if len(y) else y.index
        )
        if len(y) and not y.index.equals(expected):
            raise ValueError(
                f"The 'y' parameter of {cls}.fit must be on a regular, sorted "
                "index with no duplicate periods; use forecast.data.select."
            )
        try:
            y = y.astype("float64")
        except (TypeError, ValueError):
            raise TypeError(f"The 'y' parameter of {cls}.fit must hold numbers.") from None
        name = y.name or "y"
        if np.isinf(y.to_numpy()).any():
            raise DataError(f"Series '{name}' holds infinite values. Remove them before fitting.")
        biggest = float(np.nanmax(np.abs(y.to_numpy()))) if y.notna().any() else 0.0
        if biggest > MAX_ABS:
            raise DataError(
                f"Series '{name}' holds values up to {biggest:.3g}; beyond "
                f"{MAX_ABS:.0e} their squares overflow float64 and every error "
                "measure becomes inf. Rescale it (e.g. to billions) or fix the "
                "outlier."
            )
        finite = y.dropna().to_numpy()
        if len(finite) > 1 and not self.constant_ok and np.ptp(finite) == 0:
            raise DataError(
                f"Series '{name}' is constant (all {len(finite)} values are "
                f"{finite[0]:g}); {cls} cannot be estimated on it. Check the data "
                "(a placeholder or a unit slip?), or use naive, snaive, drift, ets "
                "or autotheta, which forecast the constant."
            )
        y = y.loc[y.first_valid_index() : y.last_valid_index()] if y.notna().any() else y[:0]
        n = int(y.notna().sum())
        need = max(self.min_obs, self._min_obs_for(y.index) if len(y) else self.min_obs)
        if n < need:
            raise DataError(
                f"Series '{name}' has {n} observations; {cls} needs at least "
                f"{need}. Use a longer series or a simpler model (naive, drift)."
            )
        if not self.handles_missing and y.isna().any():
            missing = y.index[y.isna()]
            last_gap = missing[-1]
            raise DataError(
                f"Series '{name}' has {len(missing)} missing values "
                f"({shorten(str(p) for p in missing)}); {cls} cannot take gaps. Use "
                f"'structural', which does, or fit on the span after the last gap "
                f"(y.loc['{last_gap + 1}':])."
            )
        return y

    def _min_obs_for(self, index: pd.PeriodIndex) -> int:
        return self.min_obs

    def _align_X(self, X: object, index: pd.PeriodIndex, where: str) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"The 'X' parameter of {where} must be a pandas DataFrame on a "
                f"PeriodIndex. Got {type(X).__name__} instead."
            )
        if isinstance(X.index, pd.DatetimeIndex):
            X = X.set_axis(as_periods(X.index, f"'X' parameter of {where}"))
        if not isinstance(X.index, pd.PeriodIndex) or X.index.freqstr != index.freqstr:
            raise ValueError(
                f"The 'X' parameter of {where} must have a PeriodIndex of the "
                f"same frequency as y ({index.freqstr})."
            )
        missing = index.difference(X.index)
        if len(missing):
            raise ValueError(
                f"The 'X' parameter of {where} lacks {len(missing)} period(s) "
                f"({shorten(str(p) for p in missing)}). Supply X for every "
                "period of y (in fit) or of the forecast horizon (in predict)."
            )
        out = X.loc[index].astype(float)
        if out.isna().any().any() or np.isinf(out.to_numpy()).any():
            bad = out.index[out.isna().any(axis=1) | np.isinf(out).any(axis=1)]
            raise DataError(
                f"The 'X' parameter of {where} has missing or infinite values at "
                f"{shorten(str(p) for p in bad)}. Fill them from a stated source "
                "or shorten y."
            )
        return out

    def _future_X(self, X: pd.DataFrame | None, h: int) -> np.ndarray | None:
        if self.x_columns_ is None:
            if X is not None:
                raise ValueError(
                    f"This {type(self).__name__} was fitted without X; predict "
                    "without X, or refit with X."
                )
            return None
        if X is None:
            raise ValueError(
                f"This {type(self).__name__} was fitted with X "
                f"({', '.join(self.x_columns_)}); pass future X for the "
                f"{h} forecast periods."
            )
        absent = [c for c in self.x_columns_ if c not in X.columns]
        if absent:
            raise ValueError(f"Future X lacks column(s) {', '.join(absent)} used in fit.")
        future = self._align_X(X[self.x_columns_], future_index(self.cutoff_, h), "predict")
        return future.to_numpy(dtype=float)

    # -- transforms ----------------------------------------------------------------------
    def _fit_transform(self, y: pd.Series) -> float | None:
        kind = getattr(self, "transform", None)
        if kind is None:
            return None
        if kind not in ("log", "boxcox"):
            raise ValueError(
                f"The 'transform' parameter of {type(self).__name__} must be None, "
                f"'log' or 'boxcox'. Got {kind!r} instead."
            )
        values = y.dropna().to_numpy()
        if (values <= 0).any():
            raise DataError(
                f"Series '{y.name}' has zero or negative values; the {kind} "
                "transform needs positive data. Use transform=None."
            )
        if kind == "log":
            return 0.0
        lam = getattr(self, "boxcox_lambda", None)
        if lam is None:
            lam = float(stats.boxcox_normmax(values, method="mle"))
        return float(np.clip(lam, -1.0, 2.0))

    def _apply(self, values: np.ndarray) -> np.ndarray:
        lam = getattr(self, "transform_lambda_", None)
        if lam is None:
            return values
        return special.boxcox(values, lam)

    def _invert(self, values: np.ndarray) -> np.ndarray:
        lam = getattr(self, "transform_lambda_", None)
        if lam is None:
            return values
        if lam != 0:  # keep values inside the transform's domain before inverting
            values = (
                np.maximum(values, -1.0 / lam + 1e-12)
                if lam > 0
                else np.minimum(values, -1.0 / lam - 1e-12)
            )
        return special.inv_boxcox(values, lam)

    def _bias_adjusted_mean(self, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
        """Back-transformed mean (not median): Hyndman & Athanasopoulos, fpp3 5.6."""
        lam = getattr(self, "transform_lambda_", None)
        if lam is None:
            return mu
        if lam == 0:
            return np.exp(mu + sd**2 / 2)
        base = self._invert(mu)
        return base * (1 + sd**2 * (1 - lam) / (2 * np.maximum(lam * mu + 1, 1e-12) ** 2))
