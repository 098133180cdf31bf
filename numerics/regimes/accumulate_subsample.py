"""Accumulate-subsample: generation ``k`` fits ``T0_k`` rows drawn without replacement from the pool.

No verified theory yet (THEORY.md §3.7): the exact piece (the new block's noise adds
``σ0_k² (T0_k/N_k) d/(T0_k − d − 1)``) is known, but the re-selected old rows carry in-sample
residuals of earlier fits, and the candidate closed forms tried (old part carried unchanged; a
mean-field recursion over the hypergeometric composition) miss the simulation by 11–50 %.
So this regime refuses rather than guess; the simulator covers the scheme. With ``n = 1`` the pool
is the first block, so the scheme *is* replace and the replace regimes predict it exactly.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes import ols_generators, overparam_generators, replace_mixing
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["AccumulateSubsample", "REGIME"]


class AccumulateSubsample:
    """``generators.scheme = "accumulate-subsample"``, ``n >= 1``."""

    name = "accumulate_subsample"

    def applies(self, scenario: Scenario) -> bool:
        return scenario.generators.n >= 1 and scenario.generators.scheme == "accumulate-subsample"

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        if scenario.generators.n == 1:  # one block: the subsample is the whole pool, i.e. replace
            as_replace = scenario.replace(scheme="replace")
            for regime in (replace_mixing.REGIME, overparam_generators.REGIME, ols_generators.REGIME):
                if regime.applies(as_replace):
                    return regime.predict(as_replace, backend)
        raise NotCoveredError(
            "generators.scheme: no verified theory for accumulate-subsample yet (n >= 2); the simulator covers it "
            "('modelcollapse simulate'), see THEORY.md 3.7")


REGIME = AccumulateSubsample()
