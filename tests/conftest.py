"""Shared test helpers. Series built here are synthetic and labelled as such."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HEADER = "reporter,partner,flow,product,date,value,unit\n"


@pytest.fixture
def write(tmp_path: Path):
    """Write text (or bytes) to a CSV in tmp_path and return its path."""

    def _write(content: str | bytes, name: str = "trade.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


def monthly_rows(
    n: int = 24, start: str = "2020-01-01", flow: str = "exports", partner: str = "United States"
) -> str:
    """Canonical CSV rows of a synthetic monthly series (values 100, 101, ...)."""
    dates = pd.date_range(start, periods=n, freq="MS")
    return "".join(
        f"China,{partner},{flow},total,{d:%Y-%m-%d},{100 + i},USD million\n"
        for i, d in enumerate(dates)
    )


def synthetic_seasonal(
    n: int = 120, season: int = 12, seed: int = 0, level: float = 100.0
) -> pd.Series:
    """Synthetic monthly series: trend + seasonality + noise (labelled synthetic)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = level + 0.5 * t + 10 * np.sin(2 * np.pi * t / season) + rng.normal(0, 2, n)
    index = pd.period_range("2000-01", periods=n, freq="M")
    return pd.Series(values, index=index, name="synthetic/seasonal")
