"""Error types shared across the package.

Every message follows one grammar: what is wrong, where (file, row, series or
parameter), what was found, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ArtifactError", "ConfigError", "DataError", "shorten"]


class DataError(ValueError):
    """Bad input data: names the file, row or series, the problem and the fix."""


class ConfigError(ValueError):
    """A bad configuration value: names the key and the fix."""


class ArtifactError(ValueError):
    """A model artifact that must not or cannot be loaded: names the file and the reason."""


def shorten(items: Iterable[object], limit: int = 5) -> str:
    """Join ``items`` for a message, cutting long lists to ``limit`` and a count.

    Parameters
    ----------
    items : iterable
        Things to name (ids, row numbers, values).
    limit : int, default 5
        How many to show before summarising the rest.

    Returns
    -------
    str
        E.g. ``"2, 5, 9 and 12 more"``.
    """
    items = [str(i) for i in items]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
