"""The axes of a scenario, each a small module mapping its keys to the chain description.

An axis is an object with ``name``, ``keys`` (its scenario keys: :class:`~modelcollapse.numerics.axes.keys.Key` s,
which the scenario's ``[generators]`` and ``[downstream]`` are built from; optional ``views``), ``validate(scenario)``
(raises a typed error naming a key it cannot describe) and ``describe(scenario, draft)`` (fills in its
part of a :class:`~modelcollapse.numerics.chain.ChainDraft`). :func:`~modelcollapse.numerics.chain.compile_chain`
runs :data:`AXES` in order: the blocks first (sizes and noises), then what refines them. A new axis is
one module here and one entry in :data:`AXES` (docs/ARCHITECTURE.md, "A new axis").
"""

from modelcollapse.numerics.axes import (
    blocks,
    design_matrix,
    model_size,
    real_fraction,
    ridge,
    scheme,
    tailcut,
    verifier,
    weighting,
)

# the order the keys are checked (a key's check sees the keys before it) and the tables list them
AXES = (blocks.AXIS, scheme.AXIS, real_fraction.AXIS, ridge.AXIS, design_matrix.AXIS, weighting.AXIS, model_size.AXIS,
        verifier.AXIS, tailcut.AXIS)

__all__ = ["AXES"]
