"""Partners: the GACC table as a hierarchy, published figures, diversion arithmetic and
the coherent outlook. Real bundled data where the claim is about the data; synthetic,
labelled series where it is about the arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import datasets
from forecast.config import load_config
from forecast.errors import ConfigError, DataError
from forecast.partner_job import analyse_partners
from forecast.partner_outlook import calibration_factor, simulate_growth
from forecast.partners import (
    check_groupings,
    complete,
    full_hierarchy,
    growth_history,
    panel,
    partner_hierarchy,
    published_ytd,
)
from forecast.risk.shares import annual_totals, diversion_table


@pytest.fixture(scope="module")
def frame():
    return datasets.load("china_partner_monthly")


@pytest.fixture(scope="module")
def result():
    return analyse_partners(n_paths=500, random_state=3)


@pytest.mark.parametrize("flow", ["exports", "imports"])
def test_published_table_adds_up_every_month(frame, flow):
    values = complete(panel(frame, flow))
    tree = full_hierarchy(present=values.columns)
    # continents = their countries and "other" line; world = continents, Antarctica and
    # "unknown", up to GACC's own 71.5 (CNY 10k) in 2024-12, 3e-7 of the world
    tree.check(values[list(tree.nodes)], rtol=1e-6)
    check_groupings(values)  # ASEAN (with Timor-Leste from 2025-10), EU, APEC, RCEP


def test_declared_membership_is_needed_for_asean(frame):
    from forecast.partners import structure

    values = complete(panel(frame, "exports"))
    struct = structure()
    struct.loc[struct["partner"] == "Timor-Leste", "groupings"] = "ASEAN"  # no join date
    with pytest.raises(DataError, match=r"in 2024-01, 'ASEAN'"):
        check_groupings(values, struct, groupings=("ASEAN",))


def test_working_hierarchy_and_exact_remainders(frame):
    values = panel(frame, "exports")
    h, nodes = partner_hierarchy(values, top=5)
    assert h.nodes[0] == "World" and {"ASEAN", "European Union"} <= set(h.aggregates)
    assert "United States" in h.bottom and "Rest of Asia" in h.bottom
    named_asia = [c for c in h.members["Asia"] if c != "Rest of Asia"]
    full = complete(values)
    np.testing.assert_allclose(nodes["Rest of Asia"], full["Asia"] - full[named_asia].sum(axis=1))
    with pytest.raises(DataError, match="not countries of the table"):
        partner_hierarchy(values, keep=["Atlantis"])


def test_published_2025_growth_by_region_is_reproduced():
    """GACC's published year-to-date growth (US -19.5, Africa +26.5, ASEAN +14.0, EU +9.0,
    Latin America +8.0) against the year-to-date values: within 0.1 pp. The rest is
    revision: GACC computes growth on the revised 2024 base, not the December-2024
    year-to-date figure as first published. Summing the published months instead drifts
    further (revisions are not in the month rows), by up to 0.25 pp here."""
    ytd = published_ytd()
    dec = ytd[(ytd["flow"] == "exports") & (ytd["date"].dt.month == 12)]
    table = dec.pivot_table(index=dec["date"].dt.year, columns="partner", values="value_ytd")
    months = annual_totals(panel(datasets.load("china_partner_monthly"), "exports"))
    for region, published in {
        "United States": -19.5,
        "Africa": 26.5,
        "ASEAN": 14.0,
        "European Union": 9.0,
        "Latin America": 8.0,
    }.items():
        row = dec[(dec["partner"] == region) & (dec["date"].dt.year == 2025)]
        assert row["ytd_yoy_pct"].iloc[0] == published
        from_ytd = 100 * (table.loc[2025, region] / table.loc[2024, region] - 1)
        from_months = 100 * (months.loc[2025, region] / months.loc[2024, region] - 1)
        assert abs(from_ytd - published) <= 0.1, region
        assert abs(from_months - from_ytd) <= 0.25, region


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(1, 1e6)), min_size=2, max_size=8))
def test_contributions_add_up_to_total_growth(pairs):
    """Synthetic partition: any positive parts in two years."""
    parts = [f"p{i}" for i in range(len(pairs))]
    table = pd.DataFrame(
        {p: [a, b] for p, (a, b) in zip(parts, pairs, strict=True)}, index=[2024, 2025]
    )
    table["T"] = table[parts].sum(axis=1)
    d = diversion_table(table, "T", parts)
    assert d.table["contribution_pp"].sum() == pytest.approx(d.total_growth_pct, rel=1e-9, abs=1e-9)
    assert d.table["share_change_pp"].sum() == pytest.approx(0.0, abs=1e-9)
    shift = d.shift_from("p0", top=2)
    assert shift["share_change_pp"].iloc[1:].sum() == pytest.approx(
        -shift["share_change_pp"].iloc[0], abs=1e-9
    )
    assert 0 < d.hhi_year <= 10_000


def test_a_partition_that_does_not_add_up_is_refused():
    table = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 1.0], "T": [3.0, 3.0]}, index=[2024, 2025])
    with pytest.raises(DataError, match="do not add up"):
        diversion_table(table, "T", ["a", "b"])


def test_real_diversion_matches_published_story(result):
    d = result.diversion
    assert d.total_growth_pct == pytest.approx(6.07, abs=0.05)
    us = d.table.set_index("part").loc["United States"]
    assert us["growth_pct"] == pytest.approx(-19.4, abs=0.1)
    assert us["contribution_pp"] < 0 and us["share_change_pp"] < -3
    assert d.table["contribution_pp"].sum() == pytest.approx(d.total_growth_pct, abs=1e-3)
    assert result.hhi_countries[1] < result.hhi_countries[0]  # less concentrated in 2025


def test_outlook_paths_add_up_and_probabilities_are_coherent(result):
    o = result.outlook
    h = o.hierarchy
    bottom = o.paths[:, len(h.aggregates) :]
    np.testing.assert_allclose(o.paths, bottom @ h.S.T, rtol=1e-10)
    world = o.table().set_index("node").loc["World"]
    grows = bottom.sum(axis=1) >= o.base[len(h.aggregates) :].sum() - 1e-9
    assert world["p_growth_ge_0"] == pytest.approx(grows.mean(), abs=2 / len(grows))
    contrib = o.contributions()
    assert contrib["expected_contribution_pp"].sum() == pytest.approx(
        100 * world["expected_growth"], rel=1e-6
    )
    with pytest.raises(ValueError, match="cover every bottom node"):
        o.contributions(["Asia"])


def test_outlook_is_reproducible_and_seeded():
    a = analyse_partners(n_paths=200, random_state=1).outlook.paths
    b = analyse_partners(n_paths=200, random_state=1).outlook.paths
    c = analyse_partners(n_paths=200, random_state=2).outlook.paths
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_growth_history_sources(frame):
    h, nodes = partner_hierarchy(panel(frame, "exports"))
    hist, sources = growth_history(h, nodes)
    assert hist["World"].notna().sum() >= 25  # China's own annual totals, 1999 on
    y2025 = pd.Period("2025", freq="Y")
    assert hist.loc[y2025].notna().all()  # the monthly table's own year, every node
    assert "mirror" in sources["United States"]
    assert hist.loc[y2025, "United States"] == pytest.approx(np.log(1 - 0.1938), abs=2e-3)


def test_simulated_growth_keeps_correlation_and_calibration_is_sane():
    """Synthetic: two nodes with the same growth history, one independent."""
    rng = np.random.default_rng(0)
    common = rng.normal(0.05, 0.1, 12)
    history = pd.DataFrame(
        {"a": common, "b": common * 1.5 + rng.normal(0, 0.001, 12), "c": rng.normal(0, 0.1, 12)}
    )
    draws, basis, _ = simulate_growth(history, 4000, random_state=0)
    corr = np.corrcoef(draws.T)
    sample = np.corrcoef(history.iloc[-10:].T.to_numpy())
    assert corr[0, 1] > 0.8  # kept, though shrunk toward zero
    assert abs(corr[0, 2]) < abs(sample[0, 2])  # a chance correlation shrinks
    assert "12 years" not in basis["a"]  # the window is the last 10
    normal = pd.DataFrame(rng.normal(0, 0.1, (40, 6)))
    assert 0.75 < calibration_factor(normal) < 1.35
    rising = pd.DataFrame(rng.normal(0, 1, (40, 6)) * np.linspace(0.02, 0.3, 40)[:, None])
    assert calibration_factor(rising) > 1.3  # past spreads understated the next error


def test_own_partner_csv_gives_the_same_numbers(tmp_path, frame):
    path = tmp_path / "partners.csv"
    frame.drop(columns=["series_id", "frequency"]).assign(
        date=frame["date"].dt.strftime("%Y-%m-%d")
    ).to_csv(path, index=False)
    ours = analyse_partners(csv=str(path), n_paths=200, random_state=1)
    bundled = analyse_partners(n_paths=200, random_state=1)
    np.testing.assert_allclose(ours.outlook.paths, bundled.outlook.paths)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "reporter,partner,flow,product,date,value,unit\n"
        "China,Atlantis,exports,total,2024-01-01,1,CNY 10 thousand\n"
    )
    with pytest.raises(DataError, match="Atlantis"):
        analyse_partners(csv=str(bad))


@pytest.mark.parametrize(
    "text, words",
    [
        ("[partners]\nmethod = 'magic'\n", "partners.method"),
        ("[partners]\ntopp = 3\n", "partners.topp"),
        ("[partners]\ntop = -1\n", "partners.top"),
        ("[partners]\nenabled = 'yes'\n", "partners.enabled"),
    ],
)
def test_partner_config_is_checked(tmp_path, text, words):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        load_config(cfg)


def test_partner_stage_can_be_disabled(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[partners]\nenabled = false\n")
    assert load_config(cfg).partners is None
    assert load_config().partners is not None
