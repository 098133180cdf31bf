"""Regimes as plug-ins: which formulas predict a scenario.

:data:`REGIMES` is the ordered registration table; :func:`regime_for` returns the first regime
whose ``applies(scenario)`` is true. A new regime (a data scheme, mixing, ridge generators, a
finite-size correction) is one module with a ``REGIME`` object (``name``, ``applies``,
``predict``; see :class:`~modelcollapse.numerics.regimes.base.Regime`) and one entry here —
before the regimes it refines.
"""

from modelcollapse.numerics.regimes import clean_ridge, ols_generators, overparam_generators, ridge_generators
from modelcollapse.numerics.regimes.base import Regime
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError

REGIMES: tuple[Regime, ...] = (
    clean_ridge.REGIME,
    ridge_generators.REGIME,  # before the ridgeless generator regimes: any ridge_k > 0
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
    raise NotCoveredError(f"scenario: no formula covers this scenario yet (regimes: {', '.join(r.name for r in REGIMES)})")
