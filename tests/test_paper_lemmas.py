"""The paper's corollaries and lemmas as it prints them (arXiv:2402.07712, NeurIPS camera-ready), against ours.

Each test writes the paper's statement out by hand (docs/PAPER.md names the source of its text) and
checks that the toolkit's registered result is the same thing, or that the statement holds for the
toolkit's numbers (the κ solver) or for a Monte Carlo of the definition.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory import get_result, overparam
from modelcollapse.theory.symbols import T0, T, d, df1, df2, kappa, n, phi, phi0, sigma, sigma0


def test_corollary_4_4_rho_is_the_collapse_trace():
    """Eq. (19): ρ = df2/(T0 − d) + κ² tr(Σ+κ)⁻²/(T0 − d)·df2/(T − df2), with κ² tr(Σ+κ)⁻² = d − 2 df1 + df2
    (per eigenvalue κ²/(λ+κ)² = (1 − λ/(λ+κ))²), is the toolkit's ``collapse_trace``/(T0 − d)."""
    lam_, kap = sp.symbols("lambda_i kappa_i", positive=True)
    assert sp.simplify((kap / (lam_ + kap)) ** 2 - (1 - 2 * lam_ / (lam_ + kap) + (lam_ / (lam_ + kap)) ** 2)) == 0
    paper = df2 / (T0 - d) + (d - 2 * df1 + df2) / (T0 - d) * df2 / (T - df2)
    ours = get_result("collapse_trace").expr() / (T0 - d)
    assert sp.simplify(paper - ours) == 0


def test_corollary_4_4_and_proposition_4_2_isotropic_forms():
    """Σ = I: Bias + Var ≃ (κ²‖w0‖² + σ²φ)/((1+κ)² − φ) (Prop. 4.2, Cor. 4.4) and
    ρ ≃ φ0/(1 − φ0)·[1/(1+κ)² + φκ²/((1+κ)²((1+κ)² − φ))] (Cor. 4.4): the toolkit's ``isotropic_test_error``."""
    w = sp.Symbol("norm_w0", positive=True)
    clean = (kappa**2 * w**2 + sigma**2 * phi) / ((1 + kappa) ** 2 - phi)
    rho = phi0 / (1 - phi0) * (1 / (1 + kappa) ** 2 + phi * kappa**2 / ((1 + kappa) ** 2 * ((1 + kappa) ** 2 - phi)))
    ours = get_result("isotropic_test_error").expr()
    names = {s.name: s for s in ours.free_symbols}
    paper = (clean + n * sigma0**2 * rho).subs({w: names["norm_w0"], kappa: names["kappa"], phi: names["phi"],
                                                 phi0: names["phi_0"], n: names["n"], sigma: names["sigma"],
                                                 sigma0: names["sigma_0"]})
    assert sp.simplify(paper - ours) == 0


def test_lemma_f3_inverse_wishart_mean():
    """E[Σ̂0⁻¹] = T0/(T0 − d − 1) Σ⁻¹ (T0 >= d + 2): Monte Carlo of the definition, anisotropic Σ, 4 SE per entry."""
    d_, T0_, trials = 4, 12, 20000
    lam = np.array([2.0, 1.0, 0.5, 0.25])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((trials, T0_, d_)) * np.sqrt(lam)
    inv = np.linalg.inv(np.einsum("tia,tib->tab", X, X) / T0_)
    mean, se = inv.mean(0), inv.std(0, ddof=1) / np.sqrt(trials)
    expected = T0_ / (T0_ - d_ - 1) * np.diag(1 / lam)
    assert np.all(np.abs(mean - expected) <= 4 * se + 1e-12)
    assert abs(mean[0, 0] * lam[0] - 1) > 0.5  # the factor T0/(T0 − d − 1) = 12/7 is visible


@pytest.mark.parametrize("n_, m_, beta", [(1, 1, 2.0), (2, 2, 2.0), (1, 2, 2.0), (2, 1, 1.5), (3, 1, 2.5)])
def test_lemma_i1_power_law_sums(n_, m_, beta):
    """Σ_k λ_k^n/(1 + Dλ_k)^m ≍ D^(−c), c = min(m, n − 1/β), λ_k = k^(−β): the log-slope over D = 1e4..1e6
    (the sum to k = 2·10⁶ plus its integral tail) is −c to 0.03. df_1, df_2 are the cases n = m = 1, 2."""
    K = 2 * 10**6
    lam = np.arange(1, K + 1, dtype=float) ** -beta

    def total(D):
        tail = float(K) ** (1 - n_ * beta) / (n_ * beta - 1)  # Σ_{k > K} k^(−nβ): D λ_K <= 4e-4 there
        return float(np.sum(lam**n_ / (1 + D * lam) ** m_)) + tail

    slope = (np.log(total(1e6)) - np.log(total(1e4))) / np.log(100.0)
    c = min(m_, n_ - 1 / beta)
    assert slope == pytest.approx(-c, abs=0.03)


def test_lemma_i2_kappa_slope():
    """dκ/dλ = 1/(1 − df2(κ)/T): symbolically (``kappa_slope``), and by a central difference of the κ solver."""
    assert sp.simplify(overparam.kappa_slope() - 1 / (1 - df2 / T)) == 0
    lam = np.arange(1, 201, dtype=float) ** -1.5
    sums = SpectralSums(lam, None)
    for ridge, T_ in ((1e-3, 50), (0.1, 400), (1e-2, 150)):
        h = ridge * 1e-4
        slope = (solve_kappa(sums, ridge + h, T_).root - solve_kappa(sums, ridge - h, T_).root) / (2 * h)
        k = solve_kappa(sums, ridge, T_).root
        lemma = 1 / (1 - float(np.sum((lam / (lam + k)) ** 2)) / T_)
        assert slope == pytest.approx(lemma, rel=1e-6)
        assert lemma >= 1


def test_theorem_4_6_unequal_generators_against_simulation():
    """ΔBias ≃ ‖w0‖²(1 − η), η = Π_m min(1/φ_m, 1), for independent noiseless min-norm generators of unequal
    sizes (one of them under-parameterised: it keeps the chain, min = 1). Isotropic, OLS downstream on T > d
    with σ = 0, so the test error is the chain's ΔBias: predict gives it exactly, simulation within 4 SE."""
    from modelcollapse.numerics.predict import predict
    from modelcollapse.numerics.scenario import Scenario
    from modelcollapse.numerics.simulate import simulate

    d_, sizes = 60, [30, 120, 40, 20]
    eta = float(np.prod([min(t / d_, 1.0) for t in sizes]))  # 1/2 · 1 · 2/3 · 1/3 = 1/9
    sc = Scenario.from_dict({"spectrum": {"kind": "isotropic", "d": d_}, "teacher": {"kind": "isotropic"},
                             "generators": {"n": len(sizes), "T0": sizes, "sigma0": 0.0},
                             "downstream": {"T": 400, "sigma": 0.0, "ridge": 0.0}})
    assert predict(sc).test_error == pytest.approx(1 - eta, rel=1e-12)  # ‖w0‖² = 1
    sim = simulate(sc, trials=400, seed=1)
    assert abs(sim.mean - (1 - eta)) <= 4 * sim.stderr
