"""Build the bundled datasets in ``data/`` from the team's real trade extracts.

Run from the repository root::

    python data/build_bundled.py [--shared ../shared/data] [--calendar]

It reads the published figures in ``../shared/data`` (see its SOURCES.md), writes them in
the package's canonical tidy layout, and records a SHA-256 for every file in
``data/manifest.json``. Rules: values are copied as published; the only arithmetic is an
exact change of scale inside USD (thousand, 100 million, billion, trillion) for the annual
totals, the day-weighted monthly average of the tariff change points, and December's
year-on-year growth before 2009 from the customs levels, all stated in ``data/README.md``.
Nothing is interpolated, filled or smoothed; gaps stay missing rows.

``--calendar`` regenerates ``lunar_new_year.csv`` (needs the ``lunardate`` and ``holidays``
packages, which are build-time tools only, not dependencies of the package).
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = [
    "reporter",
    "partner",
    "flow",
    "product",
    "date",
    "value",
    "unit",
    "adjustment",
    "source",
    "mirror_of",
    "note",
]
USD_BILLION = {
    "USD thousand": 1e-6,
    "USD 100 million": 0.1,
    "USD billion": 1.0,
    "USD trillion": 1e3,
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(name: str, rows: list[dict[str, str]]) -> None:
    rows = sorted(
        rows, key=lambda r: (r["reporter"], r["partner"], r["flow"], r["product"], r["date"])
    )
    with (HERE / name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})


def _row(r: dict[str, str], fname: str, **fields: str) -> dict[str, str]:
    """A canonical row copied from a source row: reporter China, the source row's flow,
    date, value, unit and adjustment, product total, partner World, and its provenance;
    ``fields`` override any of them."""
    return {
        "reporter": "China",
        "partner": "World",
        "flow": r.get("flow", ""),
        "product": "total",
        "date": r["date"],
        "value": r["value"],
        "unit": r["unit"],
        "adjustment": r.get("adjustment", ""),
        "source": f"{fname}#{r['source_id']}",
        **fields,
    }


def _mirror(shared: Path, fname: str, partner_of: str) -> list[dict[str, str]]:
    """China-side view of a partner's customs data: partner imports = China exports."""
    out = []
    swap = {"imports": "exports", "exports": "imports"}
    for r in _read(shared / fname):
        out.append(
            {
                "reporter": "China",
                "partner": partner_of,
                "flow": swap[r["flow"]],
                "product": "total",
                "date": r["date"],
                "value": r["value"],
                "unit": r["unit"],
                "adjustment": r["adjustment"],
                "source": f"{fname}#{r['source_id']}",
                "mirror_of": f"{r['reporter']}/{r['partner']}/{r['flow']}",
            }
        )
    return out


def build_monthly(shared: Path) -> None:
    _write("us_china_monthly.csv", _mirror(shared, "us_china_trade_monthly.csv", "United States"))
    _write("japan_china_monthly.csv", _mirror(shared, "japan_china_trade_monthly.csv", "Japan"))
    _write("korea_china_monthly.csv", _mirror(shared, "korea_china_trade_monthly.csv", "Korea"))
    fname = "china_total_exports_oecd_fred_sa.csv"
    _write(
        "china_exports_sa_monthly.csv",
        [
            {
                "reporter": "China",
                "partner": "World",
                "flow": "exports",
                "product": "total",
                "date": r["date"],
                "value": r["value"],
                "unit": r["unit"],
                "adjustment": r["adjustment"],
                "source": f"{fname}#{r['source_id']}",
            }
            for r in _read(shared / fname)
        ],
    )
    fname = "cny_usd_exchange_rate_monthly.csv"
    _write(
        "cny_usd_monthly.csv",
        [
            {
                "reporter": "China",
                "partner": "United States",
                "flow": "indicator",
                "product": "cny_per_usd",
                "date": r["date"],
                "value": r["value"],
                "unit": r["unit"],
                "adjustment": r["adjustment"],
                "source": f"{fname}#{r['source_id']}",
            }
            for r in _read(shared / fname)
        ],
    )


