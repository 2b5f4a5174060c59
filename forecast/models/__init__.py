"""Forecasting models behind one contract, and a registry of them by name.

>>> from forecast.models import get, available
>>> model = get("ets").fit(y)                   # doctest: +SKIP
>>> model.predict(12, level=(80, 95))           # doctest: +SKIP

The registry holds the univariate models. :class:`PairVAR` (an export-import pair,
jointly simulated) takes a two-column frame and lives beside them.
"""

from __future__ import annotations

import types
import typing

from forecast.models.arima import AutoARIMA
from forecast.models.autotheta import AutoTheta
from forecast.models.base import Forecaster
from forecast.models.baselines import Drift, Naive, SeasonalNaive
from forecast.models.calibrated import Calibrated
from forecast.models.ensemble import Ensemble
from forecast.models.ets import AutoETS
from forecast.models.lagreg import LagRegressor
from forecast.models.structural import Structural
from forecast.models.theta import Theta
from forecast.models.var import PairVAR

__all__ = [
    "AutoARIMA",
    "AutoETS",
    "AutoTheta",
    "Calibrated",
    "Drift",
    "Ensemble",
    "Forecaster",
    "LagRegressor",
    "Naive",
    "PairVAR",
    "SeasonalNaive",
    "Structural",
    "Theta",
    "available",
    "get",
]

_REGISTRY: dict[str, type[Forecaster]] = {
    "naive": Naive,
    "snaive": SeasonalNaive,
    "drift": Drift,
    "ets": AutoETS,
    "arima": AutoARIMA,
    "theta": Theta,
    "autotheta": AutoTheta,
    "structural": Structural,
    "lagreg": LagRegressor,
    "ensemble": Ensemble,
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
        raise ValueError(
            f"Unknown parameter(s) {', '.join(unknown)} for model {name!r}. "
            f"It takes: {', '.join(valid)}."
        )
    hints = typing.get_type_hints(cls.__init__)
    for key, value in params.items():
        _check_type(cls.__name__, key, value, hints.get(key))
    return cls(**params)


_SIMPLE = (bool, int, float, str, type(None))


def _accepts(kind: object, value: object) -> bool | None:
    """Whether ``value`` fits a simple annotation; None when the annotation is not simple."""
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in _SIMPLE:
        return isinstance(value, kind)  # type: ignore[arg-type]
    return None


def _check_type(model: str, key: str, value: object, hint: object) -> None:
    # Catch `damped="yes"` or `season_length="abc"` here, when the model is made, rather
    # than deep inside a fit; annotations that are not plain scalars are left to the model.
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    verdicts = [_accepts(kind, value) for kind in options]
    if None in verdicts or any(verdicts):
        return
    names = " or ".join("None" if k is type(None) else k.__name__ for k in options)
    raise ValueError(
        f"The '{key}' parameter of {model} must be {names}. Got "
        f"{value!r} ({type(value).__name__}) instead."
    )
