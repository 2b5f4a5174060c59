"""Sectors: quantities in base units, value = volume x unit value, the signal, the score
and the outlook. Real bundled data where the claim is about the data; synthetic,
labelled series where it is about the arithmetic."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import datasets
from forecast.cli import main
from forecast.errors import DataError
from forecast.risk.sectors import decompose, score_sector, signal, unit_values
from forecast.sector_job import FOCUS, analyse_sectors


@pytest.fixture(scope="module")
def table():
    frame = datasets.load("china_commodity_monthly")
    return {sid.split("/", 3)[-1]: rows for sid, rows in frame.groupby("series_id")}


@pytest.fixture(scope="module")
def result():
    return analyse_sectors(n_paths=300, random_state=2)


def _ytd(product: str) -> pd.Series:
    ytd = pd.read_csv(datasets.data_path("china_commodity_ytd.csv"), keep_default_na=False)
    rows = ytd[(ytd["product"] == product) & (ytd["date"] == "2025-12-01")]
    return rows.iloc[0]


def test_quantities_are_in_base_units_across_a_unit_change(table):
    shoes = table["Footwear (quantity)"]
    assert set(shoes["unit"]) == {"pairs"}  # 10k pairs in 2024, 100m pairs in 2025
    notes = shoes.set_index(shoes["date"].dt.strftime("%Y-%m"))["note"]
    assert notes["2024-12"].endswith("10k pairs") and notes["2025-01"].endswith("100m pairs")
    dec, jan = shoes["value"].iloc[11], shoes["value"].iloc[12]
    assert 0.3 < jan / dec < 3  # one scale, so months are comparable across the change
    steel = table["Steel products (quantity)"]
    assert set(steel["unit"]) == {"tonnes"}


def test_2025_totals_reproduce_published_figures(table):
    """Steel products 119.02 million tonnes in 2025 (the reported record), lithium-ion
    batteries 4.68 and solar cells 13.46 billion units: the December year-to-date rows.
    The sum of the published months differs by GACC's revisions, under 0.5% here."""
    for product, published, unit in (
        ("Steel products", 119.02e6, "tonnes"),
        ("Lithium-ion batteries", 4.68e9, "units"),
        ("Solar cells", 13.46e9, "units"),
    ):
        row = _ytd(product)
        assert row["quantity_unit"] == unit
        assert float(row["quantity_ytd"]) == pytest.approx(published, rel=0.002), product
        months = table[f"{product} (quantity)"]
        total = months.loc[months["date"].dt.year == 2025, "value"].sum()
        assert total == pytest.approx(float(row["quantity_ytd"]), rel=0.005), product


def test_renamed_line_is_linked_where_the_data_say_so(table):
    ev = table["Electric passenger vehicles"]
    assert len(ev) == 24  # 2024 as a level-0 line, 2025 as a child, one series
    assert ev["note"].iloc[0].startswith("published as 'Electric passenger vehicles *'")
    assert ev["note"].iloc[-1] == ""
    assert "Paddy and rice" in table and "Paddy, rice and rice flour" in table  # not linked


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e9), st.floats(1, 1e6)), min_size=24, max_size=36))
def test_decomposition_adds_up(pairs):
    """Synthetic monthly value and quantity: log contributions add up exactly."""
    index = pd.period_range("2020-01", periods=len(pairs), freq="M")
    value = pd.Series([v for v, _ in pairs], index=index, name="synthetic")
    quantity = pd.Series([q for _, q in pairs], index=index, name="synthetic (quantity)")
    for basis in ("annual", "yoy"):
        d = decompose(value, quantity, basis)
        np.testing.assert_allclose(d["log_value"], d["log_volume"] + d["log_unit_value"], atol=1e-9)
        assert (d["value_growth_pct"] > -100).all()  # a ratio, never a negative level


def test_unit_value_undefined_is_said_never_inf():
    index = pd.period_range("2024-01", periods=4, freq="M")
    value = pd.Series([10.0, 20.0, 30.0, 40.0], index=index, name="v")
    quantity = pd.Series([1.0, 0.0, np.nan, 4.0], index=index, name="q")
    uv, notes = unit_values(value, quantity)
    assert uv.iloc[0] == 10 and np.isnan(uv.iloc[1]) and np.isnan(uv.iloc[2])
    assert not np.isinf(uv).any()
    assert any("zero quantity" in n for n in notes)
    assert any("without a quantity" in n for n in notes)
    with pytest.raises(DataError, match="negative quantity"):
        unit_values(value, -quantity.fillna(1))


def _toy(volume_growth: float, price_growth: float, months: int = 24):
    """Synthetic, labelled: a line whose volume and unit value grow at constant rates."""
    index = pd.period_range("2024-01", periods=months, freq="M")
    t = np.arange(months) / 12
    quantity = pd.Series(1000 * (1 + volume_growth) ** t, index=index, name="toy (quantity)")
    price = 50 * (1 + price_growth) ** t
    value = pd.Series(quantity.to_numpy() * price, index=index, name="toy")
    total = pd.Series(2e6, index=index, name="total")
    return value, quantity, total


