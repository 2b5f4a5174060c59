"""Forecast combinations: equal weights, the median, or weights from backtest scores.

The point forecast combines the members' means. The paths are a mixture: each member
contributes paths in proportion to its weight, so the spread includes the members'
disagreement as well as their own uncertainty.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast.errors import DataError
from forecast.models.base import Forecaster

__all__ = ["Ensemble"]

log = logging.getLogger(__name__)
DEFAULT_MEMBERS = ("snaive", "ets", "arima", "theta")


class Ensemble(Forecaster):
    """Combine several models into one forecast.

    Parameters
    ----------
    members : sequence of str or Forecaster, default ("snaive", "ets", "arima", "theta")
        Registry names or unfitted models.
    combine : {"mean", "median", "weighted"}, default "median"
        How member means are combined; "weighted" uses ``weights``. The median of the
        four default members is robust to one member going astray: on the Tourism
        monthly set it beats each member and statsforecast's ETS/ARIMA/Theta mean on
        MAPE and MASE (benchmarks/results/tourism_monthly.md).
    weights : mapping of str to float, optional
        Member weights by name (e.g. from :func:`forecast.backtest.weights_from_scores`);
        normalised to sum to one over the members that fitted.
    season_length : int, optional
        Passed to members that take it, when set.
    paths : {"mixture", "centred"}, default "mixture"
        How members' paths make the ensemble's: "mixture" pools them as drawn (a linear
        pool: its spread adds the members' disagreement to their own uncertainty);
        "centred" shifts each member's paths so that its mean is the combined mean,
        keeping only the members' own uncertainty around the point the ensemble
        forecasts. Linear pools of calibrated forecasts are overdispersed (Ranjan and
        Gneiting, 2010), and the combined mean is more accurate than the members'.

    Attributes
    ----------
    members_ : dict of str to Forecaster
        The fitted members.
    failed_ : dict of str to str
        Members that could not be fitted, with the reason.
    weights_ : dict of str to float
        The weights used.
    """

    constant_ok = True

    name = "ensemble"
    handles_missing = True
    uses_exog = True

    def __init__(
        self,
        members: Sequence[str | Forecaster] = DEFAULT_MEMBERS,
        combine: str = "median",
        weights: Mapping[str, float] | None = None,
        season_length: int | None = None,
        paths: str = "mixture",
    ):
        self.members = members
        self.combine = combine
        self.weights = weights
        self.season_length = season_length
        self.paths = paths

    def _build(self) -> dict[str, Forecaster]:
        from forecast.models import get  # the registry imports this module

        out: dict[str, Forecaster] = {}
        for member in self.members:
            model = get(member) if isinstance(member, str) else clone(member)
            if self.season_length is not None and "season_length" in model.get_params():
                model.set_params(season_length=self.season_length)
            name = model.model_name
            while name in out:
                name += "_"
            out[name] = model
        if not out:
            raise ValueError(
                "The 'members' parameter of Ensemble must name at least one "
                "model. Got an empty sequence instead."
            )
        return out

    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> Ensemble:
        """Fit every member; members that fail are recorded in ``failed_``."""
        if self.combine not in ("mean", "median", "weighted"):
            raise ValueError(
                "The 'combine' parameter of Ensemble must be 'mean', 'median' or "
                f"'weighted'. Got {self.combine!r} instead."
            )
        if self.paths not in ("mixture", "centred"):
            raise ValueError(
                "The 'paths' parameter of Ensemble must be 'mixture' or 'centred'. "
                f"Got {self.paths!r} instead."
            )
        y = self._check_y(y)
        self._fit_state(y, X)
        self.transform_lambda_ = None
        self.members_, self.failed_ = {}, {}
        for name, model in self._build().items():
            try:
                model.fit(y, X if model.uses_exog else None)
            except (DataError, ValueError, np.linalg.LinAlgError) as exc:
                self.failed_[name] = f"{type(exc).__name__}: {exc}"
                log.info("ensemble member %s failed on %s: %s", name, self.series_id_, exc)
                continue
            self.members_[name] = model
        if not self.members_:
            raise DataError(
                f"No ensemble member could be fitted to series "
                f"'{self.series_id_}': " + "; ".join(f"{k}: {v}" for k, v in self.failed_.items())
            )
        self.weights_ = self._weights()
        return self

    def update(self, y: pd.Series, X: pd.DataFrame | None = None) -> Ensemble:
        """Extend every member with new observations (see :meth:`Forecaster.update`)."""
        self._check_fitted()
        y = self._check_y(y)
        for model in self.members_.values():
            model.update(y, X if model.x_columns_ is not None else None)
        self._advance(y, X)
        return self

    def _compact(self):
        self.members_ = {name: model.compact() for name, model in self.members_.items()}

    def _weights(self) -> dict[str, float]:
        names = list(self.members_)
        if self.combine != "weighted":
            return {n: 1 / len(names) for n in names}
        given = dict(self.weights or {})
        raw = np.array([max(float(given.get(n, 0.0)), 0.0) for n in names])
        if not np.isfinite(raw).all() or raw.sum() <= 0:
            raise ValueError(
                "The 'weights' parameter of Ensemble must give a positive weight "
                f"to at least one fitted member ({', '.join(names)}). "
                f"Got {self.weights!r} instead."
            )
        return dict(zip(names, raw / raw.sum(), strict=True))

    def _member_X(self, model: Forecaster, X: np.ndarray | None) -> pd.DataFrame | None:
        if X is None or not model.uses_exog or model.x_columns_ is None:
            return None
        index = pd.period_range(self.cutoff_ + 1, periods=len(X), freq=self.cutoff_.freq)
        return pd.DataFrame(X, index=index, columns=self.x_columns_)

    def _means(self, h: int, X: np.ndarray | None) -> np.ndarray:
        """The members' mean forecasts, one row per member."""
        return np.vstack(
            [
                m.predict(h, self._member_X(m, X), level=())["mean"].to_numpy()
                for m in self.members_.values()
            ]
        )

    def _combined(self, means: np.ndarray) -> np.ndarray:
        if self.combine == "median":
            return np.median(means, axis=0)
        return np.array(list(self.weights_.values())) @ means

    def _point(self, h, X):
        return self._combined(self._means(h, X))

    def _sample(self, h, n_paths, X, rng):
        w = np.array(list(self.weights_.values()))
        counts = np.floor(w * n_paths).astype(int)
        counts[np.argsort(-(w * n_paths - counts))[: n_paths - counts.sum()]] += 1
        # One seed per member and one for the mixing, drawn before any path: a member's
        # draws then never shift another's, so the paths (and intervals) of a period do
        # not depend on how many periods are asked for.
        seeds = rng.integers(0, 2**63 - 1, size=len(counts) + 1)
        shifts = np.zeros((len(counts), h))
        if self.paths == "centred":  # each member's paths moved onto the combined mean
            means = self._means(h, X)
            shifts = self._combined(means) - means
        parts = [
            m.sample(h, int(c), self._member_X(m, X), random_state=int(seed)) + shift
            for m, c, seed, shift in zip(
                self.members_.values(), counts, seeds[:-1], shifts, strict=True
            )
            if c > 0
        ]
        return np.vstack(parts)[np.random.default_rng(int(seeds[-1])).permutation(n_paths)]
