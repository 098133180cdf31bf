"""Named results: every derived formula the toolkit can print, export or evaluate.

A module of :mod:`modelcollapse.theory` registers a result with :func:`named_result`; the
``derive`` command and the LaTeX export list what is registered here, so adding a result is one
decorator. Importing :mod:`modelcollapse.theory` imports every module that registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

__all__ = ["NamedResult", "named_result", "RESULTS", "get_result"]


@dataclass(frozen=True)
class NamedResult:
    """A derived result: a SymPy expression or equation, with what it is and where it holds.

    Attributes
    ----------
    name : str
        Identifier used on the command line (``modelcollapse derive NAME``).
    title : str
        One line saying what the result is.
    build : callable
        Returns the SymPy object (``Expr`` or ``Eq``); called on demand.
    lhs : str
        LaTeX of the quantity the expression equals (printed as ``lhs = expr``).
    provenance : str
        ``"exact"``, ``"deterministic equivalent"``, ``"asymptotic"`` or ``"heuristic"``, with its
        conditions.
    source : str
        Where it comes from (paper section, THEORY.md section).
    relation : str
        LaTeX of the relation between ``lhs`` and the expression: ``=`` (default), ``\\simeq``
        (deterministic equivalent), ``\\sim`` (asymptotic).
    """

    name: str
    title: str
    build: Callable[[], sp.Basic]
    lhs: str = ""
    provenance: str = ""
    source: str = ""
    relation: str = "="

    def expr(self) -> sp.Basic:
        return self.build()

    def latex(self, **settings) -> str:
        """``lhs = expression`` in LaTeX (see :func:`modelcollapse.theory.latex.result_latex`)."""
        from modelcollapse.theory.latex import result_latex

        return result_latex(self, **settings)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


RESULTS: dict[str, NamedResult] = {}


def named_result(name: str, *, title: str, lhs: str = "", provenance: str = "", source: str = "", relation: str = "="):
    """Decorator registering a zero-argument expression factory under ``name``."""

    def wrap(fn):
        if name in RESULTS:
            raise ValueError(f"result {name!r} registered twice")
        RESULTS[name] = NamedResult(name=name, title=title, build=fn, lhs=lhs, provenance=provenance, source=source,
                                    relation=relation)
        return fn

    return wrap


def get_result(name: str) -> NamedResult:
    try:
        return RESULTS[name]
    except KeyError:
        raise KeyError(f"unknown result {name!r}; known: {', '.join(sorted(RESULTS))}") from None
