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
from sympy.printing.numpy import NumPyPrinter, SciPyPrinter

import modelcollapse.theory  # noqa: F401  (imports every module that registers a result)
from modelcollapse.theory.errors import UnknownResultError
from modelcollapse.theory.registry import get_result

__all__ = ["formula", "arguments"]

_SCIPY_FUNCTIONS = (sp.gamma, sp.zeta, sp.polygamma, sp.beta)


def _exact_reciprocals(printer_class):
    """``printer_class`` printing ``x**(-k)`` as ``1/x**k``.

    NumPy's printer writes negative integer powers with a float exponent (``T**(-1.0)``), which turns
    an integer argument into a float64 reciprocal and silently caps an mpmath evaluation at 16 digits.
    """

    class Printer(printer_class):
        def _print_Pow(self, expr, rational=False):
            if expr.exp.is_Integer and expr.exp.is_negative:
                base = self.parenthesize(expr.base, sp.printing.precedence.PRECEDENCE["Pow"])
                power = "" if expr.exp == -1 else f"**{-expr.exp}"
                return f"(1/{base}{power})"
            return super()._print_Pow(expr, rational=rational)

    return Printer


def _cse(expr):
    """Common subexpressions, except bare reciprocals ``1/x`` of an argument.

    A reciprocal on its own line (``x0 = 1/T``) is a float64 when ``T`` is a Python int, even in an
    mpmath evaluation; left in place, ``df_1*T**(-1)`` prints as ``df_1/T`` and keeps the precision.
    """
    replacements, reduced = sp.cse(expr, list=False)
    kept, back = [], {}
    for symbol, expr in replacements:
        expr = expr.xreplace(back)
        if expr.is_Pow and expr.exp.is_negative and expr.base.is_Symbol:
            back[symbol] = expr
        else:
            kept.append((symbol, expr))
    return kept, reduced.xreplace(back)


# The settings lambdify gives its own default printer.
_SETTINGS = {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True, "user_functions": {}}
_NUMPY_PRINTER = _exact_reciprocals(NumPyPrinter)(_SETTINGS)
_SCIPY_PRINTER = _exact_reciprocals(SciPyPrinter)(_SETTINGS)


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
    if expr.has(*_SCIPY_FUNCTIONS):
        modules, printer = ["scipy", "numpy"], _SCIPY_PRINTER
    else:
        modules, printer = "numpy", _NUMPY_PRINTER
    return sp.lambdify(result.args, expr, modules=modules, printer=printer, cse=_cse)
