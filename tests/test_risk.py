"""Risk indicators against hand computations; the score's behaviour (synthetic data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.errors import DataError
from forecast.risk import assess, balance, concentration, divergence, diversion, verdict
from forecast.risk.indicators import market_share, volume_price
from forecast.risk.score import MIN_HISTORY, score_year


def _annual(values, start=2000, name="x", unit="USD billion"):
    s = pd.Series(
        np.asarray(values, float),
        name=name,
        index=pd.period_range(str(start), periods=len(values), freq="Y"),
    )
    s.attrs["unit"] = unit
    return s


def _get(frame, name, year):
    return frame[(frame["indicator"] == name) & (frame["year"] == year)]["value"].iloc[0]


def test_divergence_and_balance_by_hand():
    x, m = _annual([100, 110, 121]), _annual([80, 80, 84])
    d = divergence(x, m)
    assert _get(d, "export_growth", 2001) == pytest.approx(10.0)
    assert _get(d, "import_growth", 2002) == pytest.approx(5.0)
    assert _get(d, "divergence", 2002) == pytest.approx(10.0 - 5.0)
    assert set(d["basis"]) == {"values"}
    b = balance(x, m)
    assert _get(b, "balance", 2002) == 121 - 84
    assert _get(b, "balance_growth", 2002) == pytest.approx(100 * (37 / 30 - 1))
    assert _get(b, "balance_to_exports", 2000) == pytest.approx(20.0)


def test_divergence_in_volumes_with_prices():
    x, m = _annual([100, 110]), _annual([100, 110])
    px, pm = _annual([1.0, 1.1], unit=""), _annual([1.0, 1.0], unit="")
    d = divergence(x, m, px, pm)
    assert set(d["basis"]) == {"volumes"} and _get(d, "divergence", 2001) == pytest.approx(-10)


def test_monthly_inputs_use_complete_years_and_units():
    idx = pd.period_range("2000-01", "2001-06", freq="M")
    monthly = pd.Series(1000.0, index=idx, name="to_us")
    monthly.attrs["unit"] = "USD million"
    total = _annual([48.0, 50.0], name="total")
    out = diversion(monthly, total, "US")
    assert list(out[out["indicator"] == "share_US"]["year"]) == [2000]  # 2001 incomplete
    assert _get(out, "share_US", 2000) == pytest.approx(100 * 12 / 48)


def test_units_that_cannot_be_reconciled_are_refused():
    with pytest.raises(DataError, match="different units"):
        diversion(_annual([1, 2], unit="JPY thousand"), _annual([5, 6]), "JP")


def test_concentration_hhi_by_hand():
    total = _annual([100, 100])
    partners = {"A": _annual([50, 40]), "B": _annual([30, 30])}
    c = concentration(partners, total)
    assert _get(c, "hhi", 2000) == pytest.approx(50**2 + 30**2 + 20**2)
    assert _get(c, "hhi_change", 2001) == pytest.approx((40**2 + 30**2 + 30**2) - 3800)


def test_diversion_growth_gap_by_hand():
    out = diversion(_annual([20, 16]), _annual([100, 110]), "US")
    assert _get(out, "share_change_US", 2001) == pytest.approx(100 * 16 / 110 - 20)
    assert _get(out, "growth_gap_US", 2001) == pytest.approx(-20 - 100 * (94 / 80 - 1))


def test_volume_price_and_market_share():
    vp = volume_price(_annual([100, 110, 105], unit=""), _annual([1, 0.9, 1.0], unit=""))
    assert (
        _get(vp, "volume_up_price_down", 2001) == 1 and _get(vp, "volume_up_price_down", 2002) == 0
    )
    ms = market_share(_annual([10, 12]), _annual([100, 100]), _annual([2, 3]), _annual([5, 5]))
    assert _get(ms, "world_share", 2001) == 12
    assert _get(ms, "rca", 2001) == pytest.approx((3 / 12) / (5 / 100))


def _history(n=20, seed=0):
    """Synthetic: exports and imports growing alike, so divergence hovers around zero."""
    rng = np.random.default_rng(seed)
    g = rng.normal(0.06, 0.03, n)
    x = 100 * np.cumprod(1 + g)
    m = 90 * np.cumprod(1 + g + rng.normal(0, 0.02, n))
    return x, m


@pytest.mark.parametrize("driver", ["export_boom", "import_slump"])
def test_score_rises_with_each_adverse_driver(driver):
    x, m = _history()
    base = assess(_annual(x), _annual(m)).score
    x2, m2 = x.copy(), m.copy()
    if driver == "export_boom":
        x2[-1] *= 1.15
    else:
        m2[-1] *= 0.85
    worse = assess(_annual(x2), _annual(m2))
    assert worse.score > base
    assert any("divergence" in r and "raises the score" in r for r in worse.reasons)


def test_score_falls_with_a_favourable_driver():
    x, m = _history()
    base = assess(_annual(x), _annual(m)).score
    m2 = m.copy()
    m2[-1] *= 1.2  # imports surge: divergence and surplus fall
    better = assess(_annual(x), _annual(m2))
    assert better.score < base
    assert any("lowers the score" in r for r in better.reasons)


def test_missing_inputs_degrade_not_crash():
    x, _ = _history()
    report = assess(_annual(x))
    assert np.isnan(report.score) and report.level == "not available"
    assert report.verdict == "not available"
    assert "imports not supplied" in report.notes[0]
    short = assess(_annual(x[:5]), _annual(x[:5] * 0.9))
    assert (
        short.components["status"].str.startswith("not enough history")
        | (short.components["status"] == "not available")
    ).all()
    assert str(MIN_HISTORY) in " ".join(short.components["status"])


def test_score_year_uses_only_the_past():
    x, m = _history()
    frame = pd.concat([divergence(_annual(x), _annual(m)), balance(_annual(x), _annual(m))])
    a = score_year(frame, 2015)
    changed = frame.copy()
    changed.loc[changed["year"] > 2015, "value"] *= 3
    assert score_year(changed, 2015)["score"] == a["score"]


@pytest.mark.parametrize(
    "p, q5, expected",
    [
        (0.8, -0.05, "sustained"),
        (0.8, -0.2, "at risk"),
        (0.5, -0.05, "at risk"),
        (0.2, -0.3, "likely to contract"),
    ],
)
def test_verdict_rule(p, q5, expected):
    assert verdict(pd.Series({"p_growth_ge_0": p, "growth_q5": q5})) == expected


def test_cli_risk_on_bundled_data(capsys):
    assert main(["risk", "--dataset", "china_total_annual", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    row = rows[0]
    assert row["series_id"] == "China/World/exports/total"
    assert row["level"] in ("low", "elevated", "high")
    assert 0 <= row["p_growth_ge_0"] <= 1 and "percentile" in row["reasons"]
    # a score that rests on fewer indicators than it could names the ones it rests on
    assert (
        "score rests on 4 of 5 indicators (weight 0.85: export growth minus import growth"
        in row["reasons"]
    )


def test_cli_risk_bad_scenario_file(tmp_path, capsys):
    bad = tmp_path / "s.json"
    bad.write_text('{"scenarios": {"x": {"China/World/exports/total": -2}}}')
    assert main(["risk", "--dataset", "china_total_annual", "--scenario", str(bad)]) == 2
    assert "numbers above -1" in capsys.readouterr().err
