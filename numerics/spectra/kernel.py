"""``kind = "kernel"``: the spectrum of a kernel on ``N`` points of a real dataset (THEORY.md §3.8).

``K/N = U diag(λ) Uᵀ`` (``K_il = k(x_i, x_l)`` on ``points = N`` points drawn without replacement
by ``numpy.random.default_rng(seed)`` from the dataset — default ``min(1000, size of the dataset)`` —,
raw features, or with ``standardize = true`` each feature centred and scaled to unit variance over
the whole dataset (constant features left at 0); kernels of
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
SHA-256 of a file —, kernel and parameters, N, seed, standardization), written atomically.

A nearly degenerate kernel is noted on every prediction (:meth:`KernelSpectrum.notes`, naming the
key): an effective rank ``(Σλ)²/Σλ²`` of at least :data:`NEAR_IDENTITY` ``N`` means ``K ≈ I`` (every
point far from every other: ``gamma`` too large for the features' scale, e.g. the default ``1/p`` on
raw wine features, effective rank 0.98 N, where the clean error stays near the null predictor's), a
top eigenvalue of at least :data:`NEAR_CONSTANT` of the trace means ``K ≈`` constant (``gamma`` too small).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.datasets import (
    atomic_save_npz,
    cache_dir,
    dataset_identity,
    dataset_size,
    is_data_path,
    load_dataset,
)
from modelcollapse.numerics.spectra.base import Spectrum
from modelcollapse.numerics.spectra.design import DesignFields
from modelcollapse.numerics.validate import finite_positive, integer
from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["KernelSpectrum", "KernelDecomposition", "KERNELS", "RELATIVE_CUTOFF", "DEFAULT_POINTS", "NEAR_IDENTITY",
           "NEAR_CONSTANT"]

KERNELS = ("rbf", "laplacian", "polynomial", "linear")
RELATIVE_CUTOFF = 1e-12  # eigenvalues of K/N below this fraction of the largest count as zero
_PARAMETERS = {"rbf": ("gamma",), "laplacian": ("gamma",), "polynomial": ("gamma", "degree", "coef0"), "linear": ()}
_CACHE_VERSION = 1
DEFAULT_POINTS = 1000  # points drawn when the scenario says nothing: min(1000, N)
NEAR_IDENTITY = 0.9  # effective rank / N at or above this: K ≈ I (digits γ = 0.02: 0.999; γ = 1e-3: 0.04)
NEAR_CONSTANT = 0.95  # top eigenvalue / trace at or above this: K ≈ a constant matrix
# The real chain (design = "real") against the Gaussian theory: universality on N atoms, measured on the
# held-out table of benchmarks/bench_accuracy.py (breast cancer standardized and digits, rbf, N = 400,
# T0 = T = 200, n = 0 and 2: within 2.2% at ridges >= 1e-2; 5.4% and 13.1% low at 1e-3) and THEORY.md 3.8.
REAL_DATA_RIDGE = 1e-2  # every ridge (downstream and generators) at least this: the smaller allowance
REAL_DATA_ALLOWANCE = 0.025
REAL_DATA_SENTENCE = ("real data: the Gaussian theory by universality, measured within 2.5% of the real chain at "
                      "ridges >= 1e-2 (digits, breast cancer; N = 400–1000)")
REAL_DATA_SMALL_RIDGE_ALLOWANCE = 0.14
REAL_DATA_SMALL_RIDGE_SENTENCE = ("real data: the Gaussian theory by universality, measured up to 13.1% below the real "
                                  "chain at a ridge of 1e-3 (digits N = 400; universality fails at small ridge)")


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
        ``"digits"`` (offline), ``"mnist"`` (OpenML, cached) or a path to an ``.npz`` (``X``, ``y``), ``.npy`` or
        ``.csv`` file (:mod:`modelcollapse.numerics.datasets`: labels in the last or ``label`` column).
    labels : str, optional
        A second file (``.npy`` or ``.csv``) with the ``N`` integer labels of an ``.npy``/``.csv`` dataset;
        then every column of the dataset is a feature.
    standardize : bool
        Centre and scale every feature to unit variance (over the whole dataset) before the kernel (default false).
    kernel : {"rbf", "laplacian", "polynomial", "linear"}
    gamma : float, optional
        ``> 0`` (rbf, laplacian, polynomial); absent: ``1/p``.
    degree : int, optional
        Polynomial degree ``>= 1`` (default 3).
    coef0 : float, optional
        Polynomial offset, finite (default 1).
    points : int
        ``N >= 2`` points drawn from the dataset (default ``min(1000, size of the dataset)``).
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
    points: int = None
    seed: int = 0
    labels: str = None
    standardize: bool = False

    def __post_init__(self):
        self._check_kind()
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ScenarioError("spectrum.dataset",
                                f"expected 'digits', 'mnist' or a path to an .npz, .npy or .csv file, "
                                f"got {self.dataset!r}")
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
        if self.labels is not None and (not isinstance(self.labels, str) or not self.labels):
            raise ScenarioError("spectrum.labels",
                                f"expected a path to a .npy or .csv file of labels, got {self.labels!r}")
        if self.labels is not None and not (is_data_path(self.dataset) and not self.dataset.lower().endswith(".npz")):
            raise ScenarioError("spectrum.labels", "only a .npy or .csv dataset takes a labels file")
        if not isinstance(self.standardize, bool):
            raise ScenarioError("spectrum.standardize", f"expected true or false, got {self.standardize!r}")
        object.__setattr__(self, "seed", integer("spectrum.seed", self.seed, minimum=0))
        if self.points is None:  # min(1000, N): reading the dataset's size names spectrum.dataset if it is bad
            object.__setattr__(self, "points", min(DEFAULT_POINTS, self._dataset_size()))
        object.__setattr__(self, "points", integer("spectrum.points", self.points, minimum=2))

    def _dataset_size(self) -> int:
        stamp = 0.0
        if is_data_path(self.dataset):
            path = Path(self.dataset).expanduser()
            stamp = path.stat().st_mtime if path.is_file() else 0.0
        return dataset_size(self.dataset, self.labels, stamp)

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
                          self.seed, self.labels, self.standardize)

    def kernel_matrix(self) -> np.ndarray:
        """``K`` on the ``N`` points (the actual kernel, not its truncation to the kept spectrum)."""
        dec = self.decomposition()
        return _kernel(dec.points, self.kernel, self.kernel_parameters())

    def design_accuracy(self, scenario) -> tuple[float, str] | None:
        """The real chain's measured gap to the Gaussian theory (universality on real points; THEORY.md 3.8)."""
        if self.design_name != "real":
            return super().design_accuracy(scenario)
        gen = scenario.generators
        ridges = [scenario.ridge, *(r for r in gen.ridge[:gen.n] if r > 0)] if gen.n else [scenario.ridge]
        if min(ridges) >= REAL_DATA_RIDGE:
            return REAL_DATA_ALLOWANCE, REAL_DATA_SENTENCE
        return REAL_DATA_SMALL_RIDGE_ALLOWANCE, REAL_DATA_SMALL_RIDGE_SENTENCE

    def notes(self) -> tuple[str, ...]:
        """A warning when the kernel is nearly degenerate on these points (module docstring), naming the key."""
        lam = self.decomposition().eigenvalues
        N = self.points
        rank = float(lam.sum() ** 2 / (lam * lam).sum())
        top = float(lam[0] / lam.sum())
        key = "spectrum.gamma" if "gamma" in _PARAMETERS[self.kernel] else "spectrum.kernel"
        gamma = (f"gamma = {self.gamma:g}" if self.gamma is not None else
                 f"gamma absent, so 1/p = {1 / self.decomposition().points.shape[1]:.3g}")
        scale = "" if self.standardize else "; or set spectrum.standardize = true"
        if rank < NEAR_IDENTITY * N and top < NEAR_CONSTANT:
            return ()  # (before the hint: its pairwise distances cost ~30 ms, paid only for a note)
        hint = self._gamma_hint()
        if rank >= NEAR_IDENTITY * N:
            return (f"{key}: the kernel matrix is nearly the identity on these points (effective rank {rank:.0f} of "
                    f"N = {N}; {gamma}): every point looks far from every other, and no ridge can learn much from "
                    f"them; use a smaller gamma{hint}{scale}",)
        if top >= NEAR_CONSTANT:
            return (f"{key}: the kernel matrix is nearly constant on these points (its top eigenvalue holds "
                    f"{top:.1%} of the trace; {gamma}); use a larger gamma{hint}{scale}",)
        return ()

    def _gamma_hint(self) -> str:
        """`` (about 1/median distance = …)`` for rbf and laplacian kernels."""
        if self.kernel not in ("rbf", "laplacian"):
            return ""
        X = self.decomposition().points[:300]
        diff = X[:, None, :] - X[None, :, :]
        dist = (diff * diff).sum(-1) if self.kernel == "rbf" else np.abs(diff).sum(-1)
        median = float(np.median(dist[np.triu_indices(len(X), 1)]))
        what = "squared distance" if self.kernel == "rbf" else "L1 distance"
        return f" (about 1/median {what} = {1 / median:.3g})" if median > 0 else ""

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
        if self.labels is not None:
            out["labels"] = self.labels
        if self.standardize:
            out["standardize"] = True
        return out


