"""The SymPy layer: symbols, bias–variance decompositions, fixed-point equations, exponents, LaTeX.

Imports neither :mod:`modelcollapse.numerics` nor :mod:`modelcollapse.derivations`. The modules
that register results are listed in :data:`RESULT_MODULES` and imported here, in that order, so
``import modelcollapse.theory`` sees every result (:mod:`modelcollapse.theory.registry`); a new
result module is one more line of that list.
"""

import importlib

from modelcollapse.theory.registry import DERIVATIONS, RESULTS, get_result

RESULT_MODULES = ("collapse", "spectral", "derivation", "isotropic", "scaling", "overparam", "schemes",
                  "finite_size", "stable", "ridge_generators", "pool_chain", "scaling_growth", "reused_design",
                  "paper_results", "verifier", "weighting", "model_size", "tailcut")
for _name in RESULT_MODULES:
    importlib.import_module(f"modelcollapse.theory.{_name}")
del _name

__all__ = ["RESULTS", "DERIVATIONS", "get_result", "RESULT_MODULES"]
