"""Predictions of scenarios whose noise or teacher is huge, computed at unit scale and scaled back.

The test error is homogeneous of degree 2 in ``(σ, σ0_1, …, σ0_n, w0)`` jointly: every estimator
of THEORY.md §1 is linear in the teacher and the label noises, and ``κ`` does not depend on them.
So ``E_test(sσ, sσ0, s w0) = s² E_test(σ, σ0, w0)``. Above :data:`SCALE_OUT_ABOVE` the scenario is
divided by its largest scale ``s`` (``σ²``, ``σ0²``, ``κ² S_B``… then stay in float64 range), and
the result multiplied by ``s²`` as ``(x·s)·s``. If that product exceeds float64, the refusal names
the key whose size caused it and the float64 limit.
"""

from __future__ import annotations

import dataclasses
import math

from modelcollapse.theory.errors import ScenarioError

__all__ = ["SCALE_OUT_ABOVE", "largest_scale", "predict_at_unit_scale"]

#: scales above this are factored out (σ² and the weights λ_j c_j² stay far from overflow below it)
SCALE_OUT_ABOVE = 1e100
_SCALED = ("test_error", "clean_error", "collapse", "bias", "variance")
_TINY = 5e-324  # a positive value stays positive when divided by s (its branch of the formulas kept)


def largest_scale(scenario) -> tuple[str, float]:
    """``(key, s)``: the largest of ``σ``, ``σ0_k`` and the teacher's size (``√norm``, or ``max |c_j|``)."""
    teacher = scenario.teacher
    if teacher.values is not None:
        size, key = max((abs(float(v)) for v in teacher.values), default=0.0), "teacher.values"
    else:
        size, key = (math.sqrt(teacher.norm) if teacher.norm is not None else 0.0), "teacher.norm"
    gen = scenario.generators
    candidates = [("downstream.sigma", scenario.sigma), (key, size)]
    candidates += [("generators.sigma0", s0) for s0 in gen.sigma0[:gen.n]]
    return max(candidates, key=lambda kv: kv[1])


def _divided(x: float, s: float) -> float:
    return 0.0 if x == 0 else max(x / s, _TINY)


def _teacher_divided(teacher, s: float):
    if teacher.values is not None:
        return dataclasses.replace(teacher, values=tuple(math.copysign(_divided(abs(v), s), v) for v in teacher.values))
    if teacher.norm is not None:
        return dataclasses.replace(teacher, norm=_divided(teacher.norm / s, s))
    return None  # a kind without a scale: predicted as it is


def predict_at_unit_scale(scenario, backend, run):
    """``run(scenario)``, at unit scale when the scenario's largest scale exceeds :data:`SCALE_OUT_ABOVE`."""
    key, s = largest_scale(scenario)
    teacher = _teacher_divided(scenario.teacher, s) if s > SCALE_OUT_ABOVE else None
    if teacher is None:
        return run(scenario)
    gen, down = scenario.generators, scenario.downstream
    unit = dataclasses.replace(
        scenario, teacher=teacher,
        generators=gen.replace(sigma0=tuple(_divided(x, s) for x in gen.sigma0)),
        downstream=down.replace(sigma=_divided(down.sigma, s)))
    p = run(unit)
    values, parts = {}, {}
    for name, x in [*((n, getattr(p, n)) for n in _SCALED), *p.parts.items()]:
        y = (x * s) * s
        if not math.isfinite(y):
            exponent = math.log10(abs(x)) + 2 * math.log10(s) if x else 0.0
            raise ScenarioError(key, f"the {name} (~1e{exponent:.0f}, growing like {key}^2 = {s:.3g}^2) exceeds "
                                     f"the float64 range (1.8e308); use a smaller scale")
        (parts if name in p.parts else values)[name] = y
    digits = dict(p.digits)
    if digits:
        ctx, s2 = backend.ctx, backend.ctx.mpf(s) ** 2
        digits = {k: (backend.digits(ctx.mpf(v) * s2) if k in _SCALED or k in p.parts else v) for k,
                  v in digits.items()}
    note = f"computed at unit scale ({key} = {s:.3g} factored out as s^2; the error is homogeneous of degree 2)"
    mc = p.monte_carlo
    if mc:  # a Monte Carlo prediction's standard errors scale as its numbers
        mc = {**mc, "stderr": {k: (v * s) * s for k, v in mc["stderr"].items()}}
    return dataclasses.replace(p, **values, parts=parts, digits=digits, notes=(*p.notes, note), monte_carlo=mc)
