"""Backtesting: rolling-origin splits, the engine, metrics, annual vintages, selection."""

from __future__ import annotations

from forecast.backtest.engine import BacktestResult, backtest
from forecast.backtest.splitter import Fold, Splitter

__all__ = ["BacktestResult", "Fold", "Splitter", "backtest"]

from forecast.backtest.annual import annual_backtest, brier_summary
from forecast.backtest.selection import (
    best_models,
    rank_models,
    weights_from_scores,
)

__all__ += ["annual_backtest", "best_models", "brier_summary", "rank_models", "weights_from_scores"]
