"""Outputs of a run: summary.json, CSV tables and a self-contained HTML report.

The report has no scripts and loads nothing from the network: styles are inline and the
charts are inline SVG. Every label is escaped.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from forecast import __version__, charts
from forecast._io import atomic_write_text, write_csv
from forecast._text import html_text as escape
from forecast.artifacts import library_versions
from forecast.metrics import evaluate
from forecast.periods import SeriesKey

__all__ = ["summary", "write_outputs"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}main{max-width:1100px;margin:auto;padding:16px 24px}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}
h3{font-size:16px}table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{width:100%;min-width:560px;height:auto;background:#fff;border:1px solid #eee;
margin:6px 0}
.high{color:#b00020;font-weight:bold}.elevated{color:#b36b00;font-weight:bold}
.low{color:#1b7f3a;font-weight:bold}.note{color:#555;font-size:13px}
.error{color:#b00020}section.series{background:#fff;padding:8px 16px;margin:16px 0;
border:1px solid #e5e5e5}.wrap{overflow-x:auto;max-width:100%}
.headline{background:#fff;border-left:4px solid #1f77b4;padding:8px 16px;font-size:16px}
@media (max-width:600px){main{padding:8px}table{font-size:11px}h1{font-size:20px}}
"""


def _wrap(svg: str) -> str:
    """A chart in a container that scrolls at phone width, so its text stays legible
    (charts keep a minimum width) while the page itself never overflows."""
    return f'<div class="wrap">{svg}</div>'


def _chart(kind: str, *args: object, **kwargs: object) -> str:
    """``forecast.charts.<kind>`` in its scrolling container."""
    return _wrap(getattr(charts, kind)(*args, **kwargs))


def _clean(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Period, pd.Timestamp)):
        return str(value)
    return value


def summary(result) -> dict:
    """The run's summary as a JSON-safe dict (``created`` is its only timestamp)."""
    series = []
    for s in result.series:
        entry = {
            "series_id": s.spec.id,
            "notes": s.notes,
            "errors": s.errors,
            "provenance": s.provenance,
        }
        if s.y is not None:
            from forecast.models.base import fingerprint

            entry["data_fingerprint"] = fingerprint(s.y)
            entry["span"] = [str(s.y.index[0]), str(s.y.index[-1])]
        if s.leaderboard is not None:
            entry["backtest"] = s.leaderboard.to_dict(orient="records")
        if s.weights:
            entry["ensemble_weights"] = s.weights
            entry["uses_driver"] = s.uses_driver
        if s.artifact:
            entry["artifact"] = s.artifact
            entry["artifact_reused"] = s.reused
        if s.backtest is not None:
            entry["backtest_reused"] = s.backtest_reused
        if s.outlook is not None:
            entry["outlook"] = s.outlook.iloc[0].to_dict()
        series.append(entry)
    extra = {"errors": list(result.errors)}
    if result.partners is not None:
        extra["partners"] = _partners_summary(result.partners)
    if result.sectors is not None:
        extra["sectors"] = {
            "headline": result.sectors.headline(),
            "scores": result.sectors.table().to_dict(orient="records"),
            "outlook": result.sectors.outlook.to_dict(orient="records"),
            "notes": result.sectors.notes,
        }
    return _clean(
        {
            **extra,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "config_digest": result.config.digest(),
            "seed": result.config.seed,
            "series": series,
            "risk": result.risk.to_dict(orient="records"),
            "failed": result.failed,
        }
    )


def _partners_summary(p) -> dict:
    o = p.outlook
    return {
        "headline": p.headline(),
        "year": o.year,
        "base_year": o.base_year,
        "unit": o.unit,
        "method": o.method,
        "scale_factor": o.scale_factor,
        "hhi_countries": list(p.hhi_countries),
        "notes": p.notes,
        "outlook": p.outlook_table().to_dict(orient="records"),
        "outlook_contributions": o.contributions(_regions(p)).to_dict(orient="records"),
        "regions": p.regions.table.to_dict(orient="records"),
        "diversion": p.diversion.table.to_dict(orient="records"),
    }


NOT_PARTNERS = ("Antarctica", "Unknown country (region)")


def _regions(p) -> list[str]:
    h = p.outlook.hierarchy
    return [n for n in h.nodes if h.parent.get(n) == h.nodes[0]]


