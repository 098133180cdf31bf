"""Property tests over random *valid* scenarios (issue 10), through the Python API.

For every spectrum kind (isotropic, power law finite and ``d = "inf"``, explicit eigenvalues),
every teacher kind (source, isotropic, coefficients), every generator regime (clean ``n = 0``,
OLS ``T0 >= d + 2``, over-parameterised ``T0 <= d − 2``, per-generation schedules) and ridge
``0`` or ``> 0``:

* ``predict`` returns finite, non-negative numbers, or raises a ``ModelCollapseError`` (a stated
  refusal); never another exception, never NaN/inf/negative;
* the test error is non-decreasing in ``σ`` and in ``σ0`` (they enter as ``σ²·V`` and
  ``σ0²·(…)`` with non-negative factors, THEORY.md §3.2–§3.5), and in ``n`` for noisy OLS
  generators (``E_test(n) = E_test(0) + n σ0² ρ``, ``ρ >= 0``, §3.1–§3.2);
* where the problem is well conditioned, float64 and ``precision=30`` (mpmath) agree to 1e-10
  relative (THEORY.md §4.3: "agree to the float's conditioning").

Monotonicity is checked with a slack of 1e-12 relative: both sides are float64 evaluations of
the same formula, so only rounding (a few ulps per operation) may separate equal values.

Profiles: ``ci`` (default, whole file well under a minute) and ``thorough`` (select with
``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

import math
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from modelcollapse.numerics.errors import ModelCollapseError  # noqa: E402
from modelcollapse.numerics.predict import predict  # noqa: E402
from modelcollapse.numerics.scenario import Scenario  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("thorough", max_examples=1500, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIELDS = ("test_error", "clean_error", "collapse", "bias", "variance", "kappa")
MONOTONE_SLACK = 1e-12  # relative: float rounding of one formula evaluated twice
PRECISION_AGREEMENT = 1e-10  # relative, float64 against 30 digits, well-conditioned cases only


def log_uniform(lo: float, hi: float):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


# -- valid scenarios -----------------------------------------------------------------------------
@st.composite
def spectra(draw, *, finite_only: bool = False, max_d: int = 40):
    kind = draw(st.sampled_from(["isotropic", "power_law", "eigenvalues"]))
    if kind == "isotropic":
        return {"kind": "isotropic", "d": draw(st.integers(2, max_d))}
    if kind == "power_law":
        d = "inf" if not finite_only and draw(st.booleans()) and draw(st.booleans()) else draw(st.integers(2, max_d))
        return {"kind": "power_law", "d": d, "beta": draw(st.floats(1.01, 6.0))}
    values = draw(st.lists(log_uniform(1e-4, 100.0), min_size=2, max_size=max_d))
    return {"kind": "eigenvalues", "values": values}


def dimension(spectrum: dict):
    return len(spectrum["values"]) if spectrum["kind"] == "eigenvalues" else spectrum["d"]


@st.composite
def teachers(draw, spectrum: dict):
    d = dimension(spectrum)
    options = ["isotropic", "coefficients"] if d != "inf" else []
    if spectrum["kind"] == "power_law":
        options.append("source")
    kind = draw(st.sampled_from(options))
    if kind == "coefficients":
        return {"kind": "coefficients", "values": draw(st.lists(st.floats(-5, 5), min_size=d, max_size=d))}
    teacher = {"kind": kind, "norm": draw(st.one_of(st.just(1.0), st.floats(0.0, 10.0)))}
    if kind == "source":
        teacher["r"] = draw(st.floats(0.01, 3.0))
    return teacher


@st.composite
def generator_settings(draw, d, *, regime=None):
    """Generators in one regime: clean, OLS (T0 >= d+2), over-parameterised (T0 <= d-2), schedule."""
    regimes = ["clean"] if d == "inf" else ["clean", "ols", "overparameterised", "schedule"]
    if d != "inf" and d < 3:
        regimes.remove("overparameterised")
    regime = regime or draw(st.sampled_from(regimes))
    sigma0 = st.one_of(st.just(0.0), st.floats(0.0, 3.0))
    if regime == "clean":
        return {"n": 0}
    n = draw(st.integers(1, 5))
    if regime == "ols":
        return {"n": n, "T0": draw(st.integers(d + 2, d + 300)), "sigma0": draw(sigma0)}
    if regime == "overparameterised":
        return {"n": n, "T0": draw(st.integers(1, d - 2)), "sigma0": draw(sigma0)}
    low = 1 if d >= 3 else d + 2
    t0 = draw(st.lists(st.one_of(st.integers(low, max(low, d - 2)), st.integers(d + 2, d + 300)),
                       min_size=n, max_size=n))
    return {"n": n, "T0": t0, "sigma0": draw(st.lists(sigma0, min_size=n, max_size=n))}


@st.composite
def downstreams(draw, d, *, ridge=None):
    T = draw(st.one_of(st.integers(1, 300), st.integers(1, 5000)))
    if ridge is None:
        ridge = draw(st.one_of(st.just(0.0), log_uniform(1e-8, 1e3)))
    if ridge == 0 and d != "inf":
        assume(abs(T - d) >= 2)  # ridgeless |T - d| <= 1: the error is infinite (a stated refusal)
    return {"T": T, "sigma": draw(st.one_of(st.just(0.0), st.floats(0.0, 3.0))), "ridge": ridge}


@st.composite
def scenarios(draw, *, regime=None, finite_only=False, ridge=None, max_d=40):
    spectrum = draw(spectra(finite_only=finite_only, max_d=max_d))
    d = dimension(spectrum)
    return {"spectrum": spectrum, "teacher": draw(teachers(spectrum)),
            "generators": draw(generator_settings(d, regime=regime)), "downstream": draw(downstreams(d, ridge=ridge))}


def predicted(data: dict, precision=None):
    """The formulas' prediction, or None for a stated refusal (ModelCollapseError); anything else propagates.
    (No Monte Carlo fallback: these properties are the formulas'; tests/test_monte_carlo_fallback.py has its own.)"""
    try:
        return predict(Scenario.from_dict(data), precision, monte_carlo=False)
    except ModelCollapseError:
        return None


def assert_sane(p, data) -> None:
    for name in FIELDS:
        value = getattr(p, name)
        assert isinstance(value, float) and math.isfinite(value), (name, value, data)
        # `collapse` is a difference of errors, not an error: with a projection chain feeding a
        # tiny ridgeless downstream it can truly be negative (d = 5, beta = 3, T0 = 3, T = 1:
        # simulation n=1 minus n=0 = -0.0055 +/- 0.0039, 20 000 trials each).
        if name != "collapse":
            assert value >= 0, (name, value, data)
    assert p.test_error == pytest.approx(p.clean_error + p.collapse, rel=1e-12, abs=1e-300), data


def with_key(data: dict, table: str, key: str, value) -> dict:
    out = {t: dict(body) for t, body in data.items()}
    out[table][key] = value
    return out


# -- properties ----------------------------------------------------------------------------------
# Found by the thorough profile on main: the finite-size corrected ridgeless variance goes
# negative at tiny T with steep spectra (simulation: 3.66 +/- 0.28 for the first, 4000 trials).
@example({"spectrum": {"kind": "power_law", "d": 3, "beta": 4.0}, "teacher": {"kind": "isotropic", "norm": 1.0},
          "generators": {"n": 0}, "downstream": {"T": 1, "sigma": 1.0, "ridge": 0.0}})
@example({"spectrum": {"kind": "eigenvalues", "values": [1.0, math.exp(2.0), math.exp(-2.0)]},
          "teacher": {"kind": "isotropic", "norm": 1.0}, "generators": {"n": 0},
          "downstream": {"T": 1, "sigma": 1.0, "ridge": 0.0}})
@given(scenarios())
def test_prediction_is_finite_and_non_negative_or_a_stated_refusal(data):
    p = predicted(data)
    if p is not None:
        assert_sane(p, data)


@given(scenarios(regime="schedule", finite_only=True))
def test_schedules_are_finite_and_non_negative_or_a_stated_refusal(data):
    p = predicted(data)
    if p is not None:
        assert_sane(p, data)


@given(scenarios(), st.floats(1.0, 10.0))
def test_error_is_non_decreasing_in_sigma(data, factor):
    sigma = data["downstream"]["sigma"]
    assume(sigma > 0)
    low, high = predicted(data), predicted(with_key(data, "downstream", "sigma", sigma * factor))
    assume(low is not None)
    assert high is not None, "a larger sigma must not be refused where a smaller one is answered"
    assert high.test_error >= low.test_error * (1 - MONOTONE_SLACK), (low.test_error, high.test_error, data)


@given(scenarios(finite_only=True), st.floats(1.0, 10.0))
def test_error_is_non_decreasing_in_sigma0(data, factor):
    gen = data["generators"]
    assume(gen["n"] >= 1)
    s0 = gen["sigma0"]
    bigger = [s * factor for s in s0] if isinstance(s0, list) else s0 * factor
    assume(bigger != s0)
    low, high = predicted(data), predicted(with_key(data, "generators", "sigma0", bigger))
    assume(low is not None)
    assert high is not None, "a larger sigma0 must not be refused where a smaller one is answered"
    assert high.test_error >= low.test_error * (1 - MONOTONE_SLACK), (low.test_error, high.test_error, data)


@given(scenarios(regime="ols", finite_only=True), st.integers(1, 20))
def test_error_is_non_decreasing_in_n_for_noisy_ols_generators(data, extra):
    gen = data["generators"]
    assume(gen["sigma0"] > 0)
    low, high = predicted(data), predicted(with_key(data, "generators", "n", gen["n"] + extra))
    assume(low is not None)
    assert high is not None
    assert high.test_error >= low.test_error * (1 - MONOTONE_SLACK), (low.test_error, high.test_error, data)
    # Exact linear growth (THEORY.md §3.2): E(n) = E(0) + n·(per-generation collapse).
    if low.collapse > 0:
        per_generation = low.collapse / gen["n"]
        assert high.collapse == pytest.approx(per_generation * (gen["n"] + extra), rel=1e-9), data


@given(st.integers(4, 40), st.data())
def test_isotropic_projection_chain_is_non_decreasing_in_n(d, draw):
    """Σ = I, T0 <= d − 2, σ0 = 0, downstream OLS: E = ‖w0‖²(1 − φ0^(−n)) + σ² term (THEORY.md §3.5)."""
    t0 = draw.draw(st.integers(1, d - 2))
    T = draw.draw(st.integers(d + 2, d + 200))
    base = {"spectrum": {"kind": "isotropic", "d": d}, "teacher": {"kind": "isotropic", "norm": 1.0},
            "generators": {"n": 1, "T0": t0, "sigma0": 0.0}, "downstream": {"T": T, "sigma": 0.5, "ridge": 0.0}}
    errors = [predict(Scenario.from_dict(with_key(base, "generators", "n", n)), monte_carlo=False).test_error
              for n in range(1, 6)]
    assert all(b >= a * (1 - MONOTONE_SLACK) for a, b in zip(errors, errors[1:])), errors
    phi0 = d / t0
    for n, e in zip(range(1, 6), errors):
        assert e == pytest.approx((1 - phi0 ** (-n)) + 0.25 * d / (T - d - 1), rel=1e-10), (n, d, t0, T)


@st.composite
def well_conditioned(draw):
    """Away from the interpolation thresholds and with a ridge that keeps κ away from 0."""
    data = draw(scenarios(finite_only=True, ridge=draw(log_uniform(1e-2, 10.0)), max_d=25))
    d = dimension(data["spectrum"])
    assume(abs(data["downstream"]["T"] - d) >= 5)
    t0 = data["generators"].get("T0", [])
    assume(all(abs(t - d) >= 5 for t in (t0 if isinstance(t0, list) else [t0])))
    return data


@settings(max_examples=int(os.environ.get("PRECISION_EXAMPLES", "25")))
@given(well_conditioned())
def test_float64_and_mpmath_agree_where_well_conditioned(data):
    p64 = predicted(data)
    assume(p64 is not None)
    p30 = predicted(data, 30)
    assert p30 is not None, "refused at 30 digits what float64 answers"
    scale = max(p64.test_error, 1e-300)
    for name in ("test_error", "clean_error", "collapse", "bias", "variance"):
        a, b = getattr(p64, name), getattr(p30, name)
        assert abs(a - b) <= PRECISION_AGREEMENT * max(abs(b), 1e-6 * scale), (name, a, b, data)
    assert p64.kappa == pytest.approx(p30.kappa, rel=PRECISION_AGREEMENT), data


def scaled_by(data: dict, s: float) -> dict:
    """``σ, σ0_k, w0`` all multiplied by ``s`` (teacher ``norm`` by ``s²``, coefficients by ``s``)."""
    out = {t: dict(body) for t, body in data.items()}
    down, gen, teacher = out["downstream"], out["generators"], out["teacher"]
    down["sigma"] = down["sigma"] * s
    if gen["n"] >= 1:
        s0 = gen["sigma0"]
        gen["sigma0"] = [x * s for x in s0] if isinstance(s0, list) else s0 * s
    if teacher["kind"] == "coefficients":
        teacher["values"] = [c * s for c in teacher["values"]]
    else:
        teacher["norm"] = teacher.get("norm", 1.0) * s * s
    return out


@given(scenarios(), st.sampled_from([1e60, 1e120, 1e150]))
def test_error_is_homogeneous_of_degree_two_in_the_noises_and_teacher(data, s):
    """``E(sσ, sσ0, s w0) = s² E(σ, σ0, w0)`` (every estimator is linear in teacher and noises; THEORY.md §1).

    At ``s = 1e60`` the scenario is computed as it is; above ``1e100`` the library factors the scale out
    (numerics/unit_scale.py). Either way the answer must be ``s²`` times the unit one, or a refusal
    naming a scale key when ``s² E`` exceeds float64.
    """
    unit = predicted(data)
    assume(unit is not None and unit.test_error > 0)
    try:
        big = predict(Scenario.from_dict(scaled_by(data, s)), monte_carlo=False)
    except ModelCollapseError as exc:
        assert unit.test_error * s * s > 1e300, (str(exc), data)
        assert any(k in str(exc) for k in ("downstream.sigma", "generators.sigma0", "teacher.norm", "teacher.values"))
        return
    assert_sane(big, data)
    assert big.test_error == pytest.approx(unit.test_error * s * s, rel=1e-9), data
