"""Axis ``blocks``: ``generators.n``, ``T0``, ``sigma0`` and ``downstream.T``, ``sigma``.

Generation ``k`` draws a fresh block of ``T0_k`` rows labelled by generation ``k − 1`` (the first by
``w0``) with noise ``σ0_k``; the downstream draws ``T`` rows labelled by the last generator with
noise ``σ``. Which rows each fit then selects is the ``scheme`` axis'.
"""

from __future__ import annotations

from modelcollapse.numerics.chain import WO, Block, ChainDraft
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["AXIS"]


class Blocks:
    name = "blocks"
    keys = ("generators.n", "generators.T0", "generators.sigma0", "downstream.T", "downstream.sigma")

    def validate(self, scenario) -> None:
        if not scenario.spectrum.is_finite:
            raise NotCoveredError("spectrum.d: the chain of fits is described for a finite d")

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen, down = scenario.generators, scenario.downstream
        for k in range(gen.n):
            draft.blocks.append(Block(size=int(gen.T0[k]), noise=float(gen.sigma0[k]), labeller=k - 1 if k else WO))
        draft.blocks.append(Block(size=int(down.T), noise=float(down.sigma), labeller=gen.n - 1 if gen.n else WO))


AXIS = Blocks()
