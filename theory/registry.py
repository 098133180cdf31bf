"""The one registry of results: every derived formula the toolkit prints, exports or evaluates.

A result (:class:`NamedResult`) declares its SymPy expression, the symbols it is a function of
(``args``, in call order: what :func:`modelcollapse.numerics.formulas.formula` lambdifies), its
title, ``lhs relation expression`` for printing, a typed :class:`~modelcollapse.theory.provenance.Provenance`
and its source. A derivation (a :class:`~modelcollapse.theory.derivation.Derivation` factory) is
registered under its own name and attached to the result it derives.

Registration happens when a theory module is imported; :mod:`modelcollapse.theory` imports the
explicit list of those modules, so ``import modelcollapse.theory`` sees every result. Nothing
here imports a theory module (no cycles, no deferred imports).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy as sp

from modelcollapse.theory.errors import UnknownResultError
from modelcollapse.theory.latex import result_latex
from modelcollapse.theory.provenance import Provenance

__all__ = ["NamedResult", "named_result", "register", "RESULTS", "get_result", "DERIVATIONS",
           "register_derivation", "derivations_of"]


@dataclass(frozen=True, kw_only=True)
class NamedResult:
    """A derived result: a SymPy expression or equation, with what it is and where it holds.

    Attributes
    ----------
    name : str
        Identifier used on the command line (``modelcollapse derive NAME``) and by ``formula(name)``.
    title : str
        One line saying what the result is.
    build : callable
        Returns the SymPy object (``Expr`` or ``Eq``); called on demand, cached.
    args : tuple of sympy.Symbol
        The arguments of the numeric function, in call order; empty for results that are printed
        only (equations, symbolic exponents). Every free symbol of the expression must be among them.
    lhs : str
        LaTeX of the quantity the expression equals (printed as ``lhs relation expr``).
    provenance : Provenance
        Kind (exact, deterministic equivalent, ...) and the sentence stating its conditions.
    source : str
        Where it comes from (paper section, THEORY.md section).
    relation : str
        LaTeX of the relation: ``=`` (default), ``\\simeq`` (deterministic equivalent), ``\\sim``.
    """

    name: str
    title: str
    build: Callable[[], sp.Basic]
    provenance: Provenance
    args: tuple = ()
    lhs: str = ""
    source: str = ""
    relation: str = "="

    def __post_init__(self):
        if not isinstance(self.provenance, Provenance):
            raise TypeError(f"result {self.name!r}: provenance must be a Provenance, got {self.provenance!r}")
        object.__setattr__(self, "args", tuple(self.args))

    def expr(self) -> sp.Basic:
        return _built(self.build)

    @property
    def derivations(self) -> tuple[str, ...]:
        """Names of the registered derivations of this result."""
        return derivations_of(self.name)

    def latex(self, **settings) -> str:
        """``lhs = expression`` in LaTeX (see :func:`modelcollapse.theory.latex.result_latex`)."""
        return result_latex(self, **settings)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


@lru_cache(maxsize=None)
def _built(build):
    return build()


RESULTS: dict[str, NamedResult] = {}

# derivation name -> factory of a Derivation, and which result each derives
DERIVATIONS: dict[str, Callable] = {}
_DERIVES: dict[str, str] = {}


def register(result: NamedResult) -> NamedResult:
    """Add ``result`` to :data:`RESULTS` (names are unique)."""
    if result.name in RESULTS:
        raise ValueError(f"result {result.name!r} registered twice")
    RESULTS[result.name] = result
    return result


def named_result(name: str, *, title: str, provenance: Provenance, args=(), lhs: str = "", source: str = "",
                 relation: str = "="):
    """Decorator registering a zero-argument expression factory under ``name``.

    Returns the factory memoised: SymPy expressions are immutable, and some results are derived by
    ``solve``/``simplify`` (a second each), so each is built once per process, however it is called.
    """

    def wrap(fn):
        built = functools.cache(fn)
        register(NamedResult(name=name, title=title, build=built, args=args, lhs=lhs, provenance=provenance,
                             source=source, relation=relation))
        return built

    return wrap


def register_derivation(name: str, *, derives: str = ""):
    """Decorator registering a zero-argument ``Derivation`` factory under ``name``.

    ``derives`` names the result the derivation ends in (attached: ``get_result(derives).derivations``).
    """

    def wrap(fn):
        if name in DERIVATIONS:
            raise ValueError(f"derivation {name!r} registered twice")
        DERIVATIONS[name] = fn
        if derives:
            _DERIVES[name] = derives
        return fn

    return wrap


def derivations_of(result_name: str) -> tuple[str, ...]:
    """The derivations registered as deriving ``result_name``, in registration order."""
    return tuple(d for d, r in _DERIVES.items() if r == result_name)


def get_result(name: str) -> NamedResult:
    """The registered result ``name``; :class:`UnknownResultError` (a ``KeyError``) lists the known ones."""
    try:
        return RESULTS[name]
    except KeyError:
        raise UnknownResultError(name, sorted(RESULTS)) from None
