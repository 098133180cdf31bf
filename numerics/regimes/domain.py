"""The features of a scenario that decide which fast path predicts it (one place, read by every regime).

Each fast path's ``applies`` is a conjunction of these features, written so that no two fast paths
apply to the same scenario; :func:`~modelcollapse.numerics.regimes.regime_for` checks that and hands
every scenario no fast path covers to the general chain engine. ``tests/test_chain_engine.py`` draws random
scenarios and asserts the exclusivity.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from modelcollapse.numerics.scenario import Scenario

__all__ = ["Features", "features", "fresh_design", "has_generators", "ols_generators_only", "every_block_ols",
           "real_rows_in_generators", "real_rows_downstream", "ols_downstream", "scheme_is", "weighted_generators"]


@dataclass(frozen=True)
class Features:
    """Every feature of one scenario, computed once (:func:`features`)."""

    fresh_design: bool
    has_generators: bool
    ols_generators_only: bool
    every_block_ols: bool
    real_rows_in_generators: bool
    real_rows_downstream: bool
    ols_downstream: bool
    scheme: str


_CACHE: dict[int, tuple] = {}  # id(scenario) -> (weak reference, Features): scenarios are immutable
_CACHE_SIZE = 256


def features(s: Scenario) -> Features:
    """The features of ``s``, computed on first use and kept while ``s`` lives (``regime_for`` asks ~20 times)."""
    hit = _CACHE.get(id(s))
    if hit is not None and hit[0]() is s:
        return hit[1]
    gen, down = s.generators, s.downstream
    finite = s.spectrum.is_finite
    d = s.d if finite else None
    T0 = gen.T0[: gen.n]
    f = Features(
        fresh_design=getattr(gen, "design_matrix", "fresh") == "fresh",
        has_generators=gen.n >= 1,
        ols_generators_only=not gen.has_ridge,
        every_block_ols=not finite or all(t0 >= d + 2 for t0 in T0),
        real_rows_in_generators=gen.has_real_data,
        real_rows_downstream=down.synthetic_rows < down.T,
        ols_downstream=down.ridge == 0 and finite and down.T >= d + 2,
        scheme=gen.scheme,
    )
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(s)] = (weakref.ref(s), f)
    return f


def fresh_design(s: Scenario) -> bool:
    """Every generation draws fresh rows (``design_matrix = "fresh"``; ``"reused"`` is its own fast path's)."""
    return features(s).fresh_design


def has_generators(s: Scenario) -> bool:
    return features(s).has_generators


def ols_generators_only(s: Scenario) -> bool:
    """No generator has a ridge (OLS / minimum-norm generators)."""
    return features(s).ols_generators_only


def every_block_ols(s: Scenario) -> bool:
    """Every generator fits at least ``d + 2`` fresh rows (or ``d`` is infinite)."""
    return features(s).every_block_ols


def real_rows_in_generators(s: Scenario) -> bool:
    return features(s).real_rows_in_generators


def real_rows_downstream(s: Scenario) -> bool:
    return features(s).real_rows_downstream


def ols_downstream(s: Scenario) -> bool:
    """An OLS downstream: ``ridge = 0`` and ``T >= d + 2`` (exact for any chain)."""
    return features(s).ols_downstream


def scheme_is(s: Scenario, scheme: str) -> bool:
    return features(s).scheme == scheme


def weighted_generators(s: Scenario) -> bool:
    """``generators.real_weight`` is set: the generators fit weighted least squares (their own fast path's)."""
    return getattr(s.generators, "real_weight", None) is not None
