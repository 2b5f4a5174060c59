"""The model store: numbered, immutable artifact versions per series and model.

Layout: ``<root>/<series-slug>/<model>/v0001/`` (each version an artifact directory, see
:mod:`forecast.artifacts`). The root is ``models/`` in the working directory unless
``FORECAST_MODEL_STORE`` or an explicit ``root`` says otherwise. Series ids become folder
names through a slug (safe characters plus a short hash of the id), so ids holding ``/``,
``..`` or other odd characters can never point outside the store. Hidden folders are
unfinished saves and are ignored.

A store carries a marker file, ``.forecast-store``, written when the store is created.
Saving, listing and pruning refuse a folder that exists without it, so pointing
``--store`` (or ``FORECAST_MODEL_STORE``, or the working directory) at an ordinary folder
can never make :meth:`ModelStore.prune` delete anything there. Prune removes only the
store's own names (``<slug>/<slug>/v0001`` and the temporary folders of saves), never
follows a symbolic link, and spares temporary folders younger than an hour, which are
another process's save in progress.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd

from forecast.artifacts import load, read_manifest, save
from forecast.errors import ArtifactError
from forecast.models.base import Forecaster

__all__ = ["MARKER", "STORE_ENV", "ModelStore", "slug"]

STORE_ENV = "FORECAST_MODEL_STORE"
MARKER = ".forecast-store"
_VERSION = re.compile(r"^v(\d{4,})$")
_SLUG = re.compile(r"^[A-Za-z0-9._-]{1,60}-[0-9a-f]{8}$")
_TEMP = re.compile(r"^\.v\d{4,}\..+\.tmp$")  # artifacts.save's mkdtemp name
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
TEMP_GRACE_SECONDS = 3600.0


def slug(text: str) -> str:
    """A folder name for any id: safe characters, plus a hash so distinct ids stay distinct."""
    if not isinstance(text, str) or not text:
        raise ArtifactError(
            f"A series id or model name must be a non-empty string. Got {text!r} instead."
        )
    readable = _SAFE.sub("_", text).strip("._-")[:60] or "id"
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def _mtime(path: Path, default: float) -> float:
    """Modification time; ``default`` when another process renamed the path meanwhile."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return default


