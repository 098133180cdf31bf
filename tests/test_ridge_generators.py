"""Ridge-regularised generators (issue 14, THEORY.md §3.8): theory, continuity, simulator, agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelcollapse.numerics.errors import NotCoveredError, ScenarioError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.ridge_chain import solve_ridge_kappa_hat
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.numerics.simulate_designs import explicit_trial
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory import get_result


def _scenario(*, d=100, spectrum="power_law", T0=40, ridge0=1e-2, n=4, sigma0=0.5, T=None, ridge=1e-2, sigma=0.5,
              r=0.5):
    spec = {"kind": "isotropic", "d": d} if spectrum == "isotropic" else {"kind": "power_law", "d": d, "beta": 1.5}
    teacher = {"kind": "isotropic"} if spectrum == "isotropic" else {"kind": "source", "r": r}
    gen = {"n": n, "T0": T0, "sigma0": sigma0}
    if ridge0 is not None:
        gen["ridge"] = ridge0
    return Scenario.from_dict({"spectrum": spec, "teacher": teacher, "generators": gen,
                               "downstream": {"T": T or d + 3, "sigma": sigma, "ridge": ridge}})


def _kappa_hat(sums, ridge0, T0):
    return solve_ridge_kappa_hat(sums, ridge0, T0, solve_kappa(sums, ridge0, T0).root)


def _corrected_mean(lam, kh, ridge0, T0):
    p = lam / (lam + kh)
    D = p.sum() - (p * p).sum() + T0 * ridge0 / kh
    return p - p * p * (1 - p) / D


@pytest.mark.parametrize("T0, ridge0", [(40, 1e-2), (200, 1e-3), (99, 1e-3), (30, 1.0)])
def test_noise_is_the_derivative_of_the_corrected_mean(T0, ridge0):
    """The implicit derivative equals a central difference of the corrected mean in log λ0 (h = 1e-4: error ~1e-8)."""
    lam = np.arange(1, 101, dtype=float) ** -1.5
    sums = SpectralSums(lam, None)
    kh = float(_kappa_hat(sums, ridge0, T0).root)
    p = lam / (lam + kh)
    noise = formula("ridge_noise")(1.0, lam, p, *(np.sum(p**m) for m in (1, 2, 3, 4)), T0, ridge0, kh)
    h = 1e-4
    shifted = [ridge0 * math.exp(s * h) for s in (1, -1)]
    means = [_corrected_mean(lam, float(_kappa_hat(sums, r, T0).root), r, T0) for r in shifted]
    central = -lam * (means[0] - means[1]) / (ridge0 * (math.exp(h) - math.exp(-h))) / T0
    np.testing.assert_allclose(noise, central, rtol=1e-7)


def test_kappa_hat_solves_its_equation_and_lies_below_the_plain_kappa():
    lam = np.arange(1, 101, dtype=float) ** -1.5
    sums = SpectralSums(lam, None)
    k0 = solve_kappa(sums, 1e-2, 40).root
    hat = solve_ridge_kappa_hat(sums, 1e-2, 40, k0)
    kh, residual = hat.root, hat.residual
    p = lam / (lam + kh)
    D = p.sum() - (p * p).sum() + 40 * 1e-2 / kh
    assert 40 * (1 - 1e-2 / kh) == pytest.approx(p.sum() - ((p * p).sum() - (p**3).sum()) / D, rel=1e-12)
    assert 1e-2 < kh < k0 and residual < 1e-12


def test_registered_with_arguments_provenance_and_derivation():
    names = ("ridge_kappa_hat_residual", "ridge_noise", "ridge_energy_step", "ridge_shrink_step",
             "ridge_kappa_hat_slope")
    for name in names:
        result = get_result(name)
        assert result.args and result.provenance.kind.name == "FINITE_SIZE_CORRECTED"
    from modelcollapse.theory import DERIVATIONS
    assert DERIVATIONS["derivation_ridge_generators"]().steps  # runs its own symbolic checks


def test_ridge_key_defaults_validation_and_schedule():
    assert _scenario(ridge0=None).generators.ridge == (0.0,) * 4
    assert "ridge" not in _scenario(ridge0=None).to_dict()["generators"]
    assert _scenario(ridge0=[0.1, 0.2, 0.1, 0.3]).generators.ridge == (0.1, 0.2, 0.1, 0.3)
    with pytest.raises(ScenarioError, match="generators.ridge"):
        _scenario(ridge0=-1.0)
    with pytest.raises(ScenarioError, match="generators.ridge"):
        _scenario(ridge0=[0.1, 0.2])
    assert predict(_scenario()).regime == "ridge_generators"
    assert predict(_scenario(ridge0=None)).regime == "overparam_generators"
    sc = _scenario().replace(ridge=0.5, ridge0=0.2)  # ridge: downstream; ridge0: generators
    assert sc.ridge == 0.5 and sc.generators.ridge == (0.2,) * 4


def test_ridgeless_interpolating_generation_inside_a_ridge_schedule_is_not_covered():
    with pytest.raises(NotCoveredError, match="generators.ridge"):
        predict(_scenario(ridge0=[0.1, 0.0, 0.1, 0.1]), monte_carlo=False)
    # OLS generations (T0 >= d + 2) mix in exactly
    assert predict(_scenario(T0=200, ridge0=[0.1, 0.0, 0.1, 0.1])).test_error > 0


@pytest.mark.parametrize("spectrum, T0, allowance", [
    ("power_law", 200, 5e-4), ("isotropic", 200, 5e-4),  # measured 0.012% / 0.004%
    ("power_law", 40, 4e-3), ("isotropic", 40, 2e-3),  # measured 0.21% / 0.08% (the projection's sum rule s_j)
])
def test_continuous_as_the_ridge_goes_to_zero(spectrum, T0, allowance):
    ridgeless = float(predict(_scenario(spectrum=spectrum, T0=T0, ridge0=None)).test_error)
    small = float(predict(_scenario(spectrum=spectrum, T0=T0, ridge0=1e-8)).test_error)
    assert abs(small / ridgeless - 1) < allowance


def test_float64_and_mpmath_agree():
    sc = _scenario(T0=[40, 150, 40, 150], ridge0=[1e-2, 1e-1, 1e-3, 1e-2])
    assert float(predict(sc, 40).test_error) == pytest.approx(float(predict(sc).test_error), rel=1e-12)


def test_strong_generator_ridge_forgets_the_teacher():
    sc = _scenario(ridge0=1e6, sigma0=0.0, n=3)
    chain = predict(sc).parts["chain_error"]
    assert float(chain) == pytest.approx(1.0, rel=1e-4)  # ‖w0‖²_Σ = 1: ŵ_n -> 0


def test_explicit_simulator_reproduces_the_exact_ols_chain():
    """λ0 = 0, Σ = I, T0, T >= d + 2, λ = 0: E = σ²d/(T − d − 1) + nσ0²d/(T0 − d − 1) (inverse Wishart)."""
    d, T0, T, n, s0, s = 10, 30, 25, 2, 0.7, 0.5
    rng = np.random.default_rng(1)
    vals = [explicit_trial(rng, np.ones(d), np.ones(d) / math.sqrt(d), (T0,) * n, (s0,) * n, (0.0,) * n, T, s, 0.0)
            for _ in range(4000)]
    exact = s * s * d / (T - d - 1) + n * s0 * s0 * d / (T0 - d - 1)
    se = np.std(vals, ddof=1) / math.sqrt(len(vals))
    assert abs(np.mean(vals) - exact) < 4 * se


def test_plain_and_conditional_estimators_agree_with_ridge_generators():
    sc = _scenario(d=30, T0=15, ridge0=3e-2, n=2, T=33)
    a = simulate(sc, trials=1500, seed=3, estimator="plain")
    b = simulate(sc, trials=300, seed=4)
    assert abs(a.mean - b.mean) < 4 * math.hypot(a.stderr, b.stderr)


# measured (FINDINGS.md §1.4): corrected theory within 1.44% (chain) / 2.44% (test) of simulation
SCENARIOS = [
    dict(d=50, spectrum="power_law", T0=25, ridge0=1e-3),
    dict(d=50, spectrum="isotropic", T0=100, ridge0=1e-2),
    dict(d=80, spectrum="power_law", T0=160, ridge0=0.3, sigma0=1.0),
    dict(d=100, spectrum="isotropic", T0=30, ridge0=0.1, T=60),
    dict(d=100, spectrum="power_law", T0=98, ridge0=1e-3),
    dict(d=150, spectrum="power_law", T0=300, ridge0=3e-2, ridge=1e-3),
    dict(d=200, spectrum="power_law", T0=100, ridge0=1.0, T=150),
]


@pytest.mark.slow
@pytest.mark.parametrize("kwargs", SCENARIOS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_ridge_generators_agree_with_simulation(kwargs):
    sc = _scenario(n=3, **kwargs)
    theory = float(predict(sc).test_error)
    sim = simulate(sc, trials=60 if sc.d >= 150 else 150, seed=11)
    assert abs(theory - sim.mean) <= 4 * sim.stderr + 0.03 * sim.mean, (theory, sim.mean, sim.stderr)


def test_ridge_generators_with_another_data_scheme_go_to_the_general_chain_engine():
    data = _scenario().to_dict()
    data["generators"]["scheme"] = "accumulate"
    assert predict(Scenario.from_dict(data)).regime == "general_chain"
    data["generators"].update(scheme="replace", real_fraction=0.5)
    assert predict(Scenario.from_dict(data)).regime == "general_chain"
    result = simulate(Scenario.from_dict(data), trials=2)  # simulated by the schemes' trials with ridge fits
    assert result.mean > 0 and result.trials == 2
