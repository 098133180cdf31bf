"""Real datasets for kernel spectra (issue 14), loaded through scikit-learn, and the on-disk cache.

* ``"digits"``: :func:`sklearn.datasets.load_digits` (1797 × 64 raw pixels 0..16; ships with
  scikit-learn, offline).
* ``"mnist"``: :func:`sklearn.datasets.fetch_openml` ``mnist_784`` (70000 × 784), fetched once and
  converted to our own ``.npz`` under the cache directory; later loads read that file. Offline and
  not cached: :class:`ScenarioError` on ``spectrum.dataset``.
* a path to a file of your own (:data:`DATA_SUFFIXES`):

  - ``.npz`` with arrays ``X`` (N × p, finite) and ``y`` (N, integer labels);
  - ``.npy``, one 2-D array: the features are every column but the **last**, which holds the labels,
    unless ``[spectrum] labels`` names a second file (``.npy`` or ``.csv``, N integer labels), in
    which case every column is a feature;
  - ``.csv``, numbers separated by commas, one row per point, an optional header line: the label
    column is the one headed ``label``, ``labels``, ``y``, ``target`` or ``class`` (any case), else the
    last column — again unless ``labels`` names a second file.

  A relative path in a scenario file is resolved against that file's folder (``Scenario.from_toml``);
  in Python (``Scenario.from_dict``) against the current directory.

Cache directory (:func:`cache_dir`): ``$MODELCOLLAPSE_CACHE``, else ``$XDG_CACHE_HOME/modelcollapse``,
else ``~/.cache/modelcollapse``. Every file is written to a temporary name and renamed (complete or absent).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from modelcollapse.theory.errors import ScenarioError

__all__ = ["BUILTIN_DATASETS", "DATA_SUFFIXES", "LABEL_SUFFIXES", "LABEL_HEADERS", "cache_dir", "load_dataset",
           "dataset_identity", "dataset_size", "atomic_save_npz", "fetch_mnist", "is_data_path"]

BUILTIN_DATASETS = ("digits", "mnist")
DATA_SUFFIXES = (".npz", ".npy", ".csv")
LABEL_SUFFIXES = (".npy", ".csv")
LABEL_HEADERS = ("label", "labels", "y", "target", "class")
_KEY = "spectrum.dataset"
_LABELS_KEY = "spectrum.labels"


def is_data_path(text) -> bool:
    """Whether ``text`` names a data file (by its suffix) rather than a built-in dataset."""
    return isinstance(text, str) and text.lower().endswith(DATA_SUFFIXES)


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

    with warnings.catch_warnings():  # scikit-learn's retry/parser warnings would leak onto the user's stderr
        warnings.simplefilter("ignore")
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


def _checked(path: str, X: np.ndarray, y: np.ndarray, key: str = _KEY) -> tuple[np.ndarray, np.ndarray]:
    """Finite float64 features ``N × p`` (``N >= 2``, ``p >= 1``) and ``N`` integer labels, else a ScenarioError."""
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1 or y.shape != (X.shape[0],):
        raise ScenarioError(key, f"{path!r}: expected features of shape (N, p) with N >= 2, p >= 1 and N labels, "
                                 f"got {X.shape} and {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ScenarioError(_KEY, f"{path!r}: the features have non-finite entries")
    yf = np.asarray(y, dtype=np.float64) if y.dtype.kind in "iufb" else None
    if yf is None or not np.all(np.isfinite(yf)) or not np.all(yf == np.round(yf)):
        raise ScenarioError(key, f"{path!r}: the labels must be integers")
    return np.asarray(X, dtype=np.float64), yf.astype(np.int64)


def _read_csv(path: Path, key: str) -> tuple[np.ndarray, list]:
    """The numeric rows of a ``.csv`` (optional header line) and its header names (``[]`` if none)."""
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(key, f"cannot read {str(path)!r} as CSV text: {exc}") from None
    if not lines:
        raise ScenarioError(key, f"{str(path)!r} is empty")
    header = []
    first = [c.strip() for c in lines[0].split(",")]
    try:
        [float(c) for c in first]
    except ValueError:
        header, lines = [c.strip('"').strip("'") for c in first], lines[1:]
    try:
        rows = np.array([[float(c) for c in ln.split(",")] for ln in lines], dtype=np.float64)
    except ValueError as exc:
        raise ScenarioError(key, f"{str(path)!r}: every row after the header must be numbers separated by commas "
                                 f"({exc})") from None
    if rows.ndim != 2:
        raise ScenarioError(key, f"{str(path)!r}: the rows do not all have the same number of columns")
    if header and len(header) != rows.shape[1]:
        raise ScenarioError(key, f"{str(path)!r}: the header names {len(header)} columns, "
                                 f"the rows have {rows.shape[1]}")
    return rows, header


def _read_labels(labels: str) -> np.ndarray:
    path = Path(labels).expanduser()
    if not labels.lower().endswith(LABEL_SUFFIXES):
        raise ScenarioError(_LABELS_KEY, f"expected a path to a .npy or .csv file of N integer labels, got {labels!r}")
    if not path.is_file():
        raise ScenarioError(_LABELS_KEY, f"no such file {labels!r}")
    if labels.lower().endswith(".npy"):
        try:
            y = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ScenarioError(_LABELS_KEY, f"cannot read {labels!r} as an .npy: {exc}") from None
    else:
        rows, _ = _read_csv(path, _LABELS_KEY)
        y = rows
    y = np.asarray(y)
    return y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y


def _split_last(path: str, table: np.ndarray, label_column: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    if table.ndim != 2 or table.shape[1] < 2:
        raise ScenarioError(_KEY, f"{path!r}: expected a 2-D table of features and a label column (or "
                                  f"spectrum.labels naming the labels' file), got shape {table.shape}")
    j = table.shape[1] - 1 if label_column is None else label_column
    return np.delete(table, j, axis=1), table[:, j]


def load_dataset(dataset: str, labels: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, labels)``: float64 features (raw, unscaled) and integer labels (the rules: module docstring)."""
    if dataset == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    if dataset == "mnist":
        return _read_npz(fetch_mnist())
    if not is_data_path(dataset):
        raise ScenarioError(_KEY, f"expected 'digits', 'mnist' or a path to an .npz, .npy or .csv file, "
                                  f"got {dataset!r}")
    path = Path(dataset).expanduser()
    if not path.is_file():
        raise ScenarioError(_KEY, f"no such file {dataset!r}")
    suffix = dataset.lower().rsplit(".", 1)[-1]
    if suffix == "npz":
        if labels is not None:
            raise ScenarioError(_LABELS_KEY, "an .npz dataset holds its labels ('y'); spectrum.labels is for .npy/.csv")
        return _read_npz(path)
    if suffix == "npy":
        try:
            table = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ScenarioError(_KEY, f"cannot read {dataset!r} as an .npy: {exc}") from None
        if table.dtype.kind not in "iufb":
            raise ScenarioError(_KEY, f"{dataset!r}: expected a numeric array, got dtype {table.dtype}")
        if labels is not None:
            return _checked(dataset, np.asarray(table), _read_labels(labels), _LABELS_KEY)
        return _checked(dataset, *_split_last(dataset, np.asarray(table)))
    table, header = _read_csv(path, _KEY)
    if labels is not None:
        return _checked(dataset, table, _read_labels(labels), _LABELS_KEY)
    named = [j for j, h in enumerate(header) if h.lower() in LABEL_HEADERS]
    return _checked(dataset, *_split_last(dataset, table, named[0] if named else None))


@lru_cache(maxsize=32)
def dataset_size(dataset: str, labels: str | None = None, stamp: float = 0.0) -> int:
    """The number of points ``N`` of a dataset (``stamp``: the file's modification time, a cache key)."""
    if dataset == "digits":
        return 1797
    return len(load_dataset(dataset, labels)[0])


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(Path(path).expanduser(), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def dataset_identity(dataset: str, labels: str | None = None) -> str:
    """A cache-key part: the name of a built-in dataset, or the SHA-256 of a file's content (and of its labels')."""
    if dataset in BUILTIN_DATASETS:
        return dataset
    return _sha256(dataset) + ("" if labels is None else "+labels:" + _sha256(labels))