def _partners_section(result) -> str:
    p = result.partners
    if p is None:
        return ""
    d, o = p.diversion, p.outlook
    parts = [
        "<h2>Where exports go</h2>",
        "".join(f"<p>{escape(line)}</p>" for line in p.headline()),
    ]
    t = d.table.assign(mag=d.table["contribution_pp"].abs()).sort_values("mag", ascending=False)
    shown = t[t["mag"] >= 0.1].sort_values("contribution_pp", ascending=False)
    rest = t[t["mag"] < 0.1]["contribution_pp"].sum()
    labels = [*shown["part"], f"{len(t) - len(shown)} others"]
    values = [*shown["contribution_pp"], rest]
    parts.append(
        _chart(
            "bar_chart",
            labels,
            values,
            f"Contributions to export growth, {d.year} (pp; sum {d.total_growth_pct:+.1f}%)",
            "pp",
        )
    )
    reg = p.regions.table.rename(
        columns={
            "part": "region",
            "exports": f"exports {d.year} ({d.unit})",
            "share_pct": "share %",
            "share_change_pp": "share change pp",
            "contribution_pp": "contribution pp",
            "balance": f"balance {d.year} ({d.unit})",
            "share_of_surplus_pct": "share of surplus %",
        }
    )
    parts.append(
        _table(
            reg[
                [
                    "region",
                    f"exports {d.year} ({d.unit})",
                    "share %",
                    "share change pp",
                    "contribution pp",
                    f"balance {d.year} ({d.unit})",
                    "share of surplus %",
                ]
            ],
            1,
        )
    )
    tab = o.table().set_index("node")
    tab["growth_q50"] = np.percentile(o.growth, 50, axis=0)
    h = o.hierarchy
    named = tab[
        (tab["level"] == "bottom")
        & ~tab.index.str.startswith("Rest of ")
        & ~tab.index.isin(NOT_PARTNERS)
    ].sort_values("base_total", ascending=False)
    keep = [n for n in h.aggregates] + list(named.index[:15])
    view = tab.loc[keep].reset_index()
    view = pd.DataFrame(
        {
            "partner": view["node"],
            "level": view["level"],
            f"{o.base_year} total ({o.unit})": view["base_total"],
            "median growth %": 100 * view["growth_q50"],
            "80% low %": 100 * view["growth_q10"],
            "80% high %": 100 * view["growth_q90"],
            "P(growth >= 0)": view["p_growth_ge_0"],
        }
    )
    parts.append(f"<h3>Outlook {o.year} by partner</h3>")
    same = next(
        (
            x
            for x in result.series
            if x.outlook is not None and x.spec.id == "China/World/exports/total"
        ),
        None,
    )
    total = same.outlook.iloc[0] if same is not None else None
    if total is not None and int(total["year"]) == o.year:
        world = tab.iloc[0]
        parts.append(
            f'<p class="note">Two outlooks of China\'s {o.year} exports answer the same '
            f"question on different data: the annual series above (USD, ensemble on "
            f"{same.y.index[0]}-{same.y.index[-1]}) expects "
            f"{100 * total['expected_growth']:+.1f}% (P(growth &ge; 0) "
            f"{total['p_growth_ge_0']:.2f}); the partner table (CNY, a growth-history "
            f"model, coherent across partners) {100 * world['expected_growth']:+.1f}% "
            f"(P {world['p_growth_ge_0']:.2f}). Read the gap as model uncertainty.</p>"
        )
    parts.append(_table(view, 2))
    parts.append(
        '<p class="note">The 15 largest partners named in the hierarchy; every '
        "node, with the mean growth, is in partners.csv.</p>"
    )
    contrib = o.contributions(_regions(p))
    keep_rows = ~contrib["node"].isin(NOT_PARTNERS)
    contrib = contrib[keep_rows]
    parts.append(
        _chart(
            "bar_chart",
            list(contrib["node"]),
            list(contrib["expected_contribution_pp"]),
            f"Expected contributions to {o.year} growth (pp, 80% intervals)",
            "pp",
            list(contrib["contribution_q10_pp"]),
            list(contrib["contribution_q90_pp"]),
        )
    )
    parts.append(
        f"<p class=\"note\">Basis: each level is {o.base_year}'s total from GACC's monthly "
        "table (CNY, China-reported); each growth distribution comes from the node's annual "
        "history, China's own totals for the world and partner-reported imports from China "
        "(UN Comtrade mirror, CIF USD, 2015-2024, chain-linked over reporters) with "
        f"{o.base_year} from the GACC table for the rest, centred on no change (a random walk, "
        "which beat the historical mean in the backtest), spread calibrated on past "
        f"one-year errors (factor {o.scale_factor:.2f}), drawn jointly and reconciled "
        f"({escape(o.method)}) so every simulated world total is the sum of its parts. "
        "See benchmarks/results/partners.md.</p>"
    )
    parts += [f'<p class="note">{escape(n)}</p>' for n in p.notes]
    return "".join(parts)


