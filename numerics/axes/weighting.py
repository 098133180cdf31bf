"""Axis ``weighting``: ``generators.real_weight`` (THEORY.md §3.13; He, Xu & Cheng, arXiv:2502.18049).

``real_weight = w`` (a number in ``[0, 1]``) or ``"optimal"``; absent (the default): the unweighted, pooled fit.
Each generator fits weighted least squares on its block's ``r_k`` fresh real rows and ``s_k = T0_k − r_k``
synthetic rows labelled by the previous fit (the split is ``generators.real_fraction``), with total weight
``w`` on the real part and ``1 − w`` on the synthetic part: per-row weights ``w/r_k`` and ``(1 − w)/s_k``, which
sum to 1 like the unweighted ``1/T0_k`` (the same ridge scale; ``w = r_k/T0_k`` *is* the unweighted fit).
``"optimal"`` resolves, block by block, to the paper's ``w* = (√(k² + 4k) − k)/2`` with ``k = r_k/s_k``
(``generators.real_weights()`` gives the weights used; the regression optimum at proportional ``d/T0``
lies above it, see :func:`~modelcollapse.numerics.weighting.optimal_weight`). The downstream is unweighted.

What composes (predicted by the ``weighted_generators`` fast path): fresh designs, ``scheme = "replace"``,
OLS generators (``T0_k >= d + 2``), any spectrum and teacher, per-generation ``T0``, ``sigma0`` and
``real_fraction``, any downstream (ridge, ``T < d``, ``downstream.real_fraction``). Simulated but not
predicted (a refusal naming the key; ``predict`` falls back to Monte Carlo where it can): ridge generators
(``generators.ridge``), blocks with ``T0_k < d + 2``. Refused as bad input (exit 2): a weight outside
``[0, 1]`` or a string other than ``"optimal"``; a block without real rows (``real_fraction`` 0) or without
synthetic rows; ``scheme`` other than ``"replace"`` (an accumulated pool has no "previous fit's" part) and
``design_matrix = "reused"``; with ``[generators.verifier] size = "drawn"`` (a random number of kept rows).
With ``n = 0`` the key is checked and has no effect (the clean downstream). With the verifier at ``size = "kept"``
or random-feature downstreams (``downstream.features``) no regime predicts the combination: ``predict``
answers by Monte Carlo of the description (both axes' simulator hooks).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import replace

from modelcollapse.numerics.axes.keys import Key, View
from modelcollapse.numerics.axes.real_fraction import real_rows
from modelcollapse.numerics.chain import WO, ChainDraft
from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["AXIS", "OPTIMAL", "optimal_weight_of"]

OPTIMAL = "optimal"
_RANGE = 'expected a weight in [0, 1] or "optimal"'


def optimal_weight_of(real: int, synthetic: int) -> float:
    """``w* = (√(k² + 4k) − k)/2``, ``k = real/synthetic``: the registered ``weighted_optimal_weight``, typed again
    because the description may not import the theory (tests/test_layers.py); tests/test_weighting.py checks that
    the two agree to rounding."""
    k = real / synthetic
    return (math.sqrt(k * k + 4 * k) - k) / 2


def _real_weight(key, value, gen):
    """``None`` (unweighted), a float in ``[0, 1]`` or ``"optimal"``; every block needs real and synthetic rows."""
    if value is None:
        return None
    if isinstance(value, str):
        if value != OPTIMAL:
            raise ScenarioError(key, f"{_RANGE}, got {value!r}{did_you_mean(value, (OPTIMAL,))}")
    elif isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise ScenarioError(key, f"{_RANGE}, got {value!r}")
    else:
        value = float(value)
    if gen.n == 0:  # irrelevant without generations (a clean scenario, replace(n=0)), but still checked
        return value
    if gen.scheme != "replace":
        raise ScenarioError(key, f"is defined for generators.scheme = 'replace' (fresh real rows plus the previous "
                                 f"fit's synthetic rows each round); got scheme = {gen.scheme!r}")
    if getattr(gen, "design_matrix", "fresh") != "fresh":
        raise ScenarioError(key, "is defined for generators.design_matrix = 'fresh'")
    for k, (f, t0) in enumerate(zip(gen.real_fraction, gen.T0)):
        r = real_rows(f, t0)
        if r == 0 or r == t0:
            what = "no real rows" if r == 0 else "only real rows"
            raise ScenarioError(key, f"needs real and synthetic rows in every generation; generation {k + 1} has "
                                     f"{what} (generators.real_fraction = {f:g} of T0 = {t0}); set "
                                     "generators.real_fraction in (0, 1) or leave real_weight out")
    return value


def _real_weights(gen) -> tuple[float, ...] | None:
    """The weight of each generation's real part (``"optimal"`` resolved per block), or ``None`` (unweighted)."""
    value = getattr(gen, "real_weight", None)
    if value is None:
        return None
    if value != OPTIMAL:
        return (float(value),) * gen.n
    out = []
    for f, t0 in zip(gen.real_fraction, gen.T0):
        r = real_rows(f, t0)
        out.append(optimal_weight_of(r, t0 - r))
    return tuple(out)


