"""``kind = "kernel"``: the spectrum of a kernel on ``N`` points of a real dataset (THEORY.md §3.8).

``K/N = U diag(λ) Uᵀ`` (``K_il = k(x_i, x_l)`` on ``points = N`` points drawn without replacement
by ``numpy.random.default_rng(seed)`` from the dataset, raw features; kernels of
:mod:`sklearn.metrics.pairwise`), eigenvalues kept where ``λ_j > 1e-12·λ_1`` (the rest is
numerically zero), ``d`` = the number kept. Feature picture: ``φ(x_i) = √N diag(√λ) U_iᵀ`` gives
``φ(x_i)ᵀφ(x_l) = K_il`` and, for ``i`` uniform on the ``N`` points, ``E φφᵀ = diag(λ)`` exactly —
so sampling the points uniformly **with replacement** is a design with covariance ``Σ = diag(λ)``.

Kernel conventions (sklearn's): ``rbf exp(−γ‖x − x'‖²)``, ``laplacian exp(−γ‖x − x'‖₁)``,
``polynomial (γ xᵀx' + coef0)^degree``, ``linear xᵀx'``; ``gamma`` refers to the **raw** features
(digits: pixels 0..16, median squared distance ≈ 2400, so ``gamma = 1e-3`` is a useful rbf kernel
and ``0.02`` a near-identity one); absent, sklearn's default ``1/p``.

The decomposition is the costly part (``N = 1000``: ~1 s): cached in memory and on disk under
:func:`modelcollapse.numerics.datasets.cache_dir`, keyed by (dataset identity — its name or the
SHA-256 of an ``.npz`` —, kernel and parameters, N, seed), written atomically.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.datasets import atomic_save_npz, cache_dir, dataset_identity, load_dataset
from modelcollapse.numerics.spectra.base import Spectrum
from modelcollapse.numerics.spectra.design import DesignFields
from modelcollapse.numerics.validate import finite_positive, integer
from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["KernelSpectrum", "KernelDecomposition", "KERNELS", "RELATIVE_CUTOFF"]

KERNELS = ("rbf", "laplacian", "polynomial", "linear")
RELATIVE_CUTOFF = 1e-12  # eigenvalues of K/N below this fraction of the largest count as zero
_PARAMETERS = {"rbf": ("gamma",), "laplacian": ("gamma",), "polynomial": ("gamma", "degree", "coef0"), "linear": ()}
_CACHE_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class KernelDecomposition:
    """The ``N`` points, their labels and the kept eigenpairs of ``K/N`` (descending)."""

    points: np.ndarray  # N × p raw features
    labels: np.ndarray  # N integer labels
    eigenvalues: np.ndarray  # kept λ_j
    vectors: np.ndarray  # N × kept, orthonormal columns


@dataclass(frozen=True, kw_only=True)
class KernelSpectrum(DesignFields, Spectrum):
    """Eigenvalues of a kernel's matrix ``K/N`` on ``N`` points of a dataset (module docstring).

    Parameters
    ----------
    dataset : str
        ``"digits"`` (offline), ``"mnist"`` (OpenML, cached) or a path to an ``.npz`` with ``X``, ``y``.
    kernel : {"rbf", "laplacian", "polynomial", "linear"}
    gamma : float, optional
        ``> 0`` (rbf, laplacian, polynomial); absent: ``1/p``.
    degree : int, optional
        Polynomial degree ``>= 1`` (default 3).
    coef0 : float, optional
        Polynomial offset, finite (default 1).
    points : int
        ``N >= 2`` points drawn from the dataset (default 1000).
    seed : int
        Seed of the draw (default 0).
    design : {"real", "gaussian", "rademacher", "student_t"}
        What the simulator draws: the actual points (default) or a surrogate design of this spectrum.
    """

    KIND = "kernel"
    DEFAULT_DESIGN = "real"
    EXTRA_DESIGNS = ("real",)
    kind: str = "kernel"
    dataset: str = "digits"
    kernel: str = "rbf"
    gamma: float = None
    degree: int = None
    coef0: float = None
    points: int = 1000
    seed: int = 0

    def __post_init__(self):
        self._check_kind()
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ScenarioError("spectrum.dataset",
                                f"expected 'digits', 'mnist' or a path to an .npz, got {self.dataset!r}")
        if self.kernel not in KERNELS:
            raise ScenarioError("spectrum.kernel",
                                f"expected one of {', '.join(map(repr, KERNELS))}, got {self.kernel!r}"
                                f"{did_you_mean(self.kernel, KERNELS)}")
        allowed = _PARAMETERS[self.kernel]
        for key in ("gamma", "degree", "coef0"):
            if getattr(self, key) is not None and key not in allowed:
                raise ScenarioError(f"spectrum.{key}", f"not a parameter of kernel = {self.kernel!r} (it takes "
                                                       f"{', '.join(allowed) or 'none'})")
        if self.gamma is not None:
            object.__setattr__(self, "gamma", finite_positive("spectrum.gamma", self.gamma))
        if self.degree is not None:
            object.__setattr__(self, "degree", integer("spectrum.degree", self.degree, minimum=1))
        if self.coef0 is not None:
            if (
                isinstance(self.coef0, bool)
                or not isinstance(self.coef0, (int, float))
                or not math.isfinite(self.coef0)
            ):
                raise ScenarioError("spectrum.coef0", f"expected a finite number, got {self.coef0!r}")
            object.__setattr__(self, "coef0", float(self.coef0))
        object.__setattr__(self, "points", integer("spectrum.points", self.points, minimum=2))
        object.__setattr__(self, "seed", integer("spectrum.seed", self.seed, minimum=0))

    @classmethod
    def prepare(cls, table: dict) -> dict:
        return table  # no d: it is the number of kept eigenvalues

    def design_description(self) -> str:
        if self.design_name == "real":
            return f"real chain: kernel ridge on the {self.points} {self.dataset} points"
        return f"{self.design_name} surrogate of the kernel's spectrum"

    # -- the decomposition --------------------------------------------------------------------
    def kernel_parameters(self) -> dict:
        """The sklearn keyword arguments of the kernel (defaults filled in where sklearn's differ)."""
        params = {k: getattr(self, k) for k in _PARAMETERS[self.kernel] if getattr(self, k) is not None}
        if self.kernel == "polynomial":
            params.setdefault("degree", 3)
            params.setdefault("coef0", 1.0)
        return params

    def decomposition(self) -> KernelDecomposition:
        """Points, labels and kept eigenpairs (cached in memory and on disk)."""
        return _decompose(self.dataset, self.kernel, tuple(sorted(self.kernel_parameters().items())), self.points,
                          self.seed)

    def kernel_matrix(self) -> np.ndarray:
        """``K`` on the ``N`` points (the actual kernel, not its truncation to the kept spectrum)."""
        dec = self.decomposition()
        return _kernel(dec.points, self.kernel, self.kernel_parameters())

    @property
    def d(self) -> int:
        return len(self.decomposition().eigenvalues)

    @property
    def is_isotropic(self) -> bool:
        lam = self.decomposition().eigenvalues
        return bool(np.all(lam == lam[0]))

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        return backend.array(self.decomposition().eigenvalues)

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "dataset": self.dataset, "kernel": self.kernel}
        out.update({k: getattr(self, k) for k in ("gamma", "degree", "coef0") if getattr(self, k) is not None})
        out.update(points=self.points, seed=self.seed)
        return out


