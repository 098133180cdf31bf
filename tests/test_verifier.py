"""Verified synthetic data (THEORY.md §3.17): truncated moments, the derived step, exact cases, precision, domain.

The expected values here are typed independently of the code under test: SciPy's truncated normal, the
closed forms of the exact special cases, and a float re-implementation of the step from its written derivation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import sympy as sp

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import FixedPointError
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.simulate_verifier import Window, simulate_verified
from modelcollapse.numerics.verifier import kept_law, stationary_spread, verifier_chain, window_moments
from modelcollapse.theory import verifier as tv
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import ProvenanceKind
from modelcollapse.theory.registry import get_result

WINDOWS = [(-1.0, 1.0), (-0.5, 1.5), (0.3, 2.0), (-np.inf, 0.7), (-2.5, np.inf), (-0.2, 0.2), (1.0, 4.0)]


@pytest.mark.parametrize("lo, hi", WINDOWS)
def test_truncated_moments_match_scipy(lo, hi):
    Z, mu2, mu4 = window_moments(lo, hi)
    dist = scipy.stats.truncnorm(lo, hi)
    assert float(Z) == pytest.approx(scipy.stats.norm.cdf(hi) - scipy.stats.norm.cdf(lo), rel=1e-12)
    assert float(mu2) == pytest.approx(dist.moment(2), rel=1e-10)
    assert float(mu4) == pytest.approx(dist.moment(4), rel=1e-9)


def test_acceptance_expression_is_phi_difference():
    Z = sp.lambdify((tv.a_end, tv.b_end), tv.acceptance())
    assert Z(-1.0, 2.0) == pytest.approx(scipy.stats.norm.cdf(2) - scipy.stats.norm.cdf(-1), rel=1e-14)


def _step_by_hand(q, s2, mu2, mu4, K, d):
    """The step re-typed from the written derivation (u1 = c t + c′ξ, e = s[(1 − c²g)t − c c′ g ξ])."""
    c2, cp2 = q, 1 - q
    a11 = c2 * mu2 + cp2
    g = mu2 / a11
    P, Qc = 1 - c2 * g, g  # e/s = P t − (c c′ g) ξ
    se2 = P * P * mu2 + c2 * cp2 * Qc * Qc
    u2e2 = c2 * P * P * mu4 + 3 * cp2 * c2 * cp2 * g * g + cp2 * (P - c2 * g) ** 2 * mu2 - 2 * c2 * cp2 * g * P * mu2
    u3e = c2 * P * mu4 - 3 * c2 * cp2 * g * mu2 + 3 * cp2 * P * mu2 - 3 * cp2 * cp2 * g
    rho2 = q * s2
    f = g - u3e / (K * a11**2)
    second = (rho2 * g * g - 2 * rho2 * g * u3e / (K * a11**2) + s2 * u2e2 / (K * a11**2)
              + (d - 1) * s2 * (K * se2 - u2e2 / a11 + se2 / a11) / ((K - 1) * (K - d - 1)))
    return g, f, second


@pytest.mark.parametrize("seed", range(6))
def test_symbolic_step_equals_hand_typed_step(seed):
    rng = np.random.default_rng(seed)
    lo, hi = sorted(rng.uniform(-2.5, 2.5, size=2))
    _, mu2, mu4 = window_moments(lo, hi)
    q, s2, K, d = rng.uniform(0, 0.95), rng.uniform(0.2, 3), int(rng.integers(80, 400)), int(rng.integers(5, 60))
    g, f, second = _step_by_hand(q, s2, float(mu2), float(mu4), K, d)
    assert formula("verifier_contraction")(q, mu2) == pytest.approx(g, rel=1e-12)
    assert formula("verifier_step_mean")(q, mu2, mu4, K) == pytest.approx(f, rel=1e-12)
    assert formula("verifier_step_second_moment")(q, s2, mu2, mu4, K, d) == pytest.approx(second, rel=1e-12)


def test_residual_noise_is_uncorrelated_with_the_design():
    assert tv._parts()["u1e"] == 0


def test_population_map_without_window_is_identity_and_contracts_inside():
    assert formula("verifier_contraction")(0.4, 1.0) == pytest.approx(1.0, rel=1e-15)
    _, mu2, _ = window_moments(-1.0, 1.0)
    g = formula("verifier_contraction")(0.4, mu2)
    assert 0 < g < 1
    assert g == pytest.approx(float(mu2) / (0.4 * float(mu2) + 0.6), rel=1e-14)


def test_no_window_recovers_the_ols_step_to_second_order():
    # no filter: E‖v'‖² = ρ² + σ0² d/(K − d − 1) exactly; the step is off by (2K − d − 1)/(K(K−1)(K−d−1)) σ0²
    rho2, s0, K, d = 0.3, 0.8, 300, 40
    s2 = rho2 + s0**2
    got = formula("verifier_step_second_moment")(rho2 / s2, s2, 1.0, 3.0, K, d)
    exact = rho2 + s0**2 * d / (K - d - 1)
    assert got == pytest.approx(exact - s0**2 * (2 * K - d - 1) / (K * (K - 1) * (K - d - 1)), rel=1e-12)
    assert formula("verifier_step_mean")(rho2 / s2, 1.0, 3.0, K) == pytest.approx(1.0, rel=1e-15)


def test_unfiltered_chain_is_the_ols_chain():
    n, T0, d, s0 = 4, 250, 30, 0.7
    chain = verifier_chain(h2=0.5, sigma0=(s0,) * n, lower=(-np.inf,) * n, upper=(np.inf,) * n, T0=(T0,) * n, d=d,
                           refill=False)
    K = T0  # no filter: every row kept; each step is off the exact d/(K − d − 1) by its known O(1/K²) term
    per_step = d / (K - d - 1) - (2 * K - d - 1) / (K * (K - 1) * (K - d - 1))
    assert float(chain.errors[-1]) == pytest.approx(n * s0**2 * per_step, rel=1e-11)
    assert float(chain.errors[-1]) == pytest.approx(n * s0**2 * d / (T0 - d - 1), rel=3e-4)
    assert all(float(s.acceptance) == 1.0 for s in chain.steps)


def test_first_generation_with_teacher_centre_is_exact_closed_form():
    d, T0, s0 = 40, 300, 1.3
    a, b = -1.0, 1.0
    mu2 = 1 - 2 * scipy.stats.norm.pdf(1) / (2 * scipy.stats.norm.cdf(1) - 1)
    fixed = verifier_chain(h2=0.0, sigma0=(s0,), lower=(a * s0,), upper=(b * s0,), T0=(T0,), d=d, refill=True)
    assert float(fixed.errors[0]) == pytest.approx(s0**2 * mu2 * d / (T0 - d - 1), rel=1e-12)
    assert fixed.exact and fixed.provenance.kind is ProvenanceKind.EXACT
    drawn = verifier_chain(h2=0.0, sigma0=(s0,), lower=(a * s0,), upper=(b * s0,), T0=(T0,), d=d, refill=False)
    Z = 2 * scipy.stats.norm.cdf(1) - 1
    K = np.arange(d + 2, T0 + 1)
    w = scipy.stats.binom.pmf(K, T0, Z)
    assert float(drawn.errors[0]) == pytest.approx(np.sum(w * s0**2 * mu2 * d / (K - d - 1)) / w.sum(), rel=1e-10)
    two = verifier_chain(h2=0.0, sigma0=(s0,) * 2, lower=(a * s0,) * 2, upper=(b * s0,) * 2, T0=(T0,) * 2, d=d,
                         refill=True)
    assert not two.exact and two.provenance.kind is ProvenanceKind.DETERMINISTIC_EQUIVALENT


def test_chain_moves_to_the_verifier_centre():
    # far centre, narrow window: e_k → ‖w0 − w′‖²_Σ + P*, with P* the fixed point of the step
    h2, n = 2.0, 40
    chain = verifier_chain(h2=h2, sigma0=(1.0,) * n, lower=(-1.0,) * n, upper=(1.0,) * n, T0=(2000,) * n, d=20,
                           refill=True)
    fixed = stationary_spread(sigma0=1.0, lower=-1.0, upper=1.0, T0=2000, d=20, refill=True)
    assert fixed.converged and fixed.residual < 1e-12
    assert float(chain.errors[-1]) == pytest.approx(h2 + float(fixed.root), rel=1e-6)
    assert float(chain.steps[-1].mean_factor) < 1
    errors = [float(e) for e in chain.errors]
    assert errors[0] < errors[-1]  # the estimate leaves the teacher for the centre


def test_fixed_point_raises_with_residual():
    with pytest.raises(FixedPointError, match="residual"):
        stationary_spread(sigma0=1.0, lower=-1.0, upper=1.0, T0=300, d=20, refill=True, max_iter=1, tol=1e-300)


def test_mpmath_agrees_with_float64():
    args = dict(h2=0.37, sigma0=(1.0, 0.8, 1.2), lower=(-0.7, -0.5, -1.0), upper=(1.2, 0.9, 1.0), T0=(300, 280, 350),
                d=40, refill=False)
    f64 = verifier_chain(**args)
    mp = verifier_chain(**args, backend=Backend(40))
    for a, b in zip(f64.errors, mp.errors):
        assert float(b) == pytest.approx(float(a), rel=1e-11)
    Z, mu2, mu4 = window_moments(-1, 2, Backend(50))
    ctx = Backend(50).ctx
    assert abs(Z - (ctx.ncdf(2) - ctx.ncdf(-1))) < ctx.mpf(10) ** -45


def test_too_few_kept_rows_is_refused_naming_the_window():
    with pytest.raises(NotCoveredError, match=r"generators\.verifier\.window"):
        kept_law(200, 0.27, 50, False, FLOAT64)
    with pytest.raises(NotCoveredError, match=r"generators\.T0"):
        kept_law(40, 0.5, 50, True, FLOAT64)
    K, w = kept_law(400, 0.5, 50, False, FLOAT64)
    assert K.min() >= 52 and float(np.sum(w)) == pytest.approx(1.0, rel=1e-14)


def test_results_are_registered_with_typed_provenance():
    kinds = {name: get_result(name).provenance.kind for name in (
        "verifier_acceptance", "verifier_truncated_moment_2", "verifier_contraction", "verifier_step_mean",
        "verifier_step_second_moment", "verifier_first_generation_teacher", "verifier_chain_error",
        "verifier_fixed_point")}
    assert kinds["verifier_first_generation_teacher"] is ProvenanceKind.EXACT
    assert kinds["verifier_contraction"] is ProvenanceKind.EXACT
    assert kinds["verifier_step_second_moment"] is ProvenanceKind.ASYMPTOTIC
    assert kinds["verifier_fixed_point"] is ProvenanceKind.DETERMINISTIC_EQUIVALENT
    steps = tv.derivation().names
    assert "teacher" in steps and "step" in steps


def test_population_map_against_a_large_regression():
    # the population limit: one fit on 400 000 kept rows of d = 3 recovers w′ + g(ŵ − w′)
    rng = np.random.default_rng(3)
    lam = np.array([2.0, 1.0, 0.5])
    w_prev, centre, s0 = np.array([0.6, -0.4, 0.3]), np.zeros(3), 0.8
    X = rng.standard_normal((600_000, 3)) * np.sqrt(lam)
    Y = X @ w_prev + s0 * rng.standard_normal(600_000)
    keep = Window(center=centre, lower=-0.5, upper=1.0)(X, Y)
    w_new = np.linalg.lstsq(X[keep], Y[keep], rcond=None)[0]
    rho2 = float(np.sum(lam * w_prev**2))
    s = math.sqrt(rho2 + s0**2)
    _, mu2, _ = window_moments(-0.5 / s, 1.0 / s)
    g = formula("verifier_contraction")(rho2 / s**2, mu2)
    assert np.allclose(w_new, g * w_prev, atol=4e-3)


def test_literal_simulation_of_the_exact_case():
    # d = 10, T0 = 60, teacher centre, one generation, OLS downstream: theory exact, 4 SE
    d, T0, T, s0, sigma = 10, 60, 40, 1.0, 0.5
    lam = np.linspace(0.5, 2.0, d)
    w0 = np.ones(d) / math.sqrt(np.sum(lam))
    mean, se, _ = simulate_verified(lam, w0, windows=[Window(center=w0, lower=-1.2, upper=1.0, refill=True)],
                                    T0s=[T0], sigma0s=[s0], T=T, sigma=sigma, trials=3000, seed=11)
    chain = verifier_chain(h2=0.0, sigma0=(s0,), lower=(-1.2,), upper=(1.0,), T0=(T0,), d=d, refill=True)
    theory = float(chain.errors[0]) + sigma**2 * d / (T - d - 1)
    assert abs(theory - mean) <= 4 * se
