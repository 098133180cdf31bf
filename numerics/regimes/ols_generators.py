"""OLS generators, every ``T0_k >= d + 2`` (THEORY.md §3.1–§3.3).

The collapse term separates exactly: ``E_test(n) = E_clean + Σ_k σ0_k²/(T0_k − d − 1) · E tr(AᵀΣAΣ⁻¹)``
(inverse-Wishart mean), with the downstream smoother's trace from the clean part: exact for OLS
(``A = I``, trace ``d``) and ridgeless ``Σ ∝ I``, a deterministic equivalent otherwise.
"""

from __future__ import annotations

from collections import Counter

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.formulas import formula
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
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT, ProvenanceKind, equivalent, finite_size

__all__ = ["OLSGenerators", "REGIME", "generator_factor"]

COLLAPSE_EQUIVALENT = equivalent("deterministic equivalent (exact T0-d-1 prefactor)")
COLLAPSE_CORRECTED = finite_size("deterministic equivalent with 1/d correction (exact T0-d-1 prefactor)")


def generator_factor(scenario: Scenario, b: Backend):
    """``Σ_k σ0_k²/(T0_k − d − 1)``, exact for OLS generators with ``T0_k >= d + 2``."""
    gen, d = scenario.generators, scenario.d
    f = formula("generator_factor")
    # equal generations grouped (n·term, not n roundings of a running sum), the groups added exactly
    groups = Counter(zip(gen.T0, gen.sigma0))
    return b.fsum(b.array([f(count, b.scalar(s0), t0, d) for (t0, s0), count in groups.items()]))


class OLSGenerators:
    """``n >= 1`` generations of OLS with ``T0_k >= d + 2`` (``d`` must be finite)."""

    name = "ols_generators"

    def applies(self, scenario: Scenario) -> bool:
        s = scenario
        if not fresh_design(s):
            return False
        if not s.spectrum.is_finite:  # refused with its reason (the collapse term needs a finite d)
            return has_generators(s)
        return (scheme_is(s, "replace") and has_generators(s) and every_block_ols(s) and ols_generators_only(s)
                and not real_rows_downstream(s) and not real_rows_in_generators(s))

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        if not scenario.spectrum.is_finite:
            raise NotCoveredError("spectrum.d: the collapse term (generators.n >= 1) needs a finite d with OLS "
                                  "generators; "
                                  "use n = 0 for d = 'inf'")
        clean = clean_prediction(scenario, backend)
        factor = generator_factor(scenario, backend)
        collapse = factor * clean.trace
        first = factor * clean.first_order["trace"] if clean.first_order is not None else None
        if clean.provenance.is_exact:
            provenance = EXACT
        elif clean.provenance.kind is ProvenanceKind.FINITE_SIZE_CORRECTED:
            provenance = COLLAPSE_CORRECTED
        else:
            provenance = COLLAPSE_EQUIVALENT
        return assemble(clean=clean, collapse=collapse, collapse_provenance=provenance, backend=backend,
                        regime=self.name,
                        first_order_collapse=first)


REGIME = OLSGenerators()