def _kernel(X: np.ndarray, kernel: str, params: dict) -> np.ndarray:
    from sklearn.metrics import pairwise

    return getattr(pairwise, f"{kernel}_kernel")(X, **params)


@lru_cache(maxsize=8)
def _decompose(dataset: str, kernel: str, params: tuple, N: int, seed: int) -> KernelDecomposition:
    X_all, labels_all = load_dataset(dataset)
    if N > len(X_all):
        raise ScenarioError("spectrum.points",
                            f"expected 2 <= points <= {len(X_all)} (the size of {dataset!r}), got {N}")
    idx = np.sort(np.random.default_rng(seed).choice(len(X_all), size=N, replace=False))
    X, labels = X_all[idx], labels_all[idx]
    key = json.dumps([_CACHE_VERSION, dataset_identity(dataset), kernel, params, N, seed])
    path = cache_dir() / f"kernel_{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz"
    lam = U = None
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                lam, U = f["eigenvalues"], f["vectors"]
        except (OSError, ValueError, KeyError):
            lam = U = None  # a damaged cache entry is recomputed and replaced
    if lam is None or U is None or U.shape[0] != N:
        K = _kernel(X, kernel, dict(params))
        lam, U = np.linalg.eigh((K + K.T) / (2 * N))
        lam, U = lam[::-1].copy(), U[:, ::-1].copy()
        try:
            atomic_save_npz(path, eigenvalues=lam, vectors=U)
        except OSError:
            pass  # an unwritable cache only costs time
    if not lam[0] > 0:
        raise ScenarioError("spectrum.kernel",
                            f"the kernel matrix on these points has no positive eigenvalue (largest {lam[0]:.3g})")
    keep = lam > RELATIVE_CUTOFF * lam[0]
    return KernelDecomposition(points=X, labels=labels, eigenvalues=lam[keep].copy(), vectors=U[:, keep].copy())
