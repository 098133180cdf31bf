"""The SymPy layer: symbols, bias–variance decompositions, fixed-point equations, exponents, LaTeX.

Imports neither :mod:`modelcollapse.numerics` nor :mod:`modelcollapse.derivations`. Importing
this package registers every named result (see :mod:`modelcollapse.theory.registry`).
"""

from modelcollapse.theory import collapse  # noqa: F401  (registers results)
from modelcollapse.theory import spectral, derivation, isotropic  # noqa: F401  (register results)
from modelcollapse.theory import scaling  # noqa: F401  (registers the power-law scaling results)
from modelcollapse.theory import overparam  # noqa: F401  (over-parameterised generators, schedules)
from modelcollapse.theory.registry import RESULTS, get_result

__all__ = ["RESULTS", "get_result"]
