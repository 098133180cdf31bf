"""A reused design matrix: ``generators.design_matrix = "reused"`` (THEORY.md §3.10; the paper's Theorem 4.5).

Ridgeless generators (every ``ridge_k = 0``): the chain equals in law **one fresh generation** on the
same ``T0`` rows with the pooled noise ``σ̃0² = Σ_k σ0_k²`` (:mod:`modelcollapse.theory.reused_design`,
``derivation_reused_design``; an exact identity for any ``Σ``, ``w0`` and design law). The prediction
is that of the reduced scenario (``n = 1``, ``sigma0 = σ̃0``, a fresh design; the downstream unchanged)
by whichever regime covers it, with its provenance: exact for OLS generators (``T0 >= d + 2``) and for
``Σ ∝ I``, the over-parameterised chain's equivalents otherwise; every downstream (ridge, ``T < d``,
a real share) composes through it.
"""

from __future__ import annotations

import dataclasses

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Generators, Scenario
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["ReusedDesign", "REGIME", "reduced_scenario"]


def reduced_scenario(scenario: Scenario, backend: Backend) -> Scenario:
    """The one-generation fresh scenario a reused ridgeless chain equals in law (``σ̃0² = Σ_k σ0_k²``).

    ``σ̃0`` is stored as a float (the scenario's type), so an mpmath evaluation carries the float64
    rounding of ``√σ̃0²`` (one ulp).
    """
    gen, b = scenario.generators, backend
    step = formula("reused_pooled_noise_step")
    pooled = b.scalar(0)
    for s0 in gen.sigma0[: gen.n]:
        pooled = step(pooled, b.scalar(s0))
    one = Generators(n=1, T0=gen.T0[0], sigma0=float(b.sqrt(pooled)))
    return Scenario(spectrum=scenario.spectrum, teacher=scenario.teacher, generators=one, downstream=scenario.downstream)


class ReusedDesign:
    """``n >= 1`` with ``generators.design_matrix = "reused"`` (one ``T0``, scheme ``replace``)."""

    name = "reused_design"

    def applies(self, scenario: Scenario) -> bool:
        gen = scenario.generators
        return gen.n >= 1 and getattr(gen, "design_matrix", "fresh") == "reused"

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        from modelcollapse.numerics.regimes import regime_for  # the table imports this module

        gen = scenario.generators
        if gen.has_real_data:
            raise NotCoveredError("generators.real_fraction: real rows in the generators with a reused design matrix are "
                                  "not covered yet; use generators.real_fraction = 0 (a downstream real_fraction is)")
        if gen.has_ridge:
            raise NotCoveredError("generators.ridge: ridge generators with a reused design matrix are not covered yet; "
                                  "use ridge = 0 (OLS / minimum-norm generators)")
        reduced = reduced_scenario(scenario, backend)
        prediction = regime_for(reduced).predict(reduced, backend)
        note = (f"reused design: exactly one fresh generation on T0 = {gen.T0[0]} rows with pooled noise "
                f"sigma0_eff = {reduced.generators.sigma0[0]:.6g} (regime {prediction.regime})")
        return dataclasses.replace(prediction, regime=self.name, notes=(*prediction.notes, note))


REGIME = ReusedDesign()
