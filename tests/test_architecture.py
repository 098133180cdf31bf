"""The seams of the architecture: typed provenance, the one registry, spectra and regimes as plug-ins.

Expected values come from definitions (sums written out here, scale invariance of min-norm least
squares), never from the code under test.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from conftest import scenario_dict

import modelcollapse.numerics.errors as numerics_errors
import modelcollapse.theory.errors as theory_errors
from modelcollapse.numerics import regimes
from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario, section_keys
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.spectra.base import finite_dimension
from modelcollapse.theory import DERIVATIONS, RESULTS
from modelcollapse.theory.provenance import EXACT, Provenance, ProvenanceKind, equivalent, finite_size
from modelcollapse.theory.registry import derivations_of, get_result
from modelcollapse.theory.symbols import T, df1, df2, kappa, lam

THEORY = Path(__file__).resolve().parents[1] / "theory"


# -- provenance ------------------------------------------------------------------------------------
def test_provenance_is_its_sentence_and_carries_its_kind():
    p = finite_size("deterministic equivalent (ridgeless variance with finite-size correction)")
    assert p == "deterministic equivalent (ridgeless variance with finite-size correction)"
    assert str(p) == p.detail and p.kind is ProvenanceKind.FINITE_SIZE_CORRECTED and not p.is_exact
    assert json.dumps({"p": p}) == json.dumps({"p": str(p)})
    assert pickle.loads(pickle.dumps(p)).kind is p.kind
    assert EXACT == "exact" and EXACT.is_exact and equivalent() == "deterministic equivalent"
    with pytest.raises(AttributeError):
        p.kind = ProvenanceKind.EXACT
    with pytest.raises(TypeError):
        Provenance(kind="exact")


def test_prediction_json_keeps_sentences_and_adds_kinds():
    out = predict(Scenario.from_dict(scenario_dict())).to_dict()
    assert out["provenance"] == {"clean_error": "deterministic equivalent with 1/d correction",
                                 "collapse": "deterministic equivalent with 1/d correction (exact T0-d-1 prefactor)"}
    assert out["provenance_kind"] == {"clean_error": "finite-size corrected", "collapse": "finite-size corrected"}
    assert type(out["provenance"]["collapse"]) is str and out["regime"] == "ols_generators"


def test_every_registered_result_has_a_typed_provenance():
    assert all(isinstance(r.provenance, Provenance) for r in RESULTS.values())
    with pytest.raises(TypeError):
        dataclasses.replace(get_result("clean_bias"), provenance="deterministic equivalent")


# -- errors ----------------------------------------------------------------------------------------
def test_errors_live_in_theory_and_are_reexported():
    for name in ("ModelCollapseError", "ScenarioError", "FixedPointError", "NotCoveredError"):
        assert getattr(numerics_errors, name) is getattr(theory_errors, name)
    with pytest.raises(theory_errors.UnknownResultError, match="no_such_result"):
        get_result("no_such_result")
    with pytest.raises(KeyError):  # still a KeyError for old callers
        get_result("no_such_result")


# -- the registry ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(n for n, r in RESULTS.items() if r.args))
def test_every_evaluable_result_binds_all_its_symbols(name):
    result = get_result(name)
    assert result.expr().free_symbols <= set(result.args)
    assert callable(formula(name))


def test_printed_only_results_refuse_to_evaluate():
    with pytest.raises(theory_errors.UnknownResultError):
        formula("kappa_equation")  # an equation: no argument order declared


def test_derivations_are_attached_to_registered_results():
    attached = {d: r for r in RESULTS for d in derivations_of(r)}
    assert set(attached) <= set(DERIVATIONS)
    assert "derivation_rho" in get_result("rho").derivations
    assert "derivation_isotropic_optimal_ridge" in get_result("isotropic_optimal_ridge").derivations


def test_theory_modules_do_no_numerics():
    for path in THEORY.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import numpy" not in text and "lambdify" not in text, path.name


def test_kappa_residual_and_log_slope_match_the_definition():
    """h(κ) = 1 − df1/T − λ/κ and κ h'(κ) for a concrete spectrum, with df_m written out here."""
    eig = (1.0, 0.5, 0.2, 0.05)
    k = sp.Symbol("k", positive=True)
    df1_k = sum(e / (e + k) for e in eig)
    df2_k = sum((e / (e + k)) ** 2 for e in eig)
    T_v, lam_v, k_v = 3, 0.1, 0.37
    h_def = 1 - df1_k / T_v - lam_v / k
    slope_def = sp.diff(h_def, k) * k
    h = formula("kappa_residual")
    s = formula("kappa_residual_log_slope")
    args_h = dict(zip(get_result("kappa_residual").args, (k_v, lam_v, float(df1_k.subs(k, k_v)), T_v)))
    assert h(*args_h.values()) == pytest.approx(float(h_def.subs(k, k_v)), rel=1e-14)
    assert get_result("kappa_residual_log_slope").args == (kappa, lam, df1, df2, T)
    got = s(k_v, lam_v, float(df1_k.subs(k, k_v)), float(df2_k.subs(k, k_v)), T_v)
    assert got == pytest.approx(float(slope_def.subs(k, k_v)), rel=1e-13)


