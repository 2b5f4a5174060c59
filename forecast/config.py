"""The run configuration: the shipped default, merged with a user's TOML, and checked.

Bad values raise :class:`forecast.errors.ConfigError` naming the key and the fix.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from forecast import datasets
from forecast.errors import ConfigError
from forecast.models import available

__all__ = ["PartnerSpec", "RunConfig", "SectorSpec", "SeriesSpec", "for_data", "load_config"]


@dataclass(frozen=True)
class SeriesSpec:
    """One series of a run: where it comes from, and an optional driver."""

    id: str
    dataset: str | None = None
    csv: str | None = None
    driver_id: str | None = None
    driver_dataset: str | None = None
    driver_csv: str | None = None
    driver_lag: int = 0  # periods the driver is published ahead of the series' period
    driver_cumulate: bool = False  # a growth rate in percent, seen as its log index


@dataclass(frozen=True)
class PartnerSpec:
    """The partner stage: its table and how the hierarchy is cut."""

    dataset: str | None = "china_partner_monthly"
    csv: str | None = None
    top: int = 12
    groupings: tuple[str, ...] = ("ASEAN", "European Union")
    method: str = "mint_shrink"


@dataclass(frozen=True)
class SectorSpec:
    """The sector stage: its commodity table."""

    dataset: str | None = "china_commodity_monthly"
    csv: str | None = None


@dataclass(frozen=True)
class RunConfig:
    """A checked run configuration."""

    seed: int
    n_paths: int
    candidates: tuple[str, ...]
    ensemble_size: int
    windows: int
    outlook_year: int
    series: tuple[SeriesSpec, ...]
    keep_data: bool
    raw: dict
    calibrate: bool = True
    transform: str = "auto"
    partners: PartnerSpec | None = None
    sectors: SectorSpec | None = None

    def digest(self) -> str:
        """A stable hash of the configuration (part of the artifact reuse key)."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True).encode()).hexdigest()


def _default() -> dict:
    text = resources.files("forecast").joinpath("default_config.toml").read_text()
    return tomllib.loads(text)


TRANSFORMS = ("auto", "log", "none")  # run.transform; stages.model_transform reads it
MAX_PATHS = 100_000  # per outlook; beyond it memory, not precision, is what grows

_SERIES_KEYS = {"id", "dataset", "csv", "driver"}
_PARTNER_KEYS = {"enabled", "dataset", "csv", "top", "groupings", "method"}
_DRIVER_KEYS = {"id", "dataset", "csv", "lag", "cumulate"}


