"""Running a sweep: the grid's tasks, the store, and where the simulations run.

Order of work: every point's scenario is validated first (a bad key or value fails before
anything is computed); results already in the store are taken from it; the missing theory
points are computed in this process, the missing simulations as one task per point on local
processes (``jobs``) or a Dask ``distributed`` cluster (``client``). Each finished result is
written to the store at once, in its own transaction, by this process only. On Ctrl-C or
SIGTERM the queued points are dropped and the running workers stopped (everything finished is
stored).

Theory is one public ``predict`` call per point, so every row equals ``predict`` exactly, with
the κ of all points of a spectrum solved first in one vectorised call (:mod:`.theory`,
:mod:`modelcollapse.numerics.kappa_table`): the same numbers bit for bit, fewer solves.
Measured (benchmarks/bench_sweep_theory.py, 1 BLAS thread, shared 2-core machine, 41 ridges ×
``n = 0, 2, 5, 10``): the report's ridge figure (isotropic ``d = 100``) 0.49 ms a point against
0.56 ms before (x1.13; its 41 κ alone: 0.9 ms in one grid call against 2.7 ms in scalar calls);
a power law with ``d = 10^4`` (``T0 = 400 < d``) 3.7 against 3.9 ms a point (x1.06; 41 κ: 3.1
against 6.5 ms). The κ solve is no longer what a point costs: at ``d = 10^4`` the chain moments
of over-parameterised generators take half of it (the same at every downstream ridge,
recomputed per point) and the ``1/d``-corrected sums at ``κ`` most of the rest. The toolkit
version, now read once per process, was half of a theory-only sweep's time (1 ms a record key;
the whole ``sweep()`` of the ridge figure now 0.11 s, was 0.22 s).

Results do not depend on the number or kind of workers: a point's simulation seed is a
function of the root seed and its scenario (:func:`~.points.point_seed`), each simulation runs
single-process with one BLAS thread, and the table is assembled in grid order from the stored
payloads (fresh results are JSON-normalised exactly as they read back).
"""

from __future__ import annotations

import multiprocessing
import numbers
import sys
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from modelcollapse.derivations.scenario_files import load
from modelcollapse.derivations.sweep.grid import Axis, apply_point, grid_points, integer_axes, make_axis
from modelcollapse.derivations.sweep.points import (
    SIMULATION,
    THEORY,
    Task,
    point_seed,
    run_task,
    simulate_accepts_estimator,
    simulation_task,
    theory_task,
)
from modelcollapse.derivations.sweep.store import SweepStore
from modelcollapse.derivations.sweep.table import build_table
from modelcollapse.derivations.sweep.theory import run_theory
from modelcollapse.numerics.errors import ModelCollapseError, ScenarioError
from modelcollapse.numerics.monte_carlo import check_rse
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.workers import worker_pool

__all__ = ["sweep", "run_sweep", "SweepRun", "execute", "connect_scheduler", "DEFAULT_SCHEDULER_TIMEOUT", "ESTIMATORS",
           "DEFAULT_TRIALS"]

ESTIMATORS = ("plain", "conditional")
DEFAULT_TRIALS = 400  # as `modelcollapse simulate`


@dataclass(frozen=True, kw_only=True)
class SweepRun:
    """A finished sweep: its table and how much of it came from the store."""

    table: pd.DataFrame
    points: int
    computed: int  # tasks computed by this run
    reused: int  # tasks found in the store
    points_computed: int = 0  # points with at least one task computed by this run
    points_reused: int = 0  # points entirely found in the store


class _MemoryStore:
    """``store=None``: results kept for this call only."""

    def __init__(self):
        self._data = {}

    def get_many(self, keys):
        return {k: self._data[k] for k in keys if k in self._data}

    def put(self, key, kind, what, payload):
        self._data[key] = payload

    def close(self):
        pass


def _axes(grids, more) -> list[Axis]:
    items = list((grids or {}).items()) + list(more.items())
    if not items:
        raise ScenarioError("--vary", "give at least one grid, e.g. grids={'downstream.ridge': [0.01, 0.1, 1]}")
    return [values if isinstance(values, Axis) else make_axis(key, values) for key, values in items]


def _scenarios(base: Scenario, axes, points) -> list[dict]:
    """Each point's validated scenario; a bad key or value fails naming it, before any work."""
    data, keys = base.to_dict(), [a.key for a in axes]
    out = []
    for values in points:
        try:
            out.append(apply_point(data, keys, values).to_dict())
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v!r}" for k, v in zip(keys, values))
            reason = str(exc)[len(exc.key) + 2:] if str(exc).startswith(f"{exc.key}: ") else str(exc)
            raise ScenarioError(exc.key, f"{reason} (at {where})") from None
    return out


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _open_store(store):
    if store is None:
        return _MemoryStore(), True
    if isinstance(store, (str, Path)):
        return SweepStore(store), True
    return store, False