class Weighting:
    name = "weighting"
    keys = (
        Key(table="generators", name="real_weight", default=None, check=_real_weight,
            doc='total weight of the real rows in each generator\'s weighted least squares, in [0, 1], or '
                '"optimal" (w* = (sqrt(k^2 + 4k) - k)/2, k = real/synthetic rows); absent: unweighted'),
    )
    views = (
        View(table="generators", name="real_weights", get=_real_weights, method=True,
             doc="the real part's weight in each generation (\"optimal\" resolved), None when unweighted"),
    )

    def validate(self, scenario) -> None:
        """Weights are per row of a block's nominal counts: a filter that drops a random number of rows breaks them."""
        gen = scenario.generators
        verifier = getattr(gen, "verifier", None)
        drawn = verifier is not None and not getattr(verifier, "refill", True)
        if gen.n >= 1 and gen.real_weight is not None and drawn:
            raise ScenarioError("generators.real_weight", "with [generators.verifier] size = 'drawn' a generation "
                                "keeps a random number of synthetic rows, so their total weight 1 - w is undefined; "
                                "use size = 'kept' (then it is simulated) or leave real_weight out")

    def admits(self, regime, scenario) -> bool:
        """With a weight (and generations) only ``weighted_generators`` knows the fits (regimes ``_admitted``)."""
        weighted = scenario.generators.n >= 1 and getattr(scenario.generators, "real_weight", None) is not None
        return not weighted or regime.name == "weighted_generators"

    def describe(self, scenario, draft: ChainDraft) -> None:
        """Per-row weights of each generator's fit (the simulator hook ``fit_weights``); the engine refuses them."""
        gen = scenario.generators
        weights = gen.real_weights()
        if weights is None:
            return
        draft.refinements.append(_FitWeights(weights=weights, reals=gen.real_counts()[: gen.n], n=gen.n))


class _FitWeights:
    """The refinement: in fit ``b < n`` block ``b``'s real rows weigh ``w_b/r_b``, its synthetic ones ``(1 − w_b)/s_b``.

    Block 0's synthetic rows are labelled by ``ŵ_0 = w0`` like its real rows, so the description holds them in one
    row type: it is split here into the ``r_0`` real and ``s_0`` synthetic rows (same source, different weights).
    """

    def __init__(self, *, weights, reals, n: int):
        self.weights, self.reals, self.n = tuple(weights), tuple(reals), n

    def _weighted(self, t, real: bool, count: int, fits: int):
        w = self.weights[t.block]
        share = (w / self.reals[t.block]) if real else (1.0 - w) / (count if not real else 1)
        return replace(t, count=count, fit_weights=tuple(share if k == t.block else 1.0 for k in range(fits)))

    def __call__(self, chain):
        fits = chain.n_fits
        types = []
        for t in chain.types:
            if t.block >= self.n:
                types.append(t)
                continue
            r = self.reals[t.block]
            if t.source == WO and t.count > r:  # real and (w0-labelled) synthetic rows in one type: split
                types.append(self._weighted(t, True, r, fits))
                types.append(self._weighted(t, False, t.count - r, fits))
            else:
                types.append(self._weighted(t, t.source == WO, t.count, fits))
        return replace(chain, types=tuple(types))


AXIS = Weighting()
