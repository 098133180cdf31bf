"""Ridge-regularised generators: some ``generators.ridge_k > 0`` (THEORY.md §3.8).

The chain's per-eigendirection moments come from :func:`modelcollapse.numerics.ridge_chain.ridge_chain_moments`;
the downstream ridge on top is the over-parameterised regime's (same smoother formulas), so a
change of the downstream formulas applies here too. Σ ∝ I goes through the general path.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.overparam_generators import predict_overparameterised
from modelcollapse.numerics.ridge_chain import ridge_chain_moments
from modelcollapse.numerics.scenario import Scenario

__all__ = ["RidgeGenerators", "REGIME"]


class RidgeGenerators:
    """``n >= 1`` with some ``ridge_k > 0`` (finite ``d``; any ``T0_k >= 1``)."""

    name = "ridge_generators"

    def applies(self, scenario: Scenario) -> bool:
        gen = scenario.generators
        return gen.n >= 1 and gen.has_ridge

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        return predict_overparameterised(scenario, backend, chain=ridge_chain_moments(scenario, backend), regime=self.name)


REGIME = RidgeGenerators()
