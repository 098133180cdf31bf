"""Ridge-regularised generators: some ``generators.ridge_k > 0`` (THEORY.md §3.8).

The chain's per-eigendirection moments come from :func:`modelcollapse.numerics.ridge_chain.ridge_chain_moments`;
the downstream ridge on top is the over-parameterised regime's (same smoother formulas), so a
change of the downstream formulas applies here too. Σ ∝ I goes through the general path.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.domain import fresh_design, ols_generators_only
from modelcollapse.numerics.regimes.overparam_generators import predict_overparameterised
from modelcollapse.numerics.ridge_chain import ridge_chain_moments
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["RidgeGenerators", "REGIME"]


class RidgeGenerators:
    """``n >= 1`` with some ``ridge_k > 0`` (finite ``d``; any ``T0_k >= 1``)."""

    name = "ridge_generators"

    def applies(self, scenario: Scenario) -> bool:
        gen = scenario.generators
        # the replace chain without real fractions (other ridge chains: the general chain engine)
        return (gen.n >= 1 and fresh_design(scenario) and scenario.spectrum.is_finite
                and not ols_generators_only(scenario)
                and gen.scheme == "replace" and not any(gen.real_fraction) and not scenario.downstream.real_fraction)

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        gen = scenario.generators
        if getattr(gen, "scheme", "replace") != "replace" or any(getattr(gen, "real_fraction", ()) or ()) \
                or getattr(scenario.downstream, "real_fraction", 0.0):
            raise NotCoveredError("generators.ridge: ridge generators are covered with scheme = 'replace' and no real "
                                  "fraction only (THEORY.md §3.8); use ridge = 0 with the other data schemes")
        return predict_overparameterised(scenario, backend, chain=ridge_chain_moments(scenario, backend),
                                         regime=self.name)


REGIME = RidgeGenerators()