# -- spectra ---------------------------------------------------------------------------------------
def test_isotropy_is_decided_once_by_the_kind():
    assert Spectrum(kind="isotropic", d=5).is_isotropic
    assert Spectrum(kind="eigenvalues", values=[2.0] * 5).is_isotropic
    assert not Spectrum(kind="eigenvalues", values=[2.0, 1.0]).is_isotropic
    assert not Spectrum(kind="power_law", d=5, beta=2.0).is_isotropic
    assert Spectrum(kind="power_law", d=1, beta=2.0).is_isotropic


def test_ridgeless_min_norm_is_exact_for_any_multiple_of_the_identity():
    """Σ = cI: bias (1 − T/d)‖w0‖²_Σ and variance σ²T/(d − T − 1) do not depend on c; κ = c(d − T)/T."""
    d, T_v, c = 60, 30, 2.5
    down = {"T": T_v, "sigma": 0.5, "ridge": 0.0}
    gen = {"n": 0}
    scaled = predict(Scenario.from_dict(scenario_dict(spectrum={"kind": "eigenvalues", "values": [c] * d},
                                                      teacher={"kind": "isotropic", "norm": 1.0}, generators=gen,
                                                      downstream=down)))
    assert scaled.exact
    assert scaled.bias == pytest.approx(1 - T_v / d, rel=1e-15)
    assert scaled.variance == pytest.approx(0.25 * T_v / (d - T_v - 1), rel=1e-15)
    assert scaled.kappa == pytest.approx(c * (d - T_v) / T_v, rel=1e-15)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _TwoLevel(Spectrum):
    """A toy kind for the test: ``d/2`` eigenvalues ``high`` and ``d/2`` equal to 1."""

    KIND = "two_level_test"
    kind: str = "two_level_test"
    d: int
    high: float = 4.0

    def __post_init__(self):
        object.__setattr__(self, "d", finite_dimension(self.d))

    @property
    def is_isotropic(self) -> bool:
        return self.high == 1.0

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        return backend.array(np.array([self.high] * (self.d // 2) + [1.0] * (self.d - self.d // 2)))


def test_a_new_spectrum_kind_is_one_class_plus_registration(monkeypatch):
    monkeypatch.setitem(Spectrum._family, _TwoLevel.KIND, _TwoLevel)
    assert "high" in section_keys("spectrum")
    sc = Scenario.from_dict(scenario_dict(spectrum={"kind": "two_level_test", "d": 40, "high": 4.0},
                                          teacher={"kind": "isotropic"}))
    p = predict(sc)
    # the same covariance spelled as explicit eigenvalues gives the same prediction
    ref = predict(Scenario.from_dict(scenario_dict(spectrum={"kind": "eigenvalues", "values": [4.0] * 20 + [1.0] * 20},
                                                   teacher={"kind": "isotropic"})))
    assert p.test_error == ref.test_error and p.regime == ref.regime


def test_a_key_of_another_kind_names_its_owner():
    with pytest.raises(theory_errors.ScenarioError, match=r"spectrum\.beta: only allowed with kind = 'power_law'"):
        Spectrum(kind="isotropic", d=3, beta=2.0)


# -- regimes ---------------------------------------------------------------------------------------
def test_dispatch_goes_through_the_regime_table():
    clean = Scenario.from_dict(scenario_dict(generators={"n": 0}))
    ols = Scenario.from_dict(scenario_dict())
    over = Scenario.from_dict(scenario_dict(generators={"n": 1, "T0": 20, "sigma0": 0.5}))
    names = [regimes.regime_for(s).name for s in (clean, ols, over)]
    assert names == ["clean_ridge", "ols_generators", "overparam_generators"]


def test_a_new_regime_is_one_entry_in_the_table(monkeypatch):
    class Marker:
        name = "marker"

        def applies(self, scenario):  # a region the general chain engine predicted: ridge generators, accumulate
            gen = scenario.generators
            return gen.n == 7 and gen.has_ridge and gen.scheme == "accumulate"

        def predict(self, scenario, backend):
            return "predicted by the marker regime"

    base = Scenario.from_dict(scenario_dict())
    claimed = base.replace(n=7, ridge0=0.1, scheme="accumulate")
    assert predict(claimed).regime == "general_chain"
    monkeypatch.setattr(regimes, "FAST_PATHS", (Marker(),) + regimes.FAST_PATHS)
    assert predict(claimed) == "predicted by the marker regime"
    assert predict(base).regime == "ols_generators"


def test_two_fast_paths_claiming_one_scenario_is_a_bug_not_a_choice(monkeypatch):
    class Greedy:
        name = "greedy"

        def applies(self, scenario):
            return scenario.generators.n >= 1

    monkeypatch.setattr(regimes, "FAST_PATHS", regimes.FAST_PATHS + (Greedy(),))
    with pytest.raises(RuntimeError, match="greedy.*mutually exclusive|ols_generators, greedy"):
        regimes.regime_for(Scenario.from_dict(scenario_dict()), check=True)
