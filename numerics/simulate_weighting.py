"""Monte Carlo of weighted real and synthetic data (THEORY.md §1, §3.13; He, Xu & Cheng, arXiv:2502.18049).

The definition. ``ŵ_0 = w0``. Generation ``k`` draws a fresh block of ``T0_k`` rows ``x ~ N(0, Σ)``;
its first ``r_k = floor(f_k T0_k + 1/2)`` rows are real (label ``xᵀw0 + σ0_k ε``), the other
``s_k = T0_k − r_k`` synthetic (label ``xᵀŵ_{k−1} + σ0_k ε``), and the generator is the weighted
ridge / least squares with total weight ``w`` on the real rows and ``1 − w`` on the synthetic ones
(per-row weights ``ω = w/r_k`` and ``(1 − w)/s_k``; ``weights`` gives ``w`` per generation):

    ŵ_k = argmin_β Σ_i ω_i (x_iᵀβ − y_i)² + λ0 ‖β‖²  =  (XᵀΩX + λ0)⁻¹ XᵀΩY,

(the weights sum to 1, as the ``1/T0`` of the unweighted ridge: ``ω_i = 1/T0`` is the pooled fit;
at ``λ0 = 0`` a block with fewer rows than ``d`` is interpolated, whatever the weights). The
downstream draws ``T`` rows, the first ``round(f T)`` real, fits its ridge unweighted, and
measures ``‖ŵ_pred − w0‖²_Σ``. Σ is diagonal (the eigenbasis), ``Σ^{1/2} = diag(sqrt_lam)``.

Two estimators of the same expectation: :func:`plain_weighted_trial` draws every noise (the
definition, literally); :func:`conditional_weighted_trial` averages the label noises exactly given
the designs (every fit is linear in the labels: ``ŵ_k = μ_k + J_k ε``, the maps ``J_k`` propagated
as ``d × d`` covariances, ``C_k = G_k C_{k−1} G_kᵀ + σ0_k² H_k H_kᵀ``).

Numpy/scipy only; nothing from the theory or the prediction layer (the arbiter shares no code).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

__all__ = ["row_weights", "weighted_fit_map", "plain_weighted_trial", "conditional_weighted_trial",
           "conditional_chain_error"]


def _real_count(fraction: float, size: int) -> int:
    """``round(fraction·size)`` with halves rounded up: ``floor(x + 1/2)``."""
    return int(math.floor(fraction * size + 0.5))


def row_weights(weight: float, real: int, size: int) -> np.ndarray:
    """Per-row weights of a block: ``weight/real`` on its ``real`` first rows, ``(1 − weight)/(size − real)`` after.

    Raises ``ValueError`` unless the block has both kinds of rows (a weight needs both parts).
    """
    synthetic = size - real
    if real < 1 or synthetic < 1:
        raise ValueError(f"real_weight: a block of {size} rows with {real} real rows has not both real and "
                         "synthetic rows")
    out = np.empty(size)
    out[:real] = weight / real
    out[real:] = (1.0 - weight) / synthetic
    return out


def weighted_fit_map(X: np.ndarray, omega: np.ndarray, ridge0: float) -> np.ndarray:
    """``L`` (``d × rows``) with ``ŵ = L Y``: ``(XᵀΩX + λ0)⁻¹XᵀΩ``.

    At ``λ0 = 0`` with fewer rows of positive weight than ``d``: the minimum-norm solution ``(Ω^{1/2}X)⁺Ω^{1/2}``
    (interpolation of those rows: their weights do not matter); rows of weight 0 drop out.
    """
    N, d = X.shape
    keep = omega > 0
    if ridge0 == 0 and int(keep.sum()) <= d:  # interpolation: the minimum-norm weighted least-squares solution
        L = np.zeros((d, N))
        root = np.sqrt(omega[keep])
        L[:, keep] = np.linalg.pinv(X[keep] * root[:, None]) * root
        return L
    XW = X * omega[:, None]
    G = X.T @ XW
    if ridge0:
        G.flat[:: d + 1] += ridge0
    return scipy.linalg.solve(G, XW.T, assume_a="pos", check_finite=False)


def _downstream_map(X: np.ndarray, ridge: float) -> np.ndarray:
    """``(XᵀX/T + λ)⁻¹Xᵀ/T``, or ``X⁺`` at ``λ = 0``."""
    T, d = X.shape
    if ridge == 0:
        return np.linalg.pinv(X)
    return weighted_fit_map(X, np.full(T, 1.0 / T), ridge)


def plain_weighted_trial(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, T, sigma, ridge, down_fraction,
                         ridges0=None) -> float:
    """One trial of the definition with every noise drawn (module docstring)."""
    d = len(w0)
    ridges0 = ridges0 or (0.0,) * len(T0s)
    w = w0
    for weight, T0, s0, f, lam0 in zip(weights, T0s, sigma0s, fractions, ridges0):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        r = _real_count(f, T0)
        Y = np.concatenate([X[:r] @ w0, X[r:] @ w]) + s0 * rng.standard_normal(T0)
        w = weighted_fit_map(X, row_weights(weight, r, T0), lam0) @ Y
    X = rng.standard_normal((T, d)) * sqrt_lam
    r = _real_count(down_fraction, T)
    Y = np.concatenate([X[:r] @ w0, X[r:] @ w]) + sigma * rng.standard_normal(T)
    diff = _downstream_map(X, ridge) @ Y - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def _conditional_chain(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, ridges0):
    """Mean and covariance of ``ŵ_n`` given the designs (the label noises averaged out exactly)."""
    d = len(w0)
    ridges0 = ridges0 or (0.0,) * len(T0s)
    mu, C = w0.copy(), np.zeros((d, d))
    for weight, T0, s0, f, lam0 in zip(weights, T0s, sigma0s, fractions, ridges0):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        r = _real_count(f, T0)
        L = weighted_fit_map(X, row_weights(weight, r, T0), lam0)
        G = L[:, r:] @ X[r:]  # how ŵ_{k−1} enters through the synthetic labels
        mu = L[:, :r] @ (X[:r] @ w0) + G @ mu
        C = G @ C @ G.T + s0**2 * (L @ L.T)
    return mu, C


def conditional_chain_error(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, ridges0=None) -> float:
    """``E_ε‖ŵ_n − w0‖²_Σ`` given the generators' designs: the chain error alone (no downstream)."""
    mu, C = _conditional_chain(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, ridges0)
    lam = sqrt_lam**2
    e = mu - w0
    return float(lam @ (e * e) + lam @ np.diagonal(C))


def conditional_weighted_trial(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, T, sigma, ridge, down_fraction,
                               ridges0=None) -> float:
    """One trial's test error averaged exactly over the label noises, given the designs (module docstring)."""
    d = len(w0)
    lam = sqrt_lam**2
    mu, C = _conditional_chain(rng, sqrt_lam, w0, weights, T0s, sigma0s, fractions, ridges0)
    X = rng.standard_normal((T, d)) * sqrt_lam
    r = _real_count(down_fraction, T)
    L = _downstream_map(X, ridge)
    Gs = L[:, r:] @ X[r:]
    e = L[:, :r] @ (X[:r] @ w0) + Gs @ mu - w0
    cov = Gs @ C @ Gs.T + sigma**2 * (L @ L.T)
    return float(lam @ (e * e) + lam @ np.diagonal(cov))