def _int(run: dict, key: str, low: int, high: int | None = None) -> int:
    value = run[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        span = f"from {low} to {high:,}" if high is not None else f"of at least {low}"
        raise ConfigError(f"Config key 'run.{key}' must be an integer {span}. Got {value!r}.")
    return value


def _source(
    entry: dict, where: str, base: Path | None, known: set[str]
) -> tuple[str | None, str | None]:
    """The entry's dataset or CSV; a relative CSV path is read from the config's folder."""
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(
            f"Config key(s) {', '.join(f'{where}.{k}' for k in unknown)} "
            f"unknown (a typo?). Known: {', '.join(sorted(known))}."
        )
    dataset, csv = entry.get("dataset"), entry.get("csv")
    if (dataset is None) == (csv is None):
        raise ConfigError(
            f"Config key '{where}' needs exactly one of 'dataset' (a bundled "
            "dataset) and 'csv' (a file path)."
        )
    if dataset is not None and dataset not in datasets.names():
        raise ConfigError(
            f"Config key '{where}.dataset' is {dataset!r}; choose one of "
            f"{', '.join(datasets.names())}."
        )
    if csv is not None:
        if not isinstance(csv, str) or not csv:
            raise ConfigError(f"Config key '{where}.csv' must be a file path string.")
        path = Path(csv).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.is_file():
            raise ConfigError(
                f"Config key '{where}.csv': file '{path}' does not exist"
                + (
                    f" (relative paths are read from the config file's folder, '{base}')"
                    if base is not None and not Path(csv).is_absolute()
                    else ""
                )
                + "."
            )
        csv = str(path)
    return dataset, csv


def load_config(path: str | Path | None = None) -> RunConfig:
    """Load the default configuration, merged with the TOML file at ``path`` if given.

    Keys of ``[run]`` override the default one by one; a ``[[series]]`` list replaces
    the default list. Unknown keys are refused (a typo must not be lost), and a relative
    ``csv`` path is read from the config file's folder, which must hold the file.
    """
    raw = _default()
    base = None
    if path is not None:
        file = Path(path)
        base = file.resolve().parent
        if not file.is_file():
            raise ConfigError(f"Config file '{file}' does not exist. Check the --config path.")
        try:
            user = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Config file '{file}' is not valid TOML ({exc}).") from None
        unknown = sorted(set(user) - {"run", "series", "partners", "sectors"})
        if unknown:
            raise ConfigError(
                f"Config file '{file}': unknown section(s) {', '.join(unknown)}; "
                "use [run], [[series]], [partners] and [sectors]."
            )
        raw = copy.deepcopy(raw)
        raw["run"].update(user.get("run", {}))
        if "series" in user:
            raw["series"] = user["series"]
        if "partners" in user:
            if not isinstance(user["partners"], dict):
                raise ConfigError("Config key 'partners' must be a table ([partners]).")
            raw["partners"] = {**raw.get("partners", {}), **user["partners"]}
            if "csv" in user["partners"]:
                raw["partners"].pop("dataset", None)
        if "sectors" in user:
            if not isinstance(user["sectors"], dict):
                raise ConfigError("Config key 'sectors' must be a table ([sectors]).")
            raw["sectors"] = {**raw.get("sectors", {}), **user["sectors"]}
            if "csv" in user["sectors"]:
                raw["sectors"].pop("dataset", None)
    run = raw["run"]
    unknown = sorted(
        set(run)
        - {
            "seed",
            "n_paths",
            "candidates",
            "ensemble_size",
            "windows",
            "outlook_year",
            "keep_data",
            "calibrate",
            "transform",
        }
    )
    if unknown:
        raise ConfigError(
            f"Config key(s) {', '.join('run.' + k for k in unknown)} unknown. "
            "Known: seed, n_paths, candidates, ensemble_size, windows, "
            "outlook_year, keep_data, calibrate, transform."
        )
    for key in ("keep_data", "calibrate"):
        if not isinstance(run[key], bool):
            raise ConfigError(f"Config key 'run.{key}' must be true or false. Got {run[key]!r}.")
    if run["transform"] not in TRANSFORMS:
        raise ConfigError(
            f"Config key 'run.transform' must be one of {', '.join(map(repr, TRANSFORMS))}. "
            f"Got {run['transform']!r}."
        )
    candidates = run["candidates"]
    if (
        not isinstance(candidates, list)
        or not candidates
        or any(c not in available() or c == "ensemble" for c in candidates)
    ):
        raise ConfigError(
            f"Config key 'run.candidates' must list registry models (not "
            f"'ensemble'), from {', '.join(available())}. Got {candidates!r}."
        )
    specs = []
    if not isinstance(raw.get("series"), list) or not raw["series"]:
        raise ConfigError("Config key 'series' must be a non-empty list of [[series]] tables.")
    for i, entry in enumerate(raw["series"]):
        where = f"series[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ConfigError(f"Config key '{where}.id' must be a series id string.")
        dataset, csv = _source(entry, where, base, _SERIES_KEYS)
        driver = entry.get("driver")
        d_id = d_ds = d_csv = None
        if driver is not None:
            if not isinstance(driver, dict) or not isinstance(driver.get("id"), str):
                raise ConfigError(
                    f"Config key '{where}.driver' must be a table with 'id' and 'dataset' or 'csv'."
                )
            d_id = driver["id"]
            d_ds, d_csv = _source(driver, f"{where}.driver", base, _DRIVER_KEYS)
            lag, cumulate = driver.get("lag", 0), driver.get("cumulate", False)
            if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= 24:
                raise ConfigError(
                    f"Config key '{where}.driver.lag' must be an integer from 0 to 24 (the "
                    f"periods by which the driver is published ahead). Got {lag!r}."
                )
            if not isinstance(cumulate, bool):
                raise ConfigError(
                    f"Config key '{where}.driver.cumulate' must be true or false. Got {cumulate!r}."
                )
        else:
            lag, cumulate = 0, False
        specs.append(SeriesSpec(entry["id"], dataset, csv, d_id, d_ds, d_csv, lag, cumulate))
    return RunConfig(
        partners=_partners(raw.get("partners"), base),
        sectors=_sectors(raw.get("sectors"), base),
        seed=_int(run, "seed", 0),
        n_paths=_int(run, "n_paths", 100, MAX_PATHS),
        candidates=tuple(candidates),
        ensemble_size=_int(run, "ensemble_size", 1),
        windows=_int(run, "windows", 1),
        outlook_year=_int(run, "outlook_year", 0),
        series=tuple(specs),
        keep_data=run["keep_data"],
        calibrate=run["calibrate"],
        transform=run["transform"],
        raw=raw,
    )


def _partners(entry: dict | None, base: Path | None) -> PartnerSpec | None:
    """The checked [partners] section, or None when it is disabled."""
    from forecast.reconcile import METHODS

    if entry is None:
        return None
    unknown = sorted(set(entry) - _PARTNER_KEYS)
    if unknown:
        raise ConfigError(
            f"Config key(s) {', '.join('partners.' + k for k in unknown)} "
            f"unknown. Known: {', '.join(sorted(_PARTNER_KEYS))}."
        )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"Config key 'partners.enabled' must be true or false. Got {enabled!r}.")
    if not enabled:
        return None
    dataset, csv = _source(
        {k: v for k, v in entry.items() if k in ("dataset", "csv")},
        "partners",
        base,
        {"dataset", "csv"},
    )
    top = entry.get("top", 12)
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 200:
        raise ConfigError(
            f"Config key 'partners.top' must be an integer from 0 to 200. Got {top!r}."
        )
    groupings = entry.get("groupings", ["ASEAN", "European Union"])
    if not isinstance(groupings, list) or not all(isinstance(g, str) for g in groupings):
        raise ConfigError(
            "Config key 'partners.groupings' must be a list of names, e.g. "
            '["ASEAN", "European Union"].'
        )
    method = entry.get("method", "mint_shrink")
    if method not in METHODS:
        raise ConfigError(
            f"Config key 'partners.method' is {method!r}; choose one of {', '.join(METHODS)}."
        )
    return PartnerSpec(dataset, csv, top, tuple(groupings), method)


