"""Axis ``real_fraction``: ``generators.real_fraction`` and ``downstream.real_fraction``.

A block of ``size`` rows with real fraction ``f`` has ``floor(f·size + 1/2)`` real rows (labelled by
``w0``); the rest are labelled by the block's labeller.
"""

from __future__ import annotations

import math

from modelcollapse.numerics.axes.keys import Key, View, fraction, per_generation, per_generation_file
from modelcollapse.numerics.chain import ChainDraft

__all__ = ["AXIS", "real_rows"]


def real_rows(fraction: float, size: int) -> int:
    """Real rows of a block of ``size`` rows with real fraction ``fraction``: ``floor(f·size + 1/2)`` (halves up)."""
    return int(math.floor(fraction * size + 0.5))


def _real_fractions(key, value, gen):
    """``generators.real_fraction``: default 0 for every generation, else like ``T0`` (scalar or a list of ``n``)."""
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        return (0.0,) * gen.n
    if gen.n == 0:  # irrelevant without generations, but still checked
        for i, v in enumerate(value if isinstance(value, (tuple, list)) else (value,)):
            fraction(f"{key}[{i}]" if isinstance(value, (tuple, list)) else key, v)
        return ()
    return per_generation(key, value, gen.n, fraction)


def _real_counts(gen) -> tuple[int, ...]:
    """Real rows ``r_k = floor(f_k T0_k + 1/2)`` of each generation's block."""
    return tuple(real_rows(f, t0) for f, t0 in zip(gen.real_fraction, gen.T0))


def _has_real_data(gen) -> bool:
    """Some generation has real rows (stops at the first: it is asked on every prediction)."""
    return any(real_rows(f, t0) >= 1 for f, t0 in zip(gen.real_fraction, gen.T0))


class RealFraction:
    name = "real_fraction"
    keys = (
        Key(table="generators", name="real_fraction", default=None, check=_real_fractions,
            to_file=per_generation_file,
            doc="share of real rows (labelled by w0) in each generator's block, in [0, 1] or a list of n"),
        Key(table="downstream", name="real_fraction", default=0.0, alias="downstream_real_fraction",
            check=lambda key, v, _: fraction(key, v), doc="share of real rows in the downstream block, in [0, 1]"),
    )
    views = (
        View(table="generators", name="real_counts", get=_real_counts, method=True,
             doc="real rows r_k = floor(f_k T0_k + 1/2) of each generation's block"),
        View(table="generators", name="has_real_data", get=_has_real_data,
             doc="some generation has real rows (round(f_k T0_k) >= 1)"),
        View(table="downstream", name="synthetic_rows", get=lambda down: down.T - real_rows(down.real_fraction, down.T),
             doc="m = T - floor(f T + 1/2): the rows labelled by the last generator (share p = m/T)"),
    )

    def validate(self, scenario) -> None:  # fractions in [0, 1] are checked by the scenario; all are described
        return None

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen = scenario.generators
        counts = gen.real_counts()[: gen.n] if gen.n else ()
        for block, r in zip(draft.blocks, counts):
            block.real = int(r)
        draft.blocks[-1].real = real_rows(scenario.downstream.real_fraction, scenario.T)


AXIS = RealFraction()
