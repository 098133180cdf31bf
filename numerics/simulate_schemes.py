"""Monte Carlo of the data schemes (THEORY.md §1, §3.7): accumulate, accumulate-subsample, real fractions.

The definition. ``ŵ_0 = w0``. Generation ``k`` draws a fresh block of ``T0_k`` rows ``x ~ N(0, Σ)``;
its first ``r_k = floor(f_k T0_k + 1/2)`` rows are real (label ``xᵀw0 + σ0_k ε``), the others
synthetic (label ``xᵀŵ_{k−1} + σ0_k ε``); every row keeps its label for ever. Then

* ``replace``: ``ŵ_k = X⁺Y`` on block ``k`` alone;
* ``accumulate``: ``ŵ_k = X⁺Y`` on the pool of blocks ``1..k``;
* ``accumulate-subsample``: block ``k`` joins the pool, then ``ŵ_k = X⁺Y`` on a uniformly random
  subset of ``T0_k`` rows of the pool (without replacement).

(``X⁺Y``: least squares if the fitted design is tall, minimum-norm interpolation if wide.) The
downstream draws ``T`` rows, the first ``round(f T)`` real (``xᵀw0 + σε``), the rest synthetic
(``xᵀŵ_n + σε``), fits the ridge ``(XᵀX/T + λ)⁻¹XᵀY/T`` (``X⁺Y`` at ``λ = 0``) and measures
``‖ŵ_pred − w0‖²_Σ``. Σ is diagonal (the eigenbasis), ``Σ^{1/2} = diag(sqrt_lam)``.

Two estimators of the same expectation:

* :func:`plain_scheme_trial` draws every noise — the definition, literally.
* :func:`conditional_scheme_trial` averages the label noises exactly given the designs (and the
  subsets): every label is affine in the vector ``ε`` of all generator noises, the fits are linear,
  so ``ŵ_k = μ_k + J_k ε`` and ``E_ε‖ŵ_pred − w0‖²_Σ = ‖Σ^{1/2}(μ_pred − w0)‖² +
  ‖Σ^{1/2}J_pred‖_F² + σ²‖Σ^{1/2}L‖_F²`` (``L`` the downstream's linear map). The maps ``J_k``
  are propagated through the chain (``d × Σ_k T0_k``).

Numpy/scipy only; nothing from the theory or the prediction layer (the arbiter shares no code).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

__all__ = ["SCHEMES", "real_count", "plain_scheme_trial", "conditional_scheme_trial"]

SCHEMES = ("replace", "accumulate", "accumulate-subsample")


def real_count(fraction: float, size: int) -> int:
    """``round(fraction·size)`` with halves rounded up: ``floor(x + 1/2)``."""
    return int(math.floor(fraction * size + 0.5))


def _fit_rows(rng, scheme: str, start: int, end: int, size: int) -> np.ndarray:
    """Indices of the pool rows generation ``k`` fits (the pool is rows ``0..end``, block ``k`` is ``start..end``)."""
    if scheme == "replace":
        return np.arange(start, end)
    if scheme == "accumulate":
        return np.arange(end)
    if scheme == "accumulate-subsample":
        return np.sort(rng.choice(end, size=size, replace=False))
    raise ValueError(f"scheme: unknown {scheme!r}; expected one of {', '.join(SCHEMES)}")


def _solve(X: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``X⁺R`` for a matrix of right-hand sides (normal equations through Cholesky; dual if wide)."""
    N, d = X.shape
    if N >= d:
        cho = scipy.linalg.cho_factor(X.T @ X, lower=True, check_finite=False)
        return scipy.linalg.cho_solve(cho, X.T @ R, check_finite=False)
    cho = scipy.linalg.cho_factor(X @ X.T, lower=True, check_finite=False)
    return X.T @ scipy.linalg.cho_solve(cho, R, check_finite=False)


