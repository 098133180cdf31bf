"""Real datasets for kernel spectra (issue 14), loaded through scikit-learn, and the on-disk cache.

* ``"digits"``: :func:`sklearn.datasets.load_digits` (1797 × 64 raw pixels 0..16; ships with
  scikit-learn, offline).
* ``"mnist"``: :func:`sklearn.datasets.fetch_openml` ``mnist_784`` (70000 × 784), fetched once and
  converted to our own ``.npz`` under the cache directory; later loads read that file. Offline and
  not cached: :class:`ScenarioError` on ``spectrum.dataset``.
* a path to an ``.npz`` with arrays ``X`` (N × p, finite) and ``y`` (N, integer labels).

Cache directory (:func:`cache_dir`): ``$MODELCOLLAPSE_CACHE``, else ``$XDG_CACHE_HOME/modelcollapse``,
else ``~/.cache/modelcollapse``. Every file is written to a temporary name and renamed (complete or absent).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from modelcollapse.theory.errors import ScenarioError

__all__ = ["BUILTIN_DATASETS", "cache_dir", "load_dataset", "dataset_identity", "atomic_save_npz", "fetch_mnist"]

BUILTIN_DATASETS = ("digits", "mnist")
_KEY = "spectrum.dataset"


def cache_dir() -> Path:
    """Where decompositions and converted datasets are cached (see the module docstring)."""
    env = os.environ.get("MODELCOLLAPSE_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "modelcollapse"


def atomic_save_npz(path: Path, **arrays) -> None:
    """``numpy.savez`` to a temporary file in the same directory, then rename: complete or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp.npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _openml(**kwargs):
    """:func:`sklearn.datasets.fetch_openml` (one seam, so the tests can replace it without the network)."""
    from sklearn.datasets import fetch_openml

    return fetch_openml(**kwargs)


def fetch_mnist() -> Path:
    """The path of the cached MNIST ``.npz`` (X float32 70000 × 784, y int), fetching it once.

    Raises
    ------
    ScenarioError
        Not cached and the download failed (offline).
    """
    target = cache_dir() / "mnist_784.npz"
    if target.exists():
        return target
    home = str(cache_dir() / "openml")
    try:
        X, y = _openml(name="mnist_784", version=1, return_X_y=True, as_frame=False, parser="liac-arff",
                       data_home=home, n_retries=1, delay=1.0)
    except Exception as exc:  # URLError, OSError, HTTPError...: all mean "not available here"
        raise ScenarioError(
            _KEY,
            f"'mnist' is not cached under {str(cache_dir())!r} and could not be downloaded "
            f"({type(exc).__name__}: {exc}); run once online, or give an .npz with X and y",
        ) from None
    atomic_save_npz(target, X=np.asarray(X, dtype=np.float32), y=np.asarray(y).astype(np.int64))
    return target


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            if "X" not in f or "y" not in f:
                raise ScenarioError(_KEY,
                                    f"{str(path)!r} must hold arrays 'X' (N x p) and 'y' (N,), has {sorted(f.files)}")
            X, y = np.asarray(f["X"], dtype=np.float64), np.asarray(f["y"])
    except (OSError, ValueError) as exc:
        raise ScenarioError(_KEY, f"cannot read {str(path)!r} as an .npz: {exc}") from None
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] < 2:
        raise ScenarioError(_KEY, f"{str(path)!r}: expected X of shape (N, p) with N >= 2 and y of shape (N,), "
                                  f"got {X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ScenarioError(_KEY, f"{str(path)!r}: X has non-finite entries")
    if not np.issubdtype(y.dtype, np.integer) and not np.all(np.asarray(y, float) == np.round(np.asarray(y, float))):
        raise ScenarioError(_KEY, f"{str(path)!r}: y must hold integer labels")
    return X, np.asarray(y).astype(np.int64)


def load_dataset(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, labels)``: float64 features (raw, unscaled) and integer labels."""
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    if dataset == "mnist":
        return _read_npz(fetch_mnist())
    if isinstance(dataset, str) and dataset.endswith(".npz"):
        path = Path(dataset).expanduser()
        if not path.is_file():
            raise ScenarioError(_KEY, f"no such file {dataset!r}")
        return _read_npz(path)
    raise ScenarioError(_KEY, f"expected 'digits', 'mnist' or a path to an .npz with X and y, got {dataset!r}")


def dataset_identity(dataset: str) -> str:
    """A cache-key part: the name of a built-in dataset, or the SHA-256 of an ``.npz`` file's content."""
    if dataset in BUILTIN_DATASETS:
        return dataset
    digest = hashlib.sha256()
    with open(Path(dataset).expanduser(), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()
