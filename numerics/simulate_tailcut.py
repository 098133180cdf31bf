"""Monte Carlo of tail-cutting generators, literally (``[generators] keep_top``; THEORY.md §3.13).

Part of the simulator (the arbiter): imports nothing of the project. In the eigenbasis of ``Σ``
(``Σ = diag(λ)``): ``w̃_0 = w0``; generation ``m`` draws ``X_m`` (``T0_m × d``, rows ``N(0, Σ)``),
labels ``X_m w̃_{m−1} + σ0_m ε``, fits ``ŵ_m`` (ridge ``λ0_m``; OLS or minimum-norm at ``λ0_m = 0``) and
passes on ``w̃_m = P_k ŵ_m``: its first ``k`` coordinates (the top-``k`` eigendirections of ``Σ``), the
rest set to 0. The downstream ridge fits ``T`` rows labelled by ``X w̃_n + σ ε``; the trial's error is
``Σ_j λ_j (ŵ − w0)_j²``.

Estimators: ``plain`` draws every noise; ``conditional`` averages the downstream's label noise out
exactly given its design (the generators' noises are drawn): ``E_ε‖ŵ − w0‖²_Σ =
‖M X w̃ − w0‖²_Σ + σ² tr(M Σ Mᵀ)``, ``M`` the downstream's linear map from labels to weights.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_map", "head_cut", "tailcut_trial", "simulate_tailcut", "KeepTop"]


def fit_map(X: np.ndarray, ridge: float) -> np.ndarray:
    """``M`` with ``ŵ = M y``: ``(XᵀX/T + λ)⁻¹Xᵀ/T`` for ``λ > 0``, the pseudo-inverse ``X⁺`` at ``λ = 0``."""
    T, d = X.shape
    if ridge > 0:
        return np.linalg.solve(X.T @ X / T + ridge * np.eye(d), X.T / T)
    return np.linalg.pinv(X)


def head_cut(w: np.ndarray, keep_top: int) -> np.ndarray:
    """``P_k w``: the first ``keep_top`` coordinates of ``w`` kept, the rest set to 0."""
    out = np.array(w, dtype=float, copy=True)
    out[keep_top:] = 0.0
    return out


def tailcut_trial(rng: np.random.Generator, lam: np.ndarray, w0: np.ndarray, *, T0: tuple, sigma0: tuple,
                  ridge0: tuple, keep_top: int, T: int, sigma: float, ridge: float,
                  estimator: str = "plain") -> float:
    """One trial's test error (or, ``conditional``, its expectation over the downstream label noise)."""
    d = len(lam)
    root = np.sqrt(lam)
    w = np.asarray(w0, dtype=float)
    for t0, s0, r0 in zip(T0, sigma0, ridge0):
        X = rng.standard_normal((t0, d)) * root
        y = X @ w + s0 * rng.standard_normal(t0)
        w = head_cut(fit_map(X, r0) @ y, keep_top)
    X = rng.standard_normal((T, d)) * root
    M = fit_map(X, ridge)
    if estimator == "conditional":
        mean = M @ (X @ w) - w0
        return float(lam @ mean**2 + sigma**2 * np.sum(lam[None, :] * M.T**2))
    y = X @ w + sigma * rng.standard_normal(T)
    err = M @ y - w0
    return float(lam @ err**2)


def simulate_tailcut(lam, w0, *, T0, sigma0, ridge0, keep_top: int, T: int, sigma: float, ridge: float,
                     trials: int, seed: int = 0, estimator: str = "plain") -> tuple[float, float, np.ndarray]:
    """``(mean, standard error, per-trial errors)`` over ``trials`` trials; trial ``i`` seeded by child ``i``.

    ``T0``, ``sigma0``, ``ridge0``: one entry per generation (generation 1 first).
    """
    lam = np.asarray(lam, dtype=float)
    w0 = np.asarray(w0, dtype=float)
    if not 1 <= keep_top <= len(lam):
        raise ValueError(f"keep_top must be in [1, {len(lam)}], got {keep_top}")
    children = np.random.SeedSequence(seed).spawn(trials)
    errors = np.array([tailcut_trial(np.random.default_rng(child), lam, w0, T0=tuple(T0), sigma0=tuple(sigma0),
                                     ridge0=tuple(ridge0), keep_top=keep_top, T=T, sigma=sigma, ridge=ridge,
                                     estimator=estimator)
                       for child in children])
    se = float(errors.std(ddof=1) / np.sqrt(trials)) if trials > 1 else float("inf")
    return float(errors.mean()), se, errors


class KeepTop:
    """Simulator hook (``Fit.post``): keep the first ``k`` coordinates of a fitted ``ŵ`` (a vector, or the columns of a
    ``d × m`` matrix), i.e. its top-``k`` eigendirections of ``Σ``; linear, so the conditional estimator applies."""

    linear = True

    def __init__(self, k: int):
        self.k = int(k)

    def __repr__(self) -> str:
        return f"KeepTop({self.k})"

    def __eq__(self, other) -> bool:
        return isinstance(other, KeepTop) and other.k == self.k

    def __hash__(self) -> int:
        return hash(("KeepTop", self.k))

    def __call__(self, w):
        return head_cut(w, self.k)
