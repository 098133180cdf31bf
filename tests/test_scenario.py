"""Scenario validation (CONTRACT.md: every key checked, errors name the key) and TOML round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tomllib
from conftest import BASE, scenario_dict

from modelcollapse.numerics.errors import NotCoveredError, ScenarioError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

ISO = {"kind": "isotropic", "d": 30}
EIG = {"kind": "eigenvalues", "values": [3.0, 1.0, 0.5, 0.25, 0.01]}
COEF = {"kind": "coefficients", "values": [1.0, -2.0, 0.5, 0.0, 3.0]}


def with_key(table: str, key: str, value, base: dict | None = None) -> dict:
    data = scenario_dict() if base is None else base
    if value is _DELETE:
        data[table].pop(key)
    else:
        data[table][key] = value
    return data


_DELETE = object()


def assert_error(data, key: str):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.key == key, str(info.value)
    assert str(info.value).startswith(key + ":")
    assert "\n" not in str(info.value)
    return info.value


# -- valid scenarios ------------------------------------------------------------------------------

def test_base_scenario_fields():
    s = Scenario.from_dict(scenario_dict())
    assert (s.d, s.n, s.T, s.ridge, s.sigma) == (40, 2, 60, 0.01, 0.5)
    assert s.generators.T0 == (100, 100) and s.generators.sigma0 == (1.0, 1.0)
    assert s.spectrum.beta == 2.0 and s.teacher.r == 0.5 and s.teacher.norm == 1.0
    lam = s.spectrum.eigenvalues()
    np.testing.assert_allclose(lam, np.arange(1, 41) ** -2.0, rtol=1e-15)
    w = s.teacher.weights(s.spectrum)  # λ_j c_j² ∝ j^(-1-2βr) = j^-3, normalised to 1
    ref = np.arange(1, 41) ** -3.0
    np.testing.assert_allclose(w, ref / ref.sum(), rtol=1e-14)


def test_explicit_eigenvalues_and_coefficients():
    s = Scenario.from_dict(scenario_dict(spectrum=EIG, teacher=COEF))
    assert s.d == 5
    np.testing.assert_array_equal(s.spectrum.eigenvalues(), [3.0, 1.0, 0.5, 0.25, 0.01])
    np.testing.assert_array_equal(s.teacher.coefficients(s.spectrum), [1.0, -2.0, 0.5, 0.0, 3.0])
    np.testing.assert_allclose(s.teacher.weights(s.spectrum), [3.0, 4.0, 0.125, 0.0, 0.09], rtol=1e-15)


def test_isotropic_teacher_norm():
    s = Scenario.from_dict(scenario_dict(spectrum=EIG, teacher={"kind": "isotropic", "norm": 2.5}))
    c2 = s.teacher.coefficients(s.spectrum) ** 2
    np.testing.assert_allclose(c2, c2[0])  # all c_j² equal
    assert math.isclose(float(np.sum(s.spectrum.eigenvalues() * c2)), 2.5, rel_tol=1e-14)


def test_ints_accepted_for_floats():
    s = Scenario.from_dict(scenario_dict(downstream={"T": 60, "sigma": 1, "ridge": 0},
                                         spectrum={"kind": "power_law", "d": 40, "beta": 2}))
    assert s.ridge == 0.0 and isinstance(s.ridge, float) and s.sigma == 1.0 and s.spectrum.beta == 2.0


# -- missing, unknown, misspelt ---------------------------------------------------------------------

@pytest.mark.parametrize("table", ["spectrum", "teacher", "generators", "downstream"])
def test_missing_table(table):
    assert_error(scenario_dict(**{table: None}), table)


@pytest.mark.parametrize(
    "table,key,base",
    [
        ("spectrum", "kind", None),
        ("spectrum", "d", None),
        ("spectrum", "beta", None),
        ("teacher", "kind", None),
        ("teacher", "r", None),
        ("generators", "n", None),
        ("generators", "T0", None),
        ("generators", "sigma0", None),
        ("downstream", "T", None),
        ("downstream", "sigma", None),
        ("downstream", "ridge", None),
        ("spectrum", "values", "eig"),
        ("teacher", "values", "coef"),
    ],
)
def test_missing_key(table, key, base):
    data = scenario_dict(spectrum=EIG, teacher=COEF) if base else scenario_dict()
    assert_error(with_key(table, key, _DELETE, data), f"{table}.{key}")


@pytest.mark.parametrize(
    "table,key",
    [("spectrum", "dim"), ("spectrum", "bta"), ("teacher", "R"), ("teacher", "nrm"),
     ("generators", "t0"), ("generators", "sigma_0"), ("generators", "N"),
     ("downstream", "rigde"), ("downstream", "lambda"), ("downstream", "t")],
)
def test_unknown_or_misspelt_key(table, key):
    err = assert_error(with_key(table, key, 1), f"{table}.{key}")
    assert "unknown" in str(err)


def test_unknown_table():
    data = scenario_dict()
    data["downsteam"] = {"T": 3}
    assert_error(data, "downsteam")


def test_not_a_table():
    assert_error(scenario_dict(downstream=None) | {"downstream": 5}, "downstream")


# -- ill-typed and out of range ----------------------------------------------------------------------

BAD_VALUES = [
    # key, bad value
    ("spectrum.kind", "powerlaw"),
    ("spectrum.kind", 3),
    ("spectrum.d", 0),
    ("spectrum.d", -5),
    ("spectrum.d", 40.0),
    ("spectrum.d", True),
    ("spectrum.d", "forty"),
    ("spectrum.beta", 1.0),
    ("spectrum.beta", 1),
    ("spectrum.beta", 0.5),
    ("spectrum.beta", -2.0),
    ("spectrum.beta", True),
    ("spectrum.beta", "2"),
    ("spectrum.beta", math.inf),
    ("spectrum.beta", math.nan),
    ("teacher.kind", "sauce"),
    ("teacher.r", 0.0),
    ("teacher.r", -0.5),
    ("teacher.r", "half"),
    ("teacher.r", False),
    ("teacher.norm", -1.0),
    ("teacher.norm", math.inf),
    ("generators.n", -1),
    ("generators.n", 2.0),
    ("generators.n", True),
    ("generators.n", "2"),
    ("generators.T0", 0),
    ("generators.T0", -100),
    ("generators.T0", 100.0),
    ("generators.T0", True),
    ("generators.T0", "100"),
    ("generators.sigma0", -1.0),
    ("generators.sigma0", "one"),
    ("generators.sigma0", True),
    ("generators.sigma0", math.nan),
    ("downstream.T", 0),
    ("downstream.T", -60),
    ("downstream.T", 60.0),
    ("downstream.T", True),
    ("downstream.T", "60"),
    ("downstream.sigma", -0.5),
    ("downstream.sigma", math.inf),
    ("downstream.sigma", True),
    ("downstream.ridge", -0.01),
    ("downstream.ridge", -1e-300),
    ("downstream.ridge", math.inf),
    ("downstream.ridge", math.nan),
    ("downstream.ridge", False),
    ("downstream.ridge", "0.01"),
    ("downstream.ridge", [0.01]),
]


@pytest.mark.parametrize("key,value", BAD_VALUES, ids=[f"{k}={v!r}" for k, v in BAD_VALUES])
def test_bad_value_names_key(key, value):
    table, name = key.split(".")
    err = assert_error(with_key(table, name, value), key)
    assert "expected" in str(err) or "must" in str(err) or "required" in str(err)


def test_beta_must_exceed_one_message():
    err = assert_error(with_key("spectrum", "beta", 1.0), "spectrum.beta")
    assert "> 1" in str(err)


@pytest.mark.parametrize(
    "values,key",
    [([], "spectrum.values"), ([1.0, 0.0], "spectrum.values[1]"), ([1.0, -2.0], "spectrum.values[1]"),
     ([1.0, math.inf], "spectrum.values[1]"), (["a"], "spectrum.values[0]"), ([True], "spectrum.values[0]"),
     (3.0, "spectrum.values")],
)
def test_bad_eigenvalues(values, key):
    assert_error(scenario_dict(spectrum={"kind": "eigenvalues", "values": values}, teacher={"kind": "isotropic"}), key)


def test_eigenvalues_d_must_match():
    assert_error(scenario_dict(spectrum=EIG | {"d": 4}, teacher=COEF), "spectrum.d")
    assert Scenario.from_dict(scenario_dict(spectrum=EIG | {"d": 5}, teacher=COEF)).d == 5


@pytest.mark.parametrize(
    "values,key",
    [([1.0] * 4, "teacher.values"), ([1.0] * 6, "teacher.values"),
     ([1.0, 2.0, math.nan, 1.0, 1.0], "teacher.values[2]"),
     ([1.0, "x", 1.0, 1.0, 1.0], "teacher.values[1]"), ([1.0, 1.0, 1.0, 1.0, False], "teacher.values[4]"),
     (2.0, "teacher.values")],
)
def test_bad_coefficients(values, key):
    assert_error(scenario_dict(spectrum=EIG, teacher={"kind": "coefficients", "values": values}), key)


@pytest.mark.parametrize(
    "spectrum,teacher,key",
    [
        (ISO, {"kind": "source", "r": 0.5}, "teacher.kind"),  # source needs a power law
        (EIG, {"kind": "source", "r": 0.5}, "teacher.kind"),
        (ISO | {"beta": 2.0}, {"kind": "isotropic"}, "spectrum.beta"),  # beta only for power_law
        (ISO | {"values": [1.0]}, {"kind": "isotropic"}, "spectrum.values"),
        (ISO, {"kind": "isotropic", "r": 0.5}, "teacher.r"),
        (ISO, {"kind": "isotropic", "values": [1.0] * 30}, "teacher.values"),
        (EIG, COEF | {"norm": 1.0}, "teacher.norm"),
        ({"kind": "isotropic", "d": "inf"}, {"kind": "isotropic"}, "spectrum.d"),
        ({"kind": "power_law", "d": "inf", "beta": 2.0}, {"kind": "isotropic"}, "teacher.kind"),
        ({"kind": "power_law", "d": "infinite", "beta": 2.0}, {"kind": "source", "r": 0.5}, "spectrum.d"),
    ],
)
def test_inconsistent_kinds(spectrum, teacher, key):
    assert_error(scenario_dict(spectrum=spectrum, teacher=teacher), key)


def test_not_a_mapping():
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict([1, 2])
    assert info.value.key == "scenario"


# -- generators: n = 0, schedules ---------------------------------------------------------------------

@pytest.mark.parametrize("gen",
                         [{"n": 0}, {"n": 0, "T0": 1}, {"n": 0, "T0": 3, "sigma0": 2.0}, {"n": 0, "sigma0": 0.0}])
def test_n0_generators_irrelevant(gen):
    """With n = 0 the generator keys do not matter: an absent or tiny T0 must not block a prediction."""
    data = scenario_dict(spectrum={"kind": "isotropic", "d": 40}, teacher={"kind": "isotropic"}, generators=gen,
                         downstream={"T": 80, "sigma": 0.5, "ridge": 0.0})
    s = Scenario.from_dict(data)
    p = predict(s)
    assert p.collapse == 0.0 and p.exact
    assert math.isclose(p.test_error, 0.25 * 40 / (80 - 40 - 1), rel_tol=1e-14)  # σ² d/(T − d − 1)


def test_n_positive_requires_generator_keys():
    assert_error(scenario_dict(generators={"n": 1, "sigma0": 1.0}), "generators.T0")
    assert_error(scenario_dict(generators={"n": 1, "T0": 100}), "generators.sigma0")


def test_schedule_lists():
    s = Scenario.from_dict(scenario_dict(generators={"n": 3, "T0": [100, 200, 300], "sigma0": [1.0, 0.5, 0]}))
    assert s.generators.T0 == (100, 200, 300) and s.generators.sigma0 == (1.0, 0.5, 0.0)
    assert not s.generators.is_constant
    mixed = Scenario.from_dict(scenario_dict(generators={"n": 3, "T0": [100, 200, 300], "sigma0": 0.7}))
    assert mixed.generators.sigma0 == (0.7,) * 3


@pytest.mark.parametrize(
    "gen,key",
    [({"n": 3, "T0": [100, 200], "sigma0": 1.0}, "generators.T0"),
     ({"n": 3, "T0": [100, 200, 300, 400], "sigma0": 1.0}, "generators.T0"),
     ({"n": 2, "T0": 100, "sigma0": [1.0]}, "generators.sigma0"),
     ({"n": 2, "T0": [100, 0], "sigma0": 1.0}, "generators.T0[1]"),
     ({"n": 2, "T0": [100, 50.5], "sigma0": 1.0}, "generators.T0[1]"),
     ({"n": 2, "T0": 100, "sigma0": [1.0, -1.0]}, "generators.sigma0[1]"),
     ({"n": 0, "T0": [100], "sigma0": 1.0}, "generators.T0")],
)
def test_bad_schedules(gen, key):
    assert_error(scenario_dict(generators=gen), key)


def test_schedule_prediction_sums_generations():
    """Σ_k σ0_k²/(T0_k − d − 1)·d for OLS: the schedule is not silently replaced by its first entry."""
    data = scenario_dict(spectrum={"kind": "isotropic", "d": 20}, teacher={"kind": "isotropic"},
                         generators={"n": 3, "T0": [50, 80, 200], "sigma0": [1.0, 0.5, 2.0]},
                         downstream={"T": 60, "sigma": 0.3, "ridge": 0.0})
    p = predict(Scenario.from_dict(data))
    expected = 0.09 * 20 / 39 + 20 * (1 / 29 + 0.25 / 59 + 4 / 179)
    assert math.isclose(p.test_error, expected, rel_tol=1e-14)


# -- round trips and replace --------------------------------------------------------------------------

ROUND_TRIP = [
    scenario_dict(),
    scenario_dict(spectrum=EIG, teacher=COEF),
    scenario_dict(spectrum=ISO, teacher={"kind": "isotropic", "norm": 3.0}, generators={"n": 0}),
    scenario_dict(generators={"n": 0, "T0": 5}),
    scenario_dict(generators={"n": 3, "T0": [100, 200, 300], "sigma0": [1.0, 0.5, 0.0]}),
    scenario_dict(spectrum={"kind": "power_law", "d": "inf", "beta": 1.5}, generators={"n": 0}),
    scenario_dict(downstream={"T": 7, "sigma": 0.0, "ridge": 1e-300}),
]


@pytest.mark.parametrize("data", ROUND_TRIP)
def test_toml_round_trip(data, tmp_path):
    s = Scenario.from_dict(data)
    again = Scenario.from_dict(tomllib.loads(s.to_toml()))
    assert again == s
    path = tmp_path / "s.toml"
    s.write(path)
    assert Scenario.from_toml(path) == s


def test_replace():
    s = Scenario.from_dict(scenario_dict())
    t = s.replace(ridge=0.5, n=4, T=70, sigma=0.0)
    assert (t.ridge, t.n, t.T, t.sigma) == (0.5, 4, 70, 0.0)
    assert t.generators.T0 == (100,) * 4 and t.generators.sigma0 == (1.0,) * 4
    assert s.ridge == 0.01 and s.n == 2  # immutable original
    assert s.replace(n=0).replace(n=3).generators.T0 == (100,) * 3
    with pytest.raises(ScenarioError) as info:
        s.replace(ridge=-1.0)
    assert info.value.key == "downstream.ridge"
    with pytest.raises(ScenarioError) as info:
        s.replace(T0=0)
    assert info.value.key == "generators.T0"
    with pytest.raises(TypeError):
        s.replace(rigde=0.1)


def test_frozen():
    s = Scenario.from_dict(scenario_dict())
    with pytest.raises(AttributeError):
        s.downstream.ridge = 1.0  # type: ignore[misc]


# -- files -----------------------------------------------------------------------------------------

def test_from_toml_errors(tmp_path):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(tmp_path / "missing.toml")
    assert info.value.key == "scenario" and "missing.toml" in str(info.value)
    bad = tmp_path / "bad.toml"
    bad.write_text("[spectrum\nkind = 'isotropic'\n")
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(bad)
    assert "not valid TOML" in str(info.value) and "\n" not in str(info.value)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00[spectrum]\x80")
    with pytest.raises(ScenarioError) as info:
        Scenario.from_toml(binary)
    assert info.value.key == "scenario"
    with pytest.raises(ScenarioError):
        Scenario.from_toml(tmp_path)  # a directory


# -- regimes the scenario allows but the formulas do not cover yet --------------------------------------

@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_T0_at_interpolation_threshold_not_covered(offset):
    """|T0 − d| <= 1: the generator error is infinite; predict must say so (not return garbage)."""
    d = 40
    s = Scenario.from_dict(scenario_dict(generators={"n": 1, "T0": d + offset, "sigma0": 1.0}))
    with pytest.raises(NotCoveredError) as info:
        predict(s)
    assert "generators.T0" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("T", [39, 40, 41])
def test_ridgeless_T_at_threshold_not_covered(T):
    s = Scenario.from_dict(scenario_dict(downstream={"T": T, "sigma": 0.5, "ridge": 0.0}))
    with pytest.raises(NotCoveredError) as info:
        predict(s)
    assert "downstream.T" in str(info.value)


def test_base_toml_is_contract_example():
    """The CONTRACT.md example file parses as given (with its comments)."""
    text = """
