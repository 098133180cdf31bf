"""Axis ``verifier``: the key table ``[generators.verifier]`` — synthetic rows kept only where a verifier accepts them.

Definition (THEORY.md §3.17; Yi, Liu, Cheng & Xu, arXiv:2510.16657). Generation ``k`` draws ``T0_k`` rows
labelled by generation ``k − 1`` (noise ``σ0_k``) and keeps a row only when its residual against the verifier's
centre ``w'`` lies in the window, ``lower_k <= y − xᵀw' <= upper_k``; it fits the kept rows by OLS (minimum norm
if fewer than ``d`` are kept). The downstream's rows are not filtered.

Keys of the table (all optional but ``window``)::

    [generators.verifier]
    window = [-1.0, 1.0]   # [a, b], a < b (-inf / inf allowed): the accepted residual window
    units = "sigma0"       # "sigma0": the window in units of each generation's σ0_k (default); "absolute"
    center = "teacher"     # "teacher" (w' = w0) or the d coefficients of w' in the eigenbasis ([teacher] order)
    center_noise = 0.0     # τ >= 0: w' = center + τ u, u = g/‖g‖_Σ, g ~ N(0, I_d) drawn with `seed`
    seed = 0               # the seed of u (so ‖w' − center‖_Σ = τ exactly)
    size = "drawn"         # "drawn": keep the accepted share of T0 drawn rows (random size, the source's);
                           # "kept": draw until T0 rows are kept (fixed size)

What composes (predicted by regime ``verified_generators``): the replace scheme with fresh designs and OLS
generators (``T0 Z >= d + 2`` kept rows with probability ``1 − 1e-9``), any spectrum and teacher, per-generation
``T0``/``σ0``, and an OLS downstream (``ridge = 0``, ``T >= d + 2``) with any ``downstream.real_fraction``
(exact ``mixing_factor`` on top of the chain). Refused with the key named (``NotCoveredError``; ``simulate``
runs every one of them): ``downstream.ridge > 0`` or ``T < d + 2`` (the verified chain is not centred),
``generators.ridge``, ``generators.real_fraction``, ``generators.scheme`` other than replace,
``generators.design_matrix = "reused"``, and any other axis's key set away from its default.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.axes.keys import Key, as_table, choice, subtable
from modelcollapse.numerics.chain import WO, ChainDraft
from modelcollapse.numerics.simulate_verifier import Window
from modelcollapse.theory.errors import ScenarioError

__all__ = ["AXIS", "Verifier", "KEY"]

_ENTRIES = ("window", "units", "center", "center_noise", "seed", "size")


def _window(key, value) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v) for v in value)):
        raise ScenarioError(key, f"expected [a, b], two numbers with a < b (-inf, inf allowed), got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not a < b:
        raise ScenarioError(key, f"expected [a, b] with a < b (a non-empty window), got [{a:g}, {b:g}]")
    if a == math.inf or b == -math.inf:
        raise ScenarioError(key, f"expected [a, b] with a < inf and b > -inf, got [{a:g}, {b:g}]")
    return a, b


def _center(key, value):
    if value == "teacher":
        return "teacher"
    if (isinstance(value, (list, tuple)) and len(value) >= 1
            and all(not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(v) for v in value)):
        return tuple(float(v) for v in value)
    raise ScenarioError(key, f"expected \"teacher\" or a list of d finite numbers (w' in the eigenbasis), got "
                             f"{value!r}")


def _noise(key, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ScenarioError(key, f"expected a number >= 0 (‖w' − center‖_Σ), got {value!r}")
    return float(value)


def _seed(key, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ScenarioError(key, f"expected an integer >= 0, got {value!r}")
    return int(value)


_CHECKS = {
    "window": _window,
    "units": lambda key, v: choice(key, v, ("sigma0", "absolute"), "units"),
    "center": _center,
    "center_noise": _noise,
    "seed": _seed,
    "size": lambda key, v: choice(key, v, ("drawn", "kept"), "size"),
}


@dataclass(frozen=True, kw_only=True)
class Verifier:
    """The checked ``[generators.verifier]`` table (module docstring for the keys)."""

    window: tuple
    units: str = "sigma0"
    center: object = "teacher"
    center_noise: float = 0.0
    seed: int = 0
    size: str = "drawn"

    @property
    def refill(self) -> bool:
        """Whether a generation draws until ``T0`` rows are kept (``size = "kept"``)."""
        return self.size == "kept"

    def bounds(self, sigma0: float) -> tuple[float, float]:
        """The window on the residual ``y − xᵀw'`` of a generation with noise ``sigma0`` (absolute)."""
        a, b = self.window
        return (a, b) if self.units == "absolute" else (a * sigma0, b * sigma0)

    def centre(self, eigenvalues, teacher_coefficients) -> np.ndarray:
        """``w'`` in the eigenbasis: the centre plus ``τ u`` (``u = g/‖g‖_Σ``, ``g`` drawn with ``seed``)."""
        lam = np.asarray(eigenvalues, dtype=float)
        base = np.asarray(teacher_coefficients if self.center == "teacher" else self.center, dtype=float)
        if self.center_noise == 0:
            return base
        g = np.random.default_rng(self.seed).standard_normal(lam.size)
        return base + self.center_noise * g / math.sqrt(float(np.sum(lam * g * g)))

    def to_table(self) -> dict:
        out = as_table(self)
        out["window"] = list(self.window)
        if self.center != "teacher":
            out["center"] = list(self.center)
        return {k: v for k, v in out.items() if k == "window" or v != getattr(_DEFAULTS, k)}


