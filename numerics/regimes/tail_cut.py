"""Tail-cutting generators (``generators.keep_top < d``; THEORY.md §3.13, :mod:`modelcollapse.numerics.tailcut`).

Applies exactly where the ``tailcut`` axis refines the chain; the axis admits no other regime there (``admits``:
the other fast paths and the general engine assume uncut generators).
Predicts the replace scheme on fresh designs without real rows; refuses the rest naming ``generators.keep_top``.
"""

from __future__ import annotations

from modelcollapse.numerics.axes.tailcut import AXIS, keep_top_of
from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.tailcut import predict_tailcut
from modelcollapse.theory.errors import FixedPointError, NotCoveredError

__all__ = ["TailCutRegime", "REGIME"]


class TailCutRegime:
    name = "tail_cut"

    def applies(self, scenario: Scenario) -> bool:
        return AXIS.refines(scenario)

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        return predict_tailcut(scenario, keep_top_of(scenario), backend, regime=self.name,
                               uncut=_uncut(scenario, backend))


def _uncut(scenario: Scenario, backend: Backend) -> Prediction | None:
    """The prediction without the cut where a fast path or the engine gives one (ridge generators), else None."""
    from modelcollapse.numerics import regimes  # the table lists this regime: imported when asked

    gen = scenario.generators
    if not gen.has_ridge and all(t0 >= scenario.d + 2 for t0 in gen.T0):
        return None  # OLS generators: the exact reduction needs no uncut prediction
    plain = scenario.replace(**{"generators.keep_top": None})
    try:
        return regimes.regime_for(plain).predict(plain, backend)
    except (NotCoveredError, FixedPointError):
        return None


REGIME = TailCutRegime()
