"""One result type for every root finder (numerics/roots.py): root, iterations, residual, converged;
raising on failure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import FixedPointError
from modelcollapse.numerics.fixed_point import solve_kappa, solve_kappa_each
from modelcollapse.numerics.overparam import solve_kappa_hat
from modelcollapse.numerics.ridge_chain import solve_ridge_kappa_hat
from modelcollapse.numerics.roots import RootResult, brentq, illinois
from modelcollapse.numerics.sums import SpectralSums

LAM = np.arange(1, 61, dtype=float) ** -1.5


def _kappa_residual(k, ridge, T):
    return abs(k - ridge - k * np.sum(LAM / (LAM + k)) / T) / k


def test_every_finder_returns_a_root_result():
    sums = SpectralSums(LAM, None)
    plain = solve_kappa(sums, 1e-2, 40)
    grid = solve_kappa(sums, np.array([1e-3, 1e-2]), 40)
    each = solve_kappa_each(sums, np.array([1e-3, 1e-2]), np.array([40.0, 40.0]))
    ridgeless = solve_kappa(sums, 0.0, 40)
    hat = solve_kappa_hat(sums, 40, ridgeless.root)
    ridge_hat = solve_ridge_kappa_hat(sums, 1e-2, 40, plain.root)
    for r in (plain, grid, each, hat, ridge_hat):
        assert isinstance(r, RootResult) and r.converged is True
        assert r.iterations >= 1 and 0 <= r.residual < 1e-13
    assert _kappa_residual(float(plain.root), 1e-2, 40) < 1e-14
    np.testing.assert_array_equal(grid.root, each.root)  # the grid is the elementwise solve, raised on failure
    np.testing.assert_array_equal(each.converged_each, [True, True])
    assert each.iterations == int(each.iterations_each.max()) and each.residual == float(each.residual_each.max())
    assert float(ridge_hat.root) < float(plain.root) and float(hat.root) < float(ridgeless.root)
    assert plain.kappa is plain.root


def test_mpmath_results_carry_their_backend():
    b = Backend(dps=30)
    sums = SpectralSums(b.array(LAM), None, b)
    r = solve_kappa(sums, b.scalar("0.01"), 40)
    assert r.backend == b and isinstance(r.root, b.ctx.mpf)
    assert abs(float(r.root) - float(solve_kappa(SpectralSums(LAM, None), 1e-2, 40).root)) < 1e-15


def test_illinois_finds_a_root_and_raises_with_its_residual():
    r = illinois(lambda u: u ** 3 - 8, 0.0, -8.0, 3.0, 19.0, backend=FLOAT64, tol=1e-14, scale=8, max_iter=100,
                 what="cube root")
    assert r.root == pytest.approx(2.0, rel=1e-14) and r.residual <= 1e-14 / 8
    with pytest.raises(FixedPointError, match="cube root did not converge") as err:
        illinois(lambda u: u ** 3 - 8, 0.0, -8.0, 3.0, 19.0, backend=FLOAT64, tol=1e-14, scale=8, max_iter=2,
                 what="cube root")
    assert err.value.iterations == 2 and err.value.residual > 1e-3


def test_brentq_matches_scipy_and_raises_on_failure():
    import scipy.optimize

    def f(x):
        return math.cos(x) - x

    r = brentq(f, 0.0, 1.0, xtol=1e-15, rtol=1e-15, what="Dottie number")
    assert r.root == scipy.optimize.brentq(f, 0.0, 1.0, xtol=1e-15, rtol=1e-15)
    assert r.residual == abs(f(r.root)) and r.residual < 1e-15 and r.iterations >= 3
    with pytest.raises(FixedPointError, match="Dottie number did not converge"):
        brentq(f, 0.0, 1.0, xtol=1e-15, rtol=1e-15, max_iter=2, what="Dottie number")


def test_the_reused_contour_kappa_is_a_root_result_and_raises_with_its_residual():
    """The complex ``κ(−z)`` continued along the reused design's contour (numerics/reused_chain.py) returns a
    ``RootResult`` like every finder, each node's ``h(κ) = 1 − df_1/T0 − λ/κ`` checked here independently."""
    from modelcollapse.numerics.reused_chain import _kappa_along
    T0 = 40
    t = np.linspace(0, 1, 40)
    ridges = 0.5 * (0.02 / 0.5) ** t * np.exp(2j * t)  # a path into the complex plane, continued node by node
    r = _kappa_along(LAM, T0, ridges)
    assert isinstance(r, RootResult) and r.converged is True and r.root.shape == ridges.shape
    h = np.abs(1 - (LAM[None, :] / (LAM[None, :] + r.root[:, None])).sum(axis=1) / T0 - ridges / r.root)
    assert h.max() < 1e-13 and r.residual == pytest.approx(h.max(), abs=1e-15)
    np.testing.assert_allclose(r.residual_each, h, atol=1e-15)
    assert r.iterations == int(r.iterations_each.max()) >= 1
    real = solve_kappa(SpectralSums(LAM, None), 0.5, T0)  # the first node is on the real axis
    assert r.root[0].real == pytest.approx(float(real.root), rel=1e-13) and abs(r.root[0].imag) < 1e-15
    with pytest.raises(FixedPointError, match="contour node 0 .*did not converge") as err:
        _kappa_along(LAM, T0, ridges, max_iter=1)
    assert err.value.iterations == 1 and 0.1 < err.value.residual < 1
