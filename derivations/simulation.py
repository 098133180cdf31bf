"""The one place derivations call the simulator, turning its plain errors into typed ones.

``numerics/simulate.py`` is independent of the rest of the project (ARCHITECTURE.md), so it raises
``ValueError`` (eigenvalues too spread for float64, a non-finite spectrum) and ``ArithmeticError``
(a non-finite simulated error) rather than the project's errors. Here they become a
:class:`SimulationError` naming the key at fault, so the command line answers bad input with exit 2
and keeps exit 3 for real bugs. (A bridge: once the simulator raises typed errors itself, this
module reduces to a call.)
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.simulate import DEFAULT_ESTIMATOR, SimulationResult, simulate

__all__ = ["SimulationError", "check_simulable", "run_simulation", "simulation_result"]


class SimulationError(ModelCollapseError):
    """A scenario the Monte Carlo cannot simulate in float64 (the message names the key)."""


def check_simulable(scenario) -> None:
    """Raise :class:`SimulationError` for ``d = inf`` (before any costly prediction is made)."""
    if not scenario.spectrum.is_finite:
        raise SimulationError("spectrum.d: cannot simulate d = 'inf'; use a finite d")


def run_simulation(scenario, *, trials: int, seed: int, jobs: int, progress=None,
                   estimator: str = DEFAULT_ESTIMATOR) -> SimulationResult:
    """:func:`modelcollapse.numerics.simulate.simulate`, with its ``ValueError``/``ArithmeticError`` typed.

    ``estimator`` is ``"plain"`` or ``"conditional"`` (the variance-reduced one, the default).
    ``trials``, ``seed`` and ``jobs`` are validated by the caller (the command line's option types);
    what remains are properties of the scenario: the spectrum's spread and finiteness.
    """
    check_simulable(scenario)
    try:
        return simulate(scenario, trials=trials, seed=seed, jobs=jobs, progress=progress, estimator=estimator)
    except ValueError as exc:
        if not str(exc).startswith(("eigenvalues", "spectrum")):
            raise  # trials, seed and jobs were validated by the caller: anything else is a bug
        raise SimulationError(f"spectrum: {exc}") from None
    except ArithmeticError:
        raise SimulationError(
            "the simulated test error is not finite in float64; the scales of spectrum, teacher.norm, "
            "downstream.sigma or generators.sigma0 are too large to simulate") from None


def simulation_result(payload: dict) -> SimulationResult:
    """A :class:`SimulationResult` from a simulation task's payload (the sweep engine's; no per-trial errors)."""
    return SimulationResult(mean=payload["mean"], stderr=payload["stderr"], trials=payload["trials"],
                            seed=payload["seed"], errors=np.empty(0),
                            estimator=payload.get("estimator", DEFAULT_ESTIMATOR))
