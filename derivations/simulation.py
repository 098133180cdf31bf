"""The one place derivations call the simulator, turning its plain errors into typed ones.

``numerics/simulate.py`` is independent of the rest of the project (ARCHITECTURE.md), so it raises
``ValueError`` (eigenvalues too spread for float64, a non-finite spectrum) and ``ArithmeticError``
(a non-finite simulated error) rather than the project's errors. Here they become a
:class:`SimulationError` naming the key at fault, so the command line answers bad input with exit 2
and keeps exit 3 for real bugs. (A bridge: once the simulator raises typed errors itself, this
module reduces to a call.)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from modelcollapse.numerics.display import Tabular
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.limits import check_simulation_memory, check_simulation_spread
from modelcollapse.numerics.simulate import DEFAULT_ESTIMATOR, SimulationResult, simulate
from modelcollapse.numerics.unit_scale import SCALE_OUT_ABOVE, largest_scale

__all__ = ["Simulation", "SimulationError", "check_simulable", "run_simulation", "simulation_result"]


MAX_SIMULATED_SIZE = 2**63 - 1  # T, T0: the simulator's sample counts and chi-square degrees of freedom are int64


class SimulationError(ModelCollapseError):
    """A scenario the Monte Carlo cannot simulate in float64 (the message names the key)."""


@dataclass(frozen=True, repr=False)
class Simulation(SimulationResult, Tabular):
    """The simulator's :class:`~modelcollapse.numerics.simulate.SimulationResult`, shown as a result.

    The same fields (``mean``, ``stderr``, ``trials``, ``seed``, ``errors``, ``estimator``) and
    ``to_dict()`` (``simulate --json``); prints as ``modelcollapse simulate``'s table, an HTML table
    in Jupyter, ``to_frame()`` one row. (Defined here, not in the simulator, which imports nothing
    of the project.)
    """

    @classmethod
    def of(cls, result: SimulationResult) -> "Simulation":
        return result if isinstance(result, cls) else cls(**{f.name: getattr(result, f.name) for f in fields(result)})

    __repr__ = Tabular.__repr__  # one line, without the per-trial errors (SimulationResult's repr prints them all)

    def _title(self) -> str:
        return "Monte Carlo test error E||w_pred - w0||^2_Sigma"

    def _rows(self) -> list[tuple]:
        return [("mean", self.mean, f"+/- {self.stderr:.3g} (SE)"), ("stderr", self.stderr, ""),
                ("trials", self.trials, ""), ("seed", self.seed, ""), ("estimator", self.estimator, "")]


def check_simulable(scenario) -> None:
    """Raise :class:`SimulationError` for ``d = inf`` (before any costly prediction is made)."""
    if not scenario.spectrum.is_finite:
        raise SimulationError("spectrum.d: cannot simulate d = 'inf'; use a finite d")


def run_simulation(scenario, *, trials: int, seed: int, jobs: int, progress=None,
                   estimator: str = DEFAULT_ESTIMATOR) -> Simulation:
    """:func:`modelcollapse.numerics.simulate.simulate`, with its ``ValueError``/``ArithmeticError`` typed.

    ``estimator`` is ``"plain"`` or ``"conditional"`` (the variance-reduced one, the default).
    ``trials``, ``seed`` and ``jobs`` are validated by the caller (the command line's option types);
    what remains are properties of the scenario: the spectrum's spread and finiteness.
    """
    check_simulable(scenario)
    gen = scenario.generators
    for key, size in [("downstream.T", scenario.T), *(("generators.T0", t0) for t0 in gen.T0[:gen.n])]:
        if size > MAX_SIMULATED_SIZE:  # the simulator counts samples and degrees of freedom in int64
            raise SimulationError(f"{key}: cannot simulate {size} samples; the simulator's limit is 2^63-1")
    check_simulation_memory(d=scenario.d, T0=gen.T0[:gen.n], T=scenario.T, estimator=estimator, jobs=jobs)
    check_simulation_spread(scenario.spectrum)  # a steep power law: named spectrum.beta, with the largest beta
    try:
        return Simulation.of(simulate(scenario, trials=trials, seed=seed, jobs=jobs, progress=progress,
                                      estimator=estimator))
    except ValueError as exc:
        if not str(exc).startswith(("eigenvalues", "spectrum")):
            raise  # trials, seed and jobs were validated by the caller: anything else is a bug
        raise SimulationError(f"spectrum: {exc}") from None
    except ArithmeticError:
        key, value = largest_scale(scenario)
        if value > SCALE_OUT_ABOVE:
            raise SimulationError(
                f"{key}: the simulated test error is not finite in float64 (the error grows like {key}^2 = "
                f"{value:.3g}^2); use a smaller scale") from None
        raise SimulationError(
            "spectrum: the simulated test error is not finite in float64 (spectrum.values, spectrum.beta, "
            "downstream.T or generators.T0 at the edge of float64)") from None



def simulation_result(payload: dict) -> SimulationResult:
    """A :class:`SimulationResult` from a simulation task's payload (the sweep engine's; no per-trial errors)."""
    return SimulationResult(mean=payload["mean"], stderr=payload["stderr"], trials=payload["trials"],
                            seed=payload["seed"], errors=np.empty(0),
                            estimator=payload.get("estimator", DEFAULT_ESTIMATOR))
