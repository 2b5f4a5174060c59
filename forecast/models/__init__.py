"""Forecasting models behind one contract, and a registry of them by name.

>>> from forecast.models import get, available
>>> model = get("ets").fit(y)                   # doctest: +SKIP
>>> model.predict(12, level=(80, 95))           # doctest: +SKIP

The registry holds the univariate models. :class:`PairVAR` (an export-import pair,
jointly simulated) takes a two-column frame and lives beside them.
"""

from __future__ import annotations

from forecast.models.arima import AutoARIMA
from forecast.models.autotheta import AutoTheta
from forecast.models.base import Forecaster
from forecast.models.baselines import Drift, Naive, SeasonalNaive
from forecast.models.ensemble import Ensemble
from forecast.models.ets import AutoETS
from forecast.models.lagreg import LagRegressor
from forecast.models.structural import Structural
from forecast.models.theta import Theta
from forecast.models.var import PairVAR

__all__ = ["AutoARIMA", "AutoETS", "AutoTheta", "Drift", "Ensemble", "Forecaster", "LagRegressor",
           "Naive", "PairVAR", "SeasonalNaive", "Structural", "Theta", "available", "get"]

_REGISTRY: dict[str, type[Forecaster]] = {
    "naive": Naive, "snaive": SeasonalNaive, "drift": Drift, "ets": AutoETS,
    "arima": AutoARIMA, "theta": Theta, "autotheta": AutoTheta, "structural": Structural,
    "lagreg": LagRegressor, "ensemble": Ensemble,
}


def available() -> list[str]:
    """Return the registered model names."""
    return list(_REGISTRY)


def get(name: str, **params: object) -> Forecaster:
    """Return a fresh, unfitted model by registry name.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    **params
        Hyperparameters passed to the model's constructor.

    Raises
    ------
    ValueError
        For an unknown name or parameter.
    """
    if name not in _REGISTRY:
        raise ValueError(f"Unknown model {name!r}. Choose one of {', '.join(_REGISTRY)}.")
    cls = _REGISTRY[name]
    valid = cls._get_param_names()
    unknown = [p for p in params if p not in valid]
    if unknown:
        raise ValueError(f"Unknown parameter(s) {', '.join(unknown)} for model {name!r}. "
                         f"It takes: {', '.join(valid)}.")
    return cls(**params)
