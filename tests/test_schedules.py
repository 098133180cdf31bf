"""Per-generation schedules T0_k, sigma0_k (additive to CONTRACT.md) and the T0 ≈ d threshold.

Covered region (numerics/overparam.py): T0_k <= d − 2 (any σ0_k) or T0_k >= d + 2; T0_k in
{d − 1, d, d + 1} only with σ0_k = 0 (the error is infinite otherwise: NotCoveredError, exit 2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli, write_toml

from modelcollapse.derivations.verify import DE_ALLOWANCE
from modelcollapse.numerics.errors import NotCoveredError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate


def make(spectrum, generators, downstream, teacher=None) -> Scenario:
    if teacher is None:
        teacher = {"kind": "source", "r": 0.5} if spectrum["kind"] == "power_law" else {"kind": "isotropic"}
    return Scenario.from_dict({"spectrum": spectrum, "teacher": teacher, "generators": generators,
                               "downstream": downstream})


def as_dict(sc: Scenario) -> dict:
    return sc.to_dict()


ISO = {"kind": "isotropic", "d": 100}
PL = {"kind": "power_law", "d": 120, "beta": 1.8}
OLS_DOWN = {"T": 300, "sigma": 0.3, "ridge": 0.0}
RIDGE_DOWN = {"T": 80, "sigma": 0.3, "ridge": 0.02}


# -- constant lists are the scalar result ---------------------------------------------------------------
@pytest.mark.parametrize("spectrum", [ISO, PL], ids=["isotropic", "power_law"])
@pytest.mark.parametrize("downstream", [OLS_DOWN, RIDGE_DOWN], ids=["ols", "ridge"])
def test_constant_lists_equal_scalar(spectrum, downstream):
    scalar = make(spectrum, {"n": 4, "T0": 40, "sigma0": 0.5}, downstream)
    listed = make(spectrum, {"n": 4, "T0": [40] * 4, "sigma0": [0.5] * 4}, downstream)
    assert listed == scalar
    a, b = predict(scalar), predict(listed)
    assert a.to_dict() == b.to_dict()  # bitwise: same floats, provenance, notes
    assert predict(listed, 30).digits == predict(scalar, 30).digits


# -- schedules: exact values by hand and against simulation ---------------------------------------------
def test_isotropic_mixed_schedule_exact_value():
    """Σ = I, OLS downstream: E_test = chain error (exact recursion, written out here) + σ² d/(T − d − 1)."""
    T0 = [150, 40, 70, 100, 60, 101]
    s0 = [0.5, 0.3, 0.0, 0.0, 0.6, 0.0]  # T0 = d and d + 1 with σ0 = 0: ŵ_k = ŵ_{k−1}
    sc = make(ISO, {"n": 6, "T0": T0, "sigma0": s0}, OLS_DOWN)
    p = predict(sc)
    assert p.exact
    S = 1.0 + 0.25 * 100 / 49  # OLS generation: σ0² d/(T0 − d − 1)
    S = 0.4 * S + 0.09 * 40 / 59
    S = 0.7 * S
    S = 0.6 * S + 0.36 * 60 / 39
    Pi = 0.4 * 0.7 * 0.6
    assert p.parts["chain_error"] == pytest.approx(S - 2 * Pi + 1, rel=1e-14)
    assert p.test_error == pytest.approx(S - 2 * Pi + 1 + 0.09 * 100 / 199, rel=1e-14)
    # identity generations change nothing
    dropped = make(ISO, {"n": 4, "T0": [150, 40, 70, 60], "sigma0": [0.5, 0.3, 0.0, 0.6]}, OLS_DOWN)
    assert predict(dropped).test_error == pytest.approx(p.test_error, rel=1e-15)


def test_general_sigma_identity_generations_change_nothing():
    spec = {"kind": "power_law", "d": 80, "beta": 2.0}
    with_id = make(spec, {"n": 4, "T0": [30, 80, 81, 50], "sigma0": [0.4, 0.0, 0.0, 0.2]}, RIDGE_DOWN)
    without = make(spec, {"n": 2, "T0": [30, 50], "sigma0": [0.4, 0.2]}, RIDGE_DOWN)
    assert predict(with_id).test_error == pytest.approx(predict(without).test_error, rel=1e-14)


def test_threshold_minus_one_without_noise_is_covered():
    """T0 = d − 1, σ0 = 0: a rank-(d − 1) projection; Σ = I exact: error 1 − ((d − 1)/d)^n."""
    sc = make(ISO, {"n": 3, "T0": 99, "sigma0": 0.0}, {"T": 300, "sigma": 0.0, "ridge": 0.0})
    assert predict(sc).test_error == pytest.approx(1 - 0.99**3, rel=1e-14)
    pl = make({"kind": "power_law", "d": 60, "beta": 1.5}, {"n": 2, "T0": 59, "sigma0": 0.0}, RIDGE_DOWN)
    p = predict(pl)
    assert any("T0 = 59 = d - 1" in note for note in p.notes)
    assert 0 < p.collapse < p.test_error


def test_edges_of_the_corrected_equivalents_are_stated():
    """Very steep spectrum, T0 <= 2: the O(1/D) corrections do not apply (plain equivalent, with a
    note); the noise equivalent is invalid at T0 = 1 (a clear error, not a number)."""
    spec = {"kind": "power_law", "d": 50, "beta": 5.0}
    p = predict(make(spec, {"n": 2, "T0": 2, "sigma0": 0.0}, OLS_DOWN))
    assert any("does not apply" in note for note in p.notes) and "plain equivalent" in p.provenance["collapse"]
    with pytest.raises(NotCoveredError,
                       match=r"generators\.T0: the generator-noise equivalent is not valid at generation 1 \(T0 = 1"):
        predict(make(spec, {"n": 2, "T0": 1, "sigma0": 0.5}, OLS_DOWN), monte_carlo=False)


def test_ols_only_schedules_keep_the_exact_reduction(monkeypatch):
    """All T0_k >= d + 2: never routed through the over-parameterised code; exact §3.1 value."""
    from modelcollapse.numerics.regimes import overparam_generators

    def refuse(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("OLS-only schedule routed to the over-parameterised regime")

    monkeypatch.setattr(overparam_generators.OverparameterisedGenerators, "predict", refuse)
    sc = make({"kind": "power_law", "d": 50, "beta": 2.0}, {"n": 3, "T0": [60, 200, 90], "sigma0": [1.0, 0.5, 0.2]},
              OLS_DOWN)
    p = predict(sc)
    assert p.regime == "ols_generators"
    by_hand = 0.09 * 50 / 249 + 50 * (1.0 / 9 + 0.25 / 149 + 0.04 / 39)
    assert p.exact and p.test_error == pytest.approx(by_hand, rel=1e-14)


@pytest.mark.slow
def test_isotropic_schedule_against_simulation():
    sc = make(ISO, {"n": 5, "T0": [150, 40, 70, 100, 60], "sigma0": [0.5, 0.3, 0.2, 0.0, 0.6]},
              {"T": 50, "sigma": 0.3, "ridge": 0.0})
    p = predict(sc)
    assert p.exact  # ridgeless Σ = I downstream: exact too
    sim = simulate(sc, trials=400, seed=5)
    assert abs(p.test_error - sim.mean) <= 4 * sim.stderr


@pytest.mark.slow
@pytest.mark.parametrize("downstream",
                         [{"T": 250, "sigma": 0.2, "ridge": 0.0}, {"T": 100, "sigma": 0.2, "ridge": 0.01}],
                         ids=["ols", "ridge"])
def test_power_law_schedule_against_simulation(downstream):
    sc = make({"kind": "power_law", "d": 150, "beta": 2.0},
              {"n": 4, "T0": [200, 40, 90, 120], "sigma0": [0.5, 0.0, 0.4, 0.2]}, downstream)
    p = predict(sc)
    assert not p.exact
    sim = simulate(sc, trials=400, seed=6)
    assert abs(p.test_error - sim.mean) <= 4 * sim.stderr + DE_ALLOWANCE * p.test_error


def test_schedule_simulation_is_reproducible():
    sc = make({"kind": "power_law", "d": 40, "beta": 1.5}, {"n": 3, "T0": [20, 45, 10], "sigma0": [0.3, 0.1, 0.0]},
              RIDGE_DOWN)
    a = simulate(sc, trials=12, seed=3)
    b = simulate(sc, trials=12, seed=3)
    c = simulate(sc, trials=12, seed=3, jobs=2)
    assert np.array_equal(a.errors, b.errors) and np.array_equal(a.errors, c.errors)
    assert not np.array_equal(a.errors, simulate(sc, trials=12, seed=4).errors)


# -- the threshold ----------------------------------------------------------------------------------
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_threshold_with_noise_is_an_error(offset):
    d = 100
    sc = make(ISO, {"n": 3, "T0": [50, d + offset, 50], "sigma0": [0.5, 0.1, 0.5]}, OLS_DOWN)
    with pytest.raises(NotCoveredError, match=r"generators\.T0: the generator error is infinite for d-1 <= T0 <= d\+1 "
                                              rf"\(T0 = {d + offset}, d = {d}\) at generation 2"):
        predict(sc)


def test_threshold_cli_exit_2(tmp_path):
    data = as_dict(make(ISO, {"n": 2, "T0": 50, "sigma0": 0.5}, OLS_DOWN))
    data["generators"] = {"n": 2, "T0": [99, 50], "sigma0": [0.5, 0.5]}
    path = write_toml(tmp_path / "threshold.toml", data)
    for command in ("predict", "verify"):
        res = run_cli(command, path, "--json", *(["--trials", "4", "--jobs", "1"] if command == "verify" else []))
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and "generators.T0" in lines[0] and "infinite" in lines[0] and "Traceback" not in res.stderr
        )
        assert res.stdout == ""


def test_schedule_cli_predict_and_verify(tmp_path):
    data = as_dict(make(ISO, {"n": 3, "T0": [30, 150, 60], "sigma0": [0.4, 0.5, 0.0]}, OLS_DOWN))
    path = write_toml(tmp_path / "schedule.toml", data)
    res = run_cli("predict", path, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["exact"] and set(out["parts"]) == {"chain_error", "bias_increase", "variance_increase"}
    assert out["test_error"] == pytest.approx(predict(Scenario.from_toml(path)).test_error, rel=1e-15)
    res = run_cli("verify", path, "--json", "--trials", "200", "--jobs", "1")
    assert res.returncode == 0, res.stderr
    check = json.loads(res.stdout)
    assert check["passed"] and check["allowance"] == 0
