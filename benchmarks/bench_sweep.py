"""Benchmark of ``sweep``: the same simulated sweep on 1 process, 2 processes, a 2-worker LocalCluster.

Run ``python benchmarks/bench_sweep.py`` (``--quick`` for a smoke run). The sweep is the report's
ridge figure on a coarse grid: isotropic ``d = 100``, ``T = 200``, ``T0 = 400``, ridge at 6 values
``logspace(-3,1.5,6)`` × ``n = 0, 2, 5, 10``, simulated with ``--trials`` trials (default 100).
Each configuration starts from an empty store (no result reused); the LocalCluster's start-up is
timed separately from the sweep itself. The tables are checked to be bit-identical. Wall clock;
the machine's load is printed first.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.derivations.sweep import sweep
from modelcollapse.derivations.sweep.table import table_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 ridges x n = 0, 5, 20 trials")
    parser.add_argument("--trials", type=int, default=None)
    args = parser.parse_args()
    base = builtin("isotropic_ridge").scenario
    grids = ({"downstream.ridge": "logspace(-3,1.5,3)", "generators.n": [0, 5]} if args.quick
             else {"downstream.ridge": "logspace(-3,1.5,6)", "generators.n": [0, 2, 5, 10]})
    trials = args.trials or (20 if args.quick else 100)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"grid {grids}, {trials} trials per point")

    timings, tables = {}, {}
    for jobs in (1, 2):
        start = time.perf_counter()
        tables[f"{jobs} process{'es' if jobs > 1 else ''}"] = sweep(base, simulate=True, trials=trials, jobs=jobs,
                                                                    grids=grids)
        timings[f"{jobs} process{'es' if jobs > 1 else ''}"] = time.perf_counter() - start
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        startup = time.perf_counter() - start
        start = time.perf_counter()
        tables["LocalCluster 2 workers"] = sweep(base, simulate=True, trials=trials, client=client, grids=grids)
        timings["LocalCluster 2 workers"] = time.perf_counter() - start
    reference = tables["1 process"]
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, check_exact=True)
        assert table_bytes(table, ".csv") == table_bytes(reference, ".csv"), name
    one = timings["1 process"]
    print(f"{'configuration':<26}{'wall s':>9}{'speed-up':>10}")
    for name, seconds in timings.items():
        print(f"{name:<26}{seconds:>9.2f}{one / seconds:>9.2f}x")
    print(f"(LocalCluster start-up, not included: {startup:.2f} s; {len(reference)} points; tables bit-identical)")


if __name__ == "__main__":
    main()
