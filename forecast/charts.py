"""Self-contained SVG charts for the HTML report (no plotting library, no network).

Every text that reaches the SVG is escaped, so a series named ``<script>`` stays text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast._text import html_text as escape

__all__ = ["bar_chart", "fan_chart", "horizon_chart", "index_chart"]

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 260, 64, 16, 28, 32
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _scale(lo: float, hi: float, a: float, b: float):
    span = hi - lo if hi > lo else 1.0
    return lambda v: a + (np.asarray(v, float) - lo) / span * (b - a)


def _points(xs, ys) -> str:
    return " ".join(
        f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True) if np.isfinite(x) and np.isfinite(y)
    )


def _fmt(v: float) -> str:
    a = abs(v)
    return (
        f"{v / 1e6:.1f}M"
        if a >= 1e6
        else f"{v / 1e3:.1f}k"
        if a >= 1e4
        else f"{v:,.0f}"
        if a >= 100
        else f"{v:.2f}"
    )


def _frame(title: str, lo: float, hi: float) -> list[str]:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
        f'class="chart"><title>{escape(title)}</title>',
        f'<text x="{PAD_L}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    y = _scale(lo, hi, H - PAD_B, PAD_T)
    for v in np.linspace(lo, hi, 5):
        out.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#e5e5e5"/>'
        )
        out.append(
            f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{escape(_fmt(v))}</text>'
        )
    return out


def fan_chart(
    history: pd.Series, forecast: pd.DataFrame, title: str, last_periods: int = 96
) -> str:
    """History with the forecast mean and 80%/95% bands (``lo-80`` ... ``hi-95``)."""
    hist = history.iloc[-last_periods:]
    periods = list(hist.index) + list(forecast["date"])
    n = len(periods)
    values = np.r_[
        hist.to_numpy(float), forecast[["lo-95", "hi-95", "mean"]].to_numpy(float).ravel()
    ]
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo or 1)
    lo, hi = lo - pad, hi + pad
    x = _scale(0, max(n - 1, 1), PAD_L, W - PAD_R)
    y = _scale(lo, hi, H - PAD_B, PAD_T)
    out = _frame(title, lo, hi)
    start = len(hist)
    fx = x(np.arange(start, n))
    for level, opacity in (("95", 0.18), ("80", 0.32)):
        upper = y(forecast[f"hi-{level}"].to_numpy(float))
        lower = y(forecast[f"lo-{level}"].to_numpy(float))
        poly = _points(np.r_[fx, fx[::-1]], np.r_[upper, lower[::-1]])
        out.append(
            f'<polygon points="{poly}" fill="#1f77b4" fill-opacity="{opacity}">'
            f"<title>{level}% interval</title></polygon>"
        )
    out.append(
        f'<polyline points="{_points(x(np.arange(start)), y(hist.to_numpy(float)))}" '
        'fill="none" stroke="#222" stroke-width="1.4"/>'
    )
    out.append(
        f'<polyline points="{_points(fx, y(forecast["mean"].to_numpy(float)))}" '
        'fill="none" stroke="#1f77b4" stroke-width="2"/>'
    )
    step = max(1, n // 8)
    for i in range(0, n, step):
        out.append(
            f'<text x="{x(i):.1f}" y="{H - 10}" font-size="10" text-anchor="middle">'
            f"{escape(str(periods[i]))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def horizon_chart(errors: pd.DataFrame, title: str) -> str:
    """MASE by horizon per model (columns ``model, h, mase``); seasonal naive dashed."""
    models = list(dict.fromkeys(errors["model"].astype(str)))
    hs = sorted(errors["h"].unique())
    vals = errors["mase"].to_numpy(float)
    vals = vals[np.isfinite(vals)]
    lo, hi = 0.0, float(vals.max()) * 1.1 if len(vals) else 1.0
    x = _scale(min(hs), max(max(hs), min(hs) + 1), PAD_L, W - 150)
    y = _scale(lo, hi, H - PAD_B, PAD_T)
    out = _frame(title, lo, hi)
    for i, model in enumerate(models):
        rows = errors[errors["model"].astype(str) == model].sort_values("h")
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="5,4"' if model == "snaive" else ""
        out.append(
            f'<polyline points="{_points(x(rows["h"]), y(rows["mase"]))}" fill="none" '
            f'stroke="{colour}" stroke-width="1.8"{dash}/>'
        )
        out.append(
            f'<text x="{W - 140}" y="{PAD_T + 14 * i + 10}" font-size="11" '
            f'fill="{colour}">{escape(model)}</text>'
        )
    for h in hs[:: max(1, len(hs) // 12)]:
        out.append(
            f'<text x="{x(h):.1f}" y="{H - 10}" font-size="10" '
            f'text-anchor="middle">h={int(h)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    labels: list[str],
    values: list[float],
    title: str,
    unit: str,
    lows: list[float] | None = None,
    highs: list[float] | None = None,
) -> str:
    """Horizontal bars, one per label (negative to the left), with optional whiskers
    (e.g. an 80% interval) and the value printed beside each bar in ``unit``."""
    n = len(labels)
    row, top = 18, PAD_T + 8
    height = top + row * n + 24
    ends = [*values, *(lows or []), *(highs or []), 0.0]
    ends = [v for v in ends if np.isfinite(v)]
    lo, hi = min(ends), max(ends)
    pad = 0.08 * (hi - lo or 1)
    left = 170
    x = _scale(lo - pad, hi + pad, left, W - 70)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'class="chart"><title>{escape(title)}</title>',
        f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top - 4}" y2="{top + row * n}" '
        'stroke="#888"/>',
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        yy = top + row * i
        x0, x1 = sorted((float(x(0)), float(x(v))))
        colour = COLOURS[0] if v >= 0 else COLOURS[1]
        out.append(
            f'<text x="{left - 6}" y="{yy + 12}" font-size="11" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        out.append(
            f'<rect x="{x0:.1f}" y="{yy + 2}" width="{max(x1 - x0, 0.5):.1f}" '
            f'height="{row - 5}" fill="{colour}"><title>{escape(label)}: {v:+.2f} '
            f"{escape(unit)}</title></rect>"
        )
        if lows is not None and highs is not None:
            out.append(
                f'<line x1="{x(lows[i]):.1f}" x2="{x(highs[i]):.1f}" y1="{yy + 8}" '
                f'y2="{yy + 8}" stroke="#222" stroke-width="1"/>'
            )
        out.append(
            f'<text x="{max(x1, float(x(highs[i])) if highs else x1) + 4:.1f}" '
            f'y="{yy + 12}" font-size="10">{v:+.2f} {escape(unit)}</text>'
        )
    out.append(
        f'<text x="{x(0):.1f}" y="{height - 6}" font-size="10" text-anchor="middle">'
        f"0 {escape(unit)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def index_chart(periods: list, lines: dict[str, np.ndarray], title: str, unit: str) -> str:
    """A few lines over the same periods (e.g. volume and unit-value indexes), legend and
    unit on the axis."""
    values = np.concatenate([np.asarray(v, float) for v in lines.values()])
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    pad = 0.05 * (hi - lo or 1)
    lo, hi = lo - pad, hi + pad
    n = len(periods)
    x = _scale(0, max(n - 1, 1), PAD_L, W - 150)
    y = _scale(lo, hi, H - PAD_B, PAD_T)
    out = _frame(title, lo, hi)
    out.append(
        f'<text x="12" y="{(H - PAD_B + PAD_T) / 2:.0f}" font-size="10" '
        f'transform="rotate(-90 12 {(H - PAD_B + PAD_T) / 2:.0f})" '
        f'text-anchor="middle">{escape(unit)}</text>'
    )
    for i, (name, vals) in enumerate(lines.items()):
        colour = COLOURS[i % len(COLOURS)]
        out.append(
            f'<polyline points="{_points(x(np.arange(n)), y(np.asarray(vals, float)))}"'
            f' fill="none" stroke="{colour}" stroke-width="1.8"/>'
        )
        out.append(
            f'<text x="{W - 140}" y="{PAD_T + 14 * i + 10}" font-size="11" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    for i in range(0, n, max(1, n // 8)):
        out.append(
            f'<text x="{x(i):.1f}" y="{H - 10}" font-size="10" text-anchor="middle">'
            f"{escape(str(periods[i]))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
