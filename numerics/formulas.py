"""Numeric evaluation of the symbolic results: lambdified once, cached, backend-agnostic.

The expressions come from :mod:`modelcollapse.theory` (the single source of truth); they are
rational functions, so the generated code is plain arithmetic and runs unchanged on float64
arrays and on object arrays of mpmath numbers.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory import collapse, symbols as s
from modelcollapse.theory import isotropic
from modelcollapse.theory import overparam as _op
from modelcollapse.theory import scaling as _sc

__all__ = ["formula"]

# name -> (expression factory, argument symbols in call order)
_FORMULAS = {
    "clean_bias": (collapse.clean_bias, (s.kappa, s.bias_sum, s.df2, s.T)),
    "clean_variance": (collapse.clean_variance, (s.sigma, s.df2, s.T)),
    "collapse_trace": (collapse.collapse_trace, (s.df1, s.df2, s.T, s.d)),
    "generator_factor": (collapse.generator_factor, (s.n, s.sigma0, s.T0, s.d)),
    "ols_variance": (collapse.ols_variance, (s.sigma, s.T, s.d)),
    "ols_exact": (collapse.ols_exact, (s.sigma, s.sigma0, s.n, s.T, s.T0, s.d)),
    "ridgeless_variance": (collapse.ridgeless_variance, (s.sigma, s.df2, s.df3, s.T)),
    "ridgeless_isotropic_bias": (collapse.ridgeless_isotropic_bias, (s.T, s.d)),
    "ridgeless_isotropic_variance": (collapse.ridgeless_isotropic_variance, (s.sigma, s.T, s.d)),
    "ridgeless_isotropic_trace": (collapse.ridgeless_isotropic_trace, (s.T,)),
}

# Σ = I closed forms (theory/isotropic.py). κ and the explicit test error contain sqrt and Abs,
# which numpy evaluates in float64 only; mpmath precision goes through the general κ solver.
_FORMULAS.update({
    "isotropic_kappa": (isotropic.kappa_isotropic_stable, (s.phi, s.lam)),
    "isotropic_bias": (isotropic.bias_isotropic, (s.kappa, s.phi, s.w0_norm)),
    "isotropic_variance": (isotropic.variance_isotropic, (s.kappa, s.phi, s.sigma)),
    "isotropic_collapse_trace": (isotropic.collapse_trace_isotropic, (s.kappa, s.phi)),
    "isotropic_test_error": (lambda: isotropic.explicit(isotropic.test_error_isotropic(), stable=True),
                             (s.phi, s.phi0, s.lam, s.sigma, s.sigma0, s.n, s.w0_norm)),
    "isotropic_ols": (isotropic.ols_isotropic, (s.phi, s.phi0, s.sigma, s.sigma0, s.n)),
    "isotropic_optimal_ridge": (lambda: isotropic.optimal_ridge_condition().rhs,
                                (s.kappa, s.phi, s.phi0, s.sigma, s.sigma0, s.n, s.w0_norm)),
})

# Over-parameterised generators and schedules (theory/overparam.py, THEORY.md §3.5).
_FORMULAS.update({
    "overparam_iso_shrink": (_op.isotropic_shrink, (s.T0, s.d)),
    "overparam_iso_noise": (_op.isotropic_noise, (s.sigma0, s.T0, s.d)),
    "overparam_isotropic_chain": (_op.isotropic_chain_error, (s.w0_norm, s.phi0, s.n, s.sigma0, s.T0, s.d)),
    "overparam_isotropic_test_error": (_op.isotropic_test_error,
                                       (s.w0_norm, s.phi0, s.n, s.sigma0, s.T0, s.d, _op.a, _op.gamma, _op.V)),
    "overparam_shrink": (_op.shrink, (_op.lam_j, s.kappa0)),
    "overparam_kappa_hat": (lambda: _op.kappa_hat_equation().lhs - _op.kappa_hat_equation().rhs, (s.df1, s.df2, _op.df3, s.T0)),
    "overparam_mean_shrink": (_op.mean_shrink, (_op.p_hat, _op.D)),
    "overparam_offdiagonal_scale": (_op.offdiagonal_scale, (_op.p_hat, _op.D)),
    "overparam_energy_step": (_op.energy_step, (_op.t_j, _op.p_hat, _op.R, _op.D, s.sigma0, _op.p_j, s.T0, s.df2, _op.df3)),
    "overparam_energy_step_de": (_op.energy_step_de, (_op.t_j, _op.p_j, _op.R, s.sigma0, s.T0, s.df2)),
    "overparam_noise": (_op.noise_energy, (s.sigma0, s.T0, s.df2, _op.df3)),
    "downstream_gain": (_op.downstream_gain, (_op.a_j, s.df2, s.T)),
    "overparam_test_error_summand": (_op.test_error_summand, (_op.gamma_j, _op.t_j, _op.a_j, _op.pi_j, _op.w_j)),
    "overparam_bias_increase": (_op.bias_increase, (_op.w_j, _op.gamma_j, _op.pi_j, _op.a_j)),
    "overparam_variance_increase": (_op.variance_increase, (_op.gamma_j, _op.t_j, _op.pi_j, _op.w_j)),
})

# Asymptotic scaling laws (theory/scaling.py, THEORY.md §3.6). The optimal-κ law contains Γ and ζ,
# which numpy lacks: it is lambdified for SciPy (float64 only).
_FORMULAS.update({
    "scaling_effective_noise": (_sc.effective_noise, (s.sigma, s.n, s.sigma0, s.T, s.T0, s.phi0)),
    "scaling_optimal_kappa_law": (_sc.optimal_kappa_law, (s.beta, s.r, s.T, _sc.SIGMA_EFF2, s.w0_norm)),
})
_SCIPY = {"scaling_optimal_kappa_law"}


def register(name: str, factory, args) -> None:
    """Add a symbolic result (a factory returning a SymPy expression) under ``name``."""
    _FORMULAS[name] = (factory, tuple(args))
    formula.cache_clear()


@lru_cache(maxsize=None)
def formula(name: str):
    """The lambdified function of the named result; arguments as in ``_FORMULAS[name][1]``."""
    factory, args = _FORMULAS[name]
    expr = factory()
    missing = expr.free_symbols - set(args)
    if missing:
        raise RuntimeError(f"formula {name!r} has unbound symbols {missing}")
    return sp.lambdify(args, expr, modules=["scipy", "numpy"] if name in _SCIPY else "numpy", cse=True)
