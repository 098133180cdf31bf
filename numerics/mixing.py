"""The downstream ridge on a chain of known error, with a synthetic share (THEORY.md §3.7).

Every data-scheme regime computes its chain error ``e_n = E‖ŵ_n − w0‖²_Σ`` and hands it here. The
downstream trains on ``m = T − round(f T)`` synthetic rows (labels ``xᵀŵ_n + σε``) and ``T − m``
real rows (``xᵀw0 + σε``):

* ``λ = 0``, ``T >= d + 2`` (OLS): ``E_clean + g(T, m, d) e_n`` — exact for any chain
  (registered ``mixing_factor``; ``g = 1`` at ``m = T``).
* otherwise the chain must be centred with ``Cov Δ = (e_n/d) Σ⁻¹`` (every OLS-generator scheme):
  ``m = T``: the exact reduction ``E_clean + (e_n/d) E tr(AᵀΣAΣ⁻¹)`` with the clean part's trace;
  ``m < T``: the deterministic equivalent ``mixing_ridge_collapse``.

The clean part is :func:`~modelcollapse.numerics.clean.clean_prediction`, shared with every regime
(so its finite-size corrections apply here too).
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.prediction import Prediction, assemble
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT, Provenance, equivalent

__all__ = ["predict_on_chain", "require_ols_chain"]

# Measured (THEORY.md 3.7.1): 140 research comparisons within 1.5%, the held-out table of
# benchmarks/bench_accuracy.py within 1.43% (|rel| + 2 SE), one report of −2.4% (d = 30, T = 90, 500 trials).
MIXING_EQUIVALENT = equivalent("deterministic equivalent (ridge downstream with a synthetic share)", allowance=0.03)
REDUCTION_EQUIVALENT = equivalent("deterministic equivalent (downstream smoother trace; chain exact)")


def require_ols_chain(scenario: Scenario, what: str) -> None:
    """The domain every data-scheme regime shares: a finite ``d`` and OLS / min-norm generators.

    ``what`` names the feature in the message (``"generators.scheme = 'accumulate'"``).
    """
    if not scenario.spectrum.is_finite:
        raise NotCoveredError(f"spectrum.d: {what} needs a finite d")
    if getattr(scenario.generators, "has_ridge", False):  # ridge generators (issue 14): not derived here
        raise NotCoveredError("generators.ridge: data schemes and real fractions are derived for OLS / min-norm "
                              "generators only (ridge = 0)")


def _combine(chain: Provenance, downstream: Provenance) -> Provenance:
    """The weaker of the chain's and the downstream's provenance (exact only if both are), with the larger
    of their measured allowances (a chain equivalent under a mixing downstream carries the mixing's error too)."""
    if chain.is_exact:
        return downstream
    if downstream.allowance <= chain.allowance:
        return chain
    return Provenance(kind=chain.kind, detail=chain.detail, allowance=downstream.allowance)


def predict_on_chain(scenario: Scenario, backend: Backend, *, chain_error, chain_provenance: Provenance,
                     centred: bool, regime: str, notes=(), parts=None, iterations=None,
                     residual=None) -> Prediction:
    """The prediction of the downstream trained on the chain's last generator (module docstring).

    Parameters
    ----------
    chain_error : backend number
        ``e_n``.
    chain_provenance : Provenance
        How ``e_n`` holds.
    centred : bool
        Whether ``E Δ = 0`` and ``Cov Δ = (e_n/d) Σ⁻¹`` (needed for a ridge or ``T < d`` downstream).
    parts : dict, optional
        More named numbers of the regime for ``Prediction.parts`` (next to ``chain_error``).
    iterations, residual : optional
        The regime's solver effort and its residual, for the prediction.

    Raises
    ------
    NotCoveredError
        A ridge or ``T < d`` downstream on a chain that is not centred.
    """
    b = backend
    clean = clean_prediction(scenario, b)
    first_order_collapse = None  # default: the collapse term itself (no 1/d correction in it)
    d, T, m = scenario.d, scenario.T, scenario.downstream.synthetic_rows
    parts = {"chain_error": chain_error, **(parts or {})}
    if scenario.ridge == 0 and T >= d + 2:
        collapse = formula("mixing_factor")(T, m, d) * chain_error
        prov = _combine(chain_provenance, EXACT)
    elif not centred:
        raise NotCoveredError("downstream.ridge: with this chain (not centred: a first block T0 < d) only an OLS "
                              "downstream (ridge = 0, T >= d + 2) is covered")
    elif m == T:
        reduction = formula("chain_downstream_reduction")
        collapse = reduction(b.scalar(0), chain_error, clean.trace, d)
        prov = _combine(chain_provenance, EXACT if clean.provenance.is_exact else REDUCTION_EQUIVALENT)
        if clean.first_order is not None:  # the first-order numbers use the first-order trace throughout
            first_order_collapse = reduction(b.scalar(0), chain_error, clean.first_order["trace"], d)
    else:
        sums = spectral_sums(scenario.spectrum, scenario.teacher, b)
        kappa = clean.kappa  # the clean part's κ: the downstream design is the same
        collapse = formula("mixing_ridge_collapse")(chain_error, m, T, d, sums.df(kappa, 1), sums.df(kappa, 2))
        prov = _combine(chain_provenance, MIXING_EQUIVALENT)
    notes = list(notes) + [f"chain error e_n = {float(chain_error):.6g}; downstream synthetic rows m = {m} of T = {T}"]
    return assemble(clean=clean, collapse=collapse, collapse_provenance=prov, backend=b, regime=regime,
                    parts=parts, notes=notes, first_order_collapse=first_order_collapse,
                    iterations=iterations, residual=residual)
