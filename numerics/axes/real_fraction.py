"""Axis ``real_fraction``: ``generators.real_fraction`` and ``downstream.real_fraction``.

A block of ``size`` rows with real fraction ``f`` has ``floor(f·size + 1/2)`` real rows (labelled by
``w0``); the rest are labelled by the block's labeller.
"""

from __future__ import annotations

from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.numerics.scenario import real_rows

__all__ = ["AXIS"]


class RealFraction:
    name = "real_fraction"
    keys = ("generators.real_fraction", "downstream.real_fraction")

    def validate(self, scenario) -> None:  # fractions in [0, 1] are checked by the scenario; all are described
        return None

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen = scenario.generators
        counts = gen.real_counts()[: gen.n] if gen.n else ()
        for block, r in zip(draft.blocks, counts):
            block.real = int(r)
        draft.blocks[-1].real = real_rows(scenario.downstream.real_fraction, scenario.T)


AXIS = RealFraction()
