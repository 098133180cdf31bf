"""A local Dask cluster tuned for simulation tasks: ``local_cluster(workers)``.

Measured (one worker, the same simulation task, 2-core machine): a default ``LocalCluster``
worker ran it 1.6x slower than this process did — 2.7 s against 1.7 s — because of two worker
defaults, and on par with it once both are off (1.25 s against 1.1–1.3 s):

* ``MALLOC_TRIM_THRESHOLD_=65536`` (set by the nanny): glibc returns freed memory to the OS at
  once, so the simulator's many short-lived matrices are page-faulted afresh every time;
* the statistical profiler, which samples the task's thread stack every 10 ms.

Workers of a cluster started elsewhere (``--scheduler``) get the same speed when started with
``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` and ``MALLOC_TRIM_THRESHOLD_`` unset.
"""

from __future__ import annotations

__all__ = ["local_cluster", "SIMULATION_WORKER_CONFIG"]

SIMULATION_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


def local_cluster(workers: int = 2):
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded processes for sweeps.

    Use as ``with local_cluster(2) as cluster, Client(cluster) as client: sweep(..., client=client)``.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set(SIMULATION_WORKER_CONFIG):  # read when the nanny spawns each worker
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
