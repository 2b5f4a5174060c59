"""Save and load fitted models safely: a joblib payload plus a JSON manifest.

**Loading an artifact unpickles it, and unpickling runs code.** Load only artifacts that
you or your team wrote. To make that enforceable, this module

* records the payload's SHA-256 in the manifest and checks it *before* unpickling, so a
  changed or truncated payload is refused without running it; the payload is read once
  and unpickled from those same bytes, so a file swapped after the check is never run;
* signs the manifest with HMAC-SHA256 when ``FORECAST_SIGNING_KEY`` is set, and, when
  the key is set at load time, refuses artifacts without a valid signature (a key set
  to the empty string is an error, not "no key");
* refuses manifests of a newer format, naming the package version that wrote them, and
  warns (or, with ``strict=True``, refuses) when library versions differ.

An artifact is a directory holding ``model.joblib`` and ``manifest.json``. It is written
in a temporary directory beside its target and renamed into place, so an interrupted
save leaves nothing that :func:`load` or the model store would accept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import platform
import shutil
import tempfile
import warnings
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib

from forecast._io import atomic_write_text
from forecast.errors import ArtifactError
from forecast.models.base import Forecaster

__all__ = [
    "FORMAT_VERSION",
    "SIGNING_KEY_ENV",
    "ArtifactVersionWarning",
    "load",
    "read_manifest",
    "save",
]

FORMAT_VERSION = 1
PAYLOAD = "model.joblib"
MANIFEST = "manifest.json"
SIGNING_KEY_ENV = "FORECAST_SIGNING_KEY"
LIBRARIES = ("trade-forecast", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "joblib")


class ArtifactVersionWarning(UserWarning):
    """An artifact was written with other library versions than the ones installed."""


def library_versions() -> dict[str, str]:
    """Python and library versions, as recorded in manifests and run summaries."""
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# What a manifest must hold, with the type of each part, before anything trusts it.
_SHAPE = {
    "format_version": int,
    "created": str,
    "versions": dict,
    "model": dict,
    "series_id": str,
    "frequency": str,
    "training": dict,
    "payload": dict,
}
_PARTS = {
    "model": {"name": str, "class": str},
    "training": {"start": str, "end": str},
    "payload": {"file": str, "sha256": str, "bytes": int},
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


def _signature(manifest: dict, key: bytes) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _key() -> bytes | None:
    value = os.environ.get(SIGNING_KEY_ENV)
    if value is None:
        return None
    if not value.strip():
        raise ArtifactError(
            f"{SIGNING_KEY_ENV} is set but empty. Set it to the team's secret "
            "key, or unset it to work without signatures."
        )
    return value.encode()


def save(
    model: Forecaster,
    path: str | os.PathLike[str],
    *,
    metadata: dict | None = None,
    parent: str | None = None,
    keep_data: bool = True,
    compress: int = 3,
) -> Path:
    """Save a fitted model as an artifact directory.

    Parameters
    ----------
    model : Forecaster
        A fitted model.
    path : str or path-like
        The artifact directory to create; it must not exist (artifacts are never
        overwritten).
    metadata : dict, optional
        Extra JSON-safe facts to record, e.g. ``{"metrics": {"mase": 0.8}}``.
    parent : str, optional
        The artifact this one refreshes (recorded in the manifest).
    keep_data : bool, default True
        False saves :meth:`~forecast.models.Forecaster.compact` of the model: the same
        forecasts without the training observations (much smaller for ARIMA and
        structural models). The manifest records which was saved.
    compress : int, default 3
        joblib compression level (0-9).

    Returns
    -------
    pathlib.Path
        The artifact directory.
    """
    if not isinstance(model, Forecaster):
        raise TypeError(
            f"The 'model' parameter of save must be a Forecaster. Got "
            f"{type(model).__name__} instead."
        )
    model._check_fitted()
    if not keep_data and not getattr(model, "compact_", False):
        model = model.compact()
    target = Path(path)
    if target.exists():
        raise ArtifactError(
            f"Artifact '{target}' already exists; artifacts are never "
            "overwritten. Choose a new path (the model store numbers versions)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        payload = tmp / PAYLOAD
        with payload.open("wb") as fh:
            joblib.dump(model, fh, compress=compress)
            fh.flush()
            os.fsync(fh.fileno())
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "model": {
                "name": model.model_name,
                "class": type(model).__name__,
                "params": _jsonable(model.get_params(deep=False)),
                "spec": getattr(model, "spec_", None),
            },
            "series_id": model.series_id_,
            "frequency": model.cutoff_.freqstr,
            "training": {
                "start": str(model.index_[0]),
                "end": str(model.cutoff_),
                "n_obs": model.n_obs_,
                "fingerprint": getattr(model, "data_fingerprint_", None),
                "exog": model.x_columns_,
                "data_kept": not getattr(model, "compact_", False),
            },
            "parent": parent,
            "metadata": _jsonable(metadata or {}),
            "payload": {
                "file": PAYLOAD,
                "sha256": _sha256(payload),
                "bytes": payload.stat().st_size,
            },
        }
        key = _key()
        if key:
            manifest["signature"] = _signature(manifest, key)
        atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.rename(tmp, target)  # fails rather than replace an artifact written meanwhile
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_manifest(path: str | os.PathLike[str]) -> dict:
    """Read and check an artifact's manifest (no unpickling)."""
    folder = Path(path)
    file = folder / MANIFEST
    if not file.is_file():
        raise ArtifactError(
            f"'{folder}' is not a model artifact: {MANIFEST} is missing. "
            "Pass the directory that `forecast fit` printed."
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(
            f"'{file}' is not valid JSON ({exc}); the artifact is damaged. Refit the model."
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format_version"), int):
        raise ArtifactError(
            f"'{file}' is not a manifest written by forecast.artifacts.save "
            "(no format_version); the artifact is damaged. Refit the model."
        )
    version = manifest["format_version"]
    if version > FORMAT_VERSION:
        versions = manifest.get("versions")
        writer = versions.get("trade-forecast") if isinstance(versions, dict) else None
        raise ArtifactError(
            f"Artifact '{folder}' uses format {version}, newer than the {FORMAT_VERSION} this "
            f"package reads. Upgrade trade-forecast to {writer or 'a newer release'} or later "
            "to load it."
        )
    problems = [k for k, kind in _SHAPE.items() if not isinstance(manifest.get(k), kind)]
    problems += [
        f"{part}.{k}"
        for part, keys in _PARTS.items()
        if isinstance(manifest.get(part), dict)
        for k, kind in keys.items()
        if not isinstance(manifest[part].get(k), kind)
    ]
    if "signature" in manifest and not isinstance(manifest["signature"], str):
        problems.append("signature")
    if problems:
        raise ArtifactError(
            f"'{file}' is damaged: {', '.join(problems)} missing or of the "
            "wrong type. Refit the model or restore the artifact."
        )
    return manifest


def load(path: str | os.PathLike[str], *, strict: bool = False) -> Forecaster:
    """Load an artifact after verifying it.

    Parameters
    ----------
    path : str or path-like
        The artifact directory.
    strict : bool, default False
        Refuse (instead of warn) when library versions differ from the writer's.

    Returns
    -------
    Forecaster
        The fitted model.

    Raises
    ------
    ArtifactError
        Missing or damaged manifest, a newer format, a payload whose SHA-256 differs from
        the manifest (checked before unpickling), a missing or wrong signature when
        ``FORECAST_SIGNING_KEY`` is set, or (strict) different library versions.
    """
    folder = Path(path)
    manifest = read_manifest(folder)
    key = _key()
    if key:
        given = manifest.get("signature")
        if not given or not hmac.compare_digest(given, _signature(manifest, key)):
            raise ArtifactError(
                f"Artifact '{folder}' is not signed with this team's key "
                f"({SIGNING_KEY_ENV}); refusing to unpickle it."
            )
    if manifest["payload"]["file"] != PAYLOAD:  # never a path that leaves the folder
        raise ArtifactError(
            f"Artifact '{folder}': its manifest names payload "
            f"{manifest['payload']['file']!r}; only {PAYLOAD} inside the "
            "artifact folder is loaded."
        )
    payload = folder / PAYLOAD
    if payload.is_symlink() or not payload.is_file():
        raise ArtifactError(f"Artifact '{folder}' has no payload file {PAYLOAD}.")
    # Read once; hash and unpickle the same bytes, so a file swapped after the check
    # (time of check to time of use) is never what runs.
    data = payload.read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["payload"]["sha256"]:
        raise ArtifactError(
            f"Artifact '{folder}': the payload's SHA-256 does not match its "
            "manifest, so it was changed or damaged after saving. It was not "
            "unpickled. Refit the model or restore the file."
        )
    installed = library_versions()
    differ = {
        lib: (v, installed.get(lib))
        for lib, v in manifest["versions"].items()
        if installed.get(lib) != v
    }
    if differ:
        text = ", ".join(f"{lib} {old} -> {new}" for lib, (old, new) in sorted(differ.items()))
        if strict:
            raise ArtifactError(
                f"Artifact '{folder}' was written with other versions ({text});"
                " refusing in strict mode. Refit, or load with strict=False."
            )
        warnings.warn(
            f"Artifact '{folder}' was written with other versions ({text}); "
            "forecasts may differ slightly.",
            ArtifactVersionWarning,
            stacklevel=2,
        )
    model = joblib.load(io.BytesIO(data))
    if not isinstance(model, Forecaster):
        raise ArtifactError(f"Artifact '{folder}' does not hold a forecast model.")
    return model
