"""Data schemes (issue 13, THEORY.md §3.7): keys, theory, regimes, simulator, command line.

Expected values are computed here from the closed forms (written out independently of the library)
or by simulation of the definition; the slow tests compare theory with simulation at
``4·SE`` (exact results) or ``4·SE + 3 %`` (deterministic equivalents and the heuristic ansatz).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.theory import DERIVATIONS, get_result
from modelcollapse.theory.errors import ScenarioError
from modelcollapse.theory.provenance import ProvenanceKind

DE_ALLOWANCE = 0.03


def explicit(d: int, seed: int, **tables) -> Scenario:
    """Explicit eigenvalues and coefficients (a spread spectrum, a random teacher)."""
    rng = np.random.default_rng(seed)
    lam = np.sort(rng.uniform(0.2, 2.0, d))[::-1]
    c = rng.normal(size=d) / math.sqrt(d)
    data = {"spectrum": {"kind": "eigenvalues", "values": [float(x) for x in lam]},
            "teacher": {"kind": "coefficients", "values": [float(x) for x in c]}}
    data.update(tables)
    return Scenario.from_dict(data)


def g_closed(T, m, d):
    """The mixing factor, typed out from THEORY.md §3.7 (not from the library)."""
    return m * (m - 1) / (T * (T - 1)) + m * (T - m) * (T - 2) * (d + 2) / (T * (T - 1) * (T + 2) * (T - d - 1))


# -- scenario keys ------------------------------------------------------------------------------------

def test_defaults_keep_todays_meaning_and_serialisation():
    s = Scenario.from_dict(scenario_dict())
    assert s.generators.scheme == "replace" and s.generators.real_fraction == (0.0, 0.0)
    assert s.downstream.real_fraction == 0.0
    assert "scheme" not in s.to_dict()["generators"] and "real_fraction" not in s.to_dict()["generators"]
    assert "real_fraction" not in s.to_dict()["downstream"]


def test_new_keys_round_trip():
    data = scenario_dict(generators={"n": 3, "T0": 100, "sigma0": 1.0, "scheme": "accumulate",
                                     "real_fraction": [0.1, 0.0, 0.5]},
                         downstream={"T": 60, "sigma": 0.5, "ridge": 0.01, "real_fraction": 0.25})
    s = Scenario.from_dict(data)
    assert Scenario.from_dict(s.to_dict()) == s
    assert s.generators.real_counts() == (10, 0, 50)
    r = s.replace(real_fraction=0.3, downstream_real_fraction=0.5)
    assert r.generators.real_fraction == (0.3,) * 3 and r.downstream.real_fraction == 0.5


def test_fraction_rounds_half_up():
    s = Scenario.from_dict(scenario_dict(generators={"n": 1, "T0": 50, "sigma0": 1.0, "real_fraction": 0.01},
                                         downstream={"T": 10, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.25}))
    assert s.generators.real_counts() == (1,)  # 0.5 rounds up
    assert s.downstream.synthetic_rows == 10 - 3  # 2.5 rounds up


@pytest.mark.parametrize("table, key, value", [
    ("generators", "scheme", "accumulated"),
    ("generators", "real_fraction", 1.5),
    ("generators", "real_fraction", [0.1]),
    ("generators", "real_fraction", True),
    ("downstream", "real_fraction", -0.1),
    ("downstream", "real_fraction", "half"),
])
def test_bad_values_exit_2_naming_the_key(table, key, value, tmp_path, capsys):
    data = scenario_dict()
    data[table][key] = value
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.key.startswith(f"{table}.{key}")
    rc = cli.main(["predict", str(write_toml(tmp_path / "bad.toml", data))])
    err = capsys.readouterr().err
    assert rc == 2 and f"{table}.{key}" in err and len(err.splitlines()) == 1


# -- theory ---------------------------------------------------------------------------------------------

def test_every_scheme_result_is_registered_with_provenance_and_latex():
    names = ["accumulate_chain_term", "accumulate_chain_equal_blocks", "accumulate_chain_limit", "mixing_factor",
             "mixing_ols_test_error", "mixing_ridge_collapse", "mixing_floor_ols", "mixing_floor_ridge",
             "replace_real_step", "replace_real_stationary", "accumulate_real_step", "accumulate_overparam_term"]
    for name in names:
        r = get_result(name)
        assert r.latex() and r.provenance.kind in ProvenanceKind
    assert get_result("accumulate_real_step").provenance.kind is ProvenanceKind.DETERMINISTIC_EQUIVALENT
    assert get_result("mixing_factor").provenance.is_exact
    assert {"derivation_accumulate_chain", "derivation_mixing_floor"} <= set(DERIVATIONS)


def test_accumulate_closed_form_equals_the_sum():
    d, T0, s0 = 20, 30, 1.3
    for n in (1, 2, 5, 17):
        direct = s0**2 * d * sum(1 / (k * (k * T0 - d - 1)) for k in range(1, n + 1))
        assert formula("accumulate_chain_equal_blocks")(n, s0, T0, d) == pytest.approx(direct, rel=1e-12)
    tail = s0**2 * d * sum(1 / (k * (k * T0 - d - 1)) for k in range(1, 200001))
    assert formula("accumulate_chain_limit")(s0, T0, d) == pytest.approx(tail, rel=1e-5)


def test_mixing_factor_end_points_and_large_T():
    for T, d in ((30, 10), (200, 50)):
        assert formula("mixing_factor")(T, T, d) == pytest.approx(1.0, rel=1e-14)
        assert formula("mixing_factor")(T, 0, d) == 0
        for m in (1, T // 3, T - 1):
            assert formula("mixing_factor")(T, m, d) == pytest.approx(g_closed(T, m, d), rel=1e-13)
    p, T, d = sp.Rational(3, 10), sp.Symbol("T", positive=True), 20
    g = g_closed(T, p * T, d)
    assert sp.limit(g, T, sp.oo) == p**2
    assert sp.limit((g - p**2) * T, T, sp.oo) == p * (1 - p) * (d + 1)


def test_replace_real_stationary_is_the_fixed_point():
    T0, m, d, s0 = 80, 50, 30, 1.0
    e = formula("replace_real_stationary")(T0, m, d, s0)
    assert formula("replace_real_step")(e, T0, m, d, s0) == pytest.approx(e, rel=1e-12)


# -- regimes ---------------------------------------------------------------------------------------------

def test_the_choice_of_regime_does_not_depend_on_the_table_order(monkeypatch):
    from modelcollapse.numerics import regimes
    cases = [explicit(20, 1, generators={"n": 3, "T0": 30, "sigma0": 1.0, "scheme": scheme, "real_fraction": f},
                      downstream={"T": 50, "sigma": 0.5, "ridge": 0.0})
             for scheme in ("replace", "accumulate", "accumulate-subsample") for f in (0.0, 0.3)]
    before = [regimes.regime_for(s).name for s in cases]
    monkeypatch.setattr(regimes, "FAST_PATHS", tuple(reversed(regimes.FAST_PATHS)))
    assert [regimes.regime_for(s).name for s in cases] == before
    assert before == ["ols_generators", "replace_mixing", "accumulate_generators", "accumulate_generators",
                      "accumulate_subsample", "accumulate_subsample"]


def test_accumulate_ols_exact_value():
    d, T0 = 20, [30, 25, 40]
    s = explicit(d, 1, generators={"n": 3, "T0": T0, "sigma0": [1.0, 0.5, 2.0], "scheme": "accumulate"},
                 downstream={"T": 50, "sigma": 0.5, "ridge": 0.0})
    N = np.cumsum(T0)
    e = d * sum(s0**2 * t / (n * (n - d - 1)) for s0, t, n in zip([1.0, 0.5, 2.0], T0, N))
    p = predict(s)
    assert p.regime == "accumulate_generators" and p.exact
    assert p.test_error == pytest.approx(0.25 * d / (50 - d - 1) + e, rel=1e-12)


def test_mixing_ols_exact_value():
    d = 20
    s = explicit(d, 2, generators={"n": 2, "T0": 40, "sigma0": 1.0},
                 downstream={"T": 60, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.5})
    e = 2 * d / (40 - d - 1)
    p = predict(s)
    assert p.regime == "replace_mixing" and p.exact
    assert p.test_error == pytest.approx(0.25 * d / (60 - d - 1) + g_closed(60, 30, d) * e, rel=1e-12)


def test_downstream_fraction_zero_reproduces_the_old_prediction():
    s = Scenario.from_dict(scenario_dict())
    assert predict(s.replace(scheme="replace")).test_error == predict(s).test_error
    assert predict(s).regime == "ols_generators"


def test_accumulate_subsample_is_replace_at_one_generation_and_leaves_small_fits_to_the_general_engine():
    s = explicit(20, 3, generators={"n": 3, "T0": [30, 17, 30], "sigma0": 1.0, "scheme": "accumulate-subsample"},
                 downstream={"T": 50, "sigma": 0.5, "ridge": 0.0})
    assert predict(s).regime == "general_chain"  # fit 2 draws 17 < d + 2 rows: no closed form, the general engine
    one = explicit(20, 3, generators={"n": 1, "T0": 30, "sigma0": 1.0, "scheme": "accumulate-subsample"},
                   downstream={"T": 50, "sigma": 0.5, "ridge": 0.0})
    assert predict(one).test_error == predict(one.replace(scheme="replace")).test_error


# -- simulator -------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("scheme, gen_f, down_f, ridge", [
    ("replace", 0.5, 0.3, 0.05),
    ("accumulate", 0.3, 0.5, 0.1),
    ("accumulate-subsample", 0.4, 0.5, 0.0),
    ("accumulate", 0.0, 0.0, 0.0),
])
def test_plain_and_conditional_agree(scheme, gen_f, down_f, ridge):
    s = explicit(20, 4, generators={"n": 3, "T0": 30, "sigma0": 1.0, "scheme": scheme, "real_fraction": gen_f},
                 downstream={"T": 40, "sigma": 0.5, "ridge": ridge, "real_fraction": down_f})
    a = simulate(s, trials=1500, seed=11, estimator="conditional")
    b = simulate(s, trials=1500, seed=12, estimator="plain")
    assert abs(a.mean - b.mean) <= 4 * math.hypot(a.stderr, b.stderr), (a.mean, a.stderr, b.mean, b.stderr)


CASES = {  # name: (d, generators, downstream); unseen-by-the-research seeds
    "accumulate OLS, unequal blocks": (50, {"n": 4, "T0": [60, 30, 80, 40], "sigma0": [1.0, 0.5, 1.5, 1.0],
                                            "scheme": "accumulate"}, {"T": 100, "sigma": 0.5, "ridge": 0.0}),
    "accumulate, ridge downstream": (50, {"n": 5, "T0": 70, "sigma0": 1.0, "scheme": "accumulate"},
                                     {"T": 80, "sigma": 0.5, "ridge": 0.1}),
    "accumulate, real fractions, mixed ridge downstream": (
        50, {"n": 4, "T0": 60, "sigma0": 1.0, "scheme": "accumulate", "real_fraction": [0.2, 0.6, 0.0, 0.4]},
        {"T": 120, "sigma": 0.5, "ridge": 0.05, "real_fraction": 0.3}),
    "accumulate, T0 < d": (50, {"n": 4, "T0": 20, "sigma0": 1.0, "scheme": "accumulate"},
                           {"T": 100, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.5}),
    "replace, real fraction, OLS mixed": (50, {"n": 4, "T0": 80, "sigma0": 1.0, "real_fraction": 0.3},
                                          {"T": 100, "sigma": 0.5, "ridge": 0.0, "real_fraction": 0.6}),
    "replace, real fraction, ridge T < d": (50, {"n": 3, "T0": 80, "sigma0": 1.0, "real_fraction": 0.5},
                                            {"T": 40, "sigma": 0.5, "ridge": 0.02, "real_fraction": 0.5}),
    "replace, d = 100, mixed ridge": (100, {"n": 2, "T0": 150, "sigma0": 1.0},
                                      {"T": 300, "sigma": 0.5, "ridge": 0.05, "real_fraction": 0.5}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_theory_against_simulation(name):
    d, gen, down = CASES[name]
    s = explicit(d, 7 + d, generators=gen, downstream=down)
    p = predict(s)
    sim = simulate(s, trials=300, seed=2024, estimator="conditional")
    allowance = 0.0 if p.exact else DE_ALLOWANCE
    tol = 4 * sim.stderr + allowance * p.test_error
    assert abs(p.test_error - sim.mean) <= tol, (name, p.test_error, sim.mean, sim.stderr,
                                                 str(p.provenance["collapse"]))
