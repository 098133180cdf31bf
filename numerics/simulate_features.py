"""The simulator's random features of ``x`` (axis ``model_size``; hook API of :mod:`.simulate_hooks`).

Part of the simulator: numpy only, nothing of the theory or the prediction layer. A fit with
``features`` draws its feature map once per trial (``draw(rng, sqrt_lam)``, ``x = sqrt_lam * g`` in the
eigenbasis of ``Σ``) and fits on ``transform(X)``:

* :class:`Projection`: ``z = S x``, ``S`` i.i.d. ``N(0, 1/d)``; linear, so the model in ``x`` is
  ``lift(a) = Sᵀa`` and the test error is ``‖Sᵀa − w0‖²_Σ`` (the conditional estimator applies);
* :class:`RandomFeatures`: ``z = σ(F x/√d)``, ``F`` i.i.d. ``N(0, 1)``, ``σ`` ReLU or erf. The test error
  ``E(aᵀz − xᵀw0)²`` over ``x ~ N(0, Σ)`` is computed exactly from the Gaussian moments of the
  pre-activations ``h = F x/√d ~ N(0, C)``, ``C = FΣFᵀ/d``: ``E[σ(h_i)σ(h_j)]`` (the arc-cosine kernel of
  Cho & Saul 2009 for ReLU, Williams' 1997 arcsine kernel for erf) and, by Stein's lemma,
  ``E[σ(h_i) xᵀw0] = E[σ'(h_i)] (FΣw0)_i/√d``. No test sample, so no test-sample noise.
"""

from __future__ import annotations

import numpy as np
import scipy.special

__all__ = ["Projection", "RandomFeatures", "feature_hook"]


class _ProjectionMap:
    def __init__(self, S: np.ndarray):
        self.S = S

    def transform(self, X: np.ndarray) -> np.ndarray:
        return X @ self.S.T

    def lift(self, a: np.ndarray) -> np.ndarray:
        return self.S.T @ a


class Projection:
    """``m`` Gaussian random projections ``S x``, ``S_ij ~ N(0, 1/d)``."""

    linear = True

    def __init__(self, m: int):
        self.m = int(m)

    def __repr__(self) -> str:
        return f"Projection({self.m})"

    def draw(self, rng: np.random.Generator, sqrt_lam: np.ndarray) -> _ProjectionMap:
        d = len(sqrt_lam)
        return _ProjectionMap(rng.standard_normal((self.m, d)) / np.sqrt(d))


def _relu_moments(C: np.ndarray):
    """``E relu(h_i) relu(h_j)`` and ``E relu'(h_i)`` for ``h ~ N(0, C)``."""
    s = np.sqrt(np.diag(C))
    cos = np.clip(C / np.outer(s, s), -1.0, 1.0)
    theta = np.arccos(cos)
    K = np.outer(s, s) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * cos)
    return K, np.full(len(s), 0.5)


def _erf_moments(C: np.ndarray):
    """``E erf(h_i) erf(h_j) = (2/π) arcsin(2C_ij/√((1+2C_ii)(1+2C_jj)))`` and ``E erf'(h_i) = 2/√(π(1+2C_ii))``."""
    q = 1 + 2 * np.diag(C)
    K = 2 / np.pi * np.arcsin(np.clip(2 * C / np.sqrt(np.outer(q, q)), -1.0, 1.0))
    return K, 2 / np.sqrt(np.pi * q)


_ACTIVATIONS = {
    "relu": (lambda h: np.maximum(h, 0.0), _relu_moments),
    "erf": (scipy.special.erf, _erf_moments),
}


class _RandomFeatureMap:
    def __init__(self, F: np.ndarray, activation: str):
        self.F, self.activation = F, activation
        self.d = F.shape[1]

    def transform(self, X: np.ndarray) -> np.ndarray:
        return _ACTIVATIONS[self.activation][0](X @ self.F.T / np.sqrt(self.d))

    def predict(self, X: np.ndarray, a: np.ndarray) -> np.ndarray:
        return self.transform(X) @ a

    def error(self, a: np.ndarray, sqrt_lam: np.ndarray, w0: np.ndarray) -> float:
        """``E(aᵀσ(Fx/√d) − xᵀw0)²`` over ``x ~ N(0, diag(sqrt_lam²))``, exactly (module docstring)."""
        lam = sqrt_lam**2
        G = self.F * (sqrt_lam / np.sqrt(self.d))  # h = G g, g ~ N(0, I): C = GGᵀ
        C = G @ G.T
        K, slope = _ACTIVATIONS[self.activation][1](C)
        cross = slope * (self.F @ (lam * w0)) / np.sqrt(self.d)
        return float(max(a @ K @ a - 2 * a @ cross + np.sum(lam * w0 * w0), 0.0))


class RandomFeatures:
    """``m`` random features ``σ(F x/√d)``, ``F_ij ~ N(0, 1)``, ``σ`` = ``"relu"`` or ``"erf"``."""

    linear = False

    def __init__(self, m: int, activation: str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation: expected one of {', '.join(_ACTIVATIONS)}, got {activation!r}")
        self.m, self.activation = int(m), activation

    def __repr__(self) -> str:
        return f"RandomFeatures({self.m}, {self.activation!r})"

    def draw(self, rng: np.random.Generator, sqrt_lam: np.ndarray) -> _RandomFeatureMap:
        return _RandomFeatureMap(rng.standard_normal((self.m, len(sqrt_lam))), self.activation)


def feature_hook(m: int, feature_map: str):
    """The hook object of ``downstream.features = m`` with ``downstream.feature_map``."""
    return Projection(m) if feature_map == "projection" else RandomFeatures(m, feature_map)
