"""Sweeps whatever the workers and however often killed: bit-identical tables and files.

* 1 process, 2 processes and a 2-worker Dask ``LocalCluster`` give bit-identical tables.
* A CLI sweep killed with SIGKILL at random moments, then restarted, ends with exactly the file
  bytes of an uninterrupted run, and never leaves a file that reads as complete before that.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import CHILD_ENV, scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.derivations.sweep import SweepStore, run_sweep, sweep
from modelcollapse.derivations.sweep.table import table_bytes
from modelcollapse.numerics.scenario import Scenario

CHAIN = scenario_dict(spectrum={"kind": "isotropic", "d": 30}, teacher={"kind": "isotropic"},
                      generators={"n": 3, "T0": 80, "sigma0": 0.5}, downstream={"T": 60, "sigma": 0.5, "ridge": 0.1})
GRIDS = {"downstream.ridge": "logspace(-2,1,5)", "generators.n": [0, 3]}


@pytest.mark.slow
def test_one_process_two_processes_and_a_local_cluster_are_bit_identical(tmp_path):
    distributed = pytest.importorskip("distributed")
    base = Scenario.from_dict(CHAIN)
    one = sweep(base, simulate=True, trials=60, seed=11, jobs=1, grids=GRIDS)
    two = sweep(base, simulate=True, trials=60, seed=11, jobs=2, grids=GRIDS)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = sweep(base, simulate=True, trials=60, seed=11, client=client, grids=GRIDS)
        # the command line on the same cluster, through its scheduler's address
        path = write_toml(tmp_path / "chain.toml", CHAIN)
        out = tmp_path / "table.csv"
        assert cli.main(["sweep", str(path), "--vary", "downstream.ridge=logspace(-2,1,5)", "--vary",
                         "generators.n=0,3",
                         "--simulate", "--trials", "60", "--seed", "11", "--scheduler", cluster.scheduler_address,
                         "--out", str(out), "--quiet"]) == 0
    assert out.read_bytes() == table_bytes(one, ".csv")
    for other in (two, dask):
        pd.testing.assert_frame_equal(other, one, check_exact=True)
        for suffix in (".csv", ".json", ".parquet"):
            assert table_bytes(other, suffix) == table_bytes(one, suffix)
    assert one["mean"].notna().all()


def _cli(*args):
    return [sys.executable, "-m", "modelcollapse.derivations.cli", *map(str, args)]


def _stored(path) -> int:
    if not path.exists():
        return 0
    with SweepStore(path) as db:
        return len(db)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sigkill_at_random_moments_then_restart_gives_the_uninterrupted_file(tmp_path, suffix):
    scenario = write_toml(tmp_path / "chain.toml", CHAIN)
    vary = ["--vary", "downstream.ridge=logspace(-2,1,6)", "--vary", "generators.n=0,3", "--simulate", "--trials",
            "300"]
    tasks = 6 * 2 * 2  # theory and simulation of 12 points
    reference = tmp_path / "reference" / f"table{suffix}"
    reference.parent.mkdir()
    start = time.perf_counter()
    done = subprocess.run(_cli("sweep", scenario, *vary, "--jobs", "1", "--out", reference, "--quiet"),
                          env=CHILD_ENV, capture_output=True, text=True, timeout=600)
    duration = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    expected = reference.read_bytes()

    out = tmp_path / "killed" / f"table{suffix}"
    out.parent.mkdir()
    store = out.parent / f"{out.name}.sweep.sqlite"
    rng = random.Random(15)
    progress = []
    for attempt in range(4):
        child = subprocess.Popen(_cli("sweep", scenario, *vary, "--jobs", "2", "--out", out, "--quiet"),
                                 env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        time.sleep(rng.uniform(0.3, 0.8) * duration)
        if attempt == 3 and max(progress) == 0:
            # every kill so far came before the first result was stored (start-up dominates on a loaded
            # machine): this one waits for a stored result, so that resuming is really tested
            deadline = time.monotonic() + 300
            while _stored(store) == 0 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # the driver only, as the OOM killer would
        child.wait(timeout=60)
        try:
            os.killpg(child.pid, signal.SIGKILL)  # then its orphaned workers (our own processes)
        except ProcessLookupError:
            pass
        if out.exists():  # only ever the complete table
            assert out.read_bytes() == expected
        progress.append(_stored(store))
        assert progress == sorted(progress)  # nothing finished is ever lost
    before = _stored(store)
    final = subprocess.run(_cli("sweep", scenario, *vary, "--jobs", "2", "--out", out),
                           env=CHILD_ENV, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert f"results: {before} from the store, {tasks - before} computed" in final.stderr
    assert out.read_bytes() == expected
    assert _stored(store) == tasks
    print(f"reference {duration:.1f} s; stored after each kill: {progress}")
    assert 0 < max(progress), "no kill came late enough to test resuming; the sweep is too fast here"


def test_run_sweep_interrupted_in_process_recomputes_nothing_finished(tmp_path, monkeypatch):
    """An exception in the middle (a Ctrl-C) keeps every finished point; the rerun does the rest."""
    import modelcollapse.derivations.sweep.engine as engine

    base, store = Scenario.from_dict(CHAIN), tmp_path / "st.sqlite"
    real, calls = engine.run_task, []

    def flaky(task):
        calls.append(task.key)
        if len(calls) == 15:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(engine, "run_task", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(base, simulate=True, trials=20, store=store, grids=GRIDS)
    assert _stored(store) == 14
    monkeypatch.setattr(engine, "run_task", real)
    resumed = run_sweep(base, simulate=True, trials=20, store=store, grids=GRIDS)
    assert (resumed.reused, resumed.computed) == (14, 6)
    fresh = sweep(base, simulate=True, trials=20, grids=GRIDS)
    pd.testing.assert_frame_equal(resumed.table, fresh, check_exact=True)
