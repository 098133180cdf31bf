"""The front door, ``import modelcollapse as mc`` (docs/CONTRACT.md "Python API"), as a new user meets it.

Expected numbers come from the definitions written out here (the exact OLS result), from the
command line's own output for the same options, or from a second route through the code (a
dotted ``replace`` against the edited file); never from the function under test alone.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.metadata
import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import modelcollapse as mc
from modelcollapse.derivations.cli import main
from modelcollapse.numerics.predict import predict as deep_predict
from modelcollapse.numerics.scenario import Scenario as DeepScenario

HEAVY = ("pandas", "dask", "matplotlib", "sklearn")

# isotropic_ols, built in: d = 100, n = 4, T0 = 300, sigma0 = 1, T = 400, sigma = 0.5, OLS everywhere
OLS_EXACT = 0.5**2 * 100 / (400 - 100 - 1) + 4 * 1.0**2 * 100 / (300 - 100 - 1)


def cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# -- the namespace -------------------------------------------------------------------------------

def test_import_is_light_and_lazy():
    """``import modelcollapse`` imports none of the heavy libraries (nor SymPy): checked in a fresh interpreter."""
    code = ("import sys, modelcollapse; "
            f"print(','.join(m for m in {HEAVY + ('sympy', 'numpy')!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
    code = ("import sys, modelcollapse as mc; mc.predict('isotropic_ols'); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "", f"predict pulled in {loaded}"


def test_every_public_name_resolves_and_deep_paths_are_the_same_objects():
    for name in mc.__all__:
        assert getattr(mc, name) is not None, name
    assert set(mc.__all__) <= set(dir(mc))
    assert mc.Scenario is DeepScenario
    assert mc.ScenarioError is importlib.import_module("modelcollapse.theory.errors").ScenarioError
    assert issubclass(mc.UnknownScenarioError, mc.ScenarioError)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mc.nope  # noqa: B018


def test_version_is_the_package_metadata(capsys):
    assert mc.__version__ == importlib.metadata.version("modelcollapse")
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"modelcollapse {mc.__version__}"


# -- scenarios -----------------------------------------------------------------------------------

def test_builtin_names_load_everywhere(capsys):
    names = mc.builtin_scenarios()
    assert {"powerlaw_ridge", "isotropic_ols", "mixing"} <= set(names) and all(names.values())
    s = mc.load("isotropic_ols")
    assert (s.d, s.n, s.T) == (100, 4, 400)
    assert mc.load("isotropic_ols.toml") == s == mc.load(s) == mc.load(s.to_dict())
    code, out, err = cli(["predict", "isotropic_ols", "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["test_error"] == pytest.approx(OLS_EXACT, rel=1e-13)


def test_an_existing_file_wins_over_a_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "isotropic_ols.toml").write_text(mc.load("isotropic_ols").replace(n=0).to_toml())
    assert mc.load("isotropic_ols.toml").n == 0 and mc.load("isotropic_ols").n == 4


def test_unknown_builtin_name_lists_them_and_the_closest(capsys):
    with pytest.raises(mc.UnknownScenarioError) as caught:
        mc.load("powerlaw_rigde")
    message = str(caught.value)
    assert "'powerlaw_rigde'" in message and "did you mean 'powerlaw_ridge'?" in message
    assert all(name in message for name in mc.builtin_scenarios())
    code, _, err = cli(["verify", "powerlaw_rigde"], capsys)
    assert code == 2 and err.strip() == f"modelcollapse: error: {message}"
    with pytest.raises(mc.ScenarioError, match="cannot read"):
        mc.load("no/such/file.toml")


def test_keyword_and_dict_construction_agree():
    tables = {"spectrum": {"kind": "isotropic", "d": 50}, "teacher": {"kind": "isotropic"},
              "generators": {"n": 2, "T0": 100, "sigma0": 1.0}, "downstream": {"T": 80, "sigma": 0.5, "ridge": 0.0}}
    assert mc.Scenario(**tables) == mc.Scenario.from_dict(tables)
    with pytest.raises(mc.ScenarioError) as caught:
        mc.Scenario(**{**tables, "spectrum": {"kind": "isotropic", "dd": 50}})
    assert caught.value.key == "spectrum.dd"


def test_replace_takes_the_dotted_keys_of_sweeps():
    s = mc.load("powerlaw_ridge")
    assert s.replace(**{"downstream.ridge": 0.01}) == s.replace(ridge=0.01)
    edited = s.to_dict()
    edited["spectrum"]["beta"] = 1.5
    edited["generators"]["n"] = 2
    changed = s.replace(**{"spectrum.beta": 1.5, "generators.n": 2.0})  # an integral float, as sweeps give
    assert changed == mc.Scenario.from_dict(edited) and changed.n == 2
    assert mc.predict(changed).test_error == deep_predict(mc.Scenario.from_dict(edited)).test_error
    assert s.replace(**{"spectrum.beta": 1.5}, n=1).n == 1  # dotted and bare keys together


@pytest.mark.parametrize("key, named", [("downstream.rigde", "downstream.rigde"), ("spectra.beta", "spectra.beta"),
                                        ("spectrum.beta.x", "spectrum.beta.x")])
def test_replace_with_an_unknown_dotted_key_names_it(key, named):
    with pytest.raises(mc.ScenarioError) as caught:
        mc.load("powerlaw_ridge").replace(**{key: 1.0})
    assert caught.value.key == named and str(caught.value).startswith(f"{named}: unknown key")


def test_replace_with_an_unknown_bare_key_is_a_typed_error():
    with pytest.raises(mc.ScenarioError) as caught:
        mc.load("powerlaw_ridge").replace(ridg=0.1)
    assert isinstance(caught.value, TypeError) and caught.value.key == "ridg"
    assert "did you mean 'ridge'?" in str(caught.value)


def test_bad_values_raise_the_errors_the_cli_prints(capsys):
    s = mc.load("powerlaw_ridge")
    with pytest.raises(mc.ScenarioError) as caught:
        mc.predict(s.replace(ridge=-1.0))
    code, _, err = cli(["predict", "--json", str(_write(s.to_dict(), ridge=-1.0))], capsys)
    assert code == 2 and str(caught.value) in err
    for kwargs, key in [({"trials": 1}, "trials"), ({"seed": -1}, "seed"), ({"jobs": 0}, "jobs"),
                        ({"estimator": "fancy"}, "estimator")]:
        with pytest.raises(mc.ScenarioError) as caught:
            mc.simulate(s, **kwargs)
        assert caught.value.key == key
    with pytest.raises(mc.ScenarioError, match="precision"):
        mc.predict(s, precision=5)
    with pytest.raises(mc.SimulationError, match="spectrum.d"):
        mc.simulate(mc.load("powerlaw_ridge").replace(**{"spectrum.d": "inf", "generators.n": 0}), trials=2)


def _write(tables, *, ridge):
    import tempfile
    from pathlib import Path

    tables = {**tables, "downstream": {**tables["downstream"], "ridge": ridge}}
    path = Path(tempfile.mkdtemp()) / "s.toml"
    import tomli_w
    path.write_text(tomli_w.dumps(tables))
    return path


# -- results as objects ----------------------------------------------------------------------------

def test_prediction_shows_itself():
    p = mc.predict("isotropic_ols")
    assert p.test_error == pytest.approx(OLS_EXACT, rel=1e-13)
    assert "\n" not in repr(p) and repr(p).startswith("Prediction(test_error=2.09366")
    text = str(p).splitlines()
    assert text[0].startswith("Predicted test error (float64") and text[1].split()[:2] == ["test_error", "2.09366"]
    assert "<table>" in p._repr_html_() and "2.09366" in p._repr_html_()
    assert p._repr_latex_().startswith("$") and r"E_{\mathrm{test}}" in p._repr_latex_()
    frame = p.to_frame()
    assert frame.shape[0] == 1 and frame["test_error"][0] == p.test_error
    assert frame["provenance.collapse"][0] == "exact"


def test_prediction_with_parts_shows_them():
    p = mc.predict("mixing")
    assert p.parts, "the mixing scenario's prediction has parts (chain_error)"
    rows = {line.split()[0]: line.split()[1] for line in str(p).splitlines()[1:]}
    assert rows["chain_error"] == "%.6g" % p.parts["chain_error"]
    assert p.to_frame()["parts.chain_error"][0] == p.parts["chain_error"]


def test_simulation_and_verification_match_the_cli(capsys):
    r = mc.simulate("isotropic_ols", trials=30, seed=3)
    code, out, _ = cli(["simulate", "isotropic_ols", "--trials", "30", "--seed", "3", "--jobs", "1", "--json"], capsys)
    assert code == 0 and json.loads(out) == r.to_dict()
    assert "errors" not in repr(r) and "\n" not in repr(r)
    assert str(r).splitlines()[1].split()[:2] == ["mean", "%.6g" % r.mean]
    assert list(r.to_frame().columns) == ["mean", "stderr", "trials", "seed", "estimator"]
    assert isinstance(r, mc.Simulation) and r.errors.shape == (30,)

    v = mc.verify("isotropic_ols", trials=30, seed=3)
    code, out, _ = cli(["verify", "isotropic_ols", "--trials", "30", "--seed", "3", "--jobs", "1", "--json"], capsys)
    assert code == 0 and json.loads(out) == json.loads(json.dumps(v.to_dict()))
    assert v.passed and bool(v) and v.mean == r.mean and v.theory == pytest.approx(OLS_EXACT, rel=1e-13)
    assert abs(v.z - (v.theory - r.mean) / r.stderr) < 1e-12
    assert "PASS" in repr(v) and "verdict" in str(v) and "<table>" in v._repr_html_()
    assert v.to_frame()["prediction.test_error"][0] == v.theory


# -- formulas as SymPy objects ---------------------------------------------------------------------

def test_result_is_a_sympy_expression_with_its_metadata():
    r = mc.result("ols_exact")
    assert isinstance(r.expr, sp.Expr)
    T, d = r.symbols_by_name["T"], r.symbols_by_name["d"]
    assert r.assumptions["T"] == {k: True for k in T.assumptions0 if T.assumptions0[k] is True}
    assert T.is_integer and T.is_positive
    assert r.provenance.kind.value == "exact"
    # .subs, lambdify and latex accept it; the value is predict's
    at = {s: v for s, v in zip(r.symbols, (0.5, 1.0, 4, 400, 300, 100))}
    assert float(r.expr.subs(at)) == pytest.approx(OLS_EXACT, rel=1e-14)
    f = sp.lambdify(r.symbols, r.expr)
    assert f(0.5, 1.0, 4, 400, 300, 100) == pytest.approx(OLS_EXACT, rel=1e-14)
    assert r(sigma=0.5, sigma_0=1.0, n=4, T=400, T0=300, d=100) == mc.predict("isotropic_ols").test_error
    assert "\\frac" in sp.latex(r.expr) and "\\frac" in r.latex() and r._repr_latex_().startswith("$")
    # arrays broadcast
    assert np.allclose(r(sigma=0.5, sigma0=1.0, n=np.array([0, 4]), T=400, T0=300, d=100),
                       [0.25 * 100 / 299, OLS_EXACT])
    assert sp.limit(r.expr, T, sp.oo).free_symbols == {r.symbols_by_name[x] for x in ("d", "n", "sigma_0", "T_0")}
    assert d in r.expr.free_symbols


def test_result_values_equal_predict_where_they_coincide():
    s = mc.load("isotropic_ridge")
    p = mc.predict(s)
    kappa = mc.result("isotropic_kappa")
    assert kappa(phi=s.d / s.T, lam=s.ridge) == pytest.approx(p.kappa, rel=1e-13)
    rho = mc.result("rho")  # printed-only in the registry: evaluated here from its free symbols
    assert not rho._named.args and {x.name for x in rho.symbols} == {"T", "T_0", "d", "df_1", "df_2"}
    # isotropic spectrum: df_m = d (1/(1 + κ))^m; the collapse of OLS-generator chains is n σ0² ρ
    df1, df2 = s.d / (1 + p.kappa), s.d / (1 + p.kappa) ** 2
    first = p.first_order["collapse"]
    value = s.n * s.generators.sigma0[0] ** 2 * rho(T=s.T, T0=s.generators.T0[0], d=s.d, df1=df1, df2=df2)
    assert value == pytest.approx(first, rel=1e-12)


def test_result_call_errors_name_the_argument():
    r = mc.result("ols_exact")
    with pytest.raises(TypeError, match="missing argument 'T'"):
        r(sigma=0.5, sigma0=1.0, n=4, T0=300, d=100)
    with pytest.raises(TypeError, match="unknown argument 'Tx'"):
        r(sigma=0.5, sigma0=1.0, n=4, T=400, T0=300, d=100, Tx=1)
    equation = mc.result("kappa_equation")
    assert isinstance(equation.expr, sp.Equality)
    with pytest.raises(mc.NotCoveredError, match="an equation"):
        equation(T=1)
    with pytest.raises(mc.UnknownResultError) as caught:
        mc.result("ols_exakt")
    assert "did you mean 'ols_exact'?" in str(caught.value)


def test_scaling_law_numeric_and_symbolic():
    from modelcollapse.numerics.scaling import scaling_exponents

    law = mc.scaling_law(beta=2, r=0.5)
    expected = scaling_exponents(2.0, 0.5)
    for name in ("ell_crit", "ell_opt", "rate_clean", "rate_collapse", "plateau_exponent"):
        assert float(getattr(law, name)) == pytest.approx(expected[name], rel=1e-15), name
    assert law.ell_crit == sp.Rational(2, 3)  # β/(1 + 2β min(r, 1)) = 2/3, exactly
    b = sp.Symbol("beta", positive=True)
    symbolic = mc.scaling_law(beta=b, r=sp.Rational(1, 2))
    assert isinstance(symbolic.ell_crit, sp.Expr) and symbolic.ell_crit.free_symbols == {b}
    assert sp.simplify(symbolic.ell_crit - b / (1 + b)) == 0
    assert symbolic.ell_crit.subs(b, 2) == law.ell_crit
    assert mc.scaling_law(noiseless=True, beta=2, r=0.5).rate_clean == 2  # 2β min(r,1) = 2
    for bad, key in [({"beta": 1}, "beta"), ({"r": 0}, "r"), ({"a": -1}, "a"), ({"beta": float("nan")}, "beta")]:
        with pytest.raises(mc.ScenarioError) as caught:
            mc.scaling_law(**{"beta": 2, "r": 0.5, **bad})
        assert caught.value.key == key
    assert "ell_crit" in str(law) and law._repr_latex_().startswith("$")


def test_scaling_law_to_dict_is_the_cli_json(capsys):
    code, out, _ = cli(["scaling", "--beta", "2", "--r", "0.5", "--a", "0.5", "--json"], capsys)
    assert code == 0 and json.loads(out) == mc.scaling_law(beta=2, r=0.5, a=0.5).to_dict()
    symbolic = mc.scaling_law(r=0.5).to_dict()
    assert symbolic["ell_crit"] == "beta/(beta + 1)" and symbolic["r"] == 0.5


def test_derive_returns_the_steps():
    d = mc.derive("derivation_rho")
    assert d.names[0] == "definition" and len(d.steps) >= 4 and isinstance(d.result, sp.Basic)
    assert mc.derive("rho").title == d.title
    with pytest.raises(mc.UnknownResultError, match="did you mean 'derivation_rho'"):
        mc.derive("derivation_roh")


# -- doctests of the public API --------------------------------------------------------------------

@pytest.mark.parametrize("module", ["modelcollapse", "modelcollapse.workflow", "modelcollapse.symbolic",
                                    "modelcollapse.numerics.scenario", "modelcollapse.derivations.scenario_files",
                                    "modelcollapse.theory.errors"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0, result
