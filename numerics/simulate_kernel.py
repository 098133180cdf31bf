"""Monte Carlo of the collapse chain with kernel ridge regression on real points (issue 14).

Part of the simulator: numpy/scipy only, nothing of the project. The population is the empirical
distribution of ``N`` points with kernel matrix ``K`` (the actual kernel, not a truncation) and
target values ``f*`` (the target's projection on the kept spectrum).

Generation ``k``: ``T0_k`` indices ``S`` drawn i.i.d. uniformly **with replacement** (so the design
has the population covariance ``diag(λ)`` of ``K/N`` exactly), labels ``Y = f̂_{k−1}(x_S) + σ0_k E``
(``f̂_0 = f*``), and kernel ridge in the linear-model convention ``ŵ = (Σ̂ + λ0)⁻¹ΦᵀY/T0``:
``α = (K_SS/T0 + λ0 I)⁻¹Y/T0``, ``f̂_k = K(·, S)α`` — i.e. ``sklearn.kernel_ridge.KernelRidge(alpha = T0·λ0)``
(``λ0 = 0``: the minimum-norm interpolant, pseudo-inverse). Repeated indices are kept. The downstream
is the same fit with ``(T, λ, σ)`` on the last generator's predictions. Error: ``mean_i (f̂(x_i) − f*(x_i))²``
over the ``N`` points, which is ``‖ŵ − w0‖²_Σ`` in the feature picture.

Estimators: ``plain`` draws the label noises; ``conditional`` averages them out exactly given the
index draws (the chain is linear in them: mean ``m ← G m[S]``, covariance ``C ← G(C[S,S] + σ0²I)Gᵀ``,
``G = K[:,S](K_SS/T0 + λ0)⁻¹/T0``; error ``mean((m − f*)²) + tr C/N``).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

__all__ = ["kernel_trial", "simulate_kernel_chain"]


def _smoother(K: np.ndarray, S: np.ndarray, ridge: float) -> np.ndarray:
    """``G = K[:,S](K_SS/m + λ I)⁻¹/m`` (N × m): predictions on the N points from labels on ``S``."""
    m = len(S)
    A = K[np.ix_(S, S)] / m
    if ridge == 0:
        return K[:, S] @ scipy.linalg.pinv(A, check_finite=False) / m
    A.flat[:: m + 1] += ridge
    return scipy.linalg.solve(A, K[:, S].T / m, assume_a="pos", check_finite=False).T


def kernel_trial(rng, K, fstar, T0s, sigma0s, ridges0, T, sigma, ridge, *, estimator="conditional") -> float:
    """One trial's error (``plain``) or conditional error given the index draws (module docstring)."""
    N = len(fstar)
    m = fstar
    C = np.zeros((N, N)) if estimator == "conditional" else None
    for T0, s0, r0 in zip(T0s, sigma0s, ridges0):
        S = rng.integers(0, N, size=T0)
        G = _smoother(K, S, r0)
        if C is None:
            m = G @ (m[S] + s0 * rng.standard_normal(T0))
        else:
            Css = C[np.ix_(S, S)]
            Css.flat[:: T0 + 1] += s0 * s0
            C = G @ Css @ G.T
            m = G @ m[S]
    S = rng.integers(0, N, size=T)
    G = _smoother(K, S, ridge)
    if C is None:
        pred = G @ (m[S] + sigma * rng.standard_normal(T))
        return float(np.mean((pred - fstar) ** 2))
    Cd = C[np.ix_(S, S)]
    Cd.flat[:: T + 1] += sigma * sigma
    pred = G @ m[S]
    return float(np.mean((pred - fstar) ** 2) + np.sum((G @ Cd) * G) / N)


def simulate_kernel_chain(K, fstar, *, T0, sigma0, ridge0, T, sigma, ridge, trials=50, seed=0,
                          estimator="conditional", progress=None):
    """``(mean, stderr, errors)`` of the real kernel chain; trial ``i`` uses the ``i``-th child of
    ``SeedSequence(seed)``."""
    K = np.asarray(K, dtype=np.float64)
    fstar = np.asarray(fstar, dtype=np.float64)
    if K.ndim != 2 or K.shape != (len(fstar), len(fstar)) or not np.all(np.isfinite(K)):
        raise ValueError("K must be a finite N x N kernel matrix with one target value per point")
    if not (len(T0) == len(sigma0) == len(ridge0)):
        raise ValueError("T0, sigma0 and ridge0 need one entry per generation")
    if estimator not in ("plain", "conditional"):
        raise ValueError(f"estimator: expected 'plain' or 'conditional', got {estimator!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 2:
        raise ValueError(f"trials: expected an integer >= 2, got {trials!r}")
    errors = []
    with threadpool_limits(limits=1):
        for child in np.random.SeedSequence(seed).spawn(trials):
            errors.append(kernel_trial(np.random.default_rng(child), K, fstar, tuple(T0), tuple(sigma0), tuple(ridge0),
                                       T, float(sigma), float(ridge), estimator=estimator))
            if progress:
                progress(1)
    errors = np.asarray(errors)
    mean, stderr = float(errors.mean()), float(errors.std(ddof=1) / math.sqrt(trials))
    if not (math.isfinite(mean) and math.isfinite(stderr)):
        raise ArithmeticError("the kernel chain produced a non-finite error")
    return mean, stderr, errors
