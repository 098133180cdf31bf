"""Over-parameterised generators (some ``T0_k < d + 2``) and per-generation schedules (THEORY.md §3.5).

The chain's per-eigendirection moments (:func:`modelcollapse.numerics.overparam.chain_moments`)
under the downstream ridge: ``E_test = B + V + Σ_j [ΔB_j + ΔV_j]`` (clean bias and variance, bias
increase, variance increase). Covered region and measured accuracy: see
:mod:`modelcollapse.numerics.overparam`.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.finite_size import corrected_smoother
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.overparam import chain_moments, total
from modelcollapse.numerics.prediction import Prediction, assemble
from modelcollapse.numerics.regimes.domain import (
    every_block_ols,
    fresh_design,
    has_generators,
    ols_generators_only,
    real_rows_downstream,
    real_rows_in_generators,
    scheme_is,
)
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.provenance import EXACT, ProvenanceKind, equivalent, finite_size

__all__ = ["OverparameterisedGenerators", "REGIME", "predict_overparameterised"]

SMOOTHER_EQUIVALENT = equivalent("deterministic equivalent (downstream smoother; chain exact)")
SMOOTHER_CORRECTED = finite_size("deterministic equivalent with 1/d correction (downstream smoother; chain exact)")


def _smoother(scenario: Scenario, clean, lam, b: Backend, *, first_order: bool = False):
    """``a_j ≃ E A_jj`` and ``γ_j ≃ E(AᵀΣA)_jj/λ_j`` at the clean ``κ`` (scalars for ``Σ ∝ I``).

    At ``κ = 0`` (OLS) they are 1, and for ridgeless ``Σ = cI`` (``κ = c(d/T − 1)``) ``T/d``: exact,
    as the clean part says. Otherwise deterministic equivalents, with their ``1/d`` correction where
    the clean part has one (unless ``first_order``).
    """
    if not first_order and clean.provenance.kind is ProvenanceKind.FINITE_SIZE_CORRECTED:
        kappa = b.scalar(clean.kappa)
        p = formula("overparam_shrink")(lam[0] if scenario.spectrum.is_isotropic else lam, kappa)
        return corrected_smoother(p, scenario.T, scenario.d, b)
    shrink_of, gain = formula("overparam_shrink"), formula("downstream_gain")
    T = b.scalar(scenario.T)
    kappa = b.scalar(clean.kappa)
    if scenario.spectrum.is_isotropic:
        a = shrink_of(lam[0], kappa)
        return a, gain(a, a * a * len(lam), T)
    a = shrink_of(lam, kappa)
    return a, gain(a, b.fsum(a * a), T)


def predict_overparameterised(
    scenario: Scenario, backend: Backend, *, chain=None, regime: str | None = None
) -> Prediction:
    """Predicted test error with over-parameterised generators and/or schedules (THEORY.md §3.5).

    Parameters
    ----------
    scenario : Scenario
        Finite ``d``; generations of any covered kind (:mod:`modelcollapse.numerics.overparam`).
    backend : Backend
        float64 or mpmath; the same code runs on both.
    chain : ChainMoments, optional
        The chain's moments if another regime computed them (ridge generators); by default those
        of :func:`modelcollapse.numerics.overparam.chain_moments`.
    regime : str, optional
        The name the prediction reports (default this regime's).

    Returns
    -------
    Prediction
        ``collapse`` = bias increase + variance increase (in ``parts``, with ``chain_error`` =
        ``E‖ŵ_n − w0‖²_Σ``); provenance of the chain, the clean part and the collapse.

    Raises
    ------
    NotCoveredError
        ``d − 1 <= T0_k <= d + 1`` with ``σ0_k > 0`` (infinite), ``λ = 0`` with ``|T − d| <= 1``, or
        an infinite ``d``.
    FixedPointError
        A ``κ`` fixed point did not converge.
    """
    b = backend
    chain = chain if chain is not None else chain_moments(scenario, b)
    clean = clean_prediction(scenario, b)
    lam = scenario.spectrum.eigenvalues(b)
    t, pi, w = chain.energy, chain.shrink, chain.weights

    def increases(a, gamma):
        bias_inc = total(formula("overparam_bias_increase")(w, gamma, pi, a), b)
        return bias_inc, total(formula("overparam_variance_increase")(gamma, t, pi, w), b)

    bias_increase, variance_increase = increases(*_smoother(scenario, clean, lam, b))
    collapse = bias_increase + variance_increase
    first = None
    if clean.first_order is not None:
        first = sum(increases(*_smoother(scenario, clean, lam, b, first_order=True)))
    parts = {"chain_error": chain.error(b), "bias_increase": bias_increase, "variance_increase": variance_increase}
    if chain.provenance.is_exact and clean.provenance.is_exact:
        collapse_prov = EXACT
    elif chain.provenance.is_exact:
        corrected = clean.provenance.kind is ProvenanceKind.FINITE_SIZE_CORRECTED
        collapse_prov = SMOOTHER_CORRECTED if corrected else SMOOTHER_EQUIVALENT
    else:
        collapse_prov = chain.provenance
    notes = list(chain.notes)
    notes.append(f"collapse = bias increase {float(bias_increase):.6g} + variance increase "
                 f"{float(variance_increase):.6g}")
    return assemble(clean=clean, collapse=collapse, collapse_provenance=collapse_prov, backend=b, parts=parts,
                    regime=regime or REGIME.name, iterations=max(clean.iterations, chain.iterations),
                    residual=max(clean.residual, chain.residual), notes=notes, first_order_collapse=first)


class OverparameterisedGenerators:
    """``n >= 1`` with some ``T0_k < d + 2`` (finite ``d``): projections, OLS and identity steps in any order."""

    name = "overparam_generators"

    def applies(self, scenario: Scenario) -> bool:
        s = scenario
        return (scheme_is(s, "replace") and fresh_design(s) and has_generators(s) and s.spectrum.is_finite
                and not every_block_ols(s) and ols_generators_only(s) and not real_rows_downstream(s)
                and not real_rows_in_generators(s))

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        return predict_overparameterised(scenario, backend)


REGIME = OverparameterisedGenerators()