def _sectors_section(result) -> str:
    r = result.sectors
    if r is None:
        return ""
    parts = [
        "<h2>Sectors: overcapacity where it is made</h2>",
        "".join(f"<p>{escape(line)}</p>" for line in r.headline()),
    ]
    for product, frame in r.monthly.items():
        v, q = frame["value"], frame["quantity"]
        uv = (v / q).where(q > 0)
        base = frame.index.year == frame.index.year.min()
        vol = 100 * q / q[base].mean()
        price = 100 * uv / uv[base].mean()
        parts.append(
            _chart(
                "index_chart",
                list(frame.index),
                {"volume": vol.to_numpy(), "unit value": price.to_numpy()},
                f"{product}: export volume and unit value",
                f"index, {frame.index.year.min()} average = 100",
            )
        )
    table = r.table()
    cols = [
        "product",
        "score",
        "level",
        "volume_growth",
        "unit_value_growth",
        "divergence",
        "persistence",
        "growth_vs_total",
        "share_of_exports",
        "reasons",
    ]
    view = (
        table[[c for c in cols if c in table.columns]]
        .head(20)
        .rename(
            columns={
                "volume_growth": "volume growth %",
                "unit_value_growth": "unit value growth %",
                "divergence": "divergence pp",
                "persistence": "months volume up, price down (of 12)",
                "growth_vs_total": "value growth vs total pp",
                "share_of_exports": "share of exports %",
            }
        )
    )
    parts.append(
        f"<h3>Ranked by overcapacity score ({int(table['year'].iloc[0])}; the 20 "
        "highest of every line; all in sectors.csv)</h3>"
    )
    parts.append(_table(view, 1))
    parts.append(
        '<p class="note">Score 0-100 on fixed scales set in advance (volume growth: '
        "0 points at 0%, 100 at +30%; unit value: 0 at 0%, 100 at -20%; divergence: "
        "0 at 0, 100 at +40 pp; persistence: 0 to 12 months; growth against total "
        "exports: 0 at 0, 100 at +30 pp; share of exports: 0 at 0%, 100 at 5%; solar "
        "supply overhang: 0 at 30%, 100 at 70% of production not installed at home), "
        "weighted 0.20/0.20/0.20/0.15/0.15/0.10/0.20. Below 40 low, 40-70 elevated, 70 "
        "and above high; a score needs half of the weight. A high score says volume "
        "is pushed out at falling prices; it is not, by itself, proof of "
        "subsidy or dumping.</p>"
    )
    out = r.outlook.copy()
    if out.empty:
        parts += [f'<p class="note">{escape(n)}</p>' for n in r.notes]
        return "".join(parts)
    view = pd.DataFrame(
        {
            "line": out["product"],
            "measure": out["measure"],
            "year": out["year"],
            "median growth %": 100 * out["growth_q50"],
            "80% low %": 100 * out["growth_q10"],
            "80% high %": 100 * out["growth_q90"],
            "P(growth >= 0)": out["p_growth_ge_0"],
            "basis": out["basis"],
        }
    )
    parts.append(f"<h3>Outlook {int(out['year'].iloc[0])}: value and volume</h3>")
    parts.append(_table(view, 2))
    parts += [f'<p class="note">{escape(n)}</p>' for n in r.notes]
    return "".join(parts)