def _kernel(X: np.ndarray, kernel: str, params: dict) -> np.ndarray:
    from sklearn.metrics import pairwise

    return getattr(pairwise, f"{kernel}_kernel")(X, **params)


def _standardized(X: np.ndarray) -> np.ndarray:
    """Each column centred and divided by its standard deviation (constant columns: 0)."""
    centred = X - X.mean(axis=0)
    std = X.std(axis=0)
    return centred / np.where(std > 0, std, 1.0)


@lru_cache(maxsize=8)
def _decompose(dataset: str, kernel: str, params: tuple, N: int, seed: int, labels_file: str | None = None,
               standardize: bool = False) -> KernelDecomposition:
    X_all, labels_all = load_dataset(dataset, labels_file)
    if standardize:
        X_all = _standardized(X_all)
    if N > len(X_all):
        raise ScenarioError("spectrum.points",
                            f"expected 2 <= points <= {len(X_all)} (the size of {dataset!r}), got {N}")
    idx = np.sort(np.random.default_rng(seed).choice(len(X_all), size=N, replace=False))
    X, labels = X_all[idx], labels_all[idx]
    key = json.dumps([_CACHE_VERSION, dataset_identity(dataset, labels_file), kernel, params, N, seed]
                     + (["standardize"] if standardize else []))  # old cache keys unchanged
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
