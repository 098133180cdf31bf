"""Shared helpers of the test suite: valid scenario tables, writing them to TOML, running the CLI."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import tomli_w

# Every statistical test (and the CLI subprocesses) runs single-threaded BLAS anyway; keep
# child interpreters from oversubscribing the shared machine as well.
CHILD_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

BASE = {
    "spectrum": {"kind": "power_law", "d": 40, "beta": 2.0},
    "teacher": {"kind": "source", "r": 0.5},
    "generators": {"n": 2, "T0": 100, "sigma0": 1.0},
    "downstream": {"T": 60, "sigma": 0.5, "ridge": 0.01},
}


def scenario_dict(**tables) -> dict:
    """A fresh deep copy of :data:`BASE`, with whole tables replaced (``spectrum={...}``)."""
    data = copy.deepcopy(BASE)
    for name, body in tables.items():
        if body is None:
            data.pop(name)
        else:
            data[name] = copy.deepcopy(body)
    return data


def write_toml(path: Path, data: dict) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m modelcollapse.derivations.cli ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "modelcollapse.derivations.cli", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=CHILD_ENV,
    )
