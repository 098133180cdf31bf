"""Axis ``blocks``: ``generators.n``, ``T0``, ``sigma0`` and ``downstream.T``, ``sigma``.

Generation ``k`` draws a fresh block of ``T0_k`` rows labelled by generation ``k − 1`` (the first by
``w0``) with noise ``σ0_k``; the downstream draws ``T`` rows labelled by the last generator with
noise ``σ``. Which rows each fit then selects is the ``scheme`` axis'.
"""

from __future__ import annotations

from modelcollapse.numerics.axes.keys import REQUIRED, Key, View, per_generation, per_generation_file
from modelcollapse.numerics.chain import WO, Block, ChainDraft
from modelcollapse.numerics.limits import MAX_GENERATIONS
from modelcollapse.numerics.validate import integer, nonnegative
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["AXIS"]


class Blocks:
    name = "blocks"
    keys = (
        Key(table="generators", name="n", default=REQUIRED, missing="missing; expected an integer >= 0",
            check=lambda key, v, _: integer(key, v, minimum=0, maximum=MAX_GENERATIONS),
            doc=f"generations of synthetic data, an integer in [0, {MAX_GENERATIONS}]"),
        # T0, sigma0: stored per generation (tuples of length n); a scalar means the same for every generation
        Key(table="generators", name="T0", default=None, to_file=per_generation_file,
            check=lambda key, v, gen: per_generation(key, v, gen.n, lambda k, x: integer(k, x, minimum=1)),
            doc="rows of each generator's block, an integer >= 1 or a list of n (required when n >= 1)"),
        Key(table="generators", name="sigma0", default=None, to_file=per_generation_file,
            check=lambda key, v, gen: per_generation(key, v, gen.n, nonnegative),
            doc="label noise of each generator's block, a number >= 0 or a list of n (required when n >= 1)"),
        Key(table="downstream", name="T", default=REQUIRED, check=lambda key, v, _: integer(key, v, minimum=1),
            doc="rows of the downstream fit, an integer >= 1"),
        Key(table="downstream", name="sigma", default=REQUIRED, check=lambda key, v, _: nonnegative(key, v),
            doc="label noise of the downstream rows, a number >= 0"),
    )
    views = (
        View(table="generators", name="is_constant", doc="one T0 and one sigma0 for every generation",
             get=lambda gen: len(set(gen.T0)) <= 1 and len(set(gen.sigma0)) <= 1),
    )

    def validate(self, scenario) -> None:
        if not scenario.spectrum.is_finite:
            raise NotCoveredError("spectrum.d: the chain of fits is described for a finite d")

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen, down = scenario.generators, scenario.downstream
        for k in range(gen.n):
            draft.blocks.append(Block(size=int(gen.T0[k]), noise=float(gen.sigma0[k]), labeller=k - 1 if k else WO))
        draft.blocks.append(Block(size=int(down.T), noise=float(down.sigma), labeller=gen.n - 1 if gen.n else WO))


AXIS = Blocks()
