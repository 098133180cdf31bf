"""Families of value objects chosen by a ``kind`` key (spectra, teachers).

``Family(kind="...", **fields)`` builds the registered class of that kind, so a scenario table
and the Python call read the same; a field that belongs to another kind of the family raises a
:class:`~modelcollapse.theory.errors.ScenarioError` naming it. A new kind is one class (one file)
plus one entry in its family's registration table; what a family base does (its table, the
registration, the kind checks) is :class:`Family`, written once here.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["ByKind", "Family", "one_of"]


class ByKind(type):
    """Metaclass of a family base: calling the base dispatches on ``kind``."""

    def __call__(cls, *args, **kwargs):
        if cls.__dict__.get("_family") is not None:  # the base itself: pick the kind's class
            family = cls.__dict__["_family"]
            kind = kwargs.get("kind")
            sub = family.get(kind) if isinstance(kind, str) else None
            if sub is None:
                raise ScenarioError(f"{cls.TABLE}.kind",
                                    f"expected one of {', '.join(map(repr, family))}, got {kind!r}"
                                    f"{did_you_mean(kind, family)}")
            cls = sub
        names = {f.name for f in dataclasses.fields(cls)}
        for key in list(kwargs):
            if key in names:
                continue
            if kwargs[key] is None:  # an absent optional key of another kind
                del kwargs[key]
                continue
            owners = [k for k, c in cls.family().items() if key in {f.name for f in dataclasses.fields(c)}]
            where = f"kind = {owners[0]!r}" if len(owners) == 1 else "kind = " + " or ".join(map(repr, owners))
            if owners:
                raise ScenarioError(f"{cls.TABLE}.{key}", f"only allowed with {where}, not {cls.KIND!r}")
            raise ScenarioError(f"{cls.TABLE}.{key}", "unknown key")
        return super().__call__(*args, **kwargs)


def one_of(names) -> str:
    """``'a', 'b' or 'c'``: the accepted names, as error messages list them."""
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Family(metaclass=ByKind):
    """Base of a family base (``Spectrum``, ``Teacher``): its registration table and kind checks, written once.

    A direct subclass is a family base and gets its own table (set ``TABLE``, the scenario table's
    name); each kind subclasses the family base, sets ``KIND`` and is added by :meth:`register_kinds`.
    """

    TABLE: ClassVar[str] = ""
    KIND: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Family in cls.__bases__:
            cls._family = {}

    @classmethod
    def family(cls) -> dict:
        """Kind name -> class, in registration order (the order error messages list them)."""
        return cls._family

    @classmethod
    def register_kinds(cls, *kind_classes) -> None:
        """Add each class (under its ``KIND``) to the family; names are unique."""
        for kind_class in kind_classes:
            if kind_class.KIND in cls._family:
                raise ValueError(f"{cls.TABLE} kind {kind_class.KIND!r} registered twice")
            cls._family[kind_class.KIND] = kind_class

    @classmethod
    def missing_kind(cls) -> ScenarioError:
        """The error of a table without ``kind``."""
        return ScenarioError(f"{cls.TABLE}.kind", f"missing; expected {one_of(cls._family)}")

    def _check_kind(self) -> None:
        if self.kind != self.KIND:
            raise ScenarioError(f"{self.TABLE}.kind",
                                f"expected {self.KIND!r} for {type(self).__name__}, got {self.kind!r}")
