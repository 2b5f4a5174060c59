"""Model selection and ensemble weights from backtest scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.metrics import evaluate

__all__ = ["best_models", "rank_models", "weights_from_scores"]


def rank_models(frame: pd.DataFrame, metric: str = "mase") -> pd.DataFrame:
    """Rank models within each series by a backtest metric (1 = best, lower is better).

    Returns
    -------
    pandas.DataFrame
        ``series_id, model, <metric>, rank``, sorted by series and rank.
    """
    scores = evaluate(frame, [metric], by=("series_id", "model"))
    scores["rank"] = scores.groupby("series_id")[metric].rank(method="min")
    return scores.sort_values(["series_id", "rank"]).reset_index(drop=True)


def best_models(frame: pd.DataFrame, metric: str = "mase") -> dict[str, str]:
    """The best model of each series by ``metric``."""
    ranked = rank_models(frame, metric)
    ranked = ranked[np.isfinite(ranked[metric])]
    return {str(sid): str(g.iloc[0]["model"]) for sid, g in ranked.groupby("series_id")}


def weights_from_scores(
    scores: pd.Series | dict[str, float], *, power: float = 1.0, top: int | None = None
) -> dict[str, float]:
    """Ensemble weights inversely proportional to a loss (e.g. each model's MASE).

    Parameters
    ----------
    scores : pandas.Series or dict
        Loss per model name (lower is better); non-finite or non-positive losses get
        weight zero.
    power : float, default 1.0
        Weights are ``loss ** -power``; larger values favour the best models more.
    top : int, optional
        Keep only the ``top`` best models.

    Returns
    -------
    dict of str to float
        Weights summing to one.
    """
    s = pd.Series(scores, dtype=float)
    s = s[np.isfinite(s) & (s > 0)].sort_values()
    if top is not None:
        s = s.iloc[:top]
    if s.empty:
        raise ValueError(
            "The 'scores' parameter of weights_from_scores has no finite, "
            "positive loss; check the backtest for failed folds."
        )
    w = s ** -float(power)
    return (w / w.sum()).to_dict()