_DEFAULTS = Verifier(window=(0.0, 1.0))


def _check(key, value, section):
    if value is None:
        return None
    return Verifier(**subtable(key, value, _CHECKS, required=("window",)))


KEY = Key(table="generators", name="verifier", default=None, check=_check,
          to_file=lambda v: None if v is None else v.to_table(),
          doc="[generators.verifier]: keep a synthetic row only when y − xᵀw' lies in window (keys: window, units, "
              "center, center_noise, seed, size)")


class VerifierAxis:
    name = "verifier"
    keys = (KEY,)

    def validate(self, scenario) -> None:
        """The centre's length against ``spectrum.d``; ``units = "sigma0"`` needs ``σ0_k > 0``."""
        v = getattr(scenario.generators, "verifier", None)
        if v is None:
            return
        if v.center != "teacher":
            d = scenario.d if scenario.spectrum.is_finite else None
            if d is None or len(v.center) != d:
                raise ScenarioError("generators.verifier.center", f"expected a list of d = {d} numbers (w' in the "
                                    f"eigenbasis), got {len(v.center)}")
        gen = scenario.generators
        if getattr(gen, "design_matrix", "fresh") != "fresh":
            raise ScenarioError("generators.design_matrix", "a verifier filters fresh rows as they are drawn; "
                                "expected \"fresh\" with [generators.verifier]")
        if v.units == "sigma0" and any(s0 <= 0 for s0 in gen.sigma0[: gen.n]):
            raise ScenarioError("generators.verifier.units", "a window in units of sigma0 needs generators.sigma0 > "
                                "0 in every generation; use units = \"absolute\"")

    def admits(self, regime, scenario) -> bool:
        """With a verifier (and generations) only ``verified_generators`` knows the chain (regimes ``_admitted``)."""
        verified = scenario.generators.n >= 1 and getattr(scenario.generators, "verifier", None) is not None
        return not verified or regime.name == "verified_generators"

    def describe(self, scenario, draft: ChainDraft) -> None:
        v = getattr(scenario.generators, "verifier", None)
        if v is None or scenario.generators.n == 0:
            return
        self.validate(scenario)
        gen = scenario.generators
        centre = v.centre(scenario.spectrum.eigenvalues(), scenario.teacher.coefficients(scenario.spectrum))
        windows = {}
        for k in range(gen.n):
            lo, hi = v.bounds(float(gen.sigma0[k]))
            windows[k] = Window(center=centre, lower=lo, upper=hi, refill=v.refill)

        def refine(chain):
            # the rows generator k + 1 fits as they are drawn: block k's rows labelled by the previous fit (block 0:
            # every row, all labelled by w0); a later block's real rows (source w0) are not filtered
            for k, window in windows.items():
                chain = chain.replace_types(lambda t, k=k: t.block == k and (k == 0 or t.source != WO), accept=window)
            return chain

        draft.refinements.append(refine)


AXIS = VerifierAxis()