def fork_context():
    # fork: workers start in milliseconds and need no __main__ guard (as numerics.simulate).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def execute(tasks, *, jobs: int, client, done) -> None:
    """Run ``tasks``, calling ``done(task, payload)`` in this process as each one finishes.

    One task per worker process (``jobs``) or per Dask task (``client``, a ``distributed.Client``);
    the sweep and the report both run their simulations through here.
    """
    if not tasks:
        return
    if client is not None:
        from distributed import as_completed as dask_completed

        futures = {client.submit(run_task, t, key=f"modelcollapse-sweep-{t.kind}-{t.key}"): t for t in tasks}
        try:
            for future in dask_completed(futures):
                done(futures[future], future.result())
                future.release()
        except BaseException:  # Ctrl-C or a failed task: free the cluster (finished points are stored)
            client.cancel(list(futures))
            raise
        return
    if jobs == 1 or len(tasks) == 1:
        for task in tasks:
            done(task, run_task(task))
        return
    # Ctrl-C or SIGTERM: the queued points dropped, the running ones stopped (the finished ones are stored)
    with worker_pool(min(jobs, len(tasks)), fork_context()) as pool:
        futures = {pool.submit(run_task, t): t for t in tasks}
        for future in as_completed(futures):
            done(futures[future], future.result())


DEFAULT_SCHEDULER_TIMEOUT = 5.0  # seconds: an unreachable scheduler fails fast (distributed's own default is 30)


