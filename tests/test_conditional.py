"""The conditional (Rao–Blackwellised) estimator against the plain one and against exact laws.

Both estimators are Monte Carlo of the same expectation ``E ‖ŵ_pred − w0‖²_Σ`` (THEORY.md §1),
so they must agree within their standard errors: ``|diff| <= 4·sqrt(SE_plain² + SE_cond²)``,
with fixed seeds (a failure is reproducible; at 4 SE a true agreement fails with probability
~6e-5 per scenario). The exact checks use closed forms written out here (not imported from the
theory layer):

* OLS everywhere (``λ = 0``, ``T, T0_k >= d + 2``), any ``Σ``, any ``w0``:
  ``E = σ² d/(T − d − 1) + Σ_k σ0_k² d/(T0_k − d − 1)`` (THEORY.md §3.1; inverse-Wishart mean).
* ``Σ = I``, minimum-norm generators with ``T0 < d − 1`` and an OLS downstream (``λ = 0``,
  ``T >= d + 2``): ``E P_k = (T0/d) I`` and ``E‖P v‖² = (T0/d)‖v‖²`` for a rotation-invariant
  projection independent of ``v``, so ``E ‖P_n ⋯ P_1 w0 − w0‖² = ‖w0‖² (1 − (T0/d)^n)``; the
  noise of generation ``k`` is ``σ0² E tr((X_k X_kᵀ)⁻¹) = σ0² T0/(d − T0 − 1)``, shrunk by
  ``T0/d`` by each later projection; the downstream adds ``σ² d/(T − d − 1)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelcollapse.numerics.simulate import simulate, simulate_chain

D = 12
SPECTRA = {
    "isotropic": np.ones(D),
    "power_law": np.arange(1, D + 1, dtype=float) ** -1.5,
    "spread": np.logspace(0, -6, D),
}
TEACHER = np.cos(np.arange(D)) + 0.3


def both(lam, w0, *, T0, sigma0, T, sigma, ridge, plain_trials, cond_trials, seed):
    kw = dict(T0=tuple(T0), sigma0=tuple(sigma0), T=T, sigma=sigma, ridge=ridge)
    p = simulate_chain(lam, w0, **kw, trials=plain_trials, seed=seed, estimator="plain")
    c = simulate_chain(lam, w0, **kw, trials=cond_trials, seed=seed + 1, estimator="conditional")
    return p, c


def assert_agree(p, c):
    tol = 4 * math.hypot(p.stderr, c.stderr)
    assert abs(p.mean - c.mean) <= tol, (p.mean, p.stderr, c.mean, c.stderr)


# (spectrum, T0 per generation, sigma0 per generation, T, ridge): every regime of THEORY.md §1
AGREEMENT = [
    ("isotropic", (), (), 30, 0.0),                     # n = 0, OLS, T > d
    ("power_law", (), (), 7, 0.0),                      # n = 0, ridgeless, T < d
    ("spread", (), (), 25, 1e-3),                       # n = 0, ridge, T > d
    ("power_law", (), (), 6, 0.1),                      # n = 0, ridge, T < d
    ("isotropic", (30,), (1.0,), 20, 0.0),              # OLS generator, OLS downstream
    ("power_law", (40, 25), (1.0, 0.5), 9, 0.0),        # OLS generators, ridgeless T < d
    ("spread", (30, 30, 30), (1.0,) * 3, 40, 1e-2),     # n = 3, ridge T > d, spread spectrum
    ("power_law", (20,) * 5, (0.7,) * 5, 8, 0.05),      # n = 5, ridge T < d
    ("isotropic", (6,), (1.0,), 30, 0.0),               # interpolating generator (T0 < d)
    ("power_law", (5, 8, 3), (1.0, 0.0, 2.0), 20, 1e-3),  # interpolating chain, ridge T > d
    ("spread", (8, 8), (0.5, 0.5), 6, 0.0),             # interpolating chain, ridgeless T < d
    ("power_law", (7, 40, 9, 30), (1.0, 0.2, 1.5, 1.0), 10, 1.0),  # mixed schedule, strong ridge
    ("isotropic", (15, 4), (2.0, 1.0), 13, 0.3),        # T0 near d then T0 < d, T = d + 1
    ("spread", (14,), (1.0,), 12, 0.0),                 # T = d exactly (ridgeless)
]


@pytest.mark.slow
@pytest.mark.parametrize("case", AGREEMENT, ids=[f"{c[0]}-n{len(c[1])}-T{c[3]}-ridge{c[4]:g}" for c in AGREEMENT])
def test_plain_and_conditional_agree(case):
    name, T0, sigma0, T, ridge = case
    p, c = both(SPECTRA[name], TEACHER, T0=T0, sigma0=sigma0, T=T, sigma=0.5, ridge=ridge,
                plain_trials=3000, cond_trials=1500, seed=17)
    assert_agree(p, c)
    # Rao–Blackwell: the per-trial spread can only shrink (every case above has label noise)
    assert c.stderr * math.sqrt(c.trials) < p.stderr * math.sqrt(p.trials)


def test_plain_and_conditional_agree_quick():
    """One scenario per kind of fit, few trials (the fast suite's guard)."""
    lam = SPECTRA["power_law"]
    for T0, T, ridge in (((30, 6), 8, 0.0), ((40,), 20, 1e-2), ((6,), 9, 0.1)):
        p, c = both(lam, TEACHER, T0=T0, sigma0=(1.0,) * len(T0), T=T, sigma=0.5, ridge=ridge,
                    plain_trials=600, cond_trials=300, seed=3)
        assert_agree(p, c)


def ols_exact(d, T0s, sigma0s, T, sigma):
    return sigma**2 * d / (T - d - 1) + sum(s * s * d / (t - d - 1) for t, s in zip(T0s, sigma0s))


@pytest.mark.parametrize("name", SPECTRA)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_ols_exact_mean(name, n):
    T0s, sigma0s = (30,) * n, (1.0,) * n
    r = simulate_chain(SPECTRA[name], TEACHER, T0=T0s, sigma0=sigma0s, T=20, sigma=0.5, ridge=0.0,
                       trials=400, seed=5 + n, estimator="conditional")
    ref = ols_exact(D, T0s, sigma0s, 20, 0.5)
    assert abs(r.mean - ref) <= 4 * r.stderr, (r.mean, r.stderr, ref)
    assert r.stderr < 0.05 * ref  # variance-reduced: the plain estimator needs ~100x the trials


def test_ols_exact_mean_schedule():
    T0s, sigma0s = (15, 40, 25, 100), (1.0, 0.3, 2.0, 0.5)
    r = simulate_chain(SPECTRA["spread"], TEACHER, T0=T0s, sigma0=sigma0s, T=16, sigma=1.0, ridge=0.0,
                       trials=800, seed=9, estimator="conditional")
    ref = ols_exact(D, T0s, sigma0s, 16, 1.0)
    assert abs(r.mean - ref) <= 4 * r.stderr, (r.mean, r.stderr, ref)


@pytest.mark.parametrize("n,T0,sigma0", [(1, 4, 0.0), (3, 6, 0.0), (2, 5, 1.0), (4, 8, 0.5)])
def test_isotropic_interpolating_chain_exact(n, T0, sigma0):
    d = 20
    w0 = np.linspace(-1.0, 2.0, d)
    T, sigma = 40, 0.5
    r = simulate_chain(np.ones(d), w0, T0=(T0,) * n, sigma0=(sigma0,) * n, T=T, sigma=sigma, ridge=0.0,
                       trials=1500, seed=21 + n, estimator="conditional")
    shrink = T0 / d
    ref = float(w0 @ w0) * (1 - shrink**n) + sigma**2 * d / (T - d - 1)
    ref += sum(sigma0**2 * T0 / (d - T0 - 1) * shrink ** (n - k) for k in range(1, n + 1))
    assert abs(r.mean - ref) <= 4 * r.stderr, (r.mean, r.stderr, ref)


# -- the result object, reproducibility ------------------------------------------------------------------

def test_reproducible_and_jobs_independent():
    lam = SPECTRA["power_law"]
    kw = dict(T0=(30, 6), sigma0=(1.0, 0.5), T=8, sigma=0.5, ridge=1e-2, estimator="conditional")
    a = simulate_chain(lam, TEACHER, **kw, trials=20, seed=7, jobs=1)
    b = simulate_chain(lam, TEACHER, **kw, trials=20, seed=7, jobs=2)
    c = simulate_chain(lam, TEACHER, **kw, trials=9, seed=7, jobs=1)
    d = simulate_chain(lam, TEACHER, **kw, trials=20, seed=8, jobs=1)
    np.testing.assert_array_equal(a.errors, b.errors)
    np.testing.assert_array_equal(a.errors[:9], c.errors)  # trial i depends on (seed, i) only
    assert len(np.intersect1d(a.errors, d.errors)) == 0
    assert a.estimator == "conditional" and a.to_dict()["estimator"] == "conditional"
    assert np.all(a.errors > 0) and np.all(np.isfinite(a.errors))
    assert a.stderr == pytest.approx(float(np.std(a.errors, ddof=1)) / math.sqrt(20), rel=1e-15)


def test_plain_unchanged_by_the_new_keyword():
    """estimator='plain' gives, on the original seeds, the numbers of the original per-trial function."""
    import modelcollapse.numerics.simulate as simmod

    lam = SPECTRA["isotropic"]
    r = simulate_chain(lam, TEACHER, T0=(30,), sigma0=(1.0,), T=20, sigma=0.5, ridge=0.1, trials=5, seed=2,
                       estimator="plain")
    assert r.estimator == "plain"
    rng = np.random.default_rng(np.random.SeedSequence(2).spawn(5)[3])
    assert r.errors[3] == pytest.approx(simmod._one_trial(rng, np.sqrt(lam), TEACHER, (30,), (1.0,), 20, 0.5, 0.1),
                                        rel=1e-12)


def test_noiseless_is_exact():
    """σ = σ0 = 0, OLS everywhere: every trial reproduces w0 exactly (conditional error 0)."""
    r = simulate_chain(SPECTRA["spread"], TEACHER, T0=(20, 30), sigma0=(0.0, 0.0), T=15, sigma=0.0, ridge=0.0,
                       trials=3, seed=0, estimator="conditional")
    assert r.mean == 0.0 and r.stderr == 0.0


def test_scenario_entry_point():
    from conftest import scenario_dict

    from modelcollapse.numerics.scenario import Scenario

    s = Scenario.from_dict(scenario_dict())
    r = simulate(s, trials=6, seed=1, estimator="conditional")
    p = simulate(s, trials=6, seed=1, estimator="plain")
    assert r.estimator == "conditional" and p.estimator == "plain" and not np.array_equal(r.errors, p.errors)