def build_annual(shared: Path) -> None:
    fname = "china_total_trade_annual.csv"
    out = []
    for r in _read(shared / fname):
        year = int(r["date"][:4])
        if r["preferred"] != "1" or r["flow"] not in ("exports", "imports") or year < 1999:
            continue
        value = float(r["value"]) * USD_BILLION[r["unit"]]
        out.append(
            {
                "reporter": "China",
                "partner": "World",
                "flow": r["flow"],
                "product": "total",
                "date": r["date"],
                "value": f"{value:.6f}".rstrip("0").rstrip("."),
                "unit": "USD billion",
                "adjustment": "nsa",
                "source": f"{fname}#{r['source_id']}",
                "note": f"as published: {r['value']} {r['unit']}",
            }
        )
    _write("china_total_annual.csv", out)


def _month_average(
    points: list[tuple[dt.date, float | None]], year: int, month: int
) -> float | None:
    """Day-weighted average of a step function over one month, or None if any day is unknown."""
    ndays = calendar.monthrange(year, month)[1]
    total = 0.0
    for day in range(1, ndays + 1):
        today = dt.date(year, month, day)
        in_force = [v for d, v in points if d <= today]
        if not in_force or in_force[-1] is None:
            return None
        total += in_force[-1]
    return total / ndays


def build_tariffs(shared: Path) -> None:
    fname = "us_tariffs_on_china_timeline.csv"
    rows = _read(shared / fname)

    def steps(measure: str) -> list[tuple[dt.date, float | None]]:
        return sorted(
            (dt.date.fromisoformat(r["date"]), float(r["value"]))
            for r in rows
            if r["measure"] == measure
        )

    # PIIE's average is unknown (not zero) where a legal change happened that PIIE's
    # chart, as found, does not cover: after the Feb-2025 IEEPA step until the April
    # figure, and after the 2025-11-10 cut. None marks "unknown from this day".
    piie = steps("avg_us_tariff_on_china_piie")
    piie += [(dt.date(2025, 2, 4), None), (dt.date(2025, 11, 10), None)]
    piie.sort(key=lambda p: p[0])
    # No IEEPA add-on on Chinese goods existed before the first order of 2025-02-04.
    ieepa = [(dt.date(1985, 1, 1), 0.0), *steps("ieepa_additional_tariff_on_china")]
    specs = [
        (
            "avg_tariff_piie",
            piie,
            2017,
            "avg_us_tariff_on_china_piie",
            "PIIE trade-weighted average (Bown); day-weighted monthly mean of change points",
        ),
        (
            "ieepa_additional_tariff",
            ieepa,
            1985,
            "ieepa_additional_tariff_on_china",
            "statutory IEEPA add-on; 0 before the first order of 2025-02-04; "
            "day-weighted monthly mean of change points",
        ),
    ]
    out = []
    for product, points, start, measure, note in specs:
        for year in range(start, 2026):
            for month in range(1, 13):
                value = _month_average(points, year, month)
                if value is None:
                    continue
                out.append(
                    {
                        "reporter": "United States",
                        "partner": "China",
                        "flow": "indicator",
                        "product": product,
                        "date": f"{year}-{month:02d}-01",
                        "value": f"{value:.6f}".rstrip("0").rstrip("."),
                        "unit": "percent",
                        "adjustment": "nsa",
                        "source": f"{fname}#{measure}",
                        "note": note,
                    }
                )
    _write("us_tariff_monthly.csv", out)


