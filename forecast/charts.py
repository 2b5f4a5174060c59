"""Charts with matplotlib: figures for notebooks, inline SVG for the self-contained report.

Every chart has a title, axis labels with units, and a legend where it has more than one
element. A forecast chart joins history and forecast, shades the 80% and 95% intervals,
and draws a one-step forecast (e.g. next year of an annual series) as a point with its
interval, so it is never invisible. The ``*_figure`` functions return matplotlib
figures (``forecast.plot`` and ``Forecaster.plot`` use them); the ``*_chart`` functions
return SVG text for the HTML report (fonts as text, every label escaped by matplotlib).
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display: report generation and tests run headless

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecast._text import printable
from forecast.periods import hi_col, lo_col

__all__ = [
    "bar_chart",
    "bar_figure",
    "fan_chart",
    "forecast_figure",
    "horizon_chart",
    "horizon_figure",
    "index_chart",
    "lines_figure",
    "to_svg",
]

BLUE, RED, GREY = "#1f77b4", "#d62728", "#444444"
plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _x(index: pd.Index) -> pd.DatetimeIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return pd.DatetimeIndex([p.to_timestamp() if isinstance(p, pd.Period) else p for p in index])


def forecast_figure(
    history: pd.Series | None,
    forecast: pd.DataFrame,
    title: str = "",
    unit: str = "",
    last_periods: int = 96,
) -> Figure:
    """History and forecast with 80% and 95% intervals (columns ``date, mean, lo-80,
    hi-80, lo-95, hi-95``; levels that are absent are skipped)."""
    fig, ax = plt.subplots(figsize=(7.2, 2.8), layout="constrained")
    dates = _x(pd.PeriodIndex(forecast["date"]))
    if history is not None and len(history):
        hist = history.iloc[-last_periods:]
        ax.plot(_x(hist.index), hist.to_numpy(float), color=GREY, lw=1.3, label="history")
        joined_x = _x(pd.PeriodIndex([hist.index[-1]])).append(dates)
        joined_y = np.r_[hist.to_numpy(float)[-1], forecast["mean"].to_numpy(float)]
    else:
        joined_x, joined_y = dates, forecast["mean"].to_numpy(float)
    for level, alpha in ((95, 0.18), (80, 0.35)):
        if lo_col(level) not in forecast:
            continue
        lo, hi = forecast[lo_col(level)].to_numpy(float), forecast[hi_col(level)].to_numpy(float)
        if len(forecast) == 1:
            mean = forecast["mean"].to_numpy(float)
            ax.errorbar(
                dates,
                mean,
                yerr=[mean - lo, hi - mean],
                fmt="none",
                ecolor=BLUE,
                alpha=min(1, 2 * alpha),
                capsize=4,
                lw=2,
                label=f"{level}% interval",
            )
        else:
            ax.fill_between(
                dates, lo, hi, color=BLUE, alpha=alpha, lw=0, label=f"{level}% interval"
            )
    ax.plot(
        joined_x,
        joined_y,
        color=BLUE,
        lw=1.8,
        marker="o" if len(forecast) == 1 else None,
        label="forecast (mean)",
    )
    ax.set_title(printable(title))
    ax.set_xlabel("period")
    ax.set_ylabel(printable(unit) or "value")
    ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def horizon_figure(errors: pd.DataFrame, title: str = "") -> Figure:
    """Backtest MASE by horizon per model (columns ``model, h, mase``)."""
    fig, ax = plt.subplots(figsize=(7.2, 2.6), layout="constrained")
    for model in dict.fromkeys(errors["model"].astype(str)):
        rows = errors[errors["model"].astype(str) == model].sort_values("h")
        ax.plot(
            rows["h"],
            rows["mase"],
            lw=1.6,
            ls="--" if model == "snaive" else "-",
            label=printable(model),
        )
    ax.set_title(printable(title))
    ax.set_xlabel("horizon (periods ahead)")
    ax.set_ylabel("MASE (1 = in-sample seasonal naive)")
    ax.legend(fontsize=8, frameon=False, ncol=3)
    return fig


def bar_figure(
    labels: list[str],
    values: list[float],
    title: str = "",
    unit: str = "",
    lows: list[float] | None = None,
    highs: list[float] | None = None,
) -> Figure:
    """Horizontal bars (negative red), optional whiskers, values printed beside them."""
    fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.24 * len(labels)), layout="constrained")
    y = np.arange(len(labels))[::-1]
    colours = [BLUE if v >= 0 else RED for v in values]
    ax.barh(y, values, color=colours, height=0.7)
    if lows is not None and highs is not None:
        ax.errorbar(
            values,
            y,
            xerr=[np.subtract(values, lows), np.subtract(highs, values)],
            fmt="none",
            ecolor=GREY,
            lw=1,
            capsize=2,
            label="80% interval",
        )
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_yticks(y, [printable(label) for label in labels])
    for yy, v in zip(y, values, strict=True):
        ax.annotate(
            f"{v:+.2f}",
            (v, yy),
            xytext=(3 if v >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if v >= 0 else "right",
            va="center",
            fontsize=7,
        )
    ax.set_title(printable(title))
    ax.set_xlabel(printable(unit))
    return fig


def lines_figure(
    periods: list, lines: dict[str, np.ndarray], title: str = "", unit: str = ""
) -> Figure:
    """A few lines over the same periods, e.g. volume and unit-value indexes."""
    fig, ax = plt.subplots(figsize=(7.2, 2.6), layout="constrained")
    x = _x(pd.Index(periods))
    for (name, values), colour in zip(lines.items(), (BLUE, RED, GREY, "#2ca02c"), strict=False):
        ax.plot(x, np.asarray(values, float), lw=1.6, color=colour, label=printable(name))
    ax.set_title(printable(title))
    ax.set_xlabel("period")
    ax.set_ylabel(printable(unit))
    ax.legend(fontsize=8, frameon=False)
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as inline SVG (no XML header, scalable, ``class="chart"``); closes it."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    return svg.replace("<svg", '<svg class="chart" role="img"', 1)


def fan_chart(
    history: pd.Series, forecast: pd.DataFrame, title: str, unit: str = "", last_periods: int = 96
) -> str:
    """SVG of :func:`forecast_figure`."""
    return to_svg(forecast_figure(history, forecast, title, unit, last_periods))


def horizon_chart(errors: pd.DataFrame, title: str) -> str:
    """SVG of :func:`horizon_figure`."""
    return to_svg(horizon_figure(errors, title))


def bar_chart(
    labels: list[str],
    values: list[float],
    title: str,
    unit: str,
    lows: list[float] | None = None,
    highs: list[float] | None = None,
) -> str:
    """SVG of :func:`bar_figure`."""
    return to_svg(bar_figure(labels, values, title, unit, lows, highs))


def index_chart(periods: list, lines: dict[str, np.ndarray], title: str, unit: str) -> str:
    """SVG of :func:`lines_figure`."""
    return to_svg(lines_figure(periods, lines, title, unit))
