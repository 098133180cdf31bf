"""Kernel spectra from real data, label teachers, the MNIST path (no network), the real chain (issue 14)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelcollapse.numerics import datasets
from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.numerics.spectra import kernel as kernel_module


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELCOLLAPSE_CACHE", str(tmp_path / "cache"))
    kernel_module._decompose.cache_clear()
    yield
    kernel_module._decompose.cache_clear()


def _tiny_npz(tmp_path, N=60, p=8, seed=0):
    rng = np.random.default_rng(seed)
    path = tmp_path / "tiny.npz"
    np.savez(path, X=rng.random((N, p)), y=rng.integers(0, 10, N))
    return path


def _scenario(spectrum, *, teacher=None, n=1, T0=30, ridge0=1e-2, T=30, ridge=1e-2):
    gen = {"n": n, "T0": T0, "sigma0": 0.5, "ridge": ridge0} if n else {"n": 0}
    return Scenario.from_dict({"spectrum": spectrum, "teacher": teacher or {"kind": "labels", "target": "parity"},
                               "generators": gen, "downstream": {"T": T, "sigma": 0.5, "ridge": ridge}})


def test_npz_dataset_spectrum_coefficients_and_outside_fraction(tmp_path):
    path = _tiny_npz(tmp_path)
    spec = {"kind": "kernel", "dataset": str(path), "kernel": "rbf", "gamma": 0.5, "points": 50}
    sc = _scenario(spec)
    sp_, teacher = sc.spectrum, sc.teacher
    dec = sp_.decomposition()
    # independent recomputation: K/N by hand
    with np.load(path) as f:
        X, y = f["X"], f["y"]
    idx = np.sort(np.random.default_rng(0).choice(60, size=50, replace=False))
    Xs = X[idx]
    K = np.exp(-0.5 * ((Xs[:, None, :] - Xs[None, :, :]) ** 2).sum(-1))
    lam = np.sort(np.linalg.eigvalsh(K / 50))[::-1]
    np.testing.assert_allclose(sp_.eigenvalues(), lam[lam > 1e-12 * lam[0]], rtol=1e-9, atol=1e-15)
    target = np.where(y[idx] % 2 == 0, 1.0, -1.0)
    # λ_j c_j² sums to ‖f*‖²/N = (1 − outside) ‖y‖²/N
    w = teacher.weights(sp_)
    assert w.sum() == pytest.approx((1 - teacher.outside_fraction(sp_)) * (target @ target) / 50, rel=1e-10)
    fstar = teacher.target_in_span(sp_)
    np.testing.assert_allclose(math.sqrt(50) * dec.vectors @ (np.sqrt(dec.eigenvalues) * teacher.coefficients(sp_)),
                               fstar, atol=1e-10)
    assert any("outside the kept spectrum" in note for note in predict(sc).notes)


def test_linear_kernel_reports_the_target_outside_its_span(tmp_path):
    path = _tiny_npz(tmp_path, N=60, p=5)
    sc = _scenario({"kind": "kernel", "dataset": str(path), "kernel": "linear", "points": 60}, n=0, T=40)
    assert sc.d == 5  # rank of a linear kernel on 5 features
    outside = sc.teacher.outside_fraction(sc.spectrum)
    assert 0.3 < outside < 1  # ±1 labels are far from linear in 5 random features


def test_cache_is_written_atomically_and_reused(tmp_path, monkeypatch):
    path = _tiny_npz(tmp_path)
    spec = {"kind": "kernel", "dataset": str(path), "kernel": "laplacian", "gamma": 0.3, "points": 40}
    first = _scenario(spec).spectrum.eigenvalues()
    files = list((tmp_path / "cache").glob("kernel_*.npz"))
    assert len(files) == 1 and not list((tmp_path / "cache").glob("*.tmp*"))
    kernel_module._decompose.cache_clear()
    monkeypatch.setattr(np.linalg, "eigh", lambda *a, **k: (_ for _ in ()).throw(AssertionError("recomputed")))
    np.testing.assert_array_equal(_scenario(spec).spectrum.eigenvalues(), first)
    # a different file content is a different key
    _tiny_npz(tmp_path, seed=1)
    kernel_module._decompose.cache_clear()
    monkeypatch.undo()
    monkeypatch.setenv("MODELCOLLAPSE_CACHE", str(tmp_path / "cache"))
    _scenario(spec).spectrum.eigenvalues()
    assert len(list((tmp_path / "cache").glob("kernel_*.npz"))) == 2


@pytest.mark.parametrize("spec, key", [
    ({"kernel": "sigmoid"}, "spectrum.kernel"),
    ({"kernel": "rbf", "gamma": -1.0}, "spectrum.gamma"),
    ({"kernel": "linear", "gamma": 0.1}, "spectrum.gamma"),
    ({"kernel": "rbf", "degree": 2}, "spectrum.degree"),
    ({"kernel": "polynomial", "degree": 0}, "spectrum.degree"),
    ({"points": 1}, "spectrum.points"),
    ({"points": 5000}, "spectrum.points"),
    ({"dataset": "nonexistent.npz"}, "spectrum.dataset"),
    ({"dataset": "cifar"}, "spectrum.dataset"),
    ({"d": 10}, "spectrum.d"),
    ({"design": "student_t"}, "spectrum.df"),
])
def test_bad_kernel_keys_are_typed_errors(spec, key):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        sc = _scenario({"kind": "kernel", "dataset": "digits", "points": 100, **spec}, n=0)
        sc.spectrum.eigenvalues()


def test_label_teacher_validation():
    with pytest.raises(ScenarioError, match="teacher.target"):
        _scenario({"kind": "kernel", "points": 100}, teacher={"kind": "labels", "target": "odd"}, n=0)
    with pytest.raises(ScenarioError, match="teacher.kind"):
        _scenario({"kind": "isotropic", "d": 10}, n=0)
    with pytest.raises(ScenarioError, match="teacher.target"):
        sc = _scenario({"kind": "kernel", "points": 100}, teacher={"kind": "labels", "target": "class:42"}, n=0)
        predict(sc)


def test_mnist_is_fetched_once_converted_and_cached(tmp_path, monkeypatch):
    calls = []

    def fake_openml(**kwargs):
        calls.append(kwargs)
        rng = np.random.default_rng(0)
        return rng.random((80, 6)), np.array([str(v) for v in rng.integers(0, 10, 80)], dtype=object)

    monkeypatch.setattr(datasets, "_openml", fake_openml)
    sc = _scenario({"kind": "kernel", "dataset": "mnist", "kernel": "rbf", "gamma": 0.5, "points": 50}, n=0)
    assert sc.d >= 1 and len(calls) == 1
    assert calls[0]["name"] == "mnist_784" and calls[0]["data_home"].startswith(str(tmp_path / "cache"))
    assert (tmp_path / "cache" / "mnist_784.npz").is_file()
    X, y = datasets.load_dataset("mnist")  # from our .npz, no second fetch
    assert X.shape == (80, 6) and y.dtype.kind == "i" and len(calls) == 1


def test_mnist_offline_and_not_cached_is_a_typed_error(monkeypatch):
    def offline(**kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(datasets, "_openml", offline)
    with pytest.raises(ScenarioError, match="spectrum.dataset.*mnist.*not cached"):
        datasets.load_dataset("mnist")


def test_kernel_ridge_convention_is_sklearn_alpha_T0_lambda0(tmp_path):
    """α = (K_SS/T0 + λ0)⁻¹Y/T0 equals KernelRidge(alpha = T0·λ0) (the independent library)."""
    from sklearn.kernel_ridge import KernelRidge

    from modelcollapse.numerics.simulate_kernel import _smoother

    rng = np.random.default_rng(2)
    X = rng.random((40, 3))
    K = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    S = rng.integers(0, 40, size=25)
    Y = rng.standard_normal(25)
    ours = _smoother(K, S, 0.03) @ Y
    theirs = KernelRidge(alpha=25 * 0.03, kernel="precomputed").fit(K[np.ix_(S, S)], Y).predict(K[:, S])
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_real_chain_estimators_agree(tmp_path):
    path = _tiny_npz(tmp_path, N=80, p=6)
    spec = {"kind": "kernel", "dataset": str(path), "kernel": "rbf", "gamma": 0.5, "points": 80}
    sc = _scenario(spec, n=2, T0=30, T=30)
    a = simulate(sc, trials=600, seed=1, estimator="plain")
    b = simulate(sc, trials=200, seed=2)
    assert abs(a.mean - b.mean) < 4 * math.hypot(a.stderr, b.stderr)


@pytest.mark.slow
@pytest.mark.parametrize("n", [0, 2])
def test_digits_real_chain_and_gaussian_surrogate_agree_with_theory(n):
    """Digits, rbf γ = 1e-3, λ0 = λ = 1e-2 (FINDINGS: real within 0.5%, surrogate within 0.5%): 4·SE + 3%."""
    spec = {"kind": "kernel", "dataset": "digits", "kernel": "rbf", "gamma": 1e-3, "points": 400}
    sc = _scenario(spec, n=n, T0=200, T=200, ridge0=1e-2, ridge=1e-2)
    theory = float(predict(sc).test_error)
    for design, trials in (("real", 40), ("gaussian", 12)):
        s = Scenario.from_dict({**sc.to_dict(), "spectrum": {**spec, "design": design}})
        sim = simulate(s, trials=trials, seed=5)
        assert abs(theory - sim.mean) <= 4 * sim.stderr + 0.03 * sim.mean, (design, theory, sim.mean, sim.stderr)


def test_shipped_kernel_scenario_predicts_offline():
    from modelcollapse.derivations.scenario_files import builtin

    sc = builtin("kernel_digits").scenario
    assert sc.spectrum.design_name == "real" and sc.generators.has_ridge
    p = predict(sc)
    assert p.regime == "ridge_generators" and 0 < p.test_error < 2
