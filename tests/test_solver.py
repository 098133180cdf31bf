"""The effective-ridge solver: float64 vs mpmath, closed forms, grids, monotonicity, tiny κ, failure.

``κ`` solves ``κ − λ = κ df_1(κ)/T`` (THEORY.md §3.3). Reference values here never come from the
solver under test: the isotropic quadratic is solved in closed form in this file, and the
fixed-point equation is re-evaluated with plain numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import scenario_dict
from hypothesis import given, settings
from hypothesis import strategies as st

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import FixedPointError, NotCoveredError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra import Spectrum, Teacher
from modelcollapse.numerics.sums import spectral_sums

MP50 = Backend(dps=50)

SPECTRA = {
    "isotropic": Spectrum(kind="isotropic", d=60),
    "power_law_1.2": Spectrum(kind="power_law", d=120, beta=1.2),
    "power_law_2": Spectrum(kind="power_law", d=120, beta=2.0),
    "power_law_3": Spectrum(kind="power_law", d=120, beta=3.0),
    # 1e-6 .. 1e2, unordered, with repeats
    "explicit": Spectrum(kind="eigenvalues", d=41,
                         values=tuple(np.r_[np.logspace(2, -6, 33), [1.0] * 4, [3e-4, 7.0, 1e-6, 50.0]][::-1])),
}
RIDGES = [0.0, 1e-10, 1e-6, 1e-3, 1.0, 1e3]


def iso_kappa(lam: float, phi: float) -> float:
    """Positive root of κ² + κ(1 − λ − φ) − λ = 0 (Σ = I, φ = d/T), cancellation-free."""
    b = 1.0 - lam - phi
    disc = math.sqrt(b * b + 4.0 * lam)
    if b < 0:
        return (-b + disc) / 2.0
    return 2.0 * lam / (b + disc) if lam > 0 else 0.0


def fixed_point_residual(eigs: np.ndarray, kappa: float, lam: float, T: int) -> float:
    """|κ − λ − κ df_1(κ)/T| / κ, evaluated independently with numpy (math.fsum)."""
    df1 = math.fsum(eigs / (eigs + kappa))
    return abs(kappa - lam - kappa * df1 / T) / kappa


# -- float64 against mpmath ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", SPECTRA)
def test_float64_matches_mpmath(name):
    spec = SPECTRA[name]
    d = spec.d
    f64, mp = spectral_sums(spec, None, FLOAT64), spectral_sums(spec, None, MP50)
    for T in (d // 2, 2 * d, 3):
        ridge = np.array(RIDGES)
        kf = solve_kappa(f64, ridge, T)
        km = solve_kappa(mp, MP50.array(ridge), T)
        assert km.residual < 1e-45, (name, T, km.residual)
        assert kf.residual < 1e-13
        ref = np.array([float(k) for k in km.kappa])
        if T >= d:
            assert kf.kappa[0] == 0.0 and km.kappa[0] == 0  # λ = 0, T >= d: κ is exactly 0
            ref, got = ref[1:], kf.kappa[1:]
        else:
            got = kf.kappa
        np.testing.assert_allclose(got, ref, rtol=1e-13, atol=0, err_msg=f"{name} T={T}")
        assert np.all(ref > 0)


def test_mpmath_residual_scales_with_digits():
    spec = SPECTRA["power_law_2"]
    for dps in (30, 50, 80):
        b = Backend(dps=dps)
        sol = solve_kappa(spectral_sums(spec, None, b), b.scalar("1e-4"), 60)
        assert sol.residual < 10.0 ** (-dps + 5)
        assert isinstance(sol.kappa, b.ctx.mpf)


# -- closed forms ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.0, 1e-12, 1e-6, 1e-2, 1.0, 1e3])
@pytest.mark.parametrize("T", [5, 30, 45, 55, 58, 62, 75, 120, 600, 10**6])
def test_isotropic_closed_form(lam, T):
    d = 60
    sums = spectral_sums(Spectrum(kind="isotropic", d=d))
    if lam == 0 and abs(T - d) <= 1:
        pytest.skip("ridgeless at the threshold: κ → 0 continuously, nothing to compare")
    kappa = float(solve_kappa(sums, lam, T).kappa)
    ref = iso_kappa(lam, d / T)
    if ref == 0:
        assert kappa == 0.0
    else:
        assert kappa == pytest.approx(ref, rel=1e-13, abs=0)


def test_ridgeless_overparameterised_df1_equals_T():
    """λ = 0, T < d: df_1(κ) = T (checked with numpy, not the library's sums)."""
    for name, spec in SPECTRA.items():
        eigs = spec.eigenvalues()
        for T in (1, 7, spec.d // 3, spec.d - 2):
            kappa = float(solve_kappa(spectral_sums(spec), 0.0, T).kappa)
            assert math.fsum(eigs / (eigs + kappa)) == pytest.approx(T, rel=1e-12), (name, T)


@pytest.mark.parametrize("name", SPECTRA)
def test_fixed_point_equation_holds(name):
    spec = SPECTRA[name]
    eigs, sums = spec.eigenvalues(), spectral_sums(spec)
    for lam in RIDGES[1:]:
        for T in (2, spec.d - 3, spec.d + 3, 10 * spec.d):
            kappa = float(solve_kappa(sums, lam, T).kappa)
            assert lam <= kappa <= lam + eigs.sum() / T  # the bracket of THEORY.md §5
            assert fixed_point_residual(eigs, kappa, lam, T) < 1e-13


def test_ridgeless_underparameterised_is_exactly_zero():
    sums = spectral_sums(SPECTRA["power_law_2"])
    for T in (120, 121, 500):
        sol = solve_kappa(sums, 0.0, T)
        assert sol.kappa == 0.0 and sol.residual == 0.0
    grid = solve_kappa(sums, 0.0, np.array([60, 119, 120, 240]))
    assert grid.kappa[0] > 0 and grid.kappa[1] > 0 and grid.kappa[2] == 0.0 and grid.kappa[3] == 0.0


# -- grids ---------------------------------------------------------------------------------------------

def test_vectorised_over_ridge_equals_scalar_solves():
    """A float64 grid runs the scalar path element by element: κ, iterations and residual bit for bit."""
    for spec in (Spectrum(kind="power_law", d=500, beta=1.5), Spectrum(kind="power_law", d=200, beta=2.0)):
        sums = spectral_sums(spec)
        lams = np.r_[0.0, np.logspace(-10, 3, 60)]
        for T in (200, 900, 3000):  # (d = 200, T = 3000, λ = 0.82: numpy's log moved the bracket by an ulp)
            grid = solve_kappa(sums, lams, T)
            one = [solve_kappa(sums, float(ridge), T) for ridge in lams]
            assert grid.kappa.shape == grid.iterations_each.shape == grid.residual_each.shape == lams.shape
            np.testing.assert_array_equal(grid.kappa, [o.kappa for o in one])
            np.testing.assert_array_equal(grid.iterations_each, [o.iterations for o in one])
            np.testing.assert_array_equal(grid.residual_each, [o.residual for o in one])
            assert grid.iterations == max(o.iterations for o in one) and grid.residual == max(o.residual for o in one)


def test_vectorised_over_T_and_2d_grid():
    sums = spectral_sums(SPECTRA["explicit"])
    Ts = np.array([1, 5, 20, 39, 40, 41, 42, 43, 80, 400, 5000])
    for lam in (0.0, 1e-8, 0.3):
        grid = solve_kappa(sums, lam, Ts)
        one = np.array([float(solve_kappa(sums, lam, int(t)).kappa) for t in Ts])
        np.testing.assert_array_equal(grid.kappa, one)
    lams = np.logspace(-9, 2, 6)
    both = solve_kappa(sums, lams[:, None], Ts[None, :])
    assert both.kappa.shape == (6, len(Ts))
    for i, lam in enumerate(lams):
        np.testing.assert_allclose(both.kappa[i], solve_kappa(sums, lam, Ts).kappa, rtol=1e-15)


def test_monotone_in_ridge_and_T():
    """κ increases strictly with λ and decreases strictly with T."""
    for spec in SPECTRA.values():
        sums = spectral_sums(spec)
        lams = np.logspace(-10, 3, 40)
        for T in (spec.d // 2, 2 * spec.d):
            k = solve_kappa(sums, lams, T).kappa
            assert np.all(np.diff(k) > 0)
        Ts = np.arange(2, 4 * spec.d, 7)
        for lam in (1e-8, 1e-2, 10.0):
            k = solve_kappa(sums, lam, Ts).kappa
            assert np.all(np.diff(k) < 0)
        k0 = solve_kappa(sums, 0.0, np.arange(1, spec.d)).kappa  # ridgeless branch, T < d
        assert np.all(np.diff(k0) < 0) and k0[-1] > 0


# -- tiny and huge κ: relative, not absolute, accuracy ----------------------------------------------------

@pytest.mark.parametrize("scale", [1e-12, 1e-20, 1e-100, 1e6, 1e100])
def test_relative_accuracy_at_extreme_scales(scale):
    """Σ = s·I: κ = s·κ_iso(λ/s). An absolute tolerance (brentq's xtol ≈ 2e-12) would fail at s = 1e-12.

    The accuracy floor is the ulp of u = log κ (≈ eps·|log κ|): 1e-13 up to |log κ| ≈ 50, 1e-12 beyond.
    """
    d = 50
    sums = spectral_sums(Spectrum(kind="eigenvalues", d=d, values=(scale,) * d))
    rtol = 1e-13 if abs(math.log(scale)) < 50 else 1e-12
    for lam_over_s in (0.0, 1e-6, 1e-3, 1.0, 30.0):
        for T in (10, 25, 49, 51, 100, 1000):
            if lam_over_s == 0 and T >= d:
                continue
            sol = solve_kappa(sums, lam_over_s * scale, T)
            assert float(sol.kappa) == pytest.approx(scale * iso_kappa(lam_over_s, d / T), rel=rtol, abs=0)


def test_kappa_1e12_power_law_matches_mpmath():
    """Power law, λ ~ 1e-12: κ ~ 1e-12, float64 agrees with 50 digits to 1e-13 relative."""
    spec = Spectrum(kind="power_law", d=400, beta=2.5)
    f64, mp = spectral_sums(spec), spectral_sums(spec, None, MP50)
    for lam, T in ((1e-12, 800), (1e-13, 450), (1e-12, 5000)):
        kf = float(solve_kappa(f64, lam, T).kappa)
        km = float(solve_kappa(mp, MP50.scalar(lam), T).kappa)
        assert 1e-14 < km < 1e-10
        assert kf == pytest.approx(km, rel=1e-13, abs=0)


# -- failure -------------------------------------------------------------------------------------------

def test_non_convergence_raises_with_residual():
    sums = spectral_sums(SPECTRA["power_law_2"])
    with pytest.raises(FixedPointError) as info:
        solve_kappa(sums, 1e-3, 60, max_iter=1)
    err = info.value
    assert err.iterations == 1 and math.isfinite(err.residual) and err.residual > 1e-6
    assert "residual" in str(err)
    # mpmath starts from the float64 root (|h| ~ 1e-16): one iteration cannot reach 1e-49
    with pytest.raises(FixedPointError) as info:
        solve_kappa(spectral_sums(SPECTRA["power_law_2"], None, MP50), MP50.scalar("1e-3"), 60, max_iter=1)
    assert info.value.iterations == 1 and 1e-49 < info.value.residual < 1e-10


def test_invalid_arguments():
    sums = spectral_sums(SPECTRA["isotropic"])
    with pytest.raises(ValueError):
        solve_kappa(sums, -1e-3, 10)
    with pytest.raises(ValueError):
        solve_kappa(sums, 1e-3, 0)


def test_reports_iterations():
    sol = solve_kappa(spectral_sums(SPECTRA["power_law_2"]), 1e-3, 60)
    assert 1 <= sol.iterations <= 60 and sol.residual < 1e-14


# -- spectral sums, checked against plain numpy ------------------------------------------------------------

def test_spectral_sums_against_numpy():
    spec = SPECTRA["explicit"]
    teacher = Teacher(kind="coefficients", values=tuple(np.linspace(-1, 2, spec.d)))
    eigs, c = spec.eigenvalues(), np.linspace(-1, 2, spec.d)
    kappas = np.array([1e-9, 1e-3, 2.0])
    for backend in (FLOAT64, MP50):
        sums = spectral_sums(spec, teacher, backend)
        for m in (1, 2, 3):
            ref = [math.fsum((eigs / (eigs + k)) ** m) for k in kappas]
            np.testing.assert_allclose(backend.to_float(sums.df(backend.array(kappas), m)), ref, rtol=1e-13)
        ref = [math.fsum(eigs * c**2 / (eigs + k) ** 2) for k in kappas]
        np.testing.assert_allclose(backend.to_float(sums.bias_sum(backend.array(kappas))), ref, rtol=1e-13)
        assert float(sums.teacher_norm()) == pytest.approx(math.fsum(eigs * c**2), rel=1e-14)


# -- precision of whole predictions ------------------------------------------------------------------------

PRECISION_CASES = [
    scenario_dict(),
    scenario_dict(downstream={"T": 20, "sigma": 0.5, "ridge": 0.0}),  # ridgeless, T < d, power law
    scenario_dict(spectrum={"kind": "isotropic", "d": 40}, teacher={"kind": "isotropic"},
                  downstream={"T": 20, "sigma": 0.5, "ridge": 0.0}),  # exact ridgeless isotropic
    scenario_dict(downstream={"T": 100, "sigma": 0.5, "ridge": 0.0}),  # exact OLS
    scenario_dict(spectrum={"kind": "eigenvalues", "values": [5.0, 1.0, 1e-3, 2e-6]},
                  teacher={"kind": "coefficients", "values": [1.0, -1.0, 3.0, 10.0]},
                  generators={"n": 3, "T0": [10, 20, 30], "sigma0": [1.0, 0.1, 2.0]},
                  downstream={"T": 40, "sigma": 1.0, "ridge": 1e-5}),  # T = 3 is outside the 1/d domain (below)
]


def test_predict_outside_the_finite_size_domain_is_refused_at_every_precision():
    s = Scenario.from_dict(PRECISION_CASES[-1]).replace(T=3)
    for precision in (None, 50):
        with pytest.raises(NotCoveredError, match="downstream.T: too few samples for the 1/d expansion"):
            predict(s, precision, monte_carlo=False)


@pytest.mark.parametrize("data", PRECISION_CASES)
def test_predict_precision_50_matches_float64(data):
    s = Scenario.from_dict(data)
    pf, pm = predict(s), predict(s, 50)
    assert pm.precision == "mpmath[50 digits]" and pf.precision == "float64"
    for key in ("test_error", "clean_error", "collapse", "bias", "variance", "kappa"):
        a, b = getattr(pf, key), getattr(pm, key)
        assert a == pytest.approx(b, rel=1e-10, abs=1e-300), key
        # the digit strings carry the mpmath value, not a float rounded to 17 digits
        assert float(pm.digits[key]) == pytest.approx(b, rel=1e-15, abs=1e-300)
    assert pm.residual < 1e-45


def test_mp_digits_are_not_float_rounded():
    """Exact ridgeless isotropic bias (1 − T/d)‖w0‖² = 0.5 exactly; 1 − 20/60 = 2/3 to 50 digits."""
    s = Scenario.from_dict(PRECISION_CASES[2]).replace(T=20)
    s60 = Scenario.from_dict(scenario_dict(spectrum={"kind": "isotropic", "d": 60}, teacher={"kind": "isotropic"},
                                            generators={"n": 0}, downstream={"T": 20, "sigma": 0.0, "ridge": 0.0}))
    assert predict(s, 50).digits["bias"] == "0.5"
    assert predict(s60, 50).digits["bias"].startswith("0." + "6" * 48)


def test_mp_backend_accepts_numpy_scalars():
    b = Backend(dps=30)
    assert b.scalar(np.int64(3)) == 3 and b.scalar(np.float32(0.5)) == b.ctx.mpf("0.5")
    sums = spectral_sums(SPECTRA["power_law_2"], None, b)
    grid = solve_kappa(sums, b.array(np.array([1e-3, 1e-2])), np.array([20, 300], dtype=np.int64))
    one = solve_kappa(sums, b.scalar(np.float64(1e-3)), np.int64(20))
    assert grid.kappa[0] == one.kappa and grid.residual < 1e-25


@settings(max_examples=150, deadline=None)
@given(
    log_eigs=st.lists(st.floats(-8, 4), min_size=1, max_size=60),
    log_ridge=st.one_of(st.just(None), st.floats(-12, 4)),
    T=st.integers(1, 500),
)
def test_random_spectra_satisfy_fixed_point(log_eigs, log_ridge, T):
    """Backward error: for any spectrum, ridge and T the returned κ satisfies the equation to ~1e-13."""
    eigs = 10.0 ** np.array(log_eigs)
    lam = 0.0 if log_ridge is None else 10.0**log_ridge
    sums = spectral_sums(Spectrum(kind="eigenvalues", d=len(eigs), values=tuple(eigs)))
    kappa = float(solve_kappa(sums, lam, T).kappa)
    if lam == 0 and T >= len(eigs):
        assert kappa == 0.0
        return
    # The bracket [λ, λ + tr Σ/T] holds in exact arithmetic; the float64 root carries a few ulps of the
    # whole sum (e.g. κ = 10 + 1.78e-8 sits one ulp of 10 above the rounded bound).
    assert lam * (1 - 1e-15) <= kappa <= (lam + eigs.sum() / T) * (1 + 1e-12)
    assert fixed_point_residual(eigs, kappa, lam, T) < 1e-12


# -- the fast solver: derivatives, large grids ---------------------------------------------------------

def test_kappa_equation_derivatives_match_mpmath_diff():
    """dh/du and d²h/du² of kappa_equation equal mpmath's numerical derivatives of h(e^u)."""
    import mpmath

    from modelcollapse.numerics.fixed_point import kappa_equation

    ctx = mpmath.MPContext()
    ctx.dps = 40
    eigs = [ctx.mpf(1) / (j + 1) ** 2 for j in range(30)]

    def df(k, m):
        return ctx.fsum((e / (e + k)) ** m for e in eigs)

    for lam, T, u in ((ctx.mpf("1e-3"), 12, ctx.mpf(-4)), (ctx.mpf(0), 7, ctx.mpf(-2.5)),
                      (ctx.mpf(2), 50, ctx.mpf(0.7))):
        k = ctx.exp(u)
        h, dh, d2h, scale = kappa_equation(df(k, 1), df(k, 2), df(k, 3), lam, T, k)
        f = lambda v: 1 - df(ctx.exp(v), 1) / T - lam / ctx.exp(v)  # noqa: E731
        assert abs(h - f(u)) < 1e-35
        assert abs(dh - ctx.diff(f, u)) < 1e-25 * abs(dh)
        assert abs(d2h - ctx.diff(f, u, 2)) < 1e-20 * max(1, abs(d2h))
        assert scale > 1


@pytest.mark.slow
def test_d1e4_grid_matches_mpmath():
    """The benchmark's grid (d = 1e4, β = 2, T = 3000): float64 within 1e-13 of 50 digits."""
    spec = Spectrum(kind="power_law", d=10_000, beta=2.0)
    ridges = np.array([1e-8, 1e-5, 1e-2, 10.0])
    kf = solve_kappa(spectral_sums(spec), ridges, 3000)
    km = solve_kappa(spectral_sums(spec, None, MP50), MP50.array(ridges), 3000)
    assert km.residual < 1e-45 and kf.residual < 1e-14
    np.testing.assert_allclose(kf.kappa, [float(k) for k in km.kappa], rtol=1e-13, atol=0)
    one = [float(solve_kappa(spectral_sums(spec), float(r), 3000).kappa) for r in ridges]
    np.testing.assert_array_equal(kf.kappa, one)  # scalar and grid: the same arithmetic per element
