"""The pooled-chain deterministic equivalent (accumulate-subsample; THEORY.md §3.7).

Checks that cannot be produced by the code under test: the same equations must give the exact
replace and accumulate chain errors (closed forms written out here), the accumulate-with-real-rows
recursion (the registered ansatz, a separate formula measured against simulation), the same
numbers at 30 digits, the exact one-fit derivation, refusals outside the domain, and (slow) the
Monte Carlo of the definition within ``4·SE + 3 %``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.pool_chain import MAX_GENERATIONS, pool_types, solve_pool_chain
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.theory import DERIVATIONS
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import ProvenanceKind
from modelcollapse.theory.symbols import T0 as T0_sym
from modelcollapse.theory.symbols import d as d_sym
from modelcollapse.theory.symbols import sigma0 as sigma0_sym

D, T0S, SIGMA0S = 40, [60, 90, 45, 120, 70], [1.0, 0.5, 2.0, 1.0, 1.5]


def errors(scheme, T0=T0S, sigma0=SIGMA0S, real=None, backend=None, d=D):
    real = real if real is not None else [0] * len(T0)
    types = pool_types(scheme=scheme, d=d, T0=T0, sigma0=sigma0, real_counts=real)
    return solve_pool_chain(types, backend) if backend else solve_pool_chain(types)


def test_replace_chain_is_exact():
    expected = np.cumsum([s * s * D / (t - D - 1) for t, s in zip(T0S, SIGMA0S)])
    np.testing.assert_allclose(errors("replace").errors, expected, rtol=1e-12)


def test_accumulate_chain_is_exact():
    N = np.cumsum(T0S)
    expected = np.cumsum([s * s * D * t / (m * (m - D - 1)) for t, s, m in zip(T0S, SIGMA0S, N)])
    np.testing.assert_allclose(errors("accumulate").errors, expected, rtol=1e-12)


def test_accumulate_with_real_rows_is_the_measured_recursion():
    real = [0, 30, 10, 100, 7]
    step = formula("accumulate_real_step")
    e, N, expected = 0.0, 0, []
    for t, s, r in zip(T0S, SIGMA0S, real):
        N += t
        e = step(e, r, N, t, D, s)
        expected.append(e)
    np.testing.assert_allclose(errors("accumulate", real=real).errors, expected, rtol=1e-11)


def test_replace_with_real_rows_is_the_exact_recursion():
    real = [0, 30, 10, 100, 7]  # the finite-size weights make every mixed fit exact
    step = formula("replace_real_step")
    e, expected = 0.0, []
    for t, s, r in zip(T0S, SIGMA0S, real):
        e = step(e, t, t - r, D, s)
        expected.append(e)
    np.testing.assert_allclose(errors("replace", real=real).errors, expected, rtol=1e-11)


def test_source_weight_is_the_exact_mixing_factor():
    T, d = 80, 50  # one fit, sources independent of its designs: p² + p(1−p) w/(T−d−1) = g(T, m, d)
    w = formula("pool_source_weight")(T, T, d)
    for m in (1, 17, 40, 79):  # g written out here (THEORY.md 3.7), not taken from the library
        g = m * (m - 1) / (T * (T - 1)) + m * (T - m) * (T - 2) * (d + 2) / (T * (T - 1) * (T + 2) * (T - d - 1))
        p = m / T
        assert p * p + p * (1 - p) * w / (T - d - 1) == pytest.approx(g, rel=1e-13)


def test_thirty_digits_agree_with_float64_and_converge():
    real = [0, 30, 10, 100, 7]
    f64 = errors("accumulate-subsample", real=real)
    mp = errors("accumulate-subsample", real=real, backend=Backend(30))
    assert f64.residual < 1e-14 and mp.residual < 1e-27
    np.testing.assert_allclose([float(e) for e in mp.errors], f64.errors, rtol=1e-13)
    N = np.cumsum(T0S)  # 30 digits: the exact accumulate chain through the same mpmath code
    exact = sum(sp.Rational(s2) * D * t / (m * (m - D - 1)) for t, s2, m in zip(T0S, [1, 0.25, 4, 1, 2.25], N))
    acc = errors("accumulate", sigma0=[1, 0.5, 2, 1, 1.5], backend=Backend(30)).errors[-1]
    assert abs(acc - Backend(30).scalar(str(sp.N(exact, 40)))) < 1e-27


def test_subsample_lies_between_accumulate_and_replace_for_roomy_blocks():
    T0, s0 = [100] * 6, [1.0] * 6  # T0 = 2.5 d (near T0 ≈ d re-fitted rows can make it exceed replace)
    sub, acc, rep = (errors(s, T0, s0).errors for s in ("accumulate-subsample", "accumulate", "replace"))
    assert sub[0] == pytest.approx(rep[0], rel=1e-13) and sub[0] == pytest.approx(acc[0], rel=1e-13)
    assert np.all(acc[1:] < sub[1:]) and np.all(sub[1:] < rep[1:]) and np.all(np.diff(sub) > 0)


def test_one_fit_derivation_ends_in_the_exact_ols_error():
    steps = {s.name: s for s in DERIVATIONS["derivation_pool_chain"]().steps}
    expected = sigma0_sym**2 * d_sym / (T0_sym - d_sym - 1)
    assert sp.simplify(steps["one_fit_error"].rhs - expected) == 0
    assert sp.simplify(steps["one_fit_kappa"].rhs - (d_sym + 1) / (T0_sym - d_sym - 1)) == 0


def test_noiseless_and_tiny_noises():
    assert np.all(errors("accumulate-subsample", sigma0=[0.0] * 5).errors == 0)
    base = errors("accumulate-subsample").errors
    tiny = errors("accumulate-subsample", sigma0=[s * 1e-150 for s in SIGMA0S]).errors
    np.testing.assert_allclose(tiny, base * 1e-300, rtol=1e-12)  # homogeneous of degree 2, no underflow


def test_refusals_name_the_key():
    with pytest.raises(NotCoveredError, match="generators.T0"):
        errors("accumulate-subsample", T0=[60, 41, 60], sigma0=[1.0] * 3)
    with pytest.raises(NotCoveredError, match="generators.n"):
        n = MAX_GENERATIONS + 1
        errors("accumulate-subsample", T0=[60] * n, sigma0=[1.0] * n)


def scenario(d, seed, generators, downstream) -> Scenario:
    rng = np.random.default_rng(seed)
    lam = np.sort(rng.uniform(0.1, 2.0, d))[::-1]
    c = rng.normal(size=d) / math.sqrt(d)
    return Scenario.from_dict({"spectrum": {"kind": "eigenvalues", "values": [float(x) for x in lam]},
                               "teacher": {"kind": "coefficients", "values": [float(x) for x in c]},
                               "generators": {"scheme": "accumulate-subsample", **generators},
                               "downstream": downstream})


def test_predict_uses_the_equivalent_with_its_provenance():
    s = scenario(30, 1, {"n": 4, "T0": 60, "sigma0": 1.0}, {"T": 80, "sigma": 0.5, "ridge": 0.0})
    p = predict(s)
    assert p.regime == "accumulate_subsample" and not p.exact
    assert p.provenance["collapse"].kind == ProvenanceKind.DETERMINISTIC_EQUIVALENT
    e = errors("accumulate-subsample", T0=[60] * 4, sigma0=[1.0] * 4, d=30).errors[-1]
    assert p.test_error == pytest.approx(0.25 * 30 / (80 - 30 - 1) + e, rel=1e-12)  # OLS downstream: exact reduction


def test_a_prediction_near_the_interpolation_edge_says_so():
    near = predict(scenario(30, 1, {"n": 4, "T0": 40, "sigma0": 1.0}, {"T": 80, "sigma": 0.5, "ridge": 0.0}))
    roomy = predict(scenario(30, 1, {"n": 4, "T0": 45, "sigma0": 1.0}, {"T": 80, "sigma": 0.5, "ridge": 0.0}))
    assert any("interpolation edge" in note for note in near.notes)
    assert not any("interpolation edge" in note for note in roomy.notes)


CASES = {  # d, generators, downstream
    "OLS downstream, equal blocks": (50, {"n": 6, "T0": 90, "sigma0": 1.0}, {"T": 120, "sigma": 0.5, "ridge": 0.0}),
    "unequal blocks and noises, ridge": (
        50, {"n": 5, "T0": [80, 120, 90, 150, 100], "sigma0": [1.0, 0.5, 1.5, 1.0, 2.0]},
        {"T": 70, "sigma": 0.5, "ridge": 0.05}),
    "real fractions, mixed downstream": (
        60, {"n": 5, "T0": 110, "sigma0": 1.0, "real_fraction": [0, 0.3, 0.1, 0.5, 0.2]},
        {"T": 150, "sigma": 0.5, "ridge": 0.02, "real_fraction": 0.4}),
    "T0 - d - 1 = 14, long chain, real fractions": (
        50, {"n": 10, "T0": 65, "sigma0": 1.0, "real_fraction": 0.2}, {"T": 100, "sigma": 0.5, "ridge": 0.01}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_against_simulation(name):
    d, gen, down = CASES[name]
    s = scenario(d, 100 + d, gen, down)
    p = predict(s)
    sim = simulate(s, trials=300, seed=77, estimator="conditional")
    assert abs(p.test_error - sim.mean) <= 4 * sim.stderr + 0.03 * p.test_error, (name, p.test_error, sim.mean,
                                                                                  sim.stderr)
