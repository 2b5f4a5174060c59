"""The bundled files match their manifest and, value for value, their sources."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from forecast import datasets
from forecast.data import split

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SCALE = {"USD thousand": 1e-6, "USD 100 million": 0.1, "USD billion": 1.0, "USD trillion": 1e3}


def test_manifest_checksums():
    result = datasets.verify()
    assert result and all(result.values()), result


@pytest.mark.parametrize("name", datasets.names())
def test_every_dataset_loads_and_validates(name):
    frame = datasets.load(name)
    manifest = json.loads(datasets.data_path("manifest.json").read_text())
    assert len(frame) == manifest["files"][datasets.DATASETS[name].file]["rows"]
    assert frame["source"].str.len().gt(0).all()
    for series in split(frame).values():
        assert series.index.freqstr[0] in "MQY"


def test_mirror_series_are_labelled():
    frame = datasets.load("us_china_monthly")
    exports = frame[frame["series_id"] == "China/United States/exports/total"]
    assert (exports["mirror_of"] == "United States/China/imports").all()


def _source_rows(file: str) -> list[dict[str, str]]:
    with (SHARED / file).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside this checkout")
@pytest.mark.parametrize(
    "name",
    [
        "us_china_monthly",
        "japan_china_monthly",
        "korea_china_monthly",
        "china_exports_sa_monthly",
        "cny_usd_monthly",
        "china_total_annual",
    ],
)
def test_values_equal_their_source(name):
    frame = datasets.load(name)
    checked = 0
    for file, rows in frame.groupby(frame["source"].str.split("#").str[0]):
        source = _source_rows(file)
        for _, row in rows.iterrows():
            date = f"{row['date']:%Y-%m-%d}"
            if row["mirror_of"]:
                rep, par, flow = row["mirror_of"].split("/")
            else:
                rep, par, flow = row["reporter"], row["partner"], row["flow"]
            match = [
                s
                for s in source
                if s["date"] == date
                and s["reporter"] == rep
                and s.get("partner", "") in (par, "")
                and s.get("flow") in (flow, "exchange_rate")
                and s.get("preferred", "1") == "1"
                and s["source_id"] == row["source"].split("#")[1]
            ]
            assert len(match) == 1, (name, date, flow)
            scale = SCALE[match[0]["unit"]] if match[0]["unit"] != row["unit"] else 1.0
            expected = float(match[0]["value"]) * scale
            assert row["value"] == pytest.approx(expected, rel=1e-12), (name, date)
            checked += 1
    assert checked == len(frame)


def test_tariff_months_inside_one_regime_equal_that_rate():
    frame = datasets.load("us_tariff_monthly")
    piie = frame[frame["product"] == "avg_tariff_piie"].set_index("date")["value"]
    assert piie[pd.Timestamp("2019-01-01")] == 12.0  # 12.0 in force 2018-09-24 .. 2019-06-14
    assert piie[pd.Timestamp("2022-06-01")] == 19.3
    assert pd.Timestamp("2025-03-01") not in piie.index  # unknown, so missing, not filled
    ieepa = frame[frame["product"] == "ieepa_additional_tariff"].set_index("date")["value"]
    assert ieepa[pd.Timestamp("2024-12-01")] == 0 and ieepa[pd.Timestamp("2025-07-01")] == 30
    # April 2025: 20% on 1-4, 30% on 5-8, 104% on the 9th, 145% on 10-30
    april = (4 * 20 + 4 * 30 + 104 + 21 * 145) / 30
    assert ieepa[pd.Timestamp("2025-04-01")] == pytest.approx(april)


def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_bundled", Path(__file__).resolve().parents[1] / "data" / "build_bundled.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside this checkout")
@pytest.mark.parametrize(
    "name",
    [
        "china_partner_monthly",
        "partner_mirror_annual",
        "china_selected_partners_annual",
        "china_total_monthly_1983",
    ],
)
def test_partner_files_equal_their_source(name):
    """Every value, looked up by (date, reporter, partner, flow) in its source file; the
    GACC table by its month rows; Comtrade's names through the build script's map."""
    names = _build_script().COMTRADE_NAMES
    frame = datasets.load(name)
    file, source_id = frame["source"].iloc[0].split("#")
    index, rows = {}, 0
    for s in _source_rows(file):
        if s.get("basis", "month") != "month":
            continue
        index[(s["date"], s["reporter"], names.get(s["partner"], s["partner"]), s["flow"])] = s
        rows += 1
    assert len(index) == rows  # the key is unique in the source
    for row in frame.itertuples():
        if row.mirror_of:
            rep, _, flow = row.mirror_of.split("/")
            key = (f"{row.date:%Y-%m-%d}", rep, "China", flow)
            assert names.get(rep, rep) == row.partner
        else:
            key = (f"{row.date:%Y-%m-%d}", row.reporter, row.partner, row.flow)
        match = index[key]
        assert match["source_id"] == source_id and match["unit"] == row.unit
        assert row.value == pytest.approx(float(match["value"]), rel=1e-12), key
    assert frame["source"].nunique() == 1


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside this checkout")
def test_commodity_files_equal_their_source():
    """Values as published; quantities as published times the row's own unit factor;
    the one linked line through the build script's map."""
    build = _build_script()
    source = {}
    for s in _source_rows("china_exports_by_commodity_monthly_gacc.csv"):
        if s["basis"] == "month":
            source[(s["date"], build.LINKED.get(s["product"], s["product"]))] = s
    frame = datasets.load("china_commodity_monthly")
    for row in frame.itertuples():
        quantity = row.product.endswith(" (quantity)")
        s = source[(f"{row.date:%Y-%m-%d}", row.product.removesuffix(" (quantity)"))]
        expected = (
            float(s["quantity"]) * float(s["quantity_unit_factor"])
            if quantity
            else float(s["value"])
        )
        assert row.value == pytest.approx(expected, rel=1e-12), (row.product, row.date)
    pv = {
        (s["date"], s["measure"]): float(s["value"])
        for s in _source_rows("china_solar_pv_modules_annual_gw.csv")
    }
    for row in datasets.load("china_solar_pv_annual").itertuples():
        measure = "exports" if row.flow == "exports" else row.product.rsplit(" ", 1)[-1]
        assert row.value == pv[(f"{row.date:%Y-%m-%d}", measure)]
    hs2 = {
        (s["date"], s["product"]): float(s["value"])
        for s in _source_rows("us_imports_from_china_by_hs2_monthly_census.csv")
    }
    for row in datasets.load("us_imports_hs2_monthly").itertuples():
        assert row.value == hs2[(f"{row.date:%Y-%m-%d}", row.product)]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is not beside this checkout")