def _table(frame: pd.DataFrame, floats: int = 3) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, (float, np.floating)):
                text = "" if not np.isfinite(value) else f"{value:,.{floats}f}"
                cells.append(f'<td class="num">{escape(text)}</td>')
            else:
                cells.append(f"<td>{escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _outlook_table(result) -> str:
    rows = []
    latest = max(
        (int(s.outlook.iloc[0]["year"]) for s in result.series if s.outlook is not None), default=0
    )
    for s in result.series:
        if s.outlook is None:
            continue
        o = s.outlook.iloc[0]
        year = int(o["year"])
        rows.append(
            {
                "series": s.spec.id,
                "unit": s.y.attrs.get("unit", ""),
                "year": f"{year} (stale: data end {s.y.index[-1]})" if year < latest else year,
                "base year": int(o["base_year"]),
                "base total": o["base_total"],
                "expected total": o["expected_total"],
                "expected growth %": 100 * o["expected_growth"],
                "5% growth %": 100 * o["growth_q5"],
                "95% growth %": 100 * o["growth_q95"],
                "P(growth >= 0)": o["p_growth_ge_0"],
            }
        )
    return _table(pd.DataFrame(rows), 2) if rows else "<p>No outlook.</p>"


def headline(result) -> list[str]:
    """Two to four sentences that answer the question, generated from the results."""
    lines = []
    done = [s for s in result.series if s.outlook is not None and "/exports/" in s.spec.id]
    total = next((s for s in done if SeriesKey.parse(s.spec.id).partner == "World"), None)
    if total is None and done:
        total = done[0]
    if total is not None:
        o = total.outlook.iloc[0]
        risk = result.risk.set_index("series_id") if not result.risk.empty else None
        verdict = ""
        if risk is not None and total.spec.id in risk.index:
            verdict = f": {risk.loc[total.spec.id, 'verdict']}"
        rep, par = SeriesKey.parse(total.spec.id).reporter, SeriesKey.parse(total.spec.id).partner
        name = f"{rep}'s total exports" if par == "World" else f"{rep}'s exports to {par}"
        lines.append(
            f"{name} are expected to grow {100 * o['expected_growth']:+.1f}% in "
            f"{int(o['year'])} (80%: {100 * o['growth_q10']:+.1f}% to "
            f"{100 * o['growth_q90']:+.1f}%); P(growth >= 0) = {o['p_growth_ge_0']:.2f}"
            f"{verdict}."
        )
        if risk is not None and total.spec.id in risk.index:
            r = risk.loc[total.spec.id]
            if r["score"] is not None and r["score"] == r["score"]:
                first = str(r["reasons"]).split("; ")[0]
                lines.append(f"Overcapacity risk is {r['level']} ({r['score']:.0f}/100): {first}.")
    if result.partners is not None:
        lines += result.partners.headline()[:2]
    if result.sectors is not None:
        t = result.sectors.table().set_index("product")
        from forecast.sector_job import FOCUS

        watched = [p for p in FOCUS if p in t.index and t.loc[p, "score"] is not None]
        ranked = sorted(watched, key=lambda p: -t.loc[p, "score"])
        if ranked:
            lines.append(
                "Overcapacity by sector (volume up, unit value down): "
                + ", ".join(f"{p} {t.loc[p, 'score']:.0f} ({t.loc[p, 'level']})" for p in ranked)
                + "."
            )
    return lines


def _risk_section(result) -> str:
    if result.risk.empty:
        return "<p>No exports series to assess.</p>"
    parts = []
    for _, r in result.risk.iterrows():
        level = str(r["level"])
        score = "n/a" if r["score"] is None or r["score"] != r["score"] else f"{r['score']:.0f}"
        p = r.get("p_growth_ge_0")
        p_text = "n/a" if p is None or p != p else f"{p:.2f}"
        reasons = "".join(f"<li>{escape(t)}</li>" for t in str(r["reasons"]).split("; "))
        parts.append(
            f"<h3>{escape(str(r['series_id']))}</h3><p>Overcapacity score "
            f'<span class="{escape(level.split()[0])}">{escape(score)} ({escape(level)})'
            f"</span>; sustainability: <b>{escape(str(r['verdict']))}</b>, P(growth &ge; 0) "
            f"{escape(p_text)} for {escape(str(r.get('outlook_year', '')))}.</p>"
            f'<ul>{reasons}</ul><p class="note">{escape(str(r.get("notes", "")))}</p>'
        )
    return "".join(parts)


def _series_section(s) -> str:
    title = escape(s.spec.id)
    if s.errors:
        errs = "".join(f"<li>{escape(e)}</li>" for e in s.errors)
        return f'<section class="series"><h3>{title}</h3><ul class="error">{errs}</ul></section>'
    parts = [f'<section class="series"><h3>{title}</h3>']
    if s.forecast is not None:
        parts.append(
            _chart(
                "fan_chart",
                s.y,
                s.forecast,
                f"{s.spec.id}: history and forecast",
                unit=s.y.attrs.get("unit", ""),
            )
        )
    if s.backtest is not None:
        by_h = evaluate(s.backtest, ["mase"], by=("model", "h"))
        parts.append(_chart("horizon_chart", by_h, f"{s.spec.id}: backtest MASE by horizon"))
        parts.append(_table(s.leaderboard))
    if s.weights:
        weights = ", ".join(f"{escape(k)} {v:.2f}" for k, v in s.weights.items())
        parts.append(
            f"<p>Ensemble weights (inverse backtest MASE): {weights}. Artifact: "
            f"<code>{escape(s.artifact)}</code>"
            f"{' (reused)' if s.reused else ''}"
            f"{'; backtest reused (same data and config)' if s.backtest_reused else ''}.</p>"
        )
    for note in s.notes:
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _provenance(result) -> str:
    rows = []
    for s in result.series:
        p = s.provenance
        if not p:
            continue
        rows.append(
            {
                "series": s.spec.id,
                "source": p.get("source", ""),
                "span": f"{p.get('start')} to {p.get('end')}",
                "unit": p.get("unit", ""),
                "adjustment": p.get("adjustment", ""),
                "mirror of": p.get("mirror_of", "") or "-",
                "gaps": p.get("gaps", ""),
            }
        )
    return _table(pd.DataFrame(rows)) if rows else ""


def html(result, summary_data: dict) -> str:
    """The self-contained HTML report."""
    failed = [f"{s.spec.id}: {e}" for s in result.series for e in s.errors] + list(result.errors)
    fail_html = (
        (
            '<h2>Failures</h2><ul class="error">'
            + "".join(f"<li>{escape(f)}</li>" for f in failed)
            + "</ul>"
        )
        if failed
        else ""
    )
    body = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>forecast: trade outlook and export risk</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<h1>Trade outlook and export risk</h1>",
        f'<p class="note">trade-forecast {escape(__version__)}, created '
        f"{escape(summary_data['created'])}, seed {result.config.seed}, config "
        f"{escape(summary_data['config_digest'][:12])}.</p>",
        '<div class="headline">'
        + "".join(f"<p>{escape(line)}</p>" for line in headline(result))
        + "</div>",
        fail_html,
        "<h2>Calendar-year outlook</h2>",
        _outlook_table(result),
        '<p class="note">Totals in each series\' own unit. Growth is over the last complete '
        "year; P(growth &ge; 0) is the share of simulated paths in which the year's total "
        "grows. Exports and imports are simulated independently.</p>",
        "<h2>Overcapacity and sustainability</h2>",
        '<p class="note">Score 0-100: each indicator is ranked against its own history (its '
        "percentile, turned so that high means adverse) and the percentiles are averaged "
        "with fixed weights; below 40 low, 40-70 elevated, 70 and above high, and each score "
        "names the indicators it rests on. Verdict, from the next-year outlook: sustained "
        "when P(growth &ge; 0) &ge; 0.6 and the 5% growth quantile is above -10%; likely to "
        "contract when P(growth &ge; 0) &lt; 0.4; at risk otherwise. The two answer "
        "different questions: a high score with 'sustained' means exports outrun demand and "
        "are still expected to grow.</p>",
        _risk_section(result),
        _partners_section(result),
        _sectors_section(result),
        "<h2>Series</h2>",
        *[_series_section(s) for s in result.series],
        "<h2>Data provenance and caveats</h2>",
        _provenance(result),
        "<p class=\"note\">Mirror data: a partner's customs records stand in for China's "
        "(valuation CIF vs FOB, timing and re-exports via Hong Kong differ). Gaps are never "
        "filled; models use the span after the last gap. See data/README.md.</p>",
        "</main></body></html>",
    ]
    return "\n".join(body)


