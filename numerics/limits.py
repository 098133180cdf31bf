"""Limits stated up front: sizes refused before anything large is allocated (CONTRACT.md, "Limits").

A prediction holds a few arrays of length ``d`` (eigenvalues, teacher weights, the terms of each
spectral sum); a simulation holds, per worker, the ``d × d`` Gram matrix and the designs it draws.
:func:`check_dimension` (called where the length-``d`` arrays are made) and
:func:`simulation_bytes` (called by the simulation bridge before any trial) estimate that memory
and refuse above :data:`MEMORY_LIMIT` with a :class:`ScenarioError` naming the key that dominates,
instead of a ``MemoryError`` half-way (or, for ``d`` near ``2^63``, a silently empty array).
"""

from __future__ import annotations

import math

from modelcollapse.theory.errors import ScenarioError

__all__ = ["MEMORY_LIMIT", "MAX_GENERATIONS", "check_dimension", "simulation_bytes", "check_simulation_memory",
           "gib", "check_simulation_spread"]

#: bytes one computation may plan to use: fits a laptop beside the rest of the system
MEMORY_LIMIT = 2 * 2**30
#: ``generators.n``: each generation is a Python-level step (and a stored ``T0``, ``sigma0``)
MAX_GENERATIONS = 10**6
# length-d arrays alive at once in a prediction, and the bytes of one number: a float64, or an mpmath
# mpf with its object-array slot. Measured (tracemalloc peak): 16.0 float64 arrays on the over-
# parameterised power-law path at d = 10^6 (5.0 isotropic); 4.05 kB per eigenvalue at 30 digits.
_ARRAYS_AT_ONCE = 16
_FLOAT_BYTES = 8
_MPF_BYTES = 256


def gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.3g} GiB"


def check_dimension(d: int, *, mp: bool = False, key: str = "spectrum.d") -> None:
    """Refuse a length-``d`` computation whose arrays would exceed :data:`MEMORY_LIMIT`."""
    need = float(d) * _ARRAYS_AT_ONCE * (_MPF_BYTES if mp else _FLOAT_BYTES)
    if need > MEMORY_LIMIT:
        largest = MEMORY_LIMIT // (_ARRAYS_AT_ONCE * (_MPF_BYTES if mp else _FLOAT_BYTES))
        raise ScenarioError(key, f"d = {d} needs ~{gib(need)} of arrays{' at mpmath precision' if mp else ''}; "
                                 f"the limit is {gib(MEMORY_LIMIT)} (d <= {largest})")


def simulation_bytes(*, d: int, T0: tuple, T: int, estimator: str) -> tuple[float, str]:
    """``(bytes per worker, key that dominates)`` of one simulated trial.

    The ``d × d`` Gram matrix (or Bartlett factor) and its factorisations, a ``T0_k × d`` design
    per generation (drawn by the plain estimator always, by the conditional one when
    ``T0_k < d``) and the ``T × d`` downstream design (plain, or ``T < d``; plus the ``T × T``
    dual system), each with its LAPACK copies (factor 3).
    """
    conditional = estimator == "conditional"
    parts = {"spectrum.d": 3.0 * d * d}
    for t0 in T0:
        if not conditional or t0 < d:
            parts["generators.T0"] = max(parts.get("generators.T0", 0.0), 3.0 * t0 * d)
    if not conditional or T < d:
        parts["downstream.T"] = 3.0 * T * d + (3.0 * T * T if T < d else 0.0)
    key = max(parts, key=parts.get)
    return _FLOAT_BYTES * sum(parts.values()), key


def check_simulation_memory(*, d: int, T0: tuple, T: int, estimator: str, jobs: int) -> None:
    """Refuse a simulation whose workers together would exceed :data:`MEMORY_LIMIT` (naming the key)."""
    per_worker, key = simulation_bytes(d=d, T0=T0, T=T, estimator=estimator)
    if per_worker * jobs > MEMORY_LIMIT:
        value = {"spectrum.d": d, "generators.T0": max(T0, default=0), "downstream.T": T}[key]
        raise ScenarioError(key, f"{key.split('.')[1]} = {value} needs ~{gib(per_worker)} per worker to simulate "
                                 f"({jobs} worker{'s' if jobs > 1 else ''}); the limit is {gib(MEMORY_LIMIT)} in all")


def check_simulation_spread(spectrum) -> None:
    """Refuse to simulate a power law whose spread ``λ_1/λ_d = d^β`` exceeds the simulator's limit, naming
    ``spectrum.beta`` (the simulator's own refusal would name no key; a spread of ``10^2301`` would underflow
    to zero eigenvalues first). Other spectra are left to the simulator's message."""
    from modelcollapse.numerics.simulate import MAX_EIGENVALUE_SPREAD  # the simulator states its limit

    beta, d = getattr(spectrum, "beta", None), getattr(spectrum, "d", None)
    if beta is None or d is None or not 1 < d < float("inf"):
        return
    log10_spread = beta * math.log10(d)
    if log10_spread > math.log10(MAX_EIGENVALUE_SPREAD):
        raise ScenarioError("spectrum.beta", f"cannot simulate beta = {beta:g} on d = {d}: the eigenvalue spread "
                                             f"lambda_1/lambda_d = d^beta = 10^{log10_spread:.4g} exceeds the "
                                             f"simulator's {MAX_EIGENVALUE_SPREAD:.0e} (float64 designs); at this d "
                                             f"simulations need beta <= "
                                             f"{math.log(MAX_EIGENVALUE_SPREAD) / math.log(d):.4g}")