def test_december_growth_equals_its_release_or_the_customs_levels():
    """First releases are copied; earlier years are December over December of the
    customs levels, to 2 decimals, and say so in their note."""
    frame = datasets.load("china_december_yoy")
    customs = {
        (r["flow"], r["date"][:4]): float(r["value"])
        for r in _source_rows("china_total_trade_monthly_customs_1983_2013.csv")
        if r["date"][5:7] == "12"
    }
    for _, row in frame.iterrows():
        file, source_id = row["source"].split("#")
        flow, year = row["product"].split()[0], row["date"].year
        if file.startswith("china_total_trade_monthly_customs"):
            assert row["note"].startswith("computed") and year < 2009
            rate = 100 * (customs[(flow, str(year))] / customs[(flow, str(year - 1))] - 1)
            assert row["value"] == pytest.approx(rate, abs=0.005), (flow, year)
            continue
        column = "yoy_pct" if "gacc_news" in file and "yoy" not in file else "value"
        match = [
            s
            for s in _source_rows(file)
            if s["date"] == f"{year}-12-01"
            and s["flow"] == flow
            and s["basis"] == "month"
            and s["source_id"] == source_id
        ]
        assert len(match) == 1 and row["value"] == float(match[0][column]), (flow, year)
    years = frame.groupby("product")["date"].apply(lambda d: sorted(d.dt.year))
    assert all(y == list(range(1984, 2026)) for y in years)  # no year missing
