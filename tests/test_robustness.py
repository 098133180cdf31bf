"""Inputs at the edge of float64: each gives one line on stderr and exit 2, never a traceback,
a page of warnings, or a verdict built on non-finite numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import run_cli, scenario_dict, write_toml

from modelcollapse.derivations.verify import Check
from modelcollapse.numerics.simulate import MAX_EIGENVALUE_SPREAD, simulate_chain
from modelcollapse.theory.provenance import EXACT


def _one_line_exit_2(proc):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_simulation_refuses_a_spectrum_float64_cannot_resolve(tmp_path):
    data = scenario_dict(spectrum={"kind": "eigenvalues", "values": [1e300, 1e-300]},
                         teacher={"kind": "isotropic"}, generators={"n": 0},
                         downstream={"T": 10, "sigma": 0.5, "ridge": 0.1})
    line = _one_line_exit_2(run_cli("verify", str(write_toml(tmp_path / "s.toml", data)), "--trials", "20"))
    assert "eigenvalues" in line and "1e+14" in line


def test_simulate_chain_spread_limit_is_enforced():
    lam = np.array([1.0, 0.5 / MAX_EIGENVALUE_SPREAD])
    with pytest.raises(ValueError, match="max/min"):
        simulate_chain(lam, np.ones(2), T0=(), sigma0=(), T=5, sigma=0.1, ridge=0.1, trials=2)


def test_absurd_ridge_is_an_error_without_warnings(tmp_path):
    data = scenario_dict(spectrum={"kind": "eigenvalues", "values": [1.0, 2.0]}, teacher={"kind": "isotropic"},
                         generators={"n": 0}, downstream={"T": 10, "sigma": 0.5, "ridge": 1e200})
    line = _one_line_exit_2(run_cli("predict", str(write_toml(tmp_path / "s.toml", data))))
    assert "not finite" in line


def test_a_check_with_infinite_tolerance_never_passes():
    check = Check(theory=1.0, mean=1.0, stderr=math.inf, trials=10, seed=0, allowance=0.0, provenance=EXACT)
    assert not check.passed
