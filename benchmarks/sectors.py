"""The sector score and the "volume up, unit value down" signal on history.

1. **GACC lines, with quantities** (2024-2025): the signal over January-June 2025 (year on
   year) against what followed in July-December 2025: did volumes keep growing and unit
   values keep falling? Flagged lines (the signal in at least 4 of 6 months) against the
   rest.
2. **US imports from China by HS chapter** (Census mirror, 2013-2021): values only, so
   only the value indicators exist (growth against the total, share): chapters whose
   value growth outran US imports from China by 15 pp or more in a year, and their growth
   against the total the year after. Labelled: no volumes, no unit values.
3. **Solar PV modules** (CPIA/NEA, GW, 2015-2024): the supply overhang (production not
   installed at home) by year and export volume growth the year after.

    python benchmarks/sectors.py

Writes ``benchmarks/results/sectors.md``.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import datasets
from forecast.data import split
from forecast.risk.sectors import decompose, signal
from forecast.sector_job import QUANTITY, analyse_sectors

RESULTS = Path(__file__).resolve().parent / "results"


def gacc_halves() -> pd.DataFrame:
    series = {
        sid.split("/", 3)[-1]: y
        for sid, y in split(datasets.load("china_commodity_monthly")).items()
    }
    rows = []
    for line, value in series.items():
        quantity = series.get(line + QUANTITY)
        if line.endswith(QUANTITY) or quantity is None:
            continue
        yoy = decompose(value, quantity, "yoy")
        yoy = yoy[yoy["period"].dt.year == 2025]
        first = yoy[yoy["period"].dt.month <= 6]
        second = yoy[yoy["period"].dt.month > 6]
        if len(first) < 6 or len(second) < 6:
            continue
        sig = signal(first, last=6)
        rows.append(
            {
                "line": line,
                "h1_signal_months": sig["months"],
                "flagged": sig["months"] >= 4,
                "h1_volume_pct": first["volume_growth_pct"].mean(),
                "h1_unit_value_pct": first["unit_value_growth_pct"].mean(),
                "h2_volume_pct": second["volume_growth_pct"].mean(),
                "h2_unit_value_pct": second["unit_value_growth_pct"].mean(),
                "h2_signal_months": signal(second, last=6)["months"],
            }
        )
    return pd.DataFrame(rows)


def hs2_value_only() -> pd.DataFrame:
    us = split(datasets.load("us_imports_hs2_monthly"))
    annual = {}
    for sid, y in us.items():
        counts = y.notna().groupby(y.index.year).sum()
        annual[sid.split("/", 3)[-1]] = y.groupby(y.index.year).sum().where(counts == 12)
    table = pd.DataFrame(annual).dropna(how="all")
    total = table.sum(axis=1, min_count=1)
    growth = 100 * (table / table.shift(1) - 1)
    total_growth = 100 * (total / total.shift(1) - 1)
    gap = growth.sub(total_growth, axis=0)
    share = 100 * table.div(total, axis=0)
    rows = []
    for year in gap.index[1:-1]:
        for chapter in gap.columns:
            g, nxt = gap.loc[year, chapter], gap.loc[year + 1, chapter]
            if np.isfinite(g) and np.isfinite(nxt) and share.loc[year, chapter] >= 0.5:
                rows.append(
                    {
                        "year": int(year),
                        "chapter": chapter,
                        "gap_pp": g,
                        "next_gap_pp": nxt,
                        "flagged": g >= 15,
                    }
                )
    return pd.DataFrame(rows)


def solar() -> pd.DataFrame:
    pv = datasets.load("china_solar_pv_annual")
    wide = pv.pivot_table(index=pv["date"].dt.year, columns="product", values="value")
    prod = wide["solar PV modules production"]
    out = pd.DataFrame(
        {
            "production_gw": prod,
            "exports_gw": wide["solar PV modules"],
            "installation_gw": wide["solar PV modules installation"],
        }
    )
    out["overhang_pct"] = 100 * (prod - out["installation_gw"]) / prod
    out["unaccounted_gw"] = prod - out["exports_gw"] - out["installation_gw"]
    out["next_export_growth_pct"] = 100 * (out["exports_gw"].shift(-1) / out["exports_gw"] - 1)
    return out.round(1)


def main() -> None:
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    result = analyse_sectors(n_paths=2000)
    t_job = time.perf_counter() - t0
    t0 = time.perf_counter()
    halves = gacc_halves()
    hs2 = hs2_value_only()
    pv = solar()
    t_bench = time.perf_counter() - t0
    by_flag = (
        halves.groupby("flagged")
        .agg(
            lines=("line", "size"),
            h1_volume_pct=("h1_volume_pct", "median"),
            h1_unit_value_pct=("h1_unit_value_pct", "median"),
            h2_volume_pct=("h2_volume_pct", "median"),
            h2_unit_value_pct=("h2_unit_value_pct", "median"),
            h2_signal_months=("h2_signal_months", "mean"),
            h2_unit_value_down=("h2_unit_value_pct", lambda s: float((s < 0).mean())),
            h2_volume_up=("h2_volume_pct", lambda s: float((s > 0).mean())),
        )
        .reset_index()
    )
    focus = halves[
        halves["line"].isin(
            [
                "Steel products",
                "Lithium-ion batteries",
                "Solar cells",
                "Motor vehicles (including chassis)",
                "Electric passenger vehicles",
                "Ships",
            ]
        )
    ]
    flags = (
        hs2.groupby("flagged")
        .agg(
            chapter_years=("chapter", "size"),
            median_gap_pp=("gap_pp", "median"),
            median_next_gap_pp=("next_gap_pp", "median"),
            next_still_ahead=("next_gap_pp", lambda s: float((s > 0).mean())),
        )
        .reset_index()
    )
    top = result.table().head(10)[
        ["product", "score", "level", "volume_growth", "unit_value_growth", "persistence"]
    ]
    lines = [
        "# Sector score and signal on history",
        "",
        f"`python benchmarks/sectors.py`; wall time: the main job's sector stage (every line "
        f"scored, the focus outlook with 2,000 paths) {t_job:.1f} s; this script's history "
        f"checks {t_bench:.1f} s.",
        "",
        "**Small samples.** Only GACC's two-year table has quantities, so the signal can be "
        "followed for half a year at most; the mirrors carry values only; the solar series "
        "has ten annual points. Nothing here estimates how often a flag is right; it shows "
        "whether flagged lines kept behaving as flagged.",
        "",
        "## 1. GACC lines: signal in January-June 2025, what followed in July-December",
        "",
        f"{len(halves)} lines with quantities; flagged = volume up and unit value down "
        "(year on year) in at least 4 of the 6 months. Medians of monthly year-on-year "
        "growth:",
        "",
        by_flag.round(2).to_markdown(index=False),
        "",
        "The six overcapacity sectors:",
        "",
        focus.round(1).to_markdown(index=False),
        "",
        "## 2. US imports from China by HS chapter (values only)",
        "",
        "Chapters with at least 0.5% of US imports from China, 2014-2020; flagged = value "
        "growth 15 pp or more above US imports from China as a whole. No volumes or unit "
        "values exist in this mirror, so the volume and price indicators, and the score, "
        "cannot be computed on it.",
        "",
        flags.round(2).to_markdown(index=False),
        "",
        "## 3. Solar PV modules (GW)",
        "",
        pv.reset_index(names="year").to_markdown(index=False),
        "",
        "`unaccounted_gw` is production less exports less domestic installation: stock "
        "building, or differences between the industry and regulator sources.",
        "",
        "## The ranking today (2025, top 10 of every line)",
        "",
        top.round(1).to_markdown(index=False),
        "",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sectors.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
