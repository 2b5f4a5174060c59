"""forecast: trade forecasting, backtesting and export-risk analysis.

The package fits time-series and regression models to export and import series,
backtests them against history, and turns their simulated paths into calendar-year
outlooks and overcapacity-risk indicators.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from forecast.errors import ArtifactError, ConfigError, DataError

try:
    __version__ = version("trade-forecast")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["ArtifactError", "ConfigError", "DataError", "__version__", "forecast", "plot"]


def __getattr__(name: str) -> object:
    # `forecast.forecast(df, h)` without importing the models at `import forecast`
    if name == "forecast":
        from forecast.api import forecast

        return forecast
    if name == "plot":
        from forecast.charts import forecast_figure

        return forecast_figure
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")
