"""What a regime is: a covered region of scenarios and how to predict them.

A regime is an object with a ``name``, ``applies(scenario) -> bool`` and
``predict(scenario, backend) -> Prediction``. :func:`modelcollapse.numerics.predict.predict` uses the
one fast path of :data:`modelcollapse.numerics.regimes.FAST_PATHS` that applies (their regions are
disjoint, so their order does not matter), else the general chain engine; adding a regime is one
module plus one entry in that table, never an edit of the dispatch.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Scenario

__all__ = ["Regime"]


@runtime_checkable
class Regime(Protocol):
    """A covered region of scenarios with its prediction (THEORY.md §3)."""

    name: str

    def applies(self, scenario: Scenario) -> bool:
        """Whether this regime predicts ``scenario`` (no two fast paths apply to one scenario)."""

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        """The prediction, or a typed error (:class:`NotCoveredError`, :class:`FixedPointError`)."""
