"""The Monte Carlo simulator (THEORY.md §1): reproducibility, BLAS limits, the fits it uses.

The simulator is the arbiter, so here it is checked against a from-scratch re-implementation of
the definition with ``numpy.linalg.pinv`` and the primal ridge normal equations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import threadpoolctl
from conftest import scenario_dict

import modelcollapse.numerics.simulate as simmod
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate, simulate_chain


def small(**tables) -> Scenario:
    return Scenario.from_dict(scenario_dict(**tables))


# -- reproducibility -------------------------------------------------------------------------------

def test_same_seed_identical_and_jobs_independent():
    s = small()
    a = simulate(s, trials=24, seed=7, jobs=1)
    b = simulate(s, trials=24, seed=7, jobs=1)
    c = simulate(s, trials=24, seed=7, jobs=2)
    np.testing.assert_array_equal(a.errors, b.errors)
    np.testing.assert_array_equal(a.errors, c.errors)
    assert (a.mean, a.stderr) == (c.mean, c.stderr)
    assert a.trials == 24 and a.seed == 7 and a.errors.shape == (24,)


def test_different_seeds_differ():
    s = small()
    a = simulate(s, trials=10, seed=1).errors
    b = simulate(s, trials=10, seed=2).errors
    assert len(np.intersect1d(a, b)) == 0


def test_prefix_stable():
    """Trial i depends on (seed, i) only: more trials extend, never reshuffle, the sample."""
    s = small()
    a = simulate(s, trials=5, seed=3).errors
    b = simulate(s, trials=12, seed=3).errors
    np.testing.assert_array_equal(a, b[:5])


def test_mean_and_stderr_from_errors():
    r = simulate(small(), trials=30, seed=0)
    assert r.mean == pytest.approx(float(np.mean(r.errors)), rel=1e-15)
    assert r.stderr == pytest.approx(float(np.std(r.errors, ddof=1)) / math.sqrt(30), rel=1e-15)
    assert np.all(r.errors > 0) and np.all(np.isfinite(r.errors))
    assert r.to_dict() == {"mean": r.mean, "stderr": r.stderr, "trials": 30, "seed": 0, "estimator": r.estimator}
    assert r.estimator == simmod.DEFAULT_ESTIMATOR


def test_progress_counts_every_trial():
    seen = []
    simulate(small(), trials=37, seed=0, progress=seen.append)
    assert sum(seen) == 37


# -- BLAS threads --------------------------------------------------------------------------------------

def test_blas_limited_to_one_thread_inside_trials(monkeypatch):
    from modelcollapse.numerics import simulate_description

    observed = []
    original = simulate_description.plain_trial

    def spy(*args, **kwargs):
        observed.extend(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")
        return original(*args, **kwargs)

    monkeypatch.setattr(simulate_description, "plain_trial", spy)
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    simulate(small(), trials=4, seed=0, jobs=1, estimator="plain")
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    if not before:
        pytest.skip("no BLAS library visible to threadpoolctl")
    assert observed and max(observed) == 1
    assert after == before  # the limit does not leak out of simulate()


# -- the fits ------------------------------------------------------------------------------------------

def test_min_norm_generator_is_pinv():
    """T0 < d: X⁺Y is the minimum-norm interpolant (pinv), not some other solution of XW = Y."""
    rng = np.random.default_rng(0)
    for T0, d in ((3, 6), (5, 40), (12, 13)):
        X = rng.standard_normal((T0, d)) * np.sqrt(np.logspace(0, -4, d))
        Y = rng.standard_normal(T0)
        w = simmod._min_norm_solve(X, Y)
        np.testing.assert_allclose(w, np.linalg.pinv(X) @ Y, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(X @ w, Y, atol=1e-10)  # interpolates
        coef, *_ = np.linalg.lstsq(X.T, w, rcond=None)  # lies in the row space of X
        np.testing.assert_allclose(X.T @ coef, w, atol=1e-10)
    X = rng.standard_normal((50, 8))  # tall: ordinary least squares
    Y = rng.standard_normal(50)
    np.testing.assert_allclose(simmod._min_norm_solve(X, Y), np.linalg.solve(X.T @ X, X.T @ Y), rtol=1e-10)


@pytest.mark.parametrize("T,d", [(30, 10), (10, 30), (20, 20), (1, 5)])
@pytest.mark.parametrize("ridge", [1e-8, 1e-2, 3.0])
def test_ridge_primal_and_dual_agree(T, d, ridge):
    rng = np.random.default_rng(T * 100 + d)
    X = rng.standard_normal((T, d)) * np.sqrt(np.linspace(2.0, 0.1, d))
    Y = rng.standard_normal(T)
    primal = np.linalg.solve(X.T @ X / T + ridge * np.eye(d), X.T @ Y / T)
    dual = X.T @ np.linalg.solve(X @ X.T / T + ridge * np.eye(T), Y / T)
    got = simmod._ridge(X, Y, ridge)
    scale = np.linalg.norm(primal)
    # each formulation is accurate to its condition number times eps; the library must match both
    for ref, M in ((primal, X.T @ X / T + ridge * np.eye(d)), (dual, X @ X.T / T + ridge * np.eye(T))):
        assert np.linalg.norm(got - ref) <= max(1e-12, 1e-14 * np.linalg.cond(M)) * scale


def _reference_chain(seed, trials, lam, w0, T0s, sigma0s, T, sigma, ridge):
    """THEORY.md §1 written out again with pinv and the primal normal equations."""
    sq = np.sqrt(lam)
    out = []
    for child in np.random.SeedSequence(seed).spawn(trials):
        rng = np.random.default_rng(child)
        w = w0
        for T0, s0 in zip(T0s, sigma0s):
            X = rng.standard_normal((T0, len(w0))) * sq
            w = np.linalg.pinv(X) @ (X @ w + s0 * rng.standard_normal(T0))
        X = rng.standard_normal((T, len(w0))) * sq
        Y = X @ w + sigma * rng.standard_normal(T)
        if ridge == 0:
            wp = np.linalg.pinv(X) @ Y
        else:
            wp = np.linalg.solve(X.T @ X / T + ridge * np.eye(len(w0)), X.T @ Y / T)
        out.append(float(np.sum(lam * (wp - w0) ** 2)))
    return np.array(out)


@pytest.mark.parametrize(
    "T0s,sigma0s,T,ridge",
    [((), (), 30, 0.0), ((), (), 7, 0.0), ((25, 40), (1.0, 0.3), 12, 0.05), ((8,), (0.7,), 30, 0.0),
     ((5, 9, 30), (0.0, 1.0, 2.0), 20, 1e-3), ((40,), (1.0,), 9, 10.0)],
)
def test_simulator_matches_reference_implementation(T0s, sigma0s, T, ridge):
    d = 15
    lam = np.linspace(2.0, 0.05, d)
    w0 = np.cos(np.arange(d))
    got = simulate_chain(lam, w0, T0=T0s, sigma0=sigma0s, T=T, sigma=0.4, ridge=ridge, trials=6, seed=11,
                         estimator="plain").errors
    ref = _reference_chain(11, 6, lam, w0, T0s, sigma0s, T, 0.4, ridge)
    np.testing.assert_allclose(got, ref, rtol=1e-8)


def test_noiseless_ols_recovers_teacher():
    """n = 0, σ = 0, λ = 0, T >= d: ŵ = w0 exactly, error at rounding level."""
    r = simulate(small(generators={"n": 0}, downstream={"T": 60, "sigma": 0.0, "ridge": 0.0}), trials=4, seed=0)
    assert r.mean < 1e-20


def test_generator_chain_is_used():
    """σ0 = 0 and T0 >= d: every OLS generator reproduces w0, so n does not matter."""
    base = small(downstream={"T": 30, "sigma": 0.3, "ridge": 0.1})
    a = simulate(base.replace(n=0), trials=5, seed=4, estimator="plain").errors
    b = simulate(base.replace(n=3, T0=80, sigma0=0.0), trials=5, seed=4, estimator="plain").errors
    c = simulate(base.replace(n=1, T0=80, sigma0=1.0), trials=5, seed=4, estimator="plain").errors
    assert not np.allclose(a, c)
    # the streams differ (generators draw first), so compare the reference instead of a
    lam, w0 = base.spectrum.eigenvalues(), base.teacher.coefficients(base.spectrum)
    np.testing.assert_allclose(b, _reference_chain(4, 5, lam, w0, (80,) * 3, (0.0,) * 3, 30, 0.3, 0.1), rtol=1e-8)


# -- input checks --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{"trials": 1}, {"trials": 0}, {"trials": 2.0}, {"trials": True},
                                {"seed": -1}, {"seed": 1.5}, {"jobs": 0}, {"jobs": True},
                                {"estimator": "rao"}, {"estimator": None}])
def test_bad_arguments(kw):
    with pytest.raises(ValueError) as info:
        simulate(small(), **({"trials": 4} | kw))
    assert next(iter(kw)) in str(info.value)


def test_infinite_spectrum_rejected():
    s = small(spectrum={"kind": "power_law", "d": "inf", "beta": 2.0}, generators={"n": 0})
    with pytest.raises(ValueError, match="spectrum.d"):
        simulate(s, trials=2)
