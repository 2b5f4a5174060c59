"""Rolling-origin splits: where each backtest fold's training data ends and what it tests.

A fold has a *cutoff* (the last training period); it forecasts the ``h`` periods after
``cutoff + gap``. Training is everything up to the cutoff (``expanding``) or the last
``window_length`` periods (``sliding``). Models are re-estimated at every
``refit_every``-th fold and only extended with new data in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Fold", "Splitter"]


@dataclass(frozen=True)
class Fold:
    """One backtest fold: training span, cutoff, test periods and whether to refit."""

    number: int
    cutoff: pd.Period
    train_start: pd.Period
    test: pd.PeriodIndex
    refit: bool


@dataclass(frozen=True)
class Splitter:
    """An immutable rolling-origin splitter.

    Parameters
    ----------
    h : int
        Forecast horizon of every fold.
    step : int, default 1
        Periods between consecutive cutoffs.
    n_windows : int, optional
        Number of folds, ending with the last full test window. Give this or ``start``.
    start : str or pandas.Period, optional
        First cutoff; folds then run every ``step`` periods to the end of the data.
    gap : int, default 0
        Periods skipped between the cutoff and the first forecast period (e.g. a
        publication lag).
    window : {"expanding", "sliding"}, default "expanding"
        Whether training grows or keeps ``window_length`` periods.
    window_length : int, optional
        Training length of a sliding window.
    refit_every : int, default 1
        Re-estimate at every k-th fold; between refits, extend the fitted model.
    """

    h: int
    step: int = 1
    n_windows: int | None = None
    start: str | pd.Period | None = None
    gap: int = 0
    window: str = "expanding"
    window_length: int | None = None
    refit_every: int = 1

    def __post_init__(self) -> None:
        for name in ("h", "step", "refit_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"The '{name}' parameter of Splitter must be a positive int. "
                    f"Got {value!r} instead."
                )
        if isinstance(self.gap, bool) or not isinstance(self.gap, int) or self.gap < 0:
            raise ValueError(
                "The 'gap' parameter of Splitter must be a non-negative int. "
                f"Got {self.gap!r} instead."
            )
        if (self.n_windows is None) == (self.start is None):
            raise ValueError(
                "Splitter needs exactly one of 'n_windows' and 'start'. Got "
                f"n_windows={self.n_windows!r}, start={self.start!r}."
            )
        if self.n_windows is not None and (
            isinstance(self.n_windows, bool)
            or not isinstance(self.n_windows, int)
            or self.n_windows < 1
        ):
            raise ValueError(
                "The 'n_windows' parameter of Splitter must be a positive int. "
                f"Got {self.n_windows!r} instead."
            )
        if self.window not in ("expanding", "sliding"):
            raise ValueError(
                "The 'window' parameter of Splitter must be 'expanding' or "
                f"'sliding'. Got {self.window!r} instead."
            )
        if self.window == "sliding" and (
            not isinstance(self.window_length, int) or self.window_length < 2
        ):
            raise ValueError(
                "A sliding Splitter needs 'window_length', an int of at least 2. "
                f"Got {self.window_length!r} instead."
            )

    def cutoffs(self, index: pd.PeriodIndex) -> list[pd.Period]:
        """The cutoffs of all folds on ``index`` (a regular PeriodIndex)."""
        last = len(index) - 1 - self.gap - self.h  # position of the last full-window cutoff
        if self.n_windows is not None:
            positions = [last - self.step * k for k in range(self.n_windows)][::-1]
        else:
            first = index.get_indexer([pd.Period(self.start, freq=index.freq)])[0]
            if first < 0:
                raise ValueError(
                    f"The 'start' parameter of Splitter ({self.start}) is not a "
                    f"period of the data ({index[0]} to {index[-1]})."
                )
            positions = list(range(first, last + 1, self.step))
        positions = [p for p in positions if p >= 1]
        if not positions:
            raise ValueError(
                f"The data ({len(index)} periods) are too short for a backtest "
                f"with h={self.h} and gap={self.gap}; use fewer windows or a "
                "shorter horizon."
            )
        return [index[p] for p in positions]

    def folds(self, index: pd.PeriodIndex) -> list[Fold]:
        """All folds on ``index``, with their training start and refit flag."""
        out = []
        for k, cutoff in enumerate(self.cutoffs(index)):
            start = index[0]
            if self.window == "sliding":
                start = max(index[0], cutoff - (self.window_length - 1))
            test = pd.period_range(cutoff + self.gap + 1, periods=self.h, freq=index.freq)
            # a sliding window changes the training start, so it always re-estimates
            refit = k % self.refit_every == 0 or self.window == "sliding"
            out.append(Fold(k, cutoff, start, test, refit))
        return out
