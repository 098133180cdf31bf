"""Conditional (Rao–Blackwellised) Monte Carlo of the definition (THEORY.md §1).

Same expectation as the plain simulator, ``E ‖ŵ_pred − w0‖²_Σ``, with the label noises averaged
out exactly. Given the designs of one trial the chain is linear in the noises:

    ŵ_k = P_k ŵ_{k−1} + σ0_k X_k⁺ E_k,        P_k = X_k⁺ X_k,
    ŵ_pred = A ŵ_n + σ R E,                    R = (XᵀX/T + λ)⁻¹Xᵀ/T (``X⁺`` at λ = 0), A = R X,

so, with ``D = Σ^{1/2}``, ``b = P_n ⋯ P_1 w0`` and ``F_k = D A P_n ⋯ P_{k+1}``,

    E[‖ŵ_pred − w0‖²_Σ | designs] = ‖D (A b − w0)‖² + Σ_k σ0_k² ‖F_k X_k⁺‖_F² + σ² ‖D R‖_F².

A trial's error is this conditional mean; the estimate is its average over trials, unbiased for
the definition (tower property), with the standard error from the spread of the trials. Only the
designs are random, which removes the noise part of the variance (usually nearly all of it).

The designs are drawn from their exact laws, in the cheapest form that the formula needs:

* ``T0_k >= d`` (OLS generator): ``P_k = I`` and only ``(X_kᵀX_k)⁻¹`` enters. ``X_kᵀX_k = D L Lᵀ D``
  with ``L`` the Bartlett factor of a standard Wishart (``L_ii² ~ χ²_{T0−i+1}``, ``L_ij ~ N(0, 1)``
  below the diagonal), so ``‖F X_k⁺‖_F² = ‖L⁻¹ (F D⁻¹)ᵀ‖_F²`` and no ``T0 × d`` design is drawn.
* ``T0_k < d`` (minimum-norm interpolation): ``X_k = Z D`` is drawn, ``X_kᵀ = Q R`` (thin QR),
  ``P_k = Q Qᵀ``, ``X_k⁺ = Q R⁻ᵀ``.
* downstream ``T >= d``: ``XᵀX = D L Lᵀ D`` (Bartlett, ``T`` degrees of freedom). With
  ``Ĝ = L Lᵀ/T`` and ``K = (Ĝ + λΣ⁻¹)⁻¹`` (whitened ridge, Cholesky): ``D A D⁻¹ = K Ĝ``,
  ``D(A − I) = −K λΣ⁻¹ D`` (no cancellation at small λ) and ``‖D R‖_F² = ‖K L‖_F²/T²``.
  At ``λ = 0`` (OLS): ``A = I``, ``‖D R‖_F² = ‖L⁻¹‖_F²``.
* downstream ``T < d``: ``X = Z D`` is drawn; ``λ > 0`` through the dual system
  ``(XXᵀ/T + λ)⁻¹``, ``λ = 0`` through the thin QR of ``Xᵀ`` (``A = QQᵀ``, ``R = QR⁻ᵀ``).

Nothing here comes from the theory layer: it is exact conditional expectation over Gaussian
noise, plus exact sampling of Gaussian designs. Trial ``i`` draws from its own generator seeded by
the ``i``-th child of ``SeedSequence(seed)`` (the same children as the plain estimator, different
draws), so results depend on ``(seed, trials)`` only.

Measured (benchmarks/bench_montecarlo.py): at ``d = 200, T0 = 400, T = 300, n = 5`` a trial costs
about half a plain one and its spread is ~20x smaller (MC cost at equal SE ~1000x lower than a
numpy loop); tests/test_conditional.py checks it against the plain estimator on every regime
and against exact OLS and isotropic-interpolation means.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["conditional_trial"]


def _bartlett(rng: np.random.Generator, d: int, dof: int) -> np.ndarray:
    """Lower Bartlett factor ``L`` of a standard Wishart ``W_d(I, dof)``: ``L Lᵀ ~ ZᵀZ``, ``Z`` dof × d."""
    L = np.tril(rng.standard_normal((d, d)), -1)
    L.flat[:: d + 1] = np.sqrt(rng.chisquare(dof - np.arange(d)))
    return L


def _frob2(M: np.ndarray) -> float:
    return float(np.vdot(M, M))  # vdot flattens: vectors and matrices alike


def _downstream(rng, sq, b, w0, T, ridge, need_operator):
    """``(bias, noise_factor, F)``: ``‖D(Ab − w0)‖²``, ``‖DR‖_F²`` and ``F = D A`` (or None)."""
    d = len(sq)
    if T >= d:
        L = _bartlett(rng, d, T)
        if ridge == 0:
            noise = _frob2(scipy.linalg.solve_triangular(L, np.eye(d), lower=True, check_finite=False))
            F = np.diag(sq) if need_operator else None
            return _frob2(sq * (b - w0)), noise, F
        H = L @ L.T / T
        H.flat[:: d + 1] += ridge / sq**2
        cho = scipy.linalg.cho_factor(H, lower=True, check_finite=False)
        KL = scipy.linalg.cho_solve(cho, L, check_finite=False)
        bias_vec = sq * (b - w0) - scipy.linalg.cho_solve(cho, ridge * b / sq, check_finite=False)
        F = (KL @ L.T / T) * sq if need_operator else None
        return _frob2(bias_vec), _frob2(KL) / T**2, F
    X = rng.standard_normal((T, d)) * sq
    if ridge == 0:
        Q, Rt = scipy.linalg.qr(X.T, mode="economic", check_finite=False)
        DR = sq[:, None] * scipy.linalg.solve_triangular(Rt, Q.T, lower=False, check_finite=False).T
        bias_vec = sq * (Q @ (Q.T @ b) - w0)
        F = (sq[:, None] * Q) @ Q.T if need_operator else None
        return _frob2(bias_vec), _frob2(DR), F
    Kd = X @ X.T / T
    Kd.flat[:: T + 1] += ridge
    cho = scipy.linalg.cho_factor(Kd, lower=True, check_finite=False)
    R = X.T @ scipy.linalg.cho_solve(cho, np.eye(T), check_finite=False) / T  # d × T
    DR = sq[:, None] * R
    bias_vec = sq * (R @ (X @ b) - w0)
    F = DR @ X if need_operator else None
    return _frob2(bias_vec), _frob2(DR), F


def conditional_trial(rng, sqrt_lam, w0, T0s, sigma0s, T, sigma, ridge) -> float:
    """One trial's conditional test error ``E[‖ŵ_pred − w0‖²_Σ | designs]`` (module docstring)."""
    sq = sqrt_lam
    d = len(w0)
    gens = []  # per generation: ("ols", L) or ("interp", Q, R)
    b = w0
    for T0 in T0s:
        if T0 >= d:
            gens.append(("ols", _bartlett(rng, d, T0)))
        else:
            Xt = sq[:, None] * rng.standard_normal((d, T0))  # Xᵀ, columns are the rows of X_k
            Q, R = scipy.linalg.qr(Xt, mode="economic", check_finite=False)
            gens.append(("interp", Q, R))
            b = Q @ (Q.T @ b)
    need_operator = any(s0 != 0 for s0 in sigma0s)
    bias, down_noise, F = _downstream(rng, sq, b, w0, T, ridge, need_operator)
    gen_noise = 0.0
    if need_operator:
        for k in range(len(gens) - 1, -1, -1):
            s0, g = sigma0s[k], gens[k]
            if g[0] == "ols":
                if s0 != 0:
                    E = F / sq  # F D⁻¹: ‖F X_k⁺‖² = ‖L⁻¹ (F D⁻¹)ᵀ‖²
                    gen_noise += s0 * s0 * _frob2(scipy.linalg.solve_triangular(g[1], E.T, lower=True,
                                                                                check_finite=False))
            else:
                Q, R = g[1], g[2]
                FQ = F @ Q
                if s0 != 0:  # ‖F Q R⁻ᵀ‖² = ‖R⁻¹ (FQ)ᵀ‖²
                    gen_noise += s0 * s0 * _frob2(scipy.linalg.solve_triangular(R, FQ.T, lower=False,
                                                                                check_finite=False))
                F = FQ @ Q.T
    return bias + gen_noise + sigma * sigma * down_noise
