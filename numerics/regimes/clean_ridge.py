"""Clean data (``n = 0``): the downstream ridge alone (THEORY.md §3.3–§3.4)."""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.prediction import Prediction, assemble
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.provenance import EXACT

__all__ = ["CleanRidge", "REGIME"]


class CleanRidge:
    """``n = 0``: ``E_test = E_clean``, the collapse term is exactly 0. Any spectrum, ``d = inf`` included."""

    name = "clean_ridge"

    def applies(self, scenario: Scenario) -> bool:
        return scenario.generators.n == 0

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        clean = clean_prediction(scenario, backend)
        return assemble(clean=clean, collapse=backend.scalar(0), collapse_provenance=EXACT, backend=backend,
                        regime=self.name)


REGIME = CleanRidge()
