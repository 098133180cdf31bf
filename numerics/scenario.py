"""The scenario: one validated, immutable description of a collapse experiment.

Format (CONTRACT.md): four TOML tables, ``[spectrum]``, ``[teacher]``, ``[generators]``,
``[downstream]``. Every key is checked; a missing, unknown, ill-typed or out-of-range key raises
:class:`~modelcollapse.numerics.errors.ScenarioError` naming the key and the accepted values.

Additive to the contract: ``generators.T0`` and ``generators.sigma0`` may be lists of length
``n`` (one value per generation, generation 1 first).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.spectra import Spectrum, Teacher

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Generators", "Downstream", "Scenario", "load_scenario"]

_KEYS = {
    "spectrum": ("kind", "d", "beta", "values"),
    "teacher": ("kind", "r", "norm", "values"),
    "generators": ("n", "T0", "sigma0"),
    "downstream": ("T", "sigma", "ridge"),
}


def _int(key: str, x, *, minimum: int) -> int:
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < minimum:  # Integral: numpy ints too
        raise ScenarioError(key, f"expected an integer >= {minimum}, got {x!r}")
    return int(x)


def _nonneg(key: str, x) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x) or x < 0:
        raise ScenarioError(key, f"expected a finite number >= 0, got {x!r}")
    return float(x)


@dataclass(frozen=True, kw_only=True)
class Generators:
    """The synthetic-data chain: ``n`` generations of ``T0`` samples with label noise ``sigma0``.

    ``T0`` and ``sigma0`` are stored per generation (tuples of length ``n``); a scalar in the
    scenario file means the same value for every generation. With ``n = 0`` they are irrelevant
    and may be absent.
    """

    n: int
    T0: tuple[int, ...] = ()
    sigma0: tuple[float, ...] = ()

    def __post_init__(self):
        n = _int("generators.n", self.n, minimum=0)
        t0 = self._per_generation("generators.T0", self.T0, n, lambda k, v: _int(k, v, minimum=1))
        s0 = self._per_generation("generators.sigma0", self.sigma0, n, _nonneg)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "T0", t0)
        object.__setattr__(self, "sigma0", s0)

    @staticmethod
    def _per_generation(key, value, n, check):
        if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
            if n >= 1:
                raise ScenarioError(key, f"required when generators.n >= 1 (a value, or a list of {n})")
            return ()
        if isinstance(value, (tuple, list)):
            if len(value) != n:
                raise ScenarioError(key, f"a list must have one entry per generation ({n}), got {len(value)}")
            return tuple(check(f"{key}[{i}]", v) for i, v in enumerate(value))
        v = check(key, value)
        return (v,) * max(n, 1) if n >= 1 else (v,)

    @property
    def is_constant(self) -> bool:
        return len(set(self.T0)) <= 1 and len(set(self.sigma0)) <= 1

    def to_dict(self) -> dict:
        out: dict = {"n": self.n}
        for key, values in (("T0", self.T0), ("sigma0", self.sigma0)):
            if values:  # with n = 0 either may be absent
                out[key] = values[0] if len(set(values)) == 1 else list(values)
        return out


@dataclass(frozen=True, kw_only=True)
class Downstream:
    """The final model: ridge ``λ`` on ``T`` samples with label noise ``sigma``."""

    T: int
    sigma: float
    ridge: float

    def __post_init__(self):
        object.__setattr__(self, "T", _int("downstream.T", self.T, minimum=1))
        object.__setattr__(self, "sigma", _nonneg("downstream.sigma", self.sigma))
        object.__setattr__(self, "ridge", _nonneg("downstream.ridge", self.ridge))

    def to_dict(self) -> dict:
        return {"T": self.T, "sigma": self.sigma, "ridge": self.ridge}


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A complete, validated scenario (CONTRACT.md).

    Build it from a file (:meth:`from_toml`), a mapping (:meth:`from_dict`) or its parts; derive
    variants with :meth:`replace` (e.g. ``scenario.replace(ridge=0.1, n=3)``).
    """

    spectrum: Spectrum
    teacher: Teacher
    generators: Generators
    downstream: Downstream

    def __post_init__(self):
        self.teacher.check_against(self.spectrum)

    # -- convenient views ---------------------------------------------------------------------
    @property
    def d(self):
        return self.spectrum.d

    @property
    def n(self) -> int:
        return self.generators.n

    @property
    def T(self) -> int:
        return self.downstream.T

    @property
    def ridge(self) -> float:
        return self.downstream.ridge

    @property
    def sigma(self) -> float:
        return self.downstream.sigma

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        """Validate a mapping of the four tables (as read from TOML)."""
        if not isinstance(data, dict):
            raise ScenarioError("scenario", "expected a table with [spectrum], [teacher], [generators], [downstream]")
        for table in data:
            if table not in _KEYS:
                raise ScenarioError(str(table), f"unknown table; expected {', '.join('[' + t + ']' for t in _KEYS)}")
        tables = {}
        for table, keys in _KEYS.items():
            if table not in data:
                raise ScenarioError(table, f"missing table [{table}]")
            body = data[table]
            if not isinstance(body, dict):
                raise ScenarioError(table, f"expected a table [{table}], got {body!r}")
            for key in body:
                if key not in keys:
                    raise ScenarioError(f"{table}.{key}", f"unknown key; expected one of {', '.join(keys)}")
            tables[table] = body
        spec = dict(tables["spectrum"])
        if "kind" not in spec:
            raise ScenarioError("spectrum.kind", "missing; expected 'isotropic', 'power_law' or 'eigenvalues'")
        if spec["kind"] == "eigenvalues":
            if not isinstance(spec.get("values"), list):
                raise ScenarioError("spectrum.values", "required for kind = 'eigenvalues' (a list of positive numbers)")
            spec.setdefault("d", len(spec["values"]))
        elif "d" not in spec:
            raise ScenarioError("spectrum.d", "missing; expected a positive integer")
        if spec.get("d") == "inf":
            spec["d"] = math.inf
        elif isinstance(spec.get("d"), str):
            raise ScenarioError("spectrum.d", f"expected a positive integer or 'inf', got {spec['d']!r}")
        for key in ("values",):
            if key in spec and not isinstance(spec[key], list):
                raise ScenarioError(f"spectrum.{key}", f"expected a list of numbers, got {spec[key]!r}")
            if key in spec:
                spec[key] = tuple(spec[key])
        teach = dict(tables["teacher"])
        if "kind" not in teach:
            raise ScenarioError("teacher.kind", "missing; expected 'source', 'isotropic' or 'coefficients'")
        if "values" in teach:
            if not isinstance(teach["values"], list):
                raise ScenarioError("teacher.values", f"expected a list of numbers, got {teach['values']!r}")
            teach["values"] = tuple(teach["values"])
        gen = dict(tables["generators"])
        if "n" not in gen:
            raise ScenarioError("generators.n", "missing; expected an integer >= 0")
        down = tables["downstream"]
        for key in _KEYS["downstream"]:
            if key not in down:
                raise ScenarioError(f"downstream.{key}", "missing")
        return cls(
            spectrum=Spectrum(**spec),
            teacher=Teacher(**teach),
            generators=Generators(n=gen["n"], T0=gen.get("T0"), sigma0=gen.get("sigma0")),
            downstream=Downstream(**down),
        )

    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError("scenario", f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ScenarioError("scenario", f"{str(path)!r} is not UTF-8 text (TOML): {exc.reason} at byte {exc.start}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError("scenario", f"{path} is not valid TOML: {exc}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        return {
            "spectrum": self.spectrum.to_dict(),
            "teacher": self.teacher.to_dict(),
            "generators": self.generators.to_dict(),
            "downstream": self.downstream.to_dict(),
        }

    def to_toml(self) -> str:
        """The scenario as TOML text; ``Scenario.from_dict(tomllib.loads(s.to_toml())) == s``."""
        return tomli_w.dumps(self.to_dict())

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    def replace(self, **changes) -> "Scenario":
        """A copy with some scalar keys changed: ``n, T0, sigma0, T, sigma, ridge``.

        Changing ``n`` with scalar generator settings keeps them scalar; a schedule must be
        replaced as a whole (``T0=[...]`` of the new length).
        """
        gen, down = self.generators, self.downstream
        gen_keys = {k: changes.pop(k) for k in ("n", "T0", "sigma0") if k in changes}
        down_keys = {k: changes.pop(k) for k in ("T", "sigma", "ridge") if k in changes}
        if changes:
            raise TypeError(f"replace() got unknown keys {sorted(changes)}")
        if gen_keys:
            n = gen_keys.get("n", gen.n)
            t0 = gen_keys.get("T0", gen.T0[0] if gen.T0 and len(set(gen.T0)) == 1 else (gen.T0 or None))
            s0 = gen_keys.get("sigma0", gen.sigma0[0] if gen.sigma0 and len(set(gen.sigma0)) == 1 else (gen.sigma0 or None))
            gen = Generators(n=n, T0=t0, sigma0=s0)
        if down_keys:
            down = dataclasses.replace(down, **down_keys)
        return Scenario(spectrum=self.spectrum, teacher=self.teacher, generators=gen, downstream=down)


def load_scenario(path: str | Path) -> Scenario:
    """Shorthand for :meth:`Scenario.from_toml`."""
    return Scenario.from_toml(path)
