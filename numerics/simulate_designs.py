"""Monte Carlo of the definition with explicit designs: ridge generators and non-Gaussian designs.

Part of the simulator (imports nothing of the project). Used when some generator fits ridge
regression (``λ0_k > 0``) or the design is not Gaussian; the Gaussian ridgeless chain keeps the
cheaper exact samplers of :mod:`modelcollapse.numerics.simulate_conditional`.

Designs: rows ``x = Σ^{1/2} z`` with ``z`` i.i.d. of unit variance — ``gaussian``, ``rademacher``
(±1) or ``student_t`` (``t_ν·sqrt((ν−2)/ν)``, ``ν > 2``).

Generator ``k`` (``T0_k × d`` design ``X_k``, ridge ``λ0_k``): ``ŵ_k = M_k Y_k``, ``Y_k = X_k ŵ_{k−1} + σ0_k E_k``,
``M_k = (X_kᵀX_k/T0 + λ0)⁻¹X_kᵀ/T0`` (``X_k⁺`` at ``λ0 = 0``), ``A_k = M_k X_k``. The downstream
ridge is the same map with ``(T, λ)``. Both estimators measure ``‖ŵ_pred − w0‖²_Σ``:

* ``plain``: one draw of every noise;
* ``conditional``: the chain is linear in the noises, so with ``D = Σ^{1/2}``, ``b = A_n⋯A_1 w0``
  and ``F_k = D A A_n⋯A_{k+1}``: ``E[· | designs] = ‖D(Ab − w0)‖² + Σ_k σ0_k²‖F_k M_k‖_F² + σ²‖D M‖_F²``
  (exact for any noise law with unit variance; the designs are drawn explicitly).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["DESIGNS", "draw_design", "explicit_trial"]

DESIGNS = ("gaussian", "rademacher", "student_t")


def draw_design(rng: np.random.Generator, rows: int, sqrt_lam: np.ndarray, design: str, df: float) -> np.ndarray:
    """``rows × d`` design with rows ``Σ^{1/2} z``, ``z`` i.i.d. of mean 0 and variance 1."""
    d = len(sqrt_lam)
    if design == "gaussian":
        z = rng.standard_normal((rows, d))
    elif design == "rademacher":
        z = rng.integers(0, 2, size=(rows, d)) * 2.0 - 1.0
    elif design == "student_t":
        z = rng.standard_t(df, size=(rows, d)) * np.sqrt((df - 2) / df)
    else:
        raise ValueError(f"design: expected one of {', '.join(DESIGNS)}, got {design!r}")
    return z * sqrt_lam


def _operators(X: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """``(M, A)``: ``M = (XᵀX/m + λ)⁻¹Xᵀ/m`` (``X⁺`` at ``λ = 0``), ``A = M X``; primal or dual system."""
    m, d = X.shape
    if ridge == 0:
        M = scipy.linalg.pinv(X, check_finite=False)
    elif m >= d:
        G = X.T @ X / m
        G.flat[:: d + 1] += ridge
        M = scipy.linalg.solve(G, X.T / m, assume_a="pos", check_finite=False)
    else:
        K = X @ X.T / m
        K.flat[:: m + 1] += ridge
        M = X.T @ scipy.linalg.solve(K, np.eye(m) / m, assume_a="pos", check_finite=False)
    return M, M @ X


def _frob2(M: np.ndarray) -> float:
    return float(np.vdot(M, M))


def explicit_trial(rng, sqrt_lam, w0, T0s, sigma0s, ridges0, T, sigma, ridge, *, design="gaussian", df=0.0,
                   estimator="conditional") -> float:
    """One trial's test error (``plain``) or conditional test error given the designs (module docstring)."""
    sq = sqrt_lam
    if estimator == "plain":
        w = w0
        for T0, s0, r0 in zip(T0s, sigma0s, ridges0):
            X = draw_design(rng, T0, sq, design, df)
            w = _operators(X, r0)[0] @ (X @ w + s0 * rng.standard_normal(T0))
        X = draw_design(rng, T, sq, design, df)
        diff = _operators(X, ridge)[0] @ (X @ w + sigma * rng.standard_normal(T)) - w0
        return float(np.sum(sq * sq * diff * diff))
    gens, b = [], w0
    for T0, r0 in zip(T0s, ridges0):
        M, A = _operators(draw_design(rng, T0, sq, design, df), r0)
        gens.append((M, A))
        b = A @ b
    M, A = _operators(draw_design(rng, T, sq, design, df), ridge)
    total = _frob2(sq * (A @ b - w0)) + sigma * sigma * _frob2(sq[:, None] * M)
    F = sq[:, None] * A
    for (Mk, Ak), s0 in zip(reversed(gens), reversed(tuple(sigma0s))):
        if s0 != 0:
            total += s0 * s0 * _frob2(F @ Mk)
        F = F @ Ak
    return total