class ModelStore:
    """A directory of versioned model artifacts.

    Parameters
    ----------
    root : str or path-like, optional
        The store's folder; ``$FORECAST_MODEL_STORE`` or ``./models`` when None.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self.root = Path(root or os.environ.get(STORE_ENV) or "models").resolve()

    def _check(self, create: bool = False) -> bool:
        """Whether the store exists; refuse a folder that is not one.

        With ``create`` a missing or empty folder becomes a store (the marker is written).
        """
        if (self.root / MARKER).is_file():
            return True
        if self.root.exists() and not self.root.is_dir():
            raise ArtifactError(
                f"Model store '{self.root}' is a file, not a folder. Point "
                "--store (or $FORECAST_MODEL_STORE) at a folder."
            )
        empty = not self.root.exists() or not any(
            p.name != "README.md" for p in self.root.iterdir()
        )
        if not empty:
            raise ArtifactError(
                f"'{self.root}' is not a forecast model store (it has no {MARKER} marker), "
                "so nothing there is read, written or deleted. Point --store (or "
                f"${STORE_ENV}) at a new or empty folder, or, if this is a store written "
                f"by an older release, create the marker: touch '{self.root / MARKER}'."
            )
        if create:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / MARKER).write_text("forecast model store\n", encoding="utf-8")
            return True
        return False

    def _folder(self, series_id: str, model: str) -> Path:
        folder = (self.root / slug(series_id) / slug(model)).resolve()
        if self.root not in folder.parents:  # defence in depth: slugs cannot escape
            raise ArtifactError(f"Series id {series_id!r} would leave the store.")
        return folder

    def versions(self, series_id: str, model: str) -> list[Path]:
        """Complete versions of a series and model, oldest first."""
        folder = self._folder(series_id, model)
        if not self._check() or not folder.is_dir():
            return []
        found = [
            (int(m.group(1)), p)
            for p in folder.iterdir()
            if (m := _VERSION.match(p.name)) and (p / "manifest.json").is_file()
        ]
        return [p for _, p in sorted(found)]

    def latest(self, series_id: str, model: str) -> Path:
        """The newest complete version, or an ArtifactError naming what exists."""
        versions = self.versions(series_id, model)
        if not versions:
            raise ArtifactError(
                f"No saved '{model}' model for series {series_id!r} in "
                f"'{self.root}'. Fit one with `forecast fit`."
            )
        return versions[-1]

    def save(
        self,
        model: Forecaster,
        *,
        metadata: dict | None = None,
        parent: str | None = None,
        keep_data: bool = True,
    ) -> Path:
        """Save a fitted model as the next version; never overwrites one.

        ``keep_data=False`` saves it without the training data (see
        :func:`forecast.artifacts.save`).
        """
        self._check(create=True)
        folder = self._folder(model.series_id_, model.model_name)
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(100):  # another writer may take the same number: try the next
            existing = [int(m.group(1)) for p in folder.iterdir() if (m := _VERSION.match(p.name))]
            target = folder / f"v{max(existing, default=0) + 1:04d}"
            try:
                return save(model, target, metadata=metadata, parent=parent, keep_data=keep_data)
            except (ArtifactError, OSError):
                if not target.exists():
                    raise
        raise ArtifactError(f"Could not allocate a new version in '{folder}'.")

    def load(
        self, series_id: str, model: str, version: int | None = None, *, strict: bool = False
    ) -> Forecaster:
        """Load a version (the latest by default)."""
        path = (
            self.latest(series_id, model)
            if version is None
            else self._folder(series_id, model) / f"v{version:04d}"
        )
        return load(path, strict=strict)

    def list(self) -> pd.DataFrame:
        """One row per version: ids, version, created, span, spec, size, status.

        A version whose manifest cannot be read is listed with status ``damaged: ...``
        rather than hidden or allowed to break the listing.
        """
        rows = []
        for folder in self._version_folders():
            try:
                m = read_manifest(folder)
                rows.append(
                    {
                        "series_id": m["series_id"],
                        "model": m["model"]["name"],
                        "version": folder.name,
                        "created": m["created"],
                        "train_end": m["training"]["end"],
                        "spec": m["model"]["spec"],
                        "bytes": m["payload"]["bytes"],
                        "data_kept": m["training"].get("data_kept", True),
                        "parent": m.get("parent"),
                        "status": "ok",
                        "path": str(folder),
                    }
                )
            except ArtifactError as exc:
                rows.append(
                    {
                        "series_id": "",
                        "model": folder.parent.name,
                        "version": folder.name,
                        "status": f"damaged: {exc}",
                        "path": str(folder),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=[
                "series_id",
                "model",
                "version",
                "created",
                "train_end",
                "spec",
                "bytes",
                "data_kept",
                "parent",
                "status",
                "path",
            ],
        )

    def _model_folders(self) -> list[Path]:
        """``<slug>/<slug>`` folders of the store: real folders, never links, store names."""
        if not self._check():
            return []
        out = []
        for series in sorted(self.root.iterdir()):
            if series.is_symlink() or not series.is_dir() or not _SLUG.match(series.name):
                continue
            out += [
                m
                for m in sorted(series.iterdir())
                if not m.is_symlink() and m.is_dir() and _SLUG.match(m.name)
            ]
        return out

    def _version_folders(self) -> list[Path]:
        return [
            v
            for m in self._model_folders()
            for v in sorted(m.iterdir())
            if _VERSION.match(v.name) and not v.is_symlink() and v.is_dir()
        ]

    def prune(self, keep: int = 3) -> list[Path]:
        """Delete all but the newest ``keep`` versions of every series and model, and
        unfinished saves older than an hour; return what was removed.

        Only folders named as the store names them are removed, never through a symbolic
        link, and never anything that resolves outside the store.
        """
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(
                f"The 'keep' parameter of prune must be a positive int. Got {keep!r} instead."
            )
        removed = []
        now = time.time()
        for model_dir in self._model_folders():
            entries = [p for p in model_dir.iterdir() if not p.is_symlink() and p.is_dir()]
            stale = [
                p
                for p in entries
                if _TEMP.match(p.name) and now - _mtime(p, default=now) > TEMP_GRACE_SECONDS
            ]
            found = sorted((int(m.group(1)), p) for p in entries if (m := _VERSION.match(p.name)))
            for path in stale + [p for _, p in found[:-keep]]:
                if self.root not in path.resolve().parents:
                    continue
                try:
                    shutil.rmtree(path)
                except FileNotFoundError:  # renamed into place or removed meanwhile
                    continue
                removed.append(path)
        return removed

    def refresh(
        self,
        series_id: str,
        model: str,
        y: pd.Series,
        X: pd.DataFrame | None = None,
        *,
        refit: bool = False,
        metadata: dict | None = None,
        keep_data: bool | None = None,
    ) -> Path:
        """Extend the latest version with new data (or refit it) and save a new version.

        Without ``refit`` the estimated parameters are kept (see
        :meth:`forecast.models.Forecaster.update`); the new manifest names its parent.
        ``keep_data`` None keeps the parent's choice of saving the training data or not.
        """
        parent = self.latest(series_id, model)
        fitted = load(parent)
        if keep_data is None:
            keep_data = not getattr(fitted, "compact_", False)
        if refit:
            from sklearn.base import clone

            fitted = clone(fitted).fit(y, X)
        else:
            fitted.update(y, X)
        return self.save(
            fitted,
            metadata=metadata,
            parent=str(parent.relative_to(self.root)),
            keep_data=keep_data,
        )