def _downstream_map(X: np.ndarray, ridge: float) -> np.ndarray:
    """``L`` with ``ŵ_pred = L Y``: ``(XᵀX/T + λ)⁻¹Xᵀ/T``, or ``X⁺`` at ``λ = 0``."""
    T, d = X.shape
    if ridge == 0:
        return np.linalg.pinv(X)
    if T >= d:
        G = X.T @ X / T
        G.flat[:: d + 1] += ridge
        return scipy.linalg.solve(G, X.T / T, assume_a="pos", check_finite=False)
    K = X @ X.T / T
    K.flat[:: T + 1] += ridge
    return X.T @ scipy.linalg.solve(K, np.eye(T), assume_a="pos", check_finite=False) / T


def _generator_fit(X: np.ndarray, R: np.ndarray, ridge0: float) -> np.ndarray:
    """A generator's fit of the right-hand side(s) ``R``: ``X⁺R`` (OLS / minimum norm) or the ridge at ``λ0 > 0``."""
    return _solve(X, R) if ridge0 == 0 else _downstream_map(X, ridge0) @ R


def plain_scheme_trial(rng, sqrt_lam, w0, scheme, T0s, sigma0s, fractions, T, sigma, ridge, down_fraction,
                       ridges0=None) -> float:
    """One trial of the definition with every noise drawn (module docstring); ``ridges0``: generator ridges."""
    d = len(w0)
    ridges0 = ridges0 or (0.0,) * len(T0s)
    total = sum(T0s)
    Xp, Yp = np.empty((total, d)), np.empty(total)
    w, start = w0, 0
    for T0, s0, f, lam0 in zip(T0s, sigma0s, fractions, ridges0):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        r = real_count(f, T0)
        end = start + T0
        Xp[start:end] = X
        Yp[start:start + r] = X[:r] @ w0
        Yp[start + r:end] = X[r:] @ w
        Yp[start:end] += s0 * rng.standard_normal(T0)
        rows = _fit_rows(rng, scheme, start, end, T0)
        if lam0 == 0:
            w = scipy.linalg.lstsq(Xp[rows], Yp[rows], lapack_driver="gelsy", check_finite=False)[0]
        else:
            w = _downstream_map(Xp[rows], lam0) @ Yp[rows]
        start = end
    X = rng.standard_normal((T, d)) * sqrt_lam
    r = real_count(down_fraction, T)
    Y = np.concatenate([X[:r] @ w0, X[r:] @ w]) + sigma * rng.standard_normal(T)
    diff = _downstream_map(X, ridge) @ Y - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def conditional_scheme_trial(rng, sqrt_lam, w0, scheme, T0s, sigma0s, fractions, T, sigma, ridge,
                             down_fraction, ridges0=None) -> float:
    """One trial's test error averaged exactly over the label noises, given the designs and subsets."""
    d = len(w0)
    ridges0 = ridges0 or (0.0,) * len(T0s)
    lam = sqrt_lam**2
    total = sum(T0s)
    Xp = np.empty((total, d))
    A = np.empty(total)  # label means
    B = np.zeros((total, total))  # label noise coefficients over all generator noises
    mu, J = w0.copy(), np.zeros((d, total))
    start = 0
    for T0, s0, f, lam0 in zip(T0s, sigma0s, fractions, ridges0):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        r = real_count(f, T0)
        end = start + T0
        Xp[start:end] = X
        A[start:start + r] = X[:r] @ w0
        A[start + r:end] = X[r:] @ mu
        B[start + r:end] = X[r:] @ J
        B[start:end, start:end] += s0 * np.eye(T0)
        rows = _fit_rows(rng, scheme, start, end, T0)
        sol = _generator_fit(Xp[rows], np.column_stack([A[rows], B[rows]]), lam0)
        mu, J = sol[:, 0], sol[:, 1:]
        start = end
    X = rng.standard_normal((T, d)) * sqrt_lam
    r = real_count(down_fraction, T)
    L = _downstream_map(X, ridge)
    e = L @ np.concatenate([X[:r] @ w0, X[r:] @ mu]) - w0
    Jp = L[:, r:] @ (X[r:] @ J)
    return float(lam @ (e * e) + np.sum(lam[:, None] * Jp * Jp) + sigma**2 * np.sum(lam[:, None] * L * L))
