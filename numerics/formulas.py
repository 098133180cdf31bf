"""Numeric evaluation of the registered results: lambdified once, cached, backend-agnostic.

``formula(name)`` lambdifies :data:`modelcollapse.theory.registry.RESULTS` ``[name]`` with that
result's declared argument order (``result.args``): nothing here is typed twice. Rational
functions become plain arithmetic that runs unchanged on float64 arrays and on object arrays of
mpmath numbers; expressions with ``Γ`` or ``ζ`` are lambdified for SciPy (float64 only), and
closed forms with ``sqrt``/``Abs`` evaluate in float64 only (mpmath goes through the general
solver).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

import modelcollapse.theory  # noqa: F401  (imports every module that registers a result)
from modelcollapse.theory.errors import UnknownResultError
from modelcollapse.theory.registry import get_result

__all__ = ["formula", "arguments"]

_SCIPY_FUNCTIONS = (sp.gamma, sp.zeta, sp.polygamma, sp.beta)


def arguments(name: str) -> tuple[str, ...]:
    """Names of the arguments of ``formula(name)``, in call order."""
    return tuple(str(a) for a in get_result(name).args)


@lru_cache(maxsize=None)
def formula(name: str):
    """The lambdified function of the registered result ``name``; arguments as ``RESULTS[name].args``.

    Raises
    ------
    UnknownResultError
        No such result, or it is a printed-only result (no ``args`` declared).
    """
    result = get_result(name)
    if not result.args:
        raise UnknownResultError(name, ["(a result with declared args)"])
    expr = result.expr()
    missing = expr.free_symbols - set(result.args)
    if missing:
        raise RuntimeError(f"result {name!r} has unbound symbols {missing}")  # a registration bug
    modules = ["scipy", "numpy"] if expr.has(*_SCIPY_FUNCTIONS) else "numpy"
    return sp.lambdify(result.args, expr, modules=modules, cse=True)
