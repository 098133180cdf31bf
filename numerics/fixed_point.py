"""Generic solver for the effective regularisation ``κ`` (THEORY.md §3.3, §5).

``κ`` solves ``κ − λ = κ df_1(κ)/T``. Written as

    h(κ) = 1 − df_1(κ)/T − λ/κ = 0,

``h`` is strictly increasing in ``κ`` (``df_1`` decreases, ``λ/κ`` decreases) and ``h`` is the
relative residual of the fixed-point equation. The root is unique in
``[max(λ, κ_ridgeless), λ + tr Σ/T]``. At ``λ = 0``: ``T < d`` gives the ridgeless ``κ`` with
``df_1(κ) = T``; ``T >= d`` gives ``κ = 0``.

The solver is a Newton iteration in ``u = log κ`` (so relative tolerances hold down to
``κ ~ 1e-300``), kept inside a bracket that shrinks with the sign of ``h`` and falling back to
bisection in ``u`` whenever Newton leaves it. It is vectorised over arrays of ``λ`` and ``T``
and runs in float64 or mpmath through the same code (a :class:`Backend`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.errors import FixedPointError

__all__ = ["KappaSolution", "solve_kappa"]


@dataclass(frozen=True)
class KappaSolution:
    """Solution of the ``κ`` fixed point.

    Attributes
    ----------
    kappa : ndarray or scalar
        ``κ`` (same shape as the broadcast of ``ridge`` and ``T``; scalar in, scalar out).
    iterations : int
        Iterations used (the maximum over the grid).
    residual : float
        Largest relative residual ``|κ − λ − κ df_1(κ)/T| / κ`` over the grid (0 where ``κ = 0``
        exactly).
    backend : Backend
    """

    kappa: object
    iterations: int
    residual: float
    backend: Backend


def _bool(x) -> np.ndarray:
    return np.asarray(x).astype(bool)


def solve_kappa(sums, ridge, T, *, max_iter: int | None = None) -> KappaSolution:
    """Solve ``κ − λ = κ df_1(κ)/T`` for every pair of (broadcast) ``ridge`` and ``T``.

    Parameters
    ----------
    sums : SpectralSums or InfiniteSums
        Provides ``df(κ, m)``, ``d``, ``trace``, ``min_eigenvalue`` and ``backend``.
    ridge : float or array_like
        ``λ >= 0``.
    T : int or array_like
        Downstream sample size(s), ``T >= 1``.
    max_iter : int, optional
        Iteration cap (default 400 for float64, ``200 + 10·dps`` for mpmath).

    Returns
    -------
    KappaSolution

    Raises
    ------
    FixedPointError
        If an element has not converged within ``max_iter`` iterations, or the bracket cannot be
        established (carries the residual).
    """
    b: Backend = sums.backend
    scalar_in = np.ndim(ridge) == 0 and np.ndim(T) == 0
    lam_r, T_arr = np.broadcast_arrays(np.asarray(ridge, dtype=object), np.asarray(T, dtype=object))
    lam_r = b.array(np.asarray(lam_r, dtype=float) if not b.is_mp else lam_r).reshape(-1)
    T_arr = b.array(np.asarray(T_arr, dtype=float) if not b.is_mp else T_arr).reshape(-1)
    shape = np.broadcast(np.asarray(ridge), np.asarray(T)).shape
    if _bool(lam_r < 0).any() or _bool(T_arr < 1).any():
        raise ValueError("solve_kappa: need ridge >= 0 and T >= 1")
    d = sums.d
    zero, one = b.scalar(0), b.scalar(1)
    eps = b.eps
    if max_iter is None:
        max_iter = 400 if not b.is_mp else 200 + 10 * b.dps
    tol_u = 4 * eps  # times max(1, |u|): the ulp of u = log κ is ~ eps·|u| (|u| ~ 46 at κ = 1e-20)

    # κ = 0 exactly: ridgeless and under-parameterised.
    exact_zero = _bool(lam_r == 0) & _bool(T_arr >= d)
    kappa = np.full(lam_r.shape, zero, dtype=lam_r.dtype)
    active = ~exact_zero
    if not active.any():
        return KappaSolution(kappa.reshape(shape)[()] if scalar_in else kappa.reshape(shape), 0, 0.0, b)

    lr, Ta = lam_r[active], T_arr[active]

    def h_and_slope(k):
        df1, df2 = sums.df(k, 1), sums.df(k, 2)
        h = one - df1 / Ta - lr / k
        slope = (df1 - df2) / Ta + lr / k  # dh/d(log κ)
        scale = one + df1 / Ta + lr / k  # size of the terms that cancel in h
        return h, slope, scale

    # Bracket [lo, hi] with h(lo) < 0 < h(hi).
    hi = lr + sums.trace / Ta
    lmin = sums.min_eigenvalue
    ridgeless_lo = (lmin * (d - Ta) / Ta) / 2 if np.isfinite(float(d)) and float(lmin) > 0 else hi * b.scalar(1e-3)
    lo = np.where(_bool(lr > 0), lr, ridgeless_lo)
    lo = b.array(lo)
    h_lo = h_and_slope(lo)[0]
    for _ in range(2000):  # widen downwards until h(lo) < 0 (only needed for infinite spectra)
        bad = _bool(h_lo >= 0)
        if not bad.any():
            break
        lo = np.where(bad, lo / 16, lo)
        h_lo = h_and_slope(lo)[0]
    else:
        raise FixedPointError("could not bracket the effective ridge κ from below", residual=float(np.max(np.abs(b.to_float(h_lo)))), iterations=0)
    u_lo, u_hi = b.log(lo), b.log(hi)

    # Start from the upper end for strong ridge, from the geometric midpoint otherwise.
    u = (u_lo + u_hi) / 2
    done = np.zeros(len(lr), dtype=bool)
    h = slope = None
    it = 0
    for it in range(1, max_iter + 1):
        k = b.exp(u)
        h, slope, scale = h_and_slope(k)
        small = _bool(abs(h) <= 4 * eps * scale)
        pos = _bool(h > 0)
        u_hi = np.where(pos & ~done, u, u_hi)
        u_lo = np.where(~pos & ~done, u, u_lo)
        step = h / slope
        u_new = u - step
        outside = _bool(u_new <= u_lo) | _bool(u_new >= u_hi)
        u_new = np.where(outside, (u_lo + u_hi) / 2, u_new)
        tol = tol_u * np.maximum(one, abs(u))
        converged = small | (_bool(abs(u_new - u) <= tol) & ~outside) | _bool((u_hi - u_lo) <= tol)
        u = np.where(done | small, u, u_new)
        done = done | converged
        if done.all():
            break
    else:
        k = b.exp(u)
        h = h_and_slope(k)[0]
        worst = float(np.max(np.abs(b.to_float(np.asarray(h, dtype=object if b.is_mp else float)))))
        raise FixedPointError("effective ridge κ did not converge", residual=worst, iterations=max_iter)

    k = b.exp(u)
    h = h_and_slope(k)[0]
    kappa[active] = k
    residual = float(np.max(np.abs(np.asarray(b.to_float(np.asarray(h, dtype=object if b.is_mp else float)), dtype=float))))
    if not np.isfinite(residual) or not np.all(np.isfinite(np.asarray(b.to_float(kappa), dtype=float))):
        raise FixedPointError("effective ridge κ is not finite", residual=residual, iterations=it)
    out = kappa.reshape(shape)
    return KappaSolution(out[()] if scalar_in else out, it, residual, b)