[spectrum]
kind = "power_law"   # "isotropic" | "power_law" | "eigenvalues"
d = 400              # dimension
beta = 2.0

[teacher]
kind = "source"
r = 0.5

[generators]
n = 5
T0 = 1000
sigma0 = 1.0

[downstream]
T = 500
sigma = 0.5
ridge = 0.001
"""
    s = Scenario.from_dict(tomllib.loads(text))
    assert (s.d, s.n, s.generators.T0[0], s.T, s.ridge) == (400, 5, 1000, 500, 0.001)
    assert BASE["spectrum"]["kind"] == "power_law"


def test_n0_to_toml_omits_absent_keys():
    s = Scenario.from_dict(scenario_dict(generators={"n": 0, "T0": 5}))
    gen = tomllib.loads(s.to_toml())["generators"]
    assert gen == {"n": 0, "T0": 5}


def test_T0_d_plus_2_is_covered():
    """T0 = d + 2 is the first covered generator size: exact OLS collapse σ0² d/(T0 − d − 1) = d."""
    data = scenario_dict(spectrum={"kind": "isotropic", "d": 30}, teacher={"kind": "isotropic"},
                         generators={"n": 1, "T0": 32, "sigma0": 1.0},
                         downstream={"T": 100, "sigma": 0.0, "ridge": 0.0})
    p = predict(Scenario.from_dict(data))
    assert p.exact and p.collapse == 30.0 and p.test_error == 30.0


def test_numpy_scalars_accepted_and_normalised():
    """Sweeps build scenarios from numpy arrays: np.int64/np.float32 are numbers, stored as int/float."""
    data = scenario_dict(spectrum={"kind": "power_law", "d": np.int64(40), "beta": np.float32(2.0)},
                         generators={"n": np.int64(2), "T0": np.int32(100), "sigma0": np.float32(1.0)},
                         downstream={"T": np.int64(60), "sigma": np.float64(0.5), "ridge": np.float32(0.25)})
    s = Scenario.from_dict(data)
    assert s == Scenario.from_dict(scenario_dict(downstream={"T": 60, "sigma": 0.5, "ridge": 0.25}))
    assert type(s.d) is int and type(s.n) is int and type(s.T) is int and type(s.generators.T0[0]) is int
    assert type(s.ridge) is float and type(s.spectrum.beta) is float
    assert Scenario.from_dict(tomllib.loads(s.to_toml())) == s
    t = s.replace(n=np.int64(3), T=np.int64(70), ridge=np.float64(0.5))
    assert (t.n, t.T, t.ridge) == (3, 70, 0.5) and type(t.n) is int
    assert_error(with_key("spectrum", "d", np.bool_(True)), "spectrum.d")
    assert_error(with_key("downstream", "T", np.float64(60.0)), "downstream.T")


def test_shipped_scenarios_load_and_round_trip():
    from importlib.resources import files

    paths = sorted(p for p in files("modelcollapse.derivations").joinpath("scenarios").iterdir()
                   if p.name.endswith(".toml"))
    assert paths
    for path in paths:
        s = Scenario.from_toml(path)
        assert Scenario.from_dict(tomllib.loads(s.to_toml())) == s, path.name