def write_outputs(result) -> None:
    """Write forecasts.csv, backtest.csv, risk.csv, partners.csv and partner_diversion.csv
    (when the partner stage ran), sectors.csv and sector_outlook.csv (the sector stage),
    report.html and, last, summary.json.

    Each file is written atomically, and ``summary.json`` only after all the others: a
    run killed while writing leaves no summary that vouches for a missing report (the run
    removes any earlier summary before it starts).
    """
    out = result.out_dir
    data = summary(result)
    forecasts = [s.forecast for s in result.series if s.forecast is not None]
    backtests = [
        s.backtest.assign(series_id=s.spec.id) for s in result.series if s.backtest is not None
    ]
    for name, frames in (("forecasts.csv", forecasts), ("backtest.csv", backtests)):
        write_csv(out / name, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
    write_csv(out / "risk.csv", result.risk)
    if result.partners is not None:
        write_csv(out / "partners.csv", result.partners.outlook_table())
        write_csv(out / "partner_diversion.csv", result.partners.diversion.table)
    if result.sectors is not None:
        write_csv(out / "sectors.csv", result.sectors.table())
        write_csv(out / "sector_outlook.csv", result.sectors.outlook)
    atomic_write_text(out / "report.html", html(result, data))
    atomic_write_text(out / "summary.json", json.dumps(data, indent=2, allow_nan=False) + "\n")
