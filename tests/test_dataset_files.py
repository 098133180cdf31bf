"""Issue 22 item 4: real data of one's own — .npy, .csv and .npz files, paths relative to the scenario
file, ``points`` defaulting to ``min(1000, N)``, ``standardize``, a warning for a nearly degenerate
kernel, and no scikit-learn warning on the offline MNIST path."""

from __future__ import annotations

import urllib.error
import warnings

import numpy as np
import pytest
import tomli_w
from sklearn.datasets import load_wine

from modelcollapse.numerics import datasets
from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra import kernel as kernel_module


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELCOLLAPSE_CACHE", str(tmp_path / "cache"))
    kernel_module._decompose.cache_clear()
    datasets.dataset_size.cache_clear()
    yield
    kernel_module._decompose.cache_clear()


def _table(spectrum: dict) -> dict:
    return {"spectrum": {"kind": "kernel", "kernel": "rbf", **spectrum},
            "teacher": {"kind": "labels", "target": "class:0"},
            "generators": {"n": 0}, "downstream": {"T": 100, "sigma": 0.1, "ridge": 0.01}}


@pytest.fixture
def wine(tmp_path):
    X, y = load_wine(return_X_y=True)  # 178 points, 13 raw features (proline ~ 10^3), 3 classes
    folder = tmp_path / "data"
    folder.mkdir()
    np.savez(folder / "wine.npz", X=X, y=y)
    np.save(folder / "features.npy", X)
    np.save(folder / "labels.npy", y)
    np.save(folder / "table.npy", np.column_stack([X, y]))  # labels in the last column
    header = ",".join(["label"] + [f"f{j}" for j in range(13)])  # labels first, named in the header
    np.savetxt(folder / "named.csv", np.column_stack([y, X]), delimiter=",", header=header, comments="")
    np.savetxt(folder / "plain.csv", np.column_stack([X, y]), delimiter=",")  # no header: the last column
    return folder, X, y


def test_every_format_gives_the_same_spectrum_and_labels(wine):
    folder, X, y = wine
    spectra = {}
    for spec in ({"dataset": "wine.npz"}, {"dataset": "table.npy"}, {"dataset": "features.npy", "labels": "labels.npy"},
                 {"dataset": "named.csv"}, {"dataset": "plain.csv"}):
        spec = {k: str(folder / v) for k, v in spec.items()}
        s = Scenario.from_dict(_table({**spec, "gamma": 1e-4}))
        dec = s.spectrum.decomposition()
        assert s.spectrum.points == 178  # min(1000, N): 1000 would not fit a 178-point dataset
        assert dec.points.shape == (178, 13) and sorted(dec.labels.tolist()) == sorted(y.tolist())
        spectra[spec["dataset"]] = s.spectrum.eigenvalues()
    # the same draw of the same points: every file gives the .npz's spectrum (independently: K/N by hand)
    K = np.exp(-1e-4 * ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)) / 178
    lam = np.sort(np.linalg.eigvalsh(K))[::-1]
    for name, values in spectra.items():
        np.testing.assert_allclose(values, lam[lam > 1e-12 * lam[0]], rtol=1e-9, atol=1e-14, err_msg=name)


def test_relative_paths_resolve_against_the_scenario_file(wine, tmp_path, monkeypatch):
    folder, _, _ = wine
    path = folder / "wine.toml"
    path.write_text(tomli_w.dumps(_table({"dataset": "features.npy", "labels": "labels.npy", "gamma": 1e-4})))
    monkeypatch.chdir(tmp_path)  # not the file's folder: the old rule (the current directory) would fail
    s = Scenario.from_toml(path)
    assert s.spectrum.dataset == str(folder / "features.npy") and s.spectrum.labels == str(folder / "labels.npy")
    assert predict(s).test_error > 0
    with pytest.raises(ScenarioError, match="spectrum.dataset: no such file"):
        Scenario.from_dict(_table({"dataset": "features.npy"}))  # Python: the current directory


def test_bad_files_name_the_key(wine):
    folder, X, _ = wine
    np.save(folder / "one_column.npy", X[:, :1])
    (folder / "ragged.csv").write_text("1,2,3\n4,5\n")
    np.save(folder / "fractional.npy", np.column_stack([X, np.full(178, 0.5)]))
    cases = [({"dataset": str(folder / "missing.csv")}, "spectrum.dataset: no such file"),
             ({"dataset": str(folder / "one_column.npy")}, "spectrum.dataset: .*a label column"),
             ({"dataset": str(folder / "ragged.csv")}, "spectrum.dataset: .*numbers separated by commas"),
             ({"dataset": str(folder / "fractional.npy")}, "spectrum.dataset: .*labels must be integers"),
             ({"dataset": str(folder / "wine.npz"), "labels": str(folder / "labels.npy")}, "spectrum.labels"),
             ({"dataset": "digits", "standardize": "yes"}, "spectrum.standardize: expected true or false")]
    for spec, message in cases:
        with pytest.raises(ScenarioError, match=message):
            Scenario.from_dict(_table(spec)).spectrum.decomposition()


def test_standardize_and_the_degenerate_kernel_warning(wine):
    folder, X, _ = wine
    raw = Scenario.from_dict(_table({"dataset": str(folder / "wine.npz")}))  # default gamma = 1/p on raw features
    notes = [n for n in predict(raw).notes if n.startswith("spectrum.gamma")]
    assert len(notes) == 1 and "nearly the identity" in notes[0] and "standardize" in notes[0]
    assert predict(raw).clean_error > 0.5  # the symptom: the clean error stays near the null predictor's 0.64
    std = Scenario.from_dict(_table({"dataset": str(folder / "wine.npz"), "standardize": True}))
    Z = (X - X.mean(0)) / X.std(0)
    K = np.exp(-((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1) / 13) / 178
    lam = np.sort(np.linalg.eigvalsh(K))[::-1]
    np.testing.assert_allclose(std.spectrum.eigenvalues(), lam[lam > 1e-12 * lam[0]], rtol=1e-9, atol=1e-14)
    assert not [n for n in predict(std).notes if n.startswith("spectrum.")]
    assert predict(std).clean_error < 0.2  # standardized, the same kernel learns the class
    assert std.to_dict()["spectrum"]["standardize"] is True and "standardize" not in raw.to_dict()["spectrum"]
    flat = Scenario.from_dict(_table({"dataset": str(folder / "wine.npz"), "gamma": 1e-9}))
    assert any("nearly constant" in n for n in predict(flat).notes)


def test_offline_mnist_leaks_no_scikit_learn_warning(monkeypatch):
    import sklearn.datasets._openml as openml

    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline (test)")

    monkeypatch.setattr(openml, "urlopen", offline)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ScenarioError, match="spectrum.dataset: 'mnist' is not cached"):
            datasets.fetch_mnist()
    assert [str(w.message) for w in caught] == []
