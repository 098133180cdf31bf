"""Monte Carlo of the definition with one reused design matrix (THEORY.md §1, §3.10; the paper's Theorem 4.5).

Part of the simulator (imports nothing of the project but the simulator's own design sampler).

The definition. ``ŵ_0 = w0``. One design ``X`` (``T0 × d``, rows ``Σ^{1/2} z``) is drawn once per trial
and serves every generation: generation ``k`` labels its first ``r_k = floor(f_k T0 + 1/2)`` rows with
the teacher (``x_iᵀw0``) and the others with the previous generator (``x_iᵀŵ_{k−1}``), adds fresh
noise ``σ0_k ε_k`` and fits ``ŵ_k = M_k Y_k``, ``M_k = (XᵀX/T0 + λ0_k)⁻¹Xᵀ/T0`` (``X⁺`` at
``λ0_k = 0``: OLS or minimum-norm interpolation). The downstream draws its own ``T`` rows (the
first ``round(f T)`` real), fits the ridge ``(XᵀX/T + λ)⁻¹XᵀY/T`` (``X⁺Y`` at ``λ = 0``) and
measures ``‖ŵ_pred − w0‖²_Σ``.

Two estimators of the same expectation:

* :func:`plain_reused_trial` draws every noise — the definition, literally;
* :func:`conditional_reused_trial` averages the label noises exactly given the two designs. The
  chain is affine in the noises, ``ŵ_n = μ_n + Σ_k G_k ε_k``, so with ``D = Σ^{1/2}``, the downstream
  map ``L`` and its synthetic columns ``L_s`` (rows ``X'_s``):
  ``E[· | designs] = ‖D(L y(μ_n) − w0)‖² + Σ_k σ0_k²‖F_k M_k‖_F² + σ²‖D L‖_F²``, where
  ``F_n = D L_s X'_s`` and ``F_{k−1} = F_k M_k S_k X`` (``S_k`` keeps the synthetic rows of block ``k``).
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.simulate_designs import draw_design
from modelcollapse.numerics.simulate_hooks import linear_fit_operator

__all__ = ["plain_reused_trial", "conditional_reused_trial"]


def _real_count(fraction: float, size: int) -> int:
    """``floor(f·size + 1/2)`` (halves up), the contract's rounding."""
    return int(np.floor(fraction * size + 0.5))


def _generator_maps(X, ridges0, fractions):
    """Per generation ``(M_k, r_k)``; equal ``(λ0_k, r_k)`` share one map (the design is the same)."""
    cache, out = {}, []
    for r0, f in zip(ridges0, fractions):
        r = _real_count(f, X.shape[0])
        if r0 not in cache:
            cache[r0] = linear_fit_operator(X, r0)
        out.append((cache[r0], r))
    return out


def plain_reused_trial(rng, sqrt_lam, w0, T0, sigma0s, ridges0, fractions, T, sigma, ridge, down_fraction, *,
                       design="gaussian", df=0.0) -> float:
    """One trial of the definition with every noise drawn (module docstring)."""
    X = draw_design(rng, T0, sqrt_lam, design, df)
    real = X @ w0
    w = w0
    for (M, r), s0 in zip(_generator_maps(X, ridges0, fractions), sigma0s):
        Y = np.concatenate([real[:r], X[r:] @ w]) + s0 * rng.standard_normal(T0)
        w = M @ Y
    Xd = draw_design(rng, T, sqrt_lam, design, df)
    r = _real_count(down_fraction, T)
    Y = np.concatenate([Xd[:r] @ w0, Xd[r:] @ w]) + sigma * rng.standard_normal(T)
    diff = linear_fit_operator(Xd, ridge) @ Y - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def conditional_reused_trial(rng, sqrt_lam, w0, T0, sigma0s, ridges0, fractions, T, sigma, ridge, down_fraction, *,
                             design="gaussian", df=0.0) -> float:
    """One trial's test error averaged exactly over the label noises, given both designs (module docstring)."""
    X = draw_design(rng, T0, sqrt_lam, design, df)
    real = X @ w0
    maps = _generator_maps(X, ridges0, fractions)
    mu = w0
    for M, r in maps:
        mu = M @ np.concatenate([real[:r], X[r:] @ mu])
    Xd = draw_design(rng, T, sqrt_lam, design, df)
    rd = _real_count(down_fraction, T)
    L = linear_fit_operator(Xd, ridge)
    e = sqrt_lam * (L @ np.concatenate([Xd[:rd] @ w0, Xd[rd:] @ mu]) - w0)
    total = float(e @ e) + sigma * sigma * float(np.sum((sqrt_lam[:, None] * L) ** 2))
    F = sqrt_lam[:, None] * (L[:, rd:] @ Xd[rd:])
    for (M, r), s0 in zip(reversed(maps), reversed(tuple(sigma0s))):
        FM = F @ M
        if s0 != 0:
            total += s0 * s0 * float(np.sum(FM * FM))
        F = FM[:, r:] @ X[r:]
    return total
