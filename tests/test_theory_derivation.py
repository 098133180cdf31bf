"""The derivation of the collapse term ρ (THEORY.md §3.3) runs inside SymPy and lands on the closed form.

Expected expressions are written out by hand here; the numeric checks use numpy directly or the
numeric layer (spectral sums, κ solver), never the derivation under test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.spectra import Spectrum, Teacher
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.theory import collapse, spectral
from modelcollapse.theory import derivation as D
from modelcollapse.theory import isotropic as iso
from modelcollapse.theory.symbols import (
    T0,
    B_mat,
    Sigma,
    T,
    bias_sum,
    coef,
    d,
    df1,
    df1_of,
    df2,
    df2_of,
    eigenvalue,
    j,
    kappa,
    lam,
    phi,
    sigma,
    trace2,
    w0_norm,
)


def is_zero(expr) -> bool:
    return sp.simplify(expr) == 0


def test_rho_derivation_simplifies_to_the_closed_form():
    derived = D.collapse_trace_derivation().result
    assert is_zero(derived - collapse.collapse_trace())
    assert is_zero(derived - df2 * (T + d - 2 * df1) / (T - df2))
    assert is_zero(D.rho_derivation().result - collapse.collapse_rho())


def test_trace_identity_is_derived_by_sympy():
    expected = d - 2 * sp.Trace(B_mat) + sp.Trace(B_mat * Sigma * B_mat * Sigma.I)
    assert sp.expand(D.trace_identity() - expected) == 0


def test_trace_identity_holds_for_random_matrices():
    rng = np.random.default_rng(3)
    dim, T_, lam = 7, 11, 0.3
    eig = rng.uniform(0.2, 2.0, dim)
    Sigma = np.diag(eig)
    X = rng.standard_normal((T_, dim)) * np.sqrt(eig)
    S_hat = X.T @ X / T_
    B = lam * np.linalg.inv(S_hat + lam * np.eye(dim))
    A = np.eye(dim) - B
    Si = np.linalg.inv(Sigma)
    lhs = np.trace(A.T @ Sigma @ A @ Si)
    rhs = dim - 2 * np.trace(B) + np.trace(B @ Sigma @ B @ Si)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_eigen_sums_are_identified_with_df():
    assert sp.expand(D.identify_df(1) - (d - df1)) == 0
    assert sp.expand(D.identify_df(2) - (d - 2 * df1 + df2)) == 0


def test_derivation_steps_are_named_printable_and_immutable():
    der = D.rho_derivation()
    assert der.names[:2] == ("definition", "trace_identity")
    assert der["simplified"].relation == D.EQUIVALENT
    with pytest.raises(KeyError, match="no step 'nope'"):
        der["nope"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        der.title = "x"
    text = der.latex()
    assert text.startswith(r"\begin{aligned}") and r"\simeq" in text and r"\operatorname{df}_2" in text
    assert der._repr_latex_().startswith("$")
    assert "trace_identity" in str(der) and "≃" in der.pretty()


def test_clean_error_derivation_lands_on_bias_and_variance():
    der = D.clean_error_derivation()
    assert is_zero(der["bias"].rhs - collapse.clean_bias())
    assert is_zero(der["bias"].rhs - kappa**2 * bias_sum / (1 - df2 / T))
    assert is_zero(der["variance"].rhs - collapse.clean_variance())
    assert is_zero(der["variance"].rhs - sigma**2 * df2 / (T - df2))


# -- limits -------------------------------------------------------------------------------------
def test_ridgeless_limit_symbolic():
    lim = D.rho_limits()
    assert lim["ridgeless_df"].rhs == d
    assert lim["ridgeless_trace"].rhs == d
    assert is_zero(lim["ridgeless_rho"].rhs - d / (T0 - d - 1))
    assert lim["ridgeless_rho_asymptotic"].rhs == 1


def test_strong_ridge_limit_symbolic():
    lim = D.rho_limits()
    assert is_zero(lim["strong_trace"].rhs - trace2 * (T + d) / (T * lam**2))
    assert lim["strong_rho"].rhs == 0
    assert lim["strong_df"].rhs == sp.Sum(eigenvalue[j] ** 2, (j, 1, d))


def _numeric_trace(eig, ridge, T_):
    sums = spectral_sums(Spectrum(kind="eigenvalues", d=len(eig), values=tuple(eig)))
    k = solve_kappa(sums, ridge, T_).kappa
    return formula("collapse_trace")(sums.df(k, 1), sums.df(k, 2), T_, len(eig))


def test_limits_against_the_numeric_path():
    eig = [1.0 / (i + 1) ** 1.5 for i in range(40)]
    T_ = 90
    # λ → 0 with T > d: trace → d (A → I)
    assert _numeric_trace(eig, 1e-9, T_) == pytest.approx(40, rel=1e-6)
    # λ → ∞: trace ≈ tr Σ² (T + d)/(T λ²). The next order of df_2 is −2 tr Σ³/κ³, a relative
    # correction of at most 2 λ_max/λ; the others (κ − λ ≈ tr Σ/T, df_1 in T + d − 2 df_1) are smaller.
    for ridge in (1e4, 1e6):
        expected = sum(e * e for e in eig) * (T_ + 40) / (T_ * ridge**2)
        assert _numeric_trace(eig, ridge, T_) == pytest.approx(expected, rel=3 * max(eig) / ridge)


# -- explicit sums --------------------------------------------------------------------------------
def test_explicit_sums_reduce_to_isotropic_closed_forms():
    m = sp.Symbol("m", positive=True, integer=True)
    assert is_zero(spectral.isotropic_spectrum(spectral.df_sum(m)) - d / (1 + kappa) ** m)
    assert is_zero(spectral.isotropic_spectrum(spectral.df_sum(1)) - d / (1 + kappa))
    assert is_zero(spectral.isotropic_spectrum(spectral.df_sum(2)) - d / (1 + kappa) ** 2)
    assert is_zero(spectral.bias_sum_isotropic() - w0_norm**2 / (1 + kappa) ** 2)


def test_explicit_sums_match_the_numeric_spectral_sums():
    eig = (2.0, 1.0, 0.5, 0.25, 0.1)
    c = (0.3, -1.0, 0.7, 0.2, 1.5)
    k = 0.37
    values = {eigenvalue[i + 1]: sp.Float(v) for i, v in enumerate(eig)} | {coef[i + 1]: sp.Float(v) for i,
                                                                            v in enumerate(c)}
    sums = spectral_sums(Spectrum(kind="eigenvalues", d=5, values=eig), Teacher(kind="coefficients", values=c))
    for m in (1, 2):
        explicit = spectral.df_sum(m).subs({d: 5, kappa: k}).doit().subs(values)
        assert float(explicit) == pytest.approx(sums.df(k, m), rel=1e-13)
    explicit_b = spectral.bias_sum_explicit().subs({d: 5, kappa: k}).doit().subs(values)
    assert float(explicit_b) == pytest.approx(sums.bias_sum(k), rel=1e-13)


def test_general_results_through_explicit_sums_reduce_to_the_isotropic_ones():
    """collapse.py with df_m, S_B as explicit sums, evaluated at λ_j = 1, equals theory/isotropic.py."""
    for general, special, scale in ((collapse.clean_bias(), iso.bias_isotropic(), 1),
                                    (collapse.clean_variance(), iso.variance_isotropic(), 1),
                                    (collapse.collapse_trace(), iso.collapse_trace_isotropic(), d)):
        via_sums = spectral.isotropic_spectrum(spectral.explicit_sums(general))
        assert is_zero(via_sums - (scale * special).subs(phi, d / T))


def test_df_as_functions_of_kappa():
    expr = spectral.as_functions(collapse.collapse_trace())
    assert expr.has(df1_of(kappa)) and not expr.has(df1)
    # d/dκ of the collapse trace is available in terms of df_m'(κ)
    assert sp.diff(expr, kappa).has(sp.Derivative(df2_of(kappa), kappa))
