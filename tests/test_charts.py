"""Charts: matplotlib figures for notebooks and inline SVG for the report (headless).
Series are synthetic and labelled so, except where the bundled annual series is named."""

from __future__ import annotations

import matplotlib
import pandas as pd

import forecast
from forecast import datasets
from forecast.charts import bar_chart, fan_chart, forecast_figure
from forecast.data import select
from forecast.models import get
from tests.conftest import synthetic_seasonal


def test_model_plot_is_a_figure_with_labels_and_the_forecast():
    y = synthetic_seasonal(n=60)
    y.attrs["unit"] = "USD million"
    fig = get("ets").fit(y).plot(12, y=y)
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "period" and ax.get_ylabel() == "USD million"
    labels = ax.get_legend_handles_labels()[1]
    assert {"history", "forecast (mean)", "80% interval", "95% interval"} <= set(labels)
    forecast_line = next(line for line in ax.get_lines() if line.get_label() == "forecast (mean)")
    assert len(forecast_line.get_xdata()) == 13  # joined to the last observation


def test_annual_one_step_forecast_is_drawn_as_a_point_with_its_interval():
    y = select(datasets.load("china_total_annual"), "China/World/exports/total")
    fig = forecast.plot(y, get("drift").fit(y).predict(1), "annual", "USD billion")
    ax = fig.axes[0]
    assert ax.containers  # the error bars of the one-step interval
    point = next(line for line in ax.get_lines() if line.get_label() == "forecast (mean)")
    assert point.get_marker() == "o"


def test_svg_is_inline_and_escapes_labels():
    y = synthetic_seasonal(n=36)
    svg = fan_chart(y, get("naive").fit(y).predict(3), "<script>x</script>", unit="t")
    assert svg.startswith('<svg class="chart" role="img"') and "<?xml" not in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    bars = bar_chart(["a", "b"], [1.0, -2.0], "bars", "pp", [0.5, -3.0], [1.5, -1.0])
    assert bars.count("<svg") == 1 and ">pp<" in bars


def test_forecast_figure_without_history():
    frame = pd.DataFrame(
        {
            "date": pd.period_range("2026-01", periods=2, freq="M"),
            "mean": [1.0, 2.0],
            "lo-80": [0.5, 1.5],
            "hi-80": [1.5, 2.5],
        }
    )
    ax = forecast_figure(None, frame, "no history", "units").axes[0]
    assert ax.get_ylabel() == "units"
