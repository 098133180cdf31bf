"""Validators shared by the scenario tables: each returns the checked value or raises a
:class:`~modelcollapse.theory.errors.ScenarioError` naming the key and the accepted range."""

from __future__ import annotations

import math
import numbers

from modelcollapse.theory.errors import ScenarioError

__all__ = ["finite_positive", "nonnegative", "integer", "finite_number", "number_list"]


def finite_positive(key: str, x, *, strict: bool = True) -> float:
    """A finite real number ``> 0`` (``>= 0`` with ``strict=False``), as float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):  # Real: numpy scalars too
        raise ScenarioError(key, f"expected a number, got {x!r}")
    x = float(x)
    if not math.isfinite(x) or (x <= 0 if strict else x < 0):
        raise ScenarioError(key, f"expected a finite number {'> 0' if strict else '>= 0'}, got {x!r}")
    return x


def nonnegative(key: str, x) -> float:
    """A finite real number ``>= 0``, as float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x) or x < 0:
        raise ScenarioError(key, f"expected a finite number >= 0, got {x!r}")
    return float(x)


def integer(key: str, x, *, minimum: int, maximum: int | None = None) -> int:
    """An integer ``>= minimum`` (and ``<= maximum`` if given; numpy integers too; not ``bool``)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < minimum:
        raise ScenarioError(key, f"expected an integer >= {minimum}, got {x!r}")
    if maximum is not None and x > maximum:
        raise ScenarioError(key, f"expected an integer in [{minimum}, {maximum}], got {x!r}")
    return int(x)


def finite_number(key: str, x) -> float:
    """Any finite real number, as float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ScenarioError(key, f"expected a finite number, got {x!r}")
    return float(x)


def number_list(key: str, x) -> tuple:
    """A TOML list (or tuple) of numbers, as a tuple (the entries are checked by the caller)."""
    if not isinstance(x, (list, tuple)):
        raise ScenarioError(key, f"expected a list of numbers, got {x!r}")
    return tuple(x)
