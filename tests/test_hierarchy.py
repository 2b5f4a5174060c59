"""Hierarchies and reconciliation: structure, checks, coherence, and Nixtla's
hierarchicalforecast as the oracle. Every series here is synthetic and labelled so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import DataError
from forecast.hierarchy import Hierarchy
from forecast.reconcile import METHODS, reconcile, shrunk_covariance

LINKS = {"A": "T", "B": "T", "a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B"}


@pytest.fixture
def tree():
    return Hierarchy.from_parents(LINKS, groupings={"G": ["a1", "b1"]})


def _synthetic(h: Hierarchy, T: int = 30, seed: int = 0):
    """Synthetic history of every node (bottom gamma draws, aggregates summed), fitted
    values with node-specific noise and a common shock, and base forecasts."""
    rng = np.random.default_rng(seed)
    hist = rng.gamma(5, 10, size=(T, len(h.bottom))) @ h.S.T
    noise = rng.normal(0, 3, size=hist.shape) * np.linspace(0.5, 3, len(h.nodes))
    fitted = hist + noise + rng.normal(0, 4, size=(T, 1))
    base = hist[-3:] * rng.uniform(0.85, 1.15, size=(3, len(h.nodes)))
    return hist, fitted, base


def test_structure(tree):
    assert tree.nodes == ("T", "A", "B", "G", "a1", "a2", "b1", "b2", "b3")
    assert tree.bottom == ("a1", "a2", "b1", "b2", "b3")
    assert tree.S[tree.nodes.index("G")].tolist() == [1, 0, 1, 0, 0]
    assert tree.level["T"] == "top" and tree.level["A"] == "level 1"
    assert tree.level["G"] == "grouping" and tree.level["b3"] == "bottom"
    assert tree.members["A"] == ("a1", "a2")


@pytest.mark.parametrize(
    "links, groupings, words",
    [
        ({"A": "T", "B": "U"}, None, "exactly one root"),
        ({"A": "B", "B": "A", "C": None}, None, "cycle"),
        (LINKS, {"G": ["a1", "zz"]}, "not in the hierarchy"),
        (LINKS, {"G": ["A", "a1"]}, "twice"),
        (LINKS, {"A": ["a1"]}, "name of a tree node"),
    ],
)
def test_bad_structures_are_typed_errors(links, groupings, words):
    with pytest.raises(DataError, match=words):
        Hierarchy.from_parents(links, groupings=groupings)


def test_check_names_the_node_the_period_and_the_gap(tree):
    hist, _, _ = _synthetic(tree, T=5)
    frame = pd.DataFrame(
        hist, columns=list(tree.nodes), index=pd.period_range("2020-01", periods=5, freq="M")
    )
    tree.check(frame)  # the synthetic history adds up exactly
    bad = frame.copy()
    bad.loc["2020-03", "b3"] *= 1.01
    with pytest.raises(DataError, match=r"in 2020-03, 'B' is .* 3 members add up to"):
        tree.check(bad)
    tree.check(bad, rtol=0.02)  # within a stated tolerance it passes
    with pytest.raises(DataError, match=r"node\(s\) b3 of the hierarchy are missing"):
        tree.check(frame.drop(columns="b3"))
    gap = frame.copy()
    gap.loc["2020-02", "a2"] = np.nan
    with pytest.raises(DataError, match=r"member.*a2.*have none"):
        tree.check(gap)
    units = dict.fromkeys(tree.nodes, "USD")
    with pytest.raises(DataError, match="units differ"):
        tree.check(frame, units={**units, "b2": "CNY"})


def test_aggregate_sums_bottom(tree):
    hist, _, _ = _synthetic(tree, T=3)
    bottom = pd.DataFrame(hist[:, -5:], columns=list(tree.bottom))
    np.testing.assert_allclose(tree.aggregate(bottom).to_numpy(), hist)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), paths=st.integers(1, 40))
def test_reconciled_means_and_every_path_add_up(method, seed, paths):
    h = Hierarchy.from_parents(LINKS, groupings={"G": ["a1", "b1"]})
    hist, fitted, _ = _synthetic(h, seed=seed)
    rng = np.random.default_rng(seed)
    base = hist[-1] * rng.uniform(0.5, 1.5, size=(paths, 3, len(h.nodes)))  # paths x h x n
    out = reconcile(base, h, method, residuals=hist - fitted, history=hist)
    assert out.shape == base.shape
    bottom = out[..., len(h.aggregates) :]
    np.testing.assert_allclose(out, bottom @ h.S.T, rtol=1e-12, atol=1e-9)
    # nodes along another axis give the same numbers
    moved = reconcile(
        np.moveaxis(base, -1, 0), h, method, residuals=hist - fitted, history=hist, axis=0
    )
    np.testing.assert_allclose(np.moveaxis(moved, 0, -1), out)


def test_coherent_forecasts_are_left_unchanged_by_gls(tree):
    hist, fitted, _ = _synthetic(tree)
    for method in ("ols", "wls_struct", "wls_var", "mint_shrink"):
        np.testing.assert_allclose(
            reconcile(hist[-3:], tree, method, residuals=hist - fitted), hist[-3:]
        )


def test_missing_inputs_are_named(tree):
    with pytest.raises(ValueError, match="needs 'residuals'"):
        reconcile(np.ones(len(tree.nodes)), tree, "mint_shrink")
    with pytest.raises(ValueError, match="needs 'history'"):
        reconcile(np.ones(len(tree.nodes)), tree, "top_down_average_proportions")
    with pytest.raises(ValueError, match="one of"):
        reconcile(np.ones(len(tree.nodes)), tree, "magic")
    with pytest.raises(ValueError, match="has 3 nodes"):
        reconcile(np.ones(3), tree, "ols")


# -- the oracle: hierarchicalforecast on the same base forecasts ----------------------
hf_methods = pytest.importorskip("hierarchicalforecast.methods")


@pytest.mark.parametrize("method", ["ols", "wls_struct", "wls_var", "mint_shrink"])
def test_mintrace_equals_hierarchicalforecast(tree, method):
    hist, fitted, base = _synthetic(tree, seed=4)
    theirs = hf_methods.MinTrace(method=method).fit_predict(
        S=tree.S, y_hat=base.T, y_insample=hist.T, y_hat_insample=fitted.T
    )["mean"]
    ours = reconcile(base, tree, method, residuals=hist - fitted)
    np.testing.assert_allclose(ours.T, theirs, rtol=1e-9)


def test_bottom_up_equals_hierarchicalforecast(tree):
    _, _, base = _synthetic(tree, seed=5)
    theirs = hf_methods.BottomUp().fit_predict(S=tree.S, y_hat=base.T)["mean"]
    np.testing.assert_allclose(reconcile(base, tree, "bottom_up").T, theirs, rtol=1e-12)


@pytest.mark.parametrize("method", ["average_proportions", "proportion_averages"])
def test_top_down_equals_hierarchicalforecast(method):
    strict = Hierarchy.from_parents(LINKS)  # top-down there needs a strict tree
    hist, _, base = _synthetic(strict, seed=6)
    tags = {
        "top": np.array([0]),
        "mid": np.array([1, 2]),
        "bottom": np.arange(3, len(strict.nodes)),
    }
    theirs = hf_methods.TopDown(method=method).fit_predict(
        S=strict.S, y_hat=base.T, y_insample=hist.T, tags=tags
    )["mean"]
    ours = reconcile(base, strict, f"top_down_{method}", history=hist)
    np.testing.assert_allclose(ours.T, theirs, rtol=1e-9)


def test_shrinkage_equals_hierarchicalforecast(tree):
    from hierarchicalforecast.utils import _shrunk_covariance_schaferstrimmer_no_nans

    hist, fitted, _ = _synthetic(tree, seed=7)
    res = hist - fitted
    theirs = _shrunk_covariance_schaferstrimmer_no_nans(np.ascontiguousarray(res.T), 2e-8)
    ours, lam = shrunk_covariance(res)
    assert 0 < lam < 1  # the common shock gives correlation to keep
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
