"""Chain moments of ridge-regularised generators (THEORY.md §3.8).

Generation ``k`` fits ``ŵ_k = (Σ̂_k + λ0_k)⁻¹X_kᵀY_k/T0_k``. Per eigendirection the recursion of
:mod:`modelcollapse.theory.ridge_generators` (evaluated by name): the corrected effective ridge
``κ̂`` (root of ``ridge_kappa_hat_residual``), the mean shrinkage ``π_j' = p̃_j π_j``, the energy
``t_j' = (p̃_j² + v_j)t_j + p̂_j²(R − (1 − p̂_j)²t_j)/D + N_j`` with the noise ``N_j`` the
λ0-derivative of the corrected mean, taken by implicit differentiation (``ridge_noise``; it agrees
with a central difference in ``log λ0``, step ``1e-4``, to ``2e-9`` relative).

A schedule may mix ridge generations with ridgeless OLS ones (``λ0_k = 0``, ``T0_k >= d + 2``:
exact inverse-Wishart noise) and noiseless identity steps (``λ0_k = 0``, ``T0_k ∈ {d, d+1}``,
``σ0_k = 0``); a ridgeless interpolating generation (``T0_k < d``) inside a ridge schedule is not
covered (give it a small ridge instead: the step is continuous as ``λ0 → 0``, see below).

Measured against simulation (Gaussian designs, d = 50–200, T0/d = 0.3–3, λ0 = 1e-3–1, n <= 10):
chain error within 1.44%, test error within 2.44%; λ0 = 1e-8 reproduces the ridgeless
predictions to 0.01% (T0 > d) and 0.1–0.2% (T0 < d, the projection's sum rule ``s_j`` is absent).
Σ ∝ I goes through the same per-direction code (no closed form is claimed).
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.errors import FixedPointError, NotCoveredError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.overparam import ChainMoments
from modelcollapse.numerics.roots import RootResult, illinois
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory.provenance import EXACT, finite_size

__all__ = ["solve_ridge_kappa_hat", "ridge_chain_moments", "RIDGE_CHAIN"]

RIDGE_CHAIN = ("deterministic equivalent with leave-one-out finite-size corrections for ridge generators "
               "(noise = implicit λ0-derivative of the corrected mean; measured within 1.5% chain / 2.5% test)")
#: The measured accuracy the checks apply (THEORY.md 3.8: 640 test points, d = 50–200, within 2.44%; the
#: held-out table of benchmarks/bench_accuracy.py within 0.5%): the test error's, since checks compare it.
RIDGE_CHAIN_ALLOWANCE = 0.025


def solve_ridge_kappa_hat(sums: SpectralSums, ridge0, T0: int, kappa0, *, max_iter: int | None = None) -> RootResult:
    """``κ̂`` of a ridge generator: the root of ``ridge_kappa_hat_residual`` below the plain ``κ0``
    (``solve_kappa(sums, ridge0, T0).root``).

    At the plain ``κ0`` (``κ0 − λ0 = κ0 df_1/T0``) the residual is ``(df_2 − df_3)/D > 0``; it is
    negative as ``κ → λ0⁺``. Bracketed in ``u = log κ`` and solved by the Illinois variant of
    regula falsi to a few ulps of the backend.

    Returns
    -------
    RootResult
        ``root = κ̂``; the residual relative to ``T0``; the iterations of the bracketed solve
        (those of ``κ0`` not included).

    Raises
    ------
    FixedPointError
        No bracket or no convergence (with the relative residual).
    """
    b = sums.backend
    lam0, T = b.scalar(ridge0), b.scalar(T0)
    residual_of = formula("ridge_kappa_hat_residual")

    def F(u):
        k = b.exp(u)
        return residual_of(sums.df(k, 1), sums.df(k, 2), sums.df(k, 3), T, lam0, k)

    u_hi = b.log(kappa0)
    f_hi = F(u_hi)
    u_floor = b.log(lam0)
    u_lo = u_hi - (u_hi - u_floor) / 2
    f_lo = F(u_lo)
    for _ in range(200):
        if f_lo < 0:
            break
        u_hi, f_hi = u_lo, f_lo
        u_lo = u_lo - (u_lo - u_floor) / 2
        f_lo = F(u_lo)
    if not (f_lo < 0 < f_hi):
        raise FixedPointError("could not bracket the corrected κ̂ of a ridge generator",
                              residual=float(min(abs(f_lo), abs(f_hi)) / T), iterations=0)
    max_iter = max_iter or b.iteration_cap(300)
    found = illinois(F, u_lo, f_lo, u_hi, f_hi, backend=b, tol=64 * b.eps * T, scale=T, max_iter=max_iter,
                     what="corrected κ̂ of a ridge generator")
    return RootResult(root=b.exp(found.root), iterations=found.iterations, residual=found.residual, backend=b)


def _ridge_step(sums, lam, t, pi, *, T0, ridge0, s0, b: Backend, k: int):
    """One ridge generation on ``(t, π)``; returns ``(t', π', kappa_hat, kappa0, iterations, residual)``."""
    plain = solve_kappa(sums, sums.backend.scalar(ridge0), T0)
    hat = solve_ridge_kappa_hat(sums, ridge0, T0, plain.root)
    kh, k0, it, res = hat.root, plain.root, hat.iterations + plain.iterations, hat.residual
    T, lam0, sig0 = b.scalar(T0), b.scalar(ridge0), b.scalar(s0)
    p_hat = formula("overparam_shrink")(lam, kh)
    dfs = [sums.df(kh, m) for m in (1, 2, 3, 4)]
    D = formula("ridge_effective_samples")(dfs[0], dfs[1], T, lam0, kh)
    shrink_step = formula("ridge_shrink_step")
    mean, pi_new = shrink_step(b.scalar(1), p_hat, D), shrink_step(pi, p_hat, D)  # p̃_j, and π_j p̃_j
    if not (np.all(np.asarray(mean > 0, dtype=bool)) and np.all(np.asarray(mean <= 1, dtype=bool))):
        raise NotCoveredError(
            f"generators.ridge: the finite-size corrected ridge step is outside its domain at generation {k} "
            f"(T0 = {T0}, ridge = {ridge0:g}, D = {float(D):.3g}): a mean shrinkage left (0, 1]; too few effective "
            "samples")
    noise = formula("ridge_noise")(sig0, lam, p_hat, *dfs, T, lam0, kh)
    if not np.all(np.asarray(noise >= 0, dtype=bool)):
        raise NotCoveredError(f"generators.ridge: negative generator-noise energy at generation {k} (T0 = {T0}, "
                              f"ridge = {ridge0:g}): the O(1/D) expansion does not hold there")
    R = b.fsum((1 - p_hat) ** 2 * t)
    t_new = formula("ridge_energy_step")(t, p_hat, R, D, noise)
    return t_new, pi_new, kh, k0, it, res


def ridge_chain_moments(scenario: Scenario, backend: Backend) -> ChainMoments:
    """Moments of ``ŵ_n`` for a schedule with ridge generators (module docstring).

    Raises
    ------
    NotCoveredError
        Infinite ``d``; a ridgeless generation with ``T0_k < d`` or (with noise) ``|T0_k − d| <= 1``;
        the corrected step outside its domain.
    FixedPointError
        A ``κ̂`` solve failed.
    """
    spectrum, gen, b = scenario.spectrum, scenario.generators, backend
    if not spectrum.is_finite:
        raise NotCoveredError("spectrum.d: ridge generators need a finite d")
    d = spectrum.d
    lam = spectrum.eigenvalues(b)
    w = scenario.teacher.weights(spectrum, b)
    sums = SpectralSums(lam, None, b)
    one = b.scalar(1)
    t, pi = w.copy(), np.full(len(lam), one, dtype=lam.dtype)
    notes, iterations, residual, ridge_used = [], 0, 0.0, False
    for k, (t0, s0, r0) in enumerate(zip(gen.T0[: gen.n], gen.sigma0[: gen.n], gen.ridge[: gen.n]), start=1):
        if r0 > 0:
            t, pi, kh, k0, it, res = _ridge_step(sums, lam, t, pi, T0=t0, ridge0=r0, s0=s0, b=b, k=k)
            iterations, residual, ridge_used = max(iterations, it), max(residual, res), True
            notes.append(f"generators: generation {k}: ridge {r0:g}, T0 = {t0}, plain kappa0 = {float(k0):.6g}, "
                         f"corrected kappa_hat = {float(kh):.6g}")
        elif t0 >= d + 2:
            t = t + formula("generator_factor")(one, b.scalar(s0), b.scalar(t0), b.scalar(d))  # OLS, exact
        elif t0 >= d and s0 == 0:
            continue  # full column rank, no noise: ŵ_k = ŵ_{k−1}
        else:
            raise NotCoveredError(
                f"generators.ridge: generation {k} is ridgeless with T0 = {t0} < d + 2 (d = {d}) inside a schedule "
                "with "
                "ridge generators; give it a small ridge (the step is continuous as ridge -> 0) or use ridge = 0 "
                "everywhere")
    provenance = finite_size(RIDGE_CHAIN, allowance=RIDGE_CHAIN_ALLOWANCE) if ridge_used else EXACT
    return ChainMoments(energy=t, shrink=pi, weights=w, provenance=provenance, iterations=iterations,
                        residual=residual, notes=tuple(notes))
