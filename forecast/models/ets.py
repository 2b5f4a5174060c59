"""Exponential smoothing state-space models (ETS) with automatic selection by AICc.

The search follows Hyndman et al. (2002) and R's ``forecast::ets()``: error additive or
multiplicative, trend none / additive / additive damped, season none / additive /
multiplicative; multiplicative components only for positive data, and no additive error
with multiplicative season (numerically unstable). The model with the lowest AICc wins.
"""

from __future__ import annotations

import itertools

import numpy as np
from statsmodels.tools.eval_measures import aicc
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecast.models._statsmodels import paths_from_simulation, quiet
from forecast.models.base import Forecaster

__all__ = ["AutoETS"]

_CODES = {"A": "add", "M": "mul", "N": None}


class AutoETS(Forecaster):
    """ETS with components chosen by AICc (statsmodels ``ETSModel``).

    Parameters
    ----------
    model : str, default "ZZZ"
        Three letters for error, trend and season: ``A`` additive, ``M`` multiplicative,
        ``N`` none, ``Z`` chosen automatically (e.g. ``"AAN"`` is Holt's linear method).
    damped : bool, optional
        Damp the trend (True), never (False), or choose (None).
    season_length : int, optional
        Periods per season; inferred from the index when None.
    transform : {None, "log", "boxcox"}
        Variance-stabilising transform (bias-adjusted on the way back).
    boxcox_lambda : float, optional
        Fixed Box-Cox lambda; estimated when None.

    Attributes
    ----------
    results_ : statsmodels ETSResults
        The chosen fit (``results_.summary()`` works).
    spec_ : str
        The chosen model, e.g. ``"ETS(M,Ad,M)"``.
    """

    constant_ok = True

    name = "ets"
    min_obs = 4

    def __init__(
        self,
        model: str = "ZZZ",
        damped: bool | None = None,
        season_length: int | None = None,
        transform: str | None = None,
        boxcox_lambda: float | None = None,
    ):
        self.model = model
        self.damped = damped
        self.season_length = season_length
        self.transform = transform
        self.boxcox_lambda = boxcox_lambda

    def _candidates(self, y: np.ndarray) -> list[tuple[str, str, bool, str]]:
        spec = self.model
        if (
            not isinstance(spec, str)
            or len(spec) != 3
            or any(c not in "AMNZ" for c in spec.upper())
            or spec[0].upper() == "N"
        ):
            raise ValueError(
                "The 'model' parameter of AutoETS must be three letters from "
                "A, M, N, Z (error, trend, season; error not N), e.g. 'ZZZ'. "
                f"Got {spec!r} instead."
            )
        spec = spec.upper()
        positive = bool(np.all(y > 0))
        m = self.season_length_
        seasonal_ok = m > 1 and len(y) >= 2 * m + 2
        errors = ["A", "M"] if spec[0] == "Z" else [spec[0]]
        trends = ["N", "A"] if spec[1] == "Z" else [spec[1]]
        seasons = (["N", "A", "M"] if seasonal_ok else ["N"]) if spec[2] == "Z" else [spec[2]]
        damps = [False, True] if self.damped is None else [bool(self.damped)]
        out = []
        for e, t, s, d in itertools.product(errors, trends, seasons, damps):
            if d and t == "N":
                continue
            if not positive and "M" in (e, t, s):
                continue
            if spec[0] == "Z" and e == "A" and s == "M":
                continue
            if s != "N" and not seasonal_ok:
                continue
            out.append((e, t, d, s))
        if not out:
            raise ValueError(
                f"AutoETS has no admissible model for spec {self.model!r} on this "
                "series (multiplicative parts need positive data; a season "
                "needs two full seasons). Use model='ZZZ'."
            )
        return out

    def _fit(self, y, X):
        best = None
        for e, t, d, s in self._candidates(y):
            model = ETSModel(
                y,
                error=_CODES[e],
                trend=_CODES[t],
                damped_trend=d,
                seasonal=_CODES[s],
                seasonal_periods=self.season_length_ if s != "N" else None,
            )
            # only parameters: a results object would compute a complex-step Hessian
            # (a quarter of the search's time) for every candidate; the winner gets one
            try:
                params = quiet(model.fit, disp=False, return_params=True)
                llf = quiet(model.loglike, params)
            except (ValueError, np.linalg.LinAlgError):
                continue
            # statsmodels' ETSResults.aicc: every parameter (initial states included)
            # plus the scale
            score = aicc(llf, model.nobs, model.k_params + 1)
            if np.isfinite(score) and (best is None or score < best[0]):
                best = (score, model, params, (e, t, d, s))
        if best is None:
            raise ValueError("AutoETS could not fit any candidate model to this series.")
        _, model, params, self.components_ = best
        self.results_ = quiet(model.smooth, params)
        self.params_ = np.asarray(self.results_.params, dtype=float)  # incl. initial states
        e, t, d, s = self.components_
        self.spec_ = f"ETS({e},{t}{'d' if d else ''},{s})"

    def _model(self, y: np.ndarray, **initial: object) -> ETSModel:
        e, t, d, s = self.components_
        method = "known" if initial else "estimated"
        return ETSModel(
            y,
            error=_CODES[e],
            trend=_CODES[t],
            damped_trend=d,
            seasonal=_CODES[s],
            seasonal_periods=self.season_length_ if s != "N" else None,
            initialization_method=method,
            **initial,
        )

    def _update(self, y, X):
        self.results_ = quiet(self._model(y).smooth, self.params_)

    def _compact(self):
        # statsmodels rebuilds lagged seasonal states from the observations, so a seasonal
        # model keeps its last season; the run starts from the state just before it
        res, model = self.results_, self.results_.model
        k = min(model.seasonal_periods, model.nobs) if model.has_seasonal else 1
        state = res._get_prediction_params(model.nobs - k)[4:]
        initial = {"initial_level": state[0]}
        if model.has_trend:
            initial["initial_trend"] = state[1]
        if model.has_seasonal:
            initial["initial_seasonal"] = state[2 : 2 + model.seasonal_periods][::-1]
        tail = self._model(np.asarray(model.endog, dtype=float)[-k:], **initial)
        names = list(model.param_names)
        params = np.array([self.params_[names.index(n)] for n in tail.param_names])
        compact = quiet(tail.smooth, params)
        compact._results.scale = res._results.scale  # simulation sigma: the full-sample one
        self.results_ = compact

    def _point(self, h, X):
        return np.asarray(self.results_.forecast(h), dtype=float)

    def _sample(self, h, n_paths, X, rng):
        sim = quiet(self.results_.simulate, h, anchor="end", repetitions=n_paths, rng=rng)
        return paths_from_simulation(sim, h, n_paths)
