"""Axis ``tailcut``: ``[generators] keep_top = k`` — every generator passes on only its top-``k`` eigendirections.

Generation ``m`` fits ``ŵ_m`` as usual and labels the next block (or the downstream) with ``x·(P_k ŵ_m)``, ``P_k``
the projection on the first ``k`` eigendirections of the population ``Σ`` (THEORY.md §3.13;
:mod:`modelcollapse.theory.tailcut`). Absent (the default): no cut. ``keep_top = d`` is no cut either (the chain is
the plain one, predicted by the plain fast paths). ``d = inf`` accepts any ``k >= 1`` (the top-``k`` directions of
an infinite spectrum are well defined; the scaling laws of :mod:`modelcollapse.theory.tailcut` live there), though
``predict`` needs a finite ``d`` for the generators themselves.

Chain description: the cut is the simulator hook ``post = KeepTop(k)`` on every generator's fit (the simulator runs
it; :mod:`modelcollapse.numerics.simulate_tailcut`). The general chain engine does not model ``post``; the regime
``tail_cut`` (:mod:`modelcollapse.numerics.regimes.tail_cut`) predicts:

* replace scheme, fresh designs, no real rows — OLS generators (exact reduction, exact with an OLS downstream or
  ``Σ ∝ I`` ridgeless) and ridge / minimum-norm generators (first-order diagonal moments), any downstream ridge;
* everything else with a cut (accumulate, accumulate-subsample, a reused design, real rows in any block) is refused
  by the formulas, naming ``generators.keep_top``; ``predict`` then falls back to its Monte Carlo of the definition.
"""

from __future__ import annotations

import functools
import numbers

from modelcollapse.numerics.axes.keys import Key
from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.numerics.simulate_tailcut import KeepTop
from modelcollapse.theory.errors import NotCoveredError, ScenarioError

__all__ = ["AXIS", "KEY", "keep_top_of"]

KEY = "generators.keep_top"
_RANGE = "expected an integer k with 1 <= k <= spectrum.d (the top-k eigendirections every generator passes on)"


def _keep_top(key, value, gen):
    """``None`` (no cut) or an integer ``>= 1`` (the upper bound ``d`` is checked against the spectrum)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ScenarioError(key, f"{_RANGE}, got {value!r}")
    return int(value)


def keep_top_of(scenario):
    """The scenario's ``keep_top`` (``None``: no cut)."""
    return getattr(scenario.generators, "keep_top", None)


def _cut(chain, k: int, n: int):
    """The chain with every generator's ``ŵ`` cut to its top ``k`` directions (a refinement, picklable)."""
    for fit in range(n):
        chain = chain.replace_fit(fit, post=KeepTop(k))
    return chain


class TailCut:
    name = "tailcut"
    keys = (
        Key(table="generators", name="keep_top", default=None, check=_keep_top,
            doc="every generator passes on only its top-k eigendirections of Sigma (1 <= k <= d); absent: no cut"),
    )

    def check_scenario(self, scenario) -> None:
        """Bad input against the spectrum: ``keep_top > d`` (exit 2 naming the key)."""
        k = keep_top_of(scenario)
        if k is not None and scenario.spectrum.is_finite and k > scenario.d:
            raise ScenarioError(KEY, f"{_RANGE}; got {k} > d = {scenario.d}")

    def refines(self, scenario) -> bool:
        """Whether the cut changes the chain: generations exist and ``k < d``."""
        k = keep_top_of(scenario)
        return k is not None and scenario.generators.n >= 1 and (not scenario.spectrum.is_finite or k < scenario.d)

    def admits(self, regime, scenario) -> bool:
        """Where the cut changes the chain only ``tail_cut`` knows it (the other regimes assume uncut generators)."""
        return not self.refines(scenario) or regime.name == "tail_cut"

    def validate(self, scenario) -> None:
        self.check_scenario(scenario)

    def describe(self, scenario, draft: ChainDraft) -> None:
        if not self.refines(scenario):
            return
        if not hasattr(draft, "refinements"):  # pragma: no cover (the simulator hook API)
            raise NotCoveredError(f"{KEY}: the chain description has no simulator hooks here")
        draft.refinements.append(functools.partial(_cut, k=keep_top_of(scenario), n=scenario.generators.n))


AXIS = TailCut()
