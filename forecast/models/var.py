"""A vector autoregression for an export-import pair, with jointly simulated paths.

Exports and imports share shocks (a demand slump hits both), so the trade balance's
uncertainty depends on their correlation. :class:`PairVAR` fits a VAR (statsmodels) to
the two flows' log growth rates, with seasonal dummies for monthly or quarterly data and
the lag order chosen by AIC, and simulates both flows jointly from the estimated error
covariance. The Johansen trace test's cointegration rank is reported (``coint_rank_``)
as a diagnostic; the model itself is the VAR in differences, which stays consistent
whatever the rank (it only forgoes the error-correction term's efficiency).

Its contract differs from the univariate one in the shape of the data: ``fit(Y)`` takes
a two-column frame, ``sample`` returns ``(n_paths, h, 2)``, and :meth:`balance_paths`
gives exports minus imports per path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from statsmodels.tsa.api import VAR
from statsmodels.tsa.vector_ar.vecm import select_coint_rank

from forecast.errors import DataError
from forecast.models._statsmodels import quiet
from forecast.models.base import check_levels, future_index, season_length_for
from forecast.periods import hi_col, lo_col

__all__ = ["PairVAR"]


class PairVAR(BaseEstimator):
    """VAR of two positive flows (e.g. exports and imports) in log growth rates.

    Parameters
    ----------
    max_lags : int, default 13
        Largest lag order tried (AIC chooses).
    seasonal : bool, default True
        Seasonal dummies for monthly and quarterly data.

    Attributes
    ----------
    results_ : statsmodels VARResults
    lags_ : int
    coint_rank_ : int
        Johansen trace-test rank at 5% (0, 1 or 2), a diagnostic.
    columns_ : list of str
    """

    name = "var"

    def __init__(self, max_lags: int = 13, seasonal: bool = True):
        self.max_lags = max_lags
        self.seasonal = seasonal

    def _dummies(self, index: pd.PeriodIndex) -> np.ndarray | None:
        m = season_length_for(index)
        if not self.seasonal or m == 1:
            return None
        pos = (index.month - 1) % m if index.freqstr[0] == "M" else np.asarray(index.quarter) - 1
        return np.eye(m)[np.asarray(pos)][:, 1:]

    def fit(self, Y: pd.DataFrame) -> PairVAR:
        """Fit to a two-column frame of positive values on a regular PeriodIndex."""
        if (
            not isinstance(Y, pd.DataFrame)
            or Y.shape[1] != 2
            or not isinstance(Y.index, pd.PeriodIndex)
        ):
            raise TypeError(
                "The 'Y' parameter of PairVAR.fit must be a DataFrame with two "
                "columns (e.g. exports, imports) on a PeriodIndex."
            )
        values = Y.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise DataError(
                "PairVAR needs both flows in every period; pass the common span "
                "without gaps (Y.dropna() on a gap-free stretch)."
            )
        if (values <= 0).any():
            raise DataError("PairVAR models log growth rates and needs positive values.")
        m = season_length_for(Y.index)
        growth = np.diff(np.log(values), axis=0)
        if len(growth) < 3 * max(m, 4):
            raise DataError(f"PairVAR needs at least {3 * max(m, 4) + 1} periods; got {len(Y)}.")
        exog = self._dummies(Y.index[1:])
        model = VAR(growth, exog=exog)
        max_lags = int(min(self.max_lags, len(growth) // 4))
        order = quiet(model.select_order, maxlags=max_lags)
        self.lags_ = max(1, int(order.aic))
        self.results_ = quiet(model.fit, self.lags_)
        try:
            rank = quiet(
                select_coint_rank,
                np.log(values),
                det_order=0,
                k_ar_diff=max(self.lags_ - 1, 0),
                method="trace",
                signif=0.05,
            )
            self.coint_rank_ = int(rank.rank)
        except (ValueError, np.linalg.LinAlgError):
            self.coint_rank_ = -1
        self.columns_ = [str(c) for c in Y.columns]
        self.index_, self.cutoff_ = Y.index, Y.index[-1]
        self.last_log_ = np.log(values[-1])
        self.history_ = growth[-self.lags_ :]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "results_"):
            raise NotFittedError("This PairVAR instance is not fitted yet. Call 'fit' first.")

    def sample(
        self, h: int, n_paths: int, random_state: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """Jointly simulated levels, shape ``(n_paths, h, 2)``."""
        self._check_fitted()
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
            raise ValueError(f"The 'h' parameter must be a positive int. Got {h!r} instead.")
        rng = (
            random_state
            if isinstance(random_state, np.random.Generator)
            else np.random.default_rng(random_state)
        )
        res = self.results_
        coefs = res.coefs  # (lags, 2, 2)
        det = res.params[: res.params.shape[0] - self.lags_ * 2]  # const (+ dummies)
        dummies = self._dummies(future_index(self.cutoff_, h))
        chol = np.linalg.cholesky(res.sigma_u + 1e-12 * np.eye(2))
        hist = np.tile(self.history_, (n_paths, 1, 1))  # (n, lags, 2)
        out = np.empty((n_paths, h, 2))
        for k in range(h):
            exog = np.r_[1.0, dummies[k]] if dummies is not None else np.array([1.0])
            step = exog @ det
            for lag in range(self.lags_):
                step = step + hist[:, -1 - lag, :] @ coefs[lag].T
            step = step + rng.standard_normal((n_paths, 2)) @ chol.T
            out[:, k, :] = step
            hist = np.concatenate([hist[:, 1:, :], step[:, None, :]], axis=1)
        return np.exp(self.last_log_ + np.cumsum(out, axis=1))

    def predict(self, h: int, level: object = (80, 95), n_paths: int = 2000) -> pd.DataFrame:
        """Tidy forecasts of both flows and of the balance (from simulated paths)."""
        levels = check_levels(level)
        paths = self.sample(h, n_paths, random_state=20250101)
        series = {
            self.columns_[0]: paths[:, :, 0],
            self.columns_[1]: paths[:, :, 1],
            "balance": paths[:, :, 0] - paths[:, :, 1],
        }
        frames = []
        for sid, p in series.items():
            out = pd.DataFrame(
                {
                    "series_id": sid,
                    "date": future_index(self.cutoff_, h),
                    "model": self.name,
                    "mean": p.mean(axis=0),
                }
            )
            for lv in levels:
                out[lo_col(lv)] = np.quantile(p, 0.5 - lv / 200, axis=0)
                out[hi_col(lv)] = np.quantile(p, 0.5 + lv / 200, axis=0)
            frames.append(out)
        return pd.concat(frames, ignore_index=True)

    def balance_paths(self, h: int, n_paths: int, random_state: int | None = None) -> np.ndarray:
        """Exports minus imports per path, shape ``(n_paths, h)``."""
        paths = self.sample(h, n_paths, random_state)
        return paths[:, :, 0] - paths[:, :, 1]
