"""Regimes as plug-ins: which formulas predict a scenario.

:data:`FAST_PATHS` are the closed forms and special equivalents, each covering a region of scenarios
(``applies``, a conjunction of the features in :mod:`modelcollapse.numerics.regimes.domain`); no two
of them apply to the same scenario, so the choice does not depend on their order.
:data:`GENERAL` — the general chain engine (:mod:`modelcollapse.numerics.regimes.general_chain`) —
predicts every scenario with generations that no fast path covers. A new fast path is one module
with a ``REGIME`` object (``name``, ``applies``, ``predict``; see
:class:`~modelcollapse.numerics.regimes.base.Regime`) and one entry here; its ``applies`` must exclude
the other fast paths' regions (``tests/test_chain_engine.py`` checks this on random scenarios).
"""

import weakref

from modelcollapse.numerics.regimes import (
    accumulate_generators,
    accumulate_subsample,
    clean_ridge,
    general_chain,
    ols_generators,
    overparam_generators,
    replace_mixing,
    reused_design,
    ridge_generators,
    tail_cut,
    verified_generators,
    weighted_generators,
)
from modelcollapse.numerics.regimes import model_size as model_size_regime
from modelcollapse.numerics.regimes.base import Regime
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError

# disjoint regions: the order is only the order in which they are asked (cheapest, commonest first)
FAST_PATHS: tuple[Regime, ...] = (
    clean_ridge.REGIME,
    reused_design.REGIME,  # design_matrix = "reused" (the other fast paths require a fresh design)
    ols_generators.REGIME,
    overparam_generators.REGIME,
    replace_mixing.REGIME,
    ridge_generators.REGIME,
    accumulate_generators.REGIME,
    accumulate_subsample.REGIME,
    weighted_generators.REGIME,  # generators.real_weight set (the weighting axis admits no other regime then)
    model_size_regime.REGIME,  # downstream.features set (the model_size axis admits no other regime then)
    verified_generators.REGIME,  # [generators.verifier] set (the verifier axis admits no other regime then)
    tail_cut.REGIME,  # generators.keep_top < d (the tailcut axis admits no other regime then)
)
GENERAL: Regime = general_chain.REGIME
REGIMES: tuple[Regime, ...] = FAST_PATHS + (GENERAL,)

__all__ = ["REGIMES", "FAST_PATHS", "GENERAL", "Regime", "regime_for", "fast_paths_for"]


def _admitted(regime: Regime, scenario: Scenario) -> bool:
    """Whether every axis admits ``regime`` for ``scenario``: an axis that changes the model in a way the other
    regimes do not know (e.g. the downstream's random features) declares ``admits(regime, scenario)`` and admits
    only its own regime where its keys are set; axes without ``admits`` admit every regime."""
    from modelcollapse.numerics.axes import AXES

    return all(axis.admits(regime, scenario) for axis in AXES if hasattr(axis, "admits"))


def fast_paths_for(scenario: Scenario) -> list[Regime]:
    """Every fast path whose ``applies`` is true and that every axis admits (at most one, by construction)."""
    return [regime for regime in FAST_PATHS if regime.applies(scenario) and _admitted(regime, scenario)]


# id(scenario) -> (weak reference, the FAST_PATHS asked, the regime chosen): a scenario is immutable, so its
# regime is found once (predict asks again for every variant it tries; sweeps and benchmarks repeat a scenario)
_CHOSEN: dict[int, tuple] = {}


def _remember(scenario: Scenario, regime: Regime) -> Regime:
    if len(_CHOSEN) >= 256:
        _CHOSEN.clear()
    from modelcollapse.numerics.axes import AXES

    _CHOSEN[id(scenario)] = (weakref.ref(scenario), FAST_PATHS, AXES, regime)
    return regime


def regime_for(scenario: Scenario, *, check: bool = False) -> Regime:
    """The one fast path that applies to ``scenario``, else the general chain engine.

    The fast paths' regions are disjoint, so the first that applies is the only one (whatever the
    order of :data:`FAST_PATHS`); ``check=True`` asks every fast path and raises if two claim it
    (``tests/test_chain_engine.py`` does this on random scenarios).

    Raises
    ------
    NotCoveredError
        No fast path applies and the scenario has no generations (cannot happen: ``n = 0`` is
        ``clean_ridge``'s).
    RuntimeError
        With ``check``: two fast paths claim the scenario (a bug in their ``applies``).
    """
    cached = _CHOSEN.get(id(scenario))
    if not check and cached is not None and cached[0]() is scenario and cached[1] is FAST_PATHS:
        from modelcollapse.numerics.axes import AXES

        if cached[2] is AXES:  # the same tables asked (tests patch them)
            return cached[3]
    if check:
        found = fast_paths_for(scenario)
        if len(found) > 1:
            raise RuntimeError(f"regimes {', '.join(r.name for r in found)} all apply to one scenario; "
                               "their applies must be mutually exclusive")
    else:
        found = [next((r for r in FAST_PATHS if r.applies(scenario) and _admitted(r, scenario)), None)]
        found = [r for r in found if r is not None]
    if found:
        return _remember(scenario, found[0])
    if GENERAL.applies(scenario) and _admitted(GENERAL, scenario):
        return _remember(scenario, GENERAL)
    restricting = _restricting_keys(scenario)
    if restricting:  # axes that each admit only their own regime, set together: name their keys
        raise NotCoveredError(f"{restricting[0]}: no formula covers {', '.join(restricting)} together (each admits "
                              "only its own regime)")
    raise NotCoveredError("scenario: no formula covers this scenario yet (regimes: "
                          f"{', '.join(r.name for r in REGIMES)})")


def _restricting_keys(scenario: Scenario) -> list[str]:
    """Keys of the axes that refuse some regime for ``scenario`` (their ``admits``), in AXES order."""
    from modelcollapse.numerics.axes import AXES

    out = []
    for axis in AXES:
        if hasattr(axis, "admits") and not all(axis.admits(r, scenario) for r in REGIMES):
            out += [k.dotted for k in getattr(axis, "keys", ())[:1]]
    return out
