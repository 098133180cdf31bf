"""Monte Carlo of verified synthetic data, literally (THEORY.md §1 and §3.13): numpy only, no theory.

Part of the simulator (tests/test_layers.py): it shares nothing with the prediction. Generation ``k`` draws
``T0_k`` rows ``x = Σ^{1/2}z``, labels them ``y = xᵀŵ_{k−1} + σ0_k ε``, keeps the rows whose residual against the
verifier's centre, ``y − xᵀw′``, lies in ``[lower_k, upper_k]`` (all of them drawn again until ``T0_k`` are kept
when ``refill``), and fits them by least squares (``X⁺Y``: minimum norm when fewer than ``d`` are kept, ``0``
when none is). The downstream fits ``T`` fresh rows (its real share labelled by ``w0``) by ridge ``λ``
(``X⁺Y`` at ``λ = 0``); the error is ``‖ŵ_down − w0‖²_Σ``. :class:`Window` is the same filter as a row hook of
the chain simulator (numerics/simulate_hooks.py, ``accept``).

Examples
--------
>>> m = Window(center=np.zeros(2), lower=-1.0, upper=1.0)
>>> m(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.5, 2.0])).tolist()
[True, False]
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

__all__ = ["Window", "verified_trial", "simulate_verified"]


class Window:
    """Keep a row when ``lower <= y − xᵀcenter <= upper`` (``x`` in the eigenbasis, ``y`` with its noise)."""

    linear = False  # a filter of the labels: the plain estimator only

    def __init__(self, *, center, lower: float, upper: float, refill: bool = False):
        self.center = np.asarray(center, dtype=float)
        self.lower, self.upper, self.refill = float(lower), float(upper), bool(refill)

    def __repr__(self) -> str:
        return f"Window(lower={self.lower!r}, upper={self.upper!r}, refill={self.refill!r}, d={self.center.size})"

    def __call__(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        r = Y - X @ self.center
        return (r >= self.lower) & (r <= self.upper)


def _lstsq(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    if X.shape[0] == 0:
        return np.zeros(X.shape[1])
    return scipy.linalg.lstsq(X, Y, lapack_driver="gelsy", check_finite=False)[0]


def _kept_block(rng, sqrt_lam, w, sigma0, window: Window, T0: int):
    """The kept rows of one generation (at most ``T0``; exactly ``T0`` with refill)."""
    d = sqrt_lam.size
    Xs, Ys, kept = [], [], 0
    for _ in range(100_000):
        X = rng.standard_normal((T0, d)) * sqrt_lam
        Y = X @ w + sigma0 * rng.standard_normal(T0)
        mask = window(X, Y)
        Xs.append(X[mask])
        Ys.append(Y[mask])
        kept += int(mask.sum())
        if not window.refill or kept >= T0:
            break
    else:  # pragma: no cover - an acceptance below 1e-5 per row
        raise RuntimeError("verifier: fewer than T0 rows kept after 100000 draws of T0 rows")
    X, Y = np.vstack(Xs), np.concatenate(Ys)
    return (X[:T0], Y[:T0]) if window.refill else (X, Y)


def verified_trial(rng, sqrt_lam, w0, windows, T0s, sigma0s, T, sigma, ridge, real_rows=0) -> float:
    """One trial: the verified chain, then the downstream; returns ``‖ŵ_down − w0‖²_Σ``."""
    d = sqrt_lam.size
    w = w0
    for window, T0, s0 in zip(windows, T0s, sigma0s):
        X, Y = _kept_block(rng, sqrt_lam, w, s0, window, int(T0))
        w = _lstsq(X, Y)
    X = rng.standard_normal((T, d)) * sqrt_lam
    target = np.where(np.arange(T)[:, None] < real_rows, w0[None, :], w[None, :])
    Y = np.einsum("ij,ij->i", X, target) + sigma * rng.standard_normal(T)
    if ridge == 0:
        w_down = _lstsq(X, Y)
    else:
        G = X.T @ X / T
        G.flat[:: d + 1] += ridge
        w_down = scipy.linalg.solve(G, X.T @ Y / T, assume_a="pos", check_finite=False)
    diff = w_down - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def simulate_verified(eigenvalues, coefficients, *, windows, T0s, sigma0s, T: int, sigma: float, ridge: float = 0.0,
                      real_rows: int = 0, trials: int = 200, seed: int = 0):
    """``(mean, stderr, trials)`` of the verified chain's downstream error (independent trials, one seed each)."""
    lam = np.asarray(eigenvalues, dtype=float)
    w0 = np.asarray(coefficients, dtype=float)
    sqrt_lam = np.sqrt(lam)
    children = np.random.SeedSequence(seed).spawn(trials)
    errors = np.array([verified_trial(np.random.default_rng(c), sqrt_lam, w0, windows, T0s, sigma0s, T, sigma, ridge,
                                      real_rows) for c in children])
    return float(errors.mean()), float(errors.std(ddof=1) / math.sqrt(trials)), trials