def _sectors(entry: dict | None, base: Path | None) -> SectorSpec | None:
    """The checked [sectors] section, or None when it is disabled."""
    if entry is None:
        return None
    unknown = sorted(set(entry) - {"enabled", "dataset", "csv"})
    if unknown:
        raise ConfigError(
            f"Config key(s) {', '.join('sectors.' + k for k in unknown)} "
            "unknown. Known: csv, dataset, enabled."
        )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"Config key 'sectors.enabled' must be true or false. Got {enabled!r}.")
    if not enabled:
        return None
    dataset, csv = _source(
        {k: v for k, v in entry.items() if k in ("dataset", "csv")},
        "sectors",
        base,
        {"dataset", "csv"},
    )
    return SectorSpec(dataset, csv)


def for_data(
    config: RunConfig,
    series_ids: list[str],
    *,
    dataset: str | None = None,
    csv: str | None = None,
    outlook_year: int | None = None,
) -> RunConfig:
    """The run's settings applied to other series: ``series_ids`` from one dataset or CSV,
    without the partner and sector stages; ``outlook_year`` overrides. A series the run
    names from the same bundled dataset keeps its driver, so both ask one question."""
    raw = copy.deepcopy(config.raw)
    named = {(e.get("id"), e.get("dataset")): e for e in raw.get("series", [])}
    run = {(s.id, s.dataset): s for s in config.series}
    specs, entries = [], []
    for sid in series_ids:
        entry = {"id": sid, **({"dataset": dataset} if dataset else {"csv": csv})}
        same = run.get((sid, dataset)) if dataset else None
        if same is not None and same.driver_id and "driver" in named.get((sid, dataset), {}):
            entry["driver"] = named[(sid, dataset)]["driver"]
            specs.append(same)
        else:
            specs.append(SeriesSpec(sid, dataset, csv))
        entries.append(entry)
    raw["series"] = entries
    if outlook_year is not None:
        raw["run"]["outlook_year"] = outlook_year
    return dataclasses.replace(
        config,
        series=tuple(specs),
        raw=raw,
        partners=None,
        sectors=None,
        outlook_year=outlook_year or config.outlook_year,
    )
