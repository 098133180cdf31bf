"""The features of a scenario that decide which fast path predicts it (one place, read by every regime).

Each fast path's ``applies`` is a conjunction of these features, written so that no two fast paths
apply to the same scenario; :func:`~modelcollapse.numerics.regimes.regime_for` checks that and hands
every scenario no fast path covers to the general chain engine. ``tests/test_chain_engine.py`` draws random
scenarios and asserts the exclusivity.
"""

from __future__ import annotations

from modelcollapse.numerics.scenario import Scenario

__all__ = ["fresh_design", "has_generators", "ols_generators_only", "every_block_ols", "real_rows_in_generators",
           "real_rows_downstream", "ols_downstream", "scheme_is", "weighted_generators"]


def fresh_design(s: Scenario) -> bool:
    """Every generation draws fresh rows (``design_matrix = "fresh"``; ``"reused"`` is its own fast path's)."""
    return getattr(s.generators, "design_matrix", "fresh") == "fresh"


def has_generators(s: Scenario) -> bool:
    return s.generators.n >= 1


def ols_generators_only(s: Scenario) -> bool:
    """No generator has a ridge (OLS / minimum-norm generators)."""
    return not s.generators.has_ridge


def every_block_ols(s: Scenario) -> bool:
    """Every generator fits at least ``d + 2`` fresh rows (or ``d`` is infinite)."""
    return not s.spectrum.is_finite or all(t0 >= s.d + 2 for t0 in s.generators.T0)


def real_rows_in_generators(s: Scenario) -> bool:
    return s.generators.has_real_data


def real_rows_downstream(s: Scenario) -> bool:
    return s.downstream.synthetic_rows < s.T


def ols_downstream(s: Scenario) -> bool:
    """An OLS downstream: ``ridge = 0`` and ``T >= d + 2`` (exact for any chain)."""
    return s.ridge == 0 and s.T >= s.d + 2


def scheme_is(s: Scenario, scheme: str) -> bool:
    return s.generators.scheme == scheme


def weighted_generators(s: Scenario) -> bool:
    """``generators.real_weight`` is set: the generators fit weighted least squares (their own fast path's)."""
    return getattr(s.generators, "real_weight", None) is not None