def test_score_on_a_labelled_toy_table():
    value, quantity, total = _toy(0.40, -0.25)
    flagged = score_sector("toy", value, quantity, total=total)
    assert flagged.level == "high" and flagged.score >= 70
    assert flagged.indicators["volume_growth"] == pytest.approx(40, abs=0.5)
    assert flagged.indicators["unit_value_growth"] == pytest.approx(-25, abs=0.5)
    assert flagged.indicators["persistence"] == 12
    assert any("export volume growth +40" in r for r in flagged.reasons)
    assert flagged.reasons[-1].startswith("score rests on 6 of 6 indicators")
    calm = score_sector("toy", *_toy(0.0, 0.02)[:2], total=total)
    assert calm.level == "low" and calm.indicators["persistence"] == 0
    value_only = score_sector("toy", value, None, total=total)
    assert "no quantities" in value_only.notes[0]
    assert "rests on 2 of 6" in value_only.reasons[-1]  # growth vs total and share only
    assert value_only.level == "not available"  # 0.25 of the weight: below half


def test_signal_counts_run_and_size():
    yoy = pd.DataFrame(
        {"volume_growth_pct": [5, 10, -1, 20, 30], "unit_value_growth_pct": [-5, -2, -3, -10, -4]}
    )
    sig = signal(yoy)
    assert sig == {"months": 4, "of": 5, "run": 2, "size": pytest.approx((5 + 2 + 10 + 4) / 4)}


def test_focus_sectors_scored_with_reasons_and_an_outlook(result):
    table = result.table().set_index("product")
    for product in FOCUS:
        assert product in table.index
        assert "score rests on" in table.loc[product, "reasons"]
    solar = table.loc["Solar cells"]
    assert solar["supply_overhang"] == pytest.approx(52.8, abs=0.1)  # 2024 production data
    out = result.outlook
    for measure in ("value", "volume"):
        lines = set(out.loc[out["measure"] == measure, "product"])
        assert set(FOCUS) <= lines
    assert out["p_growth_ge_0"].between(0, 1).all()
    assert (out["growth_q10"] < out["growth_q90"]).all()
    # a parent the table lists is in the outlook too, and is at least its listed child
    parent = out[(out["product"] == "Storage batteries") & (out["measure"] == "value")]
    child = out[(out["product"] == "Lithium-ion batteries") & (out["measure"] == "value")]
    assert parent["base_total"].iloc[0] >= child["base_total"].iloc[0]


def test_risk_sectors_cli_json(capsys):
    assert main(["risk", "--sectors", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)
    scores = [r["score"] for r in rows if r["score"] is not None]
    assert scores == sorted(scores, reverse=True)  # ranked; unscored lines last
    assert all(r["score"] is None for r in rows[len(scores) :])
    assert {r["product"] for r in rows} >= set(FOCUS)


@pytest.mark.parametrize(
    "rows, words",
    [
        ("China,World,exports,Widgets (quantity),2024-01-01,5,\n", "no unit"),
        (
            "China,World,exports,Widgets (quantity),2024-02-01,5,tonnes\n"
            "China,World,exports,Widgets (quantity),2024-03-01,5,10k tonnes\n",
            "mixed units",
        ),
        ("China,World,exports,Widgets,2024-01-01,-5,CNY 10 thousand\n", "negative"),
    ],
)
def test_bad_commodity_tables_are_one_line(tmp_path, capsys, rows, words):
    path = tmp_path / "c.csv"
    path.write_text(
        "reporter,partner,flow,product,date,value,unit\n"
        "China,World,exports,Widgets,2024-01-01,10,CNY 10 thousand\n" + rows
    )
    assert main(["risk", "--sectors", "--csv", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err


def test_own_table_without_the_focus_lines(tmp_path):
    """Synthetic, labelled: one line, volume up and unit value down every month."""
    rows = []
    for i, d in enumerate(pd.date_range("2024-01-01", periods=24, freq="MS")):
        rows.append(f"China,World,exports,Widgets,{d:%Y-%m-%d},{100 + 5 * i},CNY 10 thousand")
        rows.append(f"China,World,exports,Widgets (quantity),{d:%Y-%m-%d},{10 + i},units")
    path = tmp_path / "w.csv"
    path.write_text("reporter,partner,flow,product,date,value,unit\n" + "\n".join(rows) + "\n")
    result = analyse_sectors(csv=str(path), n_paths=100)
    assert result.table()["product"].tolist() == ["Widgets"]
    assert result.outlook.empty and "without an outlook" in result.notes[-1]