def build_calendar() -> None:
    import holidays  # build-time cross-check only
    from lunardate import LunarDate

    china = holidays.China(years=range(1985, 2036))
    with (HERE / "lunar_new_year.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["year", "lunar_new_year"])
        for year in range(1985, 2036):
            day = LunarDate(year, 1, 1).to_solar_date()
            if day not in china:
                raise SystemExit(f"lunardate and holidays disagree on {year}: {day}")
            writer.writerow([year, day.isoformat()])


# Membership of the groupings GACC publishes, by ISO3, as in the table's footnotes.
# ISO3@YYYY-MM marks a member from that month's table on, ISO3<YYYY-MM one until the month
# before: CHN is the row of China's re-imports from itself (imports only), which GACC
# counted in APEC (China being a member) until the grouping rows changed in 2025-03 (Timor-Leste
# joined ASEAN on 2025-10-26; GACC counts it from the October table). A test checks that
# the members in force add up to the published grouping in every month; Belt-and-Road is
# left undeclared (its list is long and changed in 2025).
GROUPINGS = {
    "ASEAN": "BRN KHM IDN LAO MYS MMR PHL SGP THA VNM TLS@2025-10",
    "European Union": "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX "
    "MLT NLD POL PRT ROU SVK SVN ESP SWE",
    "RCEP": "BRN KHM IDN LAO MYS MMR PHL SGP THA VNM JPN KOR AUS NZL",
    "APEC": "AUS BRN CAN CHL HKG IDN JPN KOR MYS MEX NZL PNG PER PHL RUS SGP TWN THA USA VNM "
    "CHN<2025-03",
}
# Comtrade's reporter names that differ from GACC's English names. "Other Asia, nes" is
# Comtrade's label for Taiwan; "China" (China's own imports of its re-imports) is left out.
COMTRADE_NAMES = {
    "Bolivia (Plurinational State of)": "Bolivia",
    "Bosnia Herzegovina": "Bosnia and Herzegovina",
    "Brunei Darussalam": "Brunei",
    "Cayman Isds": "Cayman Islands",
    "Central African Rep.": "Central African Republic",
    "China, Hong Kong SAR": "Hong Kong",
    "China, Macao SAR": "Macao",
    "Congo": "Republic of the Congo",
    "Curaçao": "Curacao",
    "Côte d'Ivoire": "Cote d'Ivoire",
    "Dem. Rep. of the Congo": "Democratic Republic of the Congo",
    "Dominican Rep.": "Dominican Republic",
    "Lao People's Dem. Rep.": "Laos",
    "Other Asia, nes": "Taiwan",
    "Rep. of Korea": "South Korea",
    "Rep. of Moldova": "Moldova",
    "Russian Federation": "Russia",
    "Solomon Isds": "Solomon Islands",
    "State of Palestine": "Palestine",
    "Türkiye": "Turkey",
    "USA": "United States",
    "United Rep. of Tanzania": "Tanzania",
    "Viet Nam": "Vietnam",
}
PARTNER_FILE = "china_trade_by_partner_monthly_gacc.csv"


def build_partners(shared: Path) -> None:
    """GACC's monthly partner table: month values, the structure, and the year-to-date rows."""
    rows = _read(shared / PARTNER_FILE)
    _write(
        "china_partner_monthly.csv",
        [_row(r, PARTNER_FILE, partner=r["partner"]) for r in rows if r["basis"] == "month"],
    )
    structure, order = {}, 0
    for r in rows:
        if r["partner"] not in structure:
            structure[r["partner"]] = {
                "partner": r["partner"],
                "kind": r["partner_kind"],
                "continent": r["continent"],
                "iso3": r["partner_iso3"],
                "name_zh": r["partner_zh"],
                "order": str(order),
            }
            order += 1
    by_iso = {v["iso3"]: v for v in structure.values() if v["iso3"]}
    for group, members in GROUPINGS.items():
        for item in members.split():
            iso = item.split("@")[0].split("<")[0]
            entry = by_iso[iso]
            tag = group + item[len(iso) :]
            entry["groupings"] = ";".join(filter(None, [entry.get("groupings", ""), tag]))
    cols = ["partner", "kind", "continent", "iso3", "groupings", "name_zh", "order"]
    with (HERE / "partner_structure.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for entry in structure.values():
            writer.writerow({c: entry.get(c, "") for c in cols})
    cols = ["date", "partner", "flow", "value_ytd", "ytd_yoy_pct", "unit"]
    with (HERE / "china_partner_ytd.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            if r["basis"] == "ytd":
                writer.writerow(
                    {
                        "date": r["date"],
                        "partner": r["partner"],
                        "flow": r["flow"],
                        "value_ytd": r["value"],
                        "ytd_yoy_pct": r["ytd_yoy_pct"],
                        "unit": r["unit"],
                    }
                )


def build_partner_mirrors(shared: Path) -> None:
    """Partner-reported imports from China (Comtrade, CIF) and China-reported annual series."""
    fname = "partner_imports_from_china_annual_comtrade.csv"
    _write(
        "partner_mirror_annual.csv",
        [
            _row(
                r,
                fname,
                partner=COMTRADE_NAMES.get(r["reporter"], r["reporter"]),
                flow="exports",
                mirror_of=f"{r['reporter']}/China/imports",
                note="partner-reported imports from China, CIF",
            )
            for r in _read(shared / fname)
            if r["reporter"] != "China"
        ],
    )
    fname = "china_exports_to_selected_partners_annual_comtrade.csv"
    _write(
        "china_selected_partners_annual.csv",
        [
            _row(
                r,
                fname,
                partner=COMTRADE_NAMES.get(r["partner"], r["partner"]),
                note="China-reported, FOB (Comtrade)",
            )
            for r in _read(shared / fname)
        ],
    )
    fname = "china_total_trade_monthly_customs_1983_2013.csv"
    _write("china_total_monthly_1983.csv", [_row(r, fname) for r in _read(shared / fname)])


FIRST_RELEASE = 2009  # December yoy as first published by GACC from here on


def build_december(shared: Path) -> None:
    """December's year-on-year growth of China's total exports and imports, one row per
    year: GACC's first release from 2009 (the news tables), and before that computed from
    the China Customs monthly levels (December over the previous December), said in the
    row's ``note``. The carry-over into the next calendar year's total."""
    customs = "china_total_trade_monthly_customs_1983_2013.csv"
    dec = {
        (r["flow"], int(r["date"][:4])): (float(r["value"]), r)
        for r in _read(shared / customs)
        if r["date"][5:7] == "12"
    }
    out = []
    for (flow, year), (value, r) in sorted(dec.items()):
        if year >= FIRST_RELEASE or (flow, year - 1) not in dec:
            continue
        rate = 100 * (value / dec[(flow, year - 1)][0] - 1)
        out.append(
            _row(
                r,
                customs,
                flow="indicator",
                product=f"{flow} december yoy",
                date=f"{year}-01-01",
                value=f"{rate:.2f}",
                unit="percent yoy",
                note=f"computed: December {year} over December {year - 1} customs levels",
            )
        )
    published = {}
    for fname, column in (
        ("china_total_trade_monthly_gacc_news.csv", "yoy_pct"),
        ("china_trade_yoy_monthly_gacc_news.csv", "value"),
    ):
        for r in _read(shared / fname):
            if (
                r["date"][5:7] == "12"
                and r["basis"] == "month"
                and r["flow"] in ("exports", "imports")
                and r[column]
                and int(r["date"][:4]) >= FIRST_RELEASE
            ):
                published.setdefault((r["flow"], r["date"]), (fname, column, r))
    for fname, column, r in published.values():
        out.append(
            _row(
                r,
                fname,
                flow="indicator",
                product=f"{r['flow']} december yoy",
                date=f"{r['date'][:4]}-01-01",
                value=r[column],
                unit="percent yoy",
                note="as first published (USD basis)",
            )
        )
    _write("china_december_yoy.csv", out)


COMMODITY_FILE = "china_exports_by_commodity_monthly_gacc.csv"
# Lines linked across the 2025-01 change of GACC's item list, where SOURCES.md says they
# are the same line: "Electric passenger vehicles *" (level 0 in 2024) becomes the child
# "Electric passenger vehicles" of the new "Electric vehicles *" line. The rice line is
# not linked: its 2025 name adds rice flour, a wider scope.
LINKED = {"Electric passenger vehicles *": "Electric passenger vehicles"}


def _base_unit(unit: str) -> str:
    """'10k tonnes' -> 'tonnes', '100m pairs' -> 'pairs', 'vehicles' -> 'vehicles'."""
    for prefix in ("10k ", "100m "):
        if unit.startswith(prefix):
            return unit[len(prefix) :]
    return unit


def _times(quantity: str, factor: str) -> str:
    value = float(quantity) * float(factor)
    return f"{value:.15g}"


def build_commodities(shared: Path) -> None:
    """GACC's export commodity table: values, quantities in base units, structure, ytd."""
    rows = _read(shared / COMMODITY_FILE)
    canonical, ytd, structure = [], [], {}
    for r in rows:
        name = LINKED.get(r["product"], r["product"])
        note = (
            f"published as {r['product']!r} (a level-0 line) until 2024-12; the same "
            "line is a child of 'Electric vehicles *' from 2025-01"
            if name != r["product"]
            else ""
        )
        has_q = r["quantity"] != "" and r["quantity_unit_factor"] != ""
        unit = _base_unit(r["quantity_unit"]) if has_q else ""
        if r["basis"] == "ytd":
            ytd.append(
                {
                    "date": r["date"],
                    "product": name,
                    "value_ytd": r["value"],
                    "quantity_ytd": _times(r["quantity"], r["quantity_unit_factor"])
                    if has_q
                    else "",
                    "quantity_unit": unit,
                    "published_yoy_value_pct": r["month_yoy_pct_value"],
                    "published_yoy_quantity_pct": r["month_yoy_pct_quantity"],
                }
            )
            continue
        source = f"{COMMODITY_FILE}#{r['source_id']}"
        if r["value"] != "":
            canonical.append(
                {
                    "reporter": "China",
                    "partner": "World",
                    "flow": "exports",
                    "product": name,
                    "date": r["date"],
                    "value": r["value"],
                    "unit": r["unit"],
                    "adjustment": r["adjustment"],
                    "source": source,
                    "note": note,
                }
            )
        if has_q:
            canonical.append(
                {
                    "reporter": "China",
                    "partner": "World",
                    "flow": "exports",
                    "product": f"{name} (quantity)",
                    "date": r["date"],
                    "value": _times(r["quantity"], r["quantity_unit_factor"]),
                    "unit": unit,
                    "adjustment": r["adjustment"],
                    "source": source,
                    "note": f"as published: {r['quantity']} {r['quantity_unit']}"
                    + (f"; {note}" if note else ""),
                }
            )
        entry = structure.setdefault(name, {"product": name, "first": r["date"]})
        entry.update(
            {
                "name_zh": r["product_zh"],
                "level": r["level"],
                "parent": r["parent"],
                "sector": r["sector"],
                "hs_hint": r["hs_hint"],
                "last": r["date"],
            }
        )
        if unit:
            entry["quantity_unit"] = unit
        if note:
            entry["note"] = note
    _write("china_commodity_monthly.csv", canonical)
    cols = [
        "date",
        "product",
        "value_ytd",
        "quantity_ytd",
        "quantity_unit",
        "published_yoy_value_pct",
        "published_yoy_quantity_pct",
    ]
    with (HERE / "china_commodity_ytd.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        writer.writerows(ytd)
    cols = [
        "product",
        "name_zh",
        "level",
        "parent",
        "sector",
        "hs_hint",
        "quantity_unit",
        "first",
        "last",
        "note",
    ]
    with (HERE / "commodity_structure.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        writer.writeheader()
        for entry in structure.values():
            writer.writerow({c: entry.get(c, "") for c in cols})
    fname = "china_solar_pv_modules_annual_gw.csv"
    _write(
        "china_solar_pv_annual.csv",
        [
            _row(
                r,
                fname,
                flow="exports" if r["measure"] == "exports" else "indicator",
                product="solar PV modules"
                if r["measure"] == "exports"
                else f"solar PV modules {r['measure']}",
                adjustment="",
                note=r.get("note", ""),
            )
            for r in _read(shared / fname)
        ],
    )


def build_sector_mirrors(shared: Path) -> None:
    """US imports from China by HS chapter (Census): the sector mirror with a history."""
    fname = "us_imports_from_china_by_hs2_monthly_census.csv"
    _write(
        "us_imports_hs2_monthly.csv",
        [
            _row(
                r,
                fname,
                partner="United States",
                flow="exports",
                product=r["product"],
                mirror_of=f"{r['reporter']}/{r['partner']}/{r['flow']}",
                note="partner-reported (US imports for consumption), customs value",
            )
            for r in _read(shared / fname)
        ],
    )


def write_manifest() -> None:
    files = {}
    for path in sorted(HERE.glob("*.csv")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open(newline="", encoding="utf-8") as fh:
            nrows = sum(1 for _ in fh) - 1
        files[path.name] = {"sha256": digest, "rows": nrows}
    (HERE / "manifest.json").write_text(json.dumps({"files": files}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--calendar", action="store_true")
    args = parser.parse_args()
    build_monthly(args.shared)
    build_annual(args.shared)
    build_tariffs(args.shared)
    build_partners(args.shared)
    build_partner_mirrors(args.shared)
    build_december(args.shared)
    build_commodities(args.shared)
    build_sector_mirrors(args.shared)
    if args.calendar:
        build_calendar()
    write_manifest()


if __name__ == "__main__":
    main()
