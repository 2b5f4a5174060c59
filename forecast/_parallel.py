"""Where parallel work runs: joblib's loky processes, threads, or a Dask cluster.

The backtest engine and the many-series forecast share this, so ``backend="dask"``
means the same thing in both: the current ``dask.distributed`` client, or a local
cluster started for the call and stopped after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["BACKENDS", "parallel_backend"]

BACKENDS = ("loky", "threading", "multiprocessing", "dask")


@contextlib.contextmanager
def parallel_backend(backend: str, n_jobs: int) -> Iterator[None]:
    """Run the enclosed joblib ``Parallel`` calls on ``backend`` (see the module doc)."""
    if backend != "dask":
        yield
        return
    try:
        from distributed import Client, LocalCluster, get_client
        from joblib import parallel_config
    except ImportError:
        raise ImportError(
            "backend='dask' needs the 'distributed' extra: "
            "pip install 'trade-forecast[distributed]'."
        ) from None
    try:
        get_client()
        has_client = True
    except ValueError:
        has_client = False
    with contextlib.ExitStack() as stack:
        if not has_client:  # run on a local cluster for the duration of this call
            cluster = stack.enter_context(
                LocalCluster(n_workers=max(n_jobs, 1), threads_per_worker=1, dashboard_address=":0")
            )
            stack.enter_context(Client(cluster))
        stack.enter_context(parallel_config(backend="dask"))
        yield
