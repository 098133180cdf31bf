"""The axes of a scenario, each a small module mapping its keys to the chain description.

An axis is an object with ``name``, ``keys`` (the dotted scenario keys it reads), ``validate(scenario)``
(raises a typed error naming a key it cannot describe) and ``describe(scenario, draft)`` (fills in its
part of a :class:`~modelcollapse.numerics.chain.ChainDraft`). :func:`~modelcollapse.numerics.chain.compile_chain`
runs :data:`AXES` in order: the blocks first (sizes and noises), then what refines them. A new axis is
one module here and one entry in :data:`AXES` (docs/ARCHITECTURE.md, "A new axis").
"""

from modelcollapse.numerics.axes import blocks, design_matrix, real_fraction, ridge, scheme

AXES = (blocks.AXIS, design_matrix.AXIS, real_fraction.AXIS, scheme.AXIS, ridge.AXIS)

__all__ = ["AXES"]