def connect_scheduler(address: str, timeout: float = DEFAULT_SCHEDULER_TIMEOUT):
    """A ``distributed.Client`` for ``--scheduler ADDRESS``, or a typed error naming ``--scheduler``.

    ``ADDRESS`` is a running scheduler (``tcp://host:8786``; start one with ``dask scheduler`` and
    workers with ``dask worker tcp://host:8786 --nthreads 1``, each where modelcollapse is
    installed), or ``local`` / ``local:N``: a ``LocalCluster`` of ``N`` single-threaded worker
    processes on this machine (default: the cores), started here and shut down with the client.
    ``timeout`` bounds the connection (seconds).
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ModelCollapseError("--scheduler: needs dask[distributed] (pip install 'dask[distributed]')") from None
    if not (isinstance(timeout, numbers.Real) and 0 < timeout <= 3600):
        raise ModelCollapseError(f"--scheduler-timeout: expected a number of seconds in (0, 3600], got {timeout!r}")
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2] or str(max(1, multiprocessing.cpu_count()))
        if not count.isdigit() or not 1 <= int(count) <= 64:
            raise ModelCollapseError(f"--scheduler: expected local or local:N with N an integer in [1, 64], "
                                     f"got {address!r}")
        try:  # no address: the client starts its own LocalCluster and closes it with itself
            return Client(n_workers=int(count), threads_per_worker=1, processes=True, dashboard_address=None,
                          timeout=max(timeout, 60))
        except (OSError, TimeoutError) as exc:
            raise ModelCollapseError(f"--scheduler: cannot start a local cluster of {count} workers: {exc}") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ModelCollapseError(f"--scheduler: cannot connect to {address!r} within {timeout:g} s: "
                                 f"{' '.join(str(exc).split())}") from None


def run_sweep(scenario, *, simulate: bool = False, trials: int = DEFAULT_TRIALS, seed: int = 0, jobs: int = 1,
              client=None, store=None, progress: bool = False, precision: int | None = None,
              estimator: str | None = None, simulate_every: int = 1, grids=None, mc_rse: float | None = None,
              **more_grids) -> SweepRun:
    """:func:`sweep` with the bookkeeping: how many tasks were computed and how many reused."""
    if isinstance(scenario, (str, Path)):
        scenario = load(scenario)  # a TOML file or a built-in name
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a Scenario, a path to a TOML file or a built-in name, "
                        f"got {type(scenario).__name__}")
    axes = integer_axes(_axes(grids, more_grids), scenario.to_dict())
    points = grid_points(axes)
    scenarios = _scenarios(scenario, axes, points)
    jobs = _check_int("jobs", jobs, 1)
    every = _check_int("simulate_every", simulate_every, 1)
    if simulate:
        trials = _check_int("trials", trials, 2)
        seed = _check_int("seed", seed, 0)
        if estimator is not None:
            if estimator not in ESTIMATORS:
                raise ValueError(f"estimator: expected one of {', '.join(ESTIMATORS)}, got {estimator!r}")
            if not simulate_accepts_estimator():
                raise ValueError("estimator: this version of modelcollapse's simulate has no estimator option")
    mc_rse = None if mc_rse is None else check_rse(mc_rse)  # before anything is computed, naming mc_rse
    theory = [theory_task(s, precision, mc_rse) for s in scenarios]
    # simulate_every = K: only every K-th value of the first axis (a fine theory line, coarse points)
    first = {v: i for i, v in enumerate(axes[0].values)}
    sims = [simulation_task(s, trials=trials, root_seed=seed, estimator=estimator)
            if simulate and first[p[0]] % every == 0 else None for s, p in zip(scenarios, points)]
    unique = {t.key: t for t in (*theory, *sims) if t is not None}  # identical scenarios are computed once
    db, owned = _open_store(store)
    try:
        results = db.get_many(unique)
        reused = len(results)
        pending = [t for key, t in unique.items() if key not in results]
        with tqdm(total=len(pending), disable=not progress or not pending, file=sys.stderr, unit="task",
                  desc="sweep", dynamic_ncols=True) as bar:
            def done(task: Task, payload: dict) -> None:
                db.put(task.key, task.kind, task.what, payload)
                results[task.key] = payload
                bar.update(1)

            run_theory([t for t in pending if t.kind == THEORY], precision=precision, done=done, run=run_task)
            execute([t for t in pending if t.kind == SIMULATION], jobs=jobs, client=client, done=done)
    finally:
        if owned:
            db.close()
    seeds = [point_seed(seed, s) for s in scenarios] if simulate else None  # rows not simulated too
    table = build_table(axes, points, [results[t.key] for t in theory],
                        [results[t.key] if t else None for t in sims] if simulate else None, estimator=estimator,
                        seeds=seeds)
    fresh = {t.key for t in pending}
    points_computed = sum(t.key in fresh or (u is not None and u.key in fresh) for t, u in zip(theory, sims))
    return SweepRun(table=table, points=len(points), computed=len(pending), reused=reused,
                    points_computed=points_computed, points_reused=len(points) - points_computed)


def sweep(scenario, *, simulate: bool = False, trials: int = DEFAULT_TRIALS, seed: int = 0, jobs: int = 1,
          client=None, store=None, progress: bool = False, precision: int | None = None,
          estimator: str | None = None, simulate_every: int = 1, grids=None, mc_rse: float | None = None,
          **more_grids) -> pd.DataFrame:
    """Predict (and simulate) every point of a grid of scenarios; one tidy row per point.

    Parameters
    ----------
    scenario : Scenario or path
        The base scenario; each point changes only its varied keys.
    grids : dict, optional
        ``{dotted_key: values}``, e.g. ``{"downstream.ridge": np.logspace(-3, 1, 41),
        "generators.n": [0, 2, 5, 10]}``; values are a sequence or a ``--vary`` string
        (``"logspace(-3,1,41)"``). Further grids as keyword arguments:
        ``sweep(s, **{"generators.n": [0, 5]})``. Cartesian product, first key slowest.
    simulate : bool
        Also run the Monte Carlo of every point (``trials`` trials; seed derived from ``seed``
        and the point's scenario, see :func:`~.points.point_seed`).
    trials, seed : int
    jobs : int
        Local worker processes for the simulations (results do not depend on it).
    client : distributed.Client, optional
        Run the simulations as tasks on this Dask cluster instead (workers need modelcollapse).
    store : path or SweepStore, optional
        SQLite file of finished results: each is saved as soon as it is done, and a rerun
        computes only what is missing (see :mod:`~.store`). None: keep nothing.
    progress : bool
        A tqdm bar on stderr.
    precision : int, optional
        ``predict``'s mpmath digits.
    estimator : {"plain", "conditional"}, optional
        Passed to ``simulate`` (where this version's ``simulate`` has it).
    simulate_every : int
        Simulate only every ``K``-th value of the first grid (theory on all of it): a fine
        theory line with a few simulated points in one sweep. Other rows have no simulation.
    mc_rse : float, optional
        ``predict``'s ``mc_rse``: the relative SE of the Monte Carlo answer of the points no formula
        covers (``[1e-5, 0.5]``, default 0.002; ``--mc-rse``).

    Returns
    -------
    pandas.DataFrame
        Columns as in :mod:`~.table`; ``df.attrs["vary"]`` lists the varied keys. A point whose
        theory (or simulation) cannot be computed has its reason in ``error`` and missing values.

    Raises
    ------
    ScenarioError
        A key or value that makes no valid scenario (the message names the key).
    """
    return run_sweep(scenario, simulate=simulate, trials=trials, seed=seed, jobs=jobs, client=client,
                     store=store, progress=progress, precision=precision, estimator=estimator,
                     simulate_every=simulate_every, grids=grids, mc_rse=mc_rse, **more_grids).table
