"""Families of value objects chosen by a ``kind`` key (spectra, teachers).

``Family(kind="...", **fields)`` builds the registered class of that kind, so a scenario table
and the Python call read the same; a field that belongs to another kind of the family raises a
:class:`~modelcollapse.theory.errors.ScenarioError` naming it. A new kind is one class (one file)
plus one entry in its family's registration table.
"""

from __future__ import annotations

import dataclasses

from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["ByKind"]


class ByKind(type):
    """Metaclass of a family base: calling the base dispatches on ``kind``."""

    def __call__(cls, *args, **kwargs):
        if cls.__dict__.get("_family") is not None:  # the base itself: pick the kind's class
            family = cls.__dict__["_family"]
            kind = kwargs.get("kind")
            sub = family.get(kind) if isinstance(kind, str) else None
            if sub is None:
                raise ScenarioError(f"{cls.TABLE}.kind", f"expected one of {', '.join(map(repr, family))}, got {kind!r}"
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
