"""Regimes as plug-ins: which formulas predict a scenario.

:data:`REGIMES` is the ordered registration table; :func:`regime_for` returns the first regime
whose ``applies(scenario)`` is true. A new regime (a data scheme, mixing, ridge generators, a
finite-size correction) is one module with a ``REGIME`` object (``name``, ``applies``,
``predict``; see :class:`~modelcollapse.numerics.regimes.base.Regime`) and one entry here —
before the regimes it refines.
"""

from modelcollapse.numerics.regimes import (
    accumulate_generators,
    accumulate_subsample,
    clean_ridge,
    ols_generators,
    overparam_generators,
    replace_mixing,
    reused_design,
    ridge_generators,
)
from modelcollapse.numerics.regimes.base import Regime
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError

REGIMES: tuple[Regime, ...] = (
    clean_ridge.REGIME,
    reused_design.REGIME,  # design_matrix = "reused": reduces to a fresh scenario that the regimes below predict
    ridge_generators.REGIME,  # any ridge_k > 0 (replace scheme only; other schemes with ridge: NotCovered)
    accumulate_generators.REGIME,  # data schemes (THEORY.md §3.7): before the replace regimes they refine
    accumulate_subsample.REGIME,
    replace_mixing.REGIME,
    overparam_generators.REGIME,
    ols_generators.REGIME,
)

__all__ = ["REGIMES", "Regime", "regime_for"]


def regime_for(scenario: Scenario) -> Regime:
    """The first regime of :data:`REGIMES` that applies to ``scenario``.

    Raises
    ------
    NotCoveredError
        No regime covers the scenario.
    """
    for regime in REGIMES:
        if regime.applies(scenario):
            return regime
    raise NotCoveredError("scenario: no formula covers this scenario yet (regimes: "
                          f"{', '.join(r.name for r in REGIMES)})")
