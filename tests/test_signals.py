"""SIGTERM ends a command as Ctrl-C does: one line on stderr, the same clean-up, exit 143 (issue 22, item 3).

A sweep is terminated while its simulations run: it must say ``terminated``, leave no ``--out``
file and no temporary file, keep the points it finished in the store, and leave no worker behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from conftest import CHILD_ENV, scenario_dict, write_toml

SLOW_POINT = scenario_dict(spectrum={"kind": "isotropic", "d": 60}, teacher={"kind": "isotropic"},
                           generators={"n": 2, "T0": 120, "sigma0": 1.0},
                           downstream={"T": 80, "sigma": 0.5, "ridge": 0.1})


def _start(tmp_path, *extra):
    scenario = write_toml(tmp_path / "s.toml", SLOW_POINT)
    argv = [sys.executable, "-m", "modelcollapse.derivations.cli", "sweep", str(scenario),
            "--vary", "downstream.ridge=0.01,0.1,1,10", "--simulate", "--trials", "200000", "--jobs", "2",
            "--out", str(tmp_path / "table.csv"), "--quiet", *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CHILD_ENV)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGTERM, 143, "terminated"),
                                                    (signal.SIGINT, 130, "interrupted")])
def test_a_signal_ends_a_sweep_with_one_line_and_no_leftovers(tmp_path, sig, code, word):
    proc = _start(tmp_path)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:  # the workers are simulating
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert len(workers) >= 2, proc.stderr.read() if proc.poll() is not None else "no workers started"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.strip() == f"modelcollapse: {word}"
    assert not (tmp_path / "table.csv").exists()
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-shm", "-wal")))  # SQLite's own
    assert left == ["s.toml", "table.csv.sweep.sqlite"]  # no temporary file
    time.sleep(0.5)
    alive = [w for w in workers if subprocess.run(["ps", "-p", str(w)], capture_output=True).returncode == 0]
    assert alive == []  # the workers went with their driver
