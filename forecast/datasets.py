"""The bundled real datasets: where they live, what they are, and loading them.

The CSV files sit in the repository's ``data/`` folder and are shipped inside the
wheel as ``forecast/_bundled``; ``data/README.md`` gives every series' provenance.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.errors import DataError

__all__ = ["DATASETS", "Dataset", "data_path", "describe", "load", "names", "verify"]


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: its file and a one-line description."""

    name: str
    file: str
    title: str


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "us_china_monthly",
            "us_china_monthly.csv",
            "China-US goods trade, monthly 1985-2025 (US Census mirror data)",
        ),
        Dataset(
            "china_total_annual",
            "china_total_annual.csv",
            "China total goods exports and imports, annual 1999-2025 (GACC, yearbook)",
        ),
        Dataset(
            "china_exports_sa_monthly",
            "china_exports_sa_monthly.csv",
            "China total goods exports, monthly SA 2000-2020 (OECD MEI via FRED)",
        ),
        Dataset(
            "japan_china_monthly",
            "japan_china_monthly.csv",
            "China-Japan goods trade, monthly 2001-2019 (MOF Japan mirror data)",
        ),
        Dataset(
            "korea_china_monthly",
            "korea_china_monthly.csv",
            "China-Korea goods trade, monthly 2001-2019 (KOSIS mirror data)",
        ),
        Dataset(
            "us_tariff_monthly",
            "us_tariff_monthly.csv",
            "US tariffs on Chinese goods, monthly (PIIE average; IEEPA add-on)",
        ),
        Dataset(
            "cny_usd_monthly",
            "cny_usd_monthly.csv",
            "CNY per USD, monthly average 1981-2019 (FRED EXCHUS)",
        ),
        Dataset(
            "china_partner_monthly",
            "china_partner_monthly.csv",
            "China's exports and imports by partner and region, monthly 2024-2025 (GACC)",
        ),
        Dataset(
            "partner_mirror_annual",
            "partner_mirror_annual.csv",
            "Each partner's imports from China, annual 2014-2025 (UN Comtrade mirror, CIF)",
        ),
        Dataset(
            "china_selected_partners_annual",
            "china_selected_partners_annual.csv",
            "China's exports to the US, Brazil, Portugal, Angola, Mozambique, annual 2001-2024 "
            "(UN Comtrade)",
        ),
        Dataset(
            "china_total_monthly_1983",
            "china_total_monthly_1983.csv",
            "China total exports and imports, monthly 1983-2013 (China Customs)",
        ),
        Dataset(
            "china_december_yoy",
            "china_december_yoy.csv",
            "December's year-on-year growth of China's exports and imports, 1984-2025 "
            "(China Customs; GACC first releases from 2009)",
        ),
        Dataset(
            "china_commodity_monthly",
            "china_commodity_monthly.csv",
            "China's major export commodities, value and quantity, monthly 2024-2025 (GACC)",
        ),
        Dataset(
            "china_solar_pv_annual",
            "china_solar_pv_annual.csv",
            "China's solar PV module production, exports, installation, annual 2015-2024 (GW)",
        ),
        Dataset(
            "us_imports_hs2_monthly",
            "us_imports_hs2_monthly.csv",
            "US imports from China by HS chapter, monthly 2013-2021 (Census mirror)",
        ),
    )
}


def _root() -> Path:
    installed = Path(__file__).resolve().parent / "_bundled"
    if (installed / "manifest.json").exists():
        return installed
    return Path(__file__).resolve().parent.parent / "data"  # source checkout, editable


def data_path(file: str) -> Path:
    """Return the path of a bundled data file (works installed and from a checkout)."""
    return _root() / file


def names() -> list[str]:
    """Return the names of the bundled datasets."""
    return list(DATASETS)


def _get(name: str) -> Dataset:
    if name not in DATASETS:
        raise DataError(
            f"Unknown dataset {name!r}. Choose one of {', '.join(DATASETS)} "
            "(see `forecast data list`)."
        )
    return DATASETS[name]


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a validated canonical tidy frame.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"us_china_monthly"``.

    Returns
    -------
    pandas.DataFrame
        The canonical tidy frame (see :func:`forecast.data.read_csv`).
    """
    return _load(_get(name).file).copy()


@functools.lru_cache(maxsize=16)
def _load(file: str) -> pd.DataFrame:
    """Read and validate a bundled file once per process (the files do not change)."""
    from forecast.data import read_csv  # the data layer imports this module

    return read_csv(data_path(file))


def describe() -> pd.DataFrame:
    """One row per bundled dataset: name, frequency, span, series count and title."""
    from forecast.data import summarize

    rows = []
    for ds in DATASETS.values():
        summary = summarize(load(ds.name))
        rows.append(
            {
                "name": ds.name,
                "frequency": "/".join(sorted(set(summary["frequency"]))),
                "start": summary["start"].min(),
                "end": summary["end"].max(),
                "series": len(summary),
                "title": ds.title,
            }
        )
    return pd.DataFrame(rows)


def verify() -> dict[str, bool]:
    """Check every bundled file against the SHA-256 in ``manifest.json``."""
    manifest = json.loads(data_path("manifest.json").read_text())
    return {
        file: hashlib.sha256(data_path(file).read_bytes()).hexdigest() == meta["sha256"]
        for file, meta in manifest["files"].items()
    }
