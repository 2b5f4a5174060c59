"""Assemble risk reports for the flows in a tidy frame (bundled data or a user's CSV).

For every reporter with an exports series (total product) this pairs exports with
imports of the same reporter and partner, fits the outlook model, and assesses:
the reporter's total (partner ``World``) with its partner flows as diversion inputs,
and each partner flow on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from forecast.data import split
from forecast.models import get
from forecast.outlook import outlook
from forecast.risk import RiskReport, assess

__all__ = ["assess_frame", "scenario_outlooks"]


def _outlook(series: pd.Series, model: str, year: int | None, shock: float,
             seed: int, notes: list[str]) -> pd.DataFrame | None:
    """The outlook, or None with the reason appended to ``notes``."""
    tail = series
    gaps = tail.index[tail.isna()]
    if len(gaps):  # models other than structural need a gap-free span: the one after it
        tail = tail.loc[gaps[-1] + 1:]
    try:
        fitted = get(model).fit(tail)
        return outlook(fitted, tail, year=year, random_state=seed, shock=shock)
    except ValueError as exc:
        notes.append(f"no outlook for {series.name}: {exc}")
        return None


def assess_frame(frame: pd.DataFrame, *, model: str = "ensemble", year: int | None = None,
                 shocks: Mapping[str, float] | None = None, seed: int = 0
                 ) -> list[RiskReport]:
    """Risk reports for every exports series of ``frame`` (see the module docs).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical tidy frame holding exports (and ideally imports) series.
    model : str, default "ensemble"
        Registry model for the outlooks.
    year : int, optional
        Outlook year; the year after each series' last complete year by default.
    shocks : mapping of series id to float, optional
        Scenario shocks (fractions) applied to those series' simulated periods.
    seed : int, default 0
        Seed of the outlook paths.
    """
    series = split(frame)
    shocks = dict(shocks or {})
    keyed = frame.drop_duplicates("series_id").set_index("series_id")
    exports = [sid for sid in series if keyed.loc[sid, "flow"] == "exports"]
    reports = []
    partner_flows: dict[str, dict[str, pd.Series]] = {}
    for sid in exports:
        rep, par = keyed.loc[sid, "reporter"], keyed.loc[sid, "partner"]
        if par not in ("World", "Total"):
            partner_flows.setdefault(rep, {})[par] = series[sid]
    for sid in exports:
        rep, par, prod = (keyed.loc[sid, c] for c in ("reporter", "partner", "product"))
        imp_id = f"{rep}/{par}/imports/{prod}"
        imports = series.get(imp_id)
        notes: list[str] = []
        ox = _outlook(series[sid], model, year, shocks.get(sid, 0.0), seed, notes)
        pair_year = int(ox["year"].iloc[0]) if ox is not None else year
        om = _outlook(imports, model, pair_year, shocks.get(imp_id, 0.0), seed, notes) \
            if imports is not None else None
        partners = partner_flows.get(rep) if par in ("World", "Total") else None
        report = assess(series[sid], imports, partners=partners, export_outlook=ox,
                        import_outlook=om)
        report.notes.extend(notes)
        if keyed.loc[sid, "mirror_of"]:
            report.notes.append(f"mirror data: {keyed.loc[sid, 'mirror_of']} stands in for "
                                f"{sid}")
        reports.append(report)
    return reports


def scenario_outlooks(frame: pd.DataFrame, scenarios: Mapping[str, Mapping[str, float]], *,
                      model: str = "ensemble", seed: int = 0) -> pd.DataFrame:
    """Risk rows under named scenarios beside the baseline.

    ``scenarios`` maps a scenario name to {series id: shock}; a shock is the proportional
    change of the series' simulated periods, e.g. elasticity x tariff change. The
    baseline (no shock) is always included, with the same seed.
    """
    rows = []
    for name, shocks in {"baseline": {}, **scenarios}.items():
        for report in assess_frame(frame, model=model, shocks=shocks, seed=seed):
            rows.append({"scenario": name, **report.row()})
    return pd.DataFrame(rows)
