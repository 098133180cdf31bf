"""Local worker processes that end with their driver: a ``ProcessPoolExecutor`` stopped on any interrupt.

``ProcessPoolExecutor`` waits for its running tasks when the ``with`` block is left by an
exception, and again at interpreter exit. Ctrl-C in a terminal reaches the workers too (the
whole process group gets SIGINT), but SIGTERM sent to the driver alone (``kill PID``, a job
scheduler, a container stop) does not: the driver would print that it was terminated and then
wait for minutes of simulations nobody will read. :func:`worker_pool` cancels the queued tasks
and terminates the running workers whenever its block is left by an exception, so an
interrupted command exits at once and leaves no process behind.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ProcessPoolExecutor

__all__ = ["worker_pool", "stop_workers"]


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel ``pool``'s queued tasks and terminate its running worker processes (no waiting)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the only handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


@contextlib.contextmanager
def worker_pool(max_workers: int, mp_context):
    """``with worker_pool(n, ctx) as pool:`` a ``ProcessPoolExecutor`` stopped at once on an exception."""
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=mp_context)
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown()
