"""One grid point's computations, as self-contained tasks a worker (local or Dask) can run.

A task carries the validated scenario as a plain dict (``Scenario.to_dict()``), so it pickles
small and runs anywhere modelcollapse is installed. Its result (a *payload*) is a JSON-able
dict: the prediction or simulation fields, or ``{"error": message}`` when the computation
cannot be done at these numbers (a deterministic outcome, stored like any other).
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from modelcollapse.derivations.sweep.store import canonical_json, normalise_payload, record_key
from modelcollapse.numerics import monte_carlo as _monte_carlo
from modelcollapse.numerics import simulate as _simulate_module
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.limits import check_simulation_memory, check_simulation_spread
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["Task", "point_seed", "default_estimator", "theory_task", "simulation_task", "run_task",
           "simulate_accepts_estimator"]

THEORY, SIMULATION = "theory", "simulation"
# Failures of the simulator at these numbers (ill-conditioned designs, d = inf): deterministic,
# so stored as the point's error. MemoryError is not (it depends on the machine): it propagates.
_SIMULATION_FAILURES = (ModelCollapseError, ValueError, ArithmeticError, np.linalg.LinAlgError)


def simulate_accepts_estimator() -> bool:
    """Whether this version's ``simulate`` takes ``estimator=`` ("plain" | "conditional")."""
    return "estimator" in inspect.signature(_simulate_module.simulate).parameters


def default_estimator() -> str | None:
    """``simulate``'s default estimator, or None where it has no such option.

    Part of the store key when none is asked for, so results stored under one default are not
    taken for another's if a later version changes the default.
    """
    parameter = inspect.signature(_simulate_module.simulate).parameters.get("estimator")
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return None
    return parameter.default


def point_seed(root_seed: int, scenario: dict) -> int:
    """The simulation seed of a point: SHA-256 of ``(root_seed, scenario)``, 63 bits.

    A function of the root seed and the point's validated scenario only — not of its place in
    the grid, the order of evaluation or the number of workers — so every run of the same sweep
    (and every sweep containing the same scenario) simulates it with the same random numbers.
    ``modelcollapse simulate SCENARIO --seed <seed column>`` reproduces a row.
    """
    digest = hashlib.sha256(canonical_json({"root_seed": int(root_seed), "scenario": scenario}).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass(frozen=True, kw_only=True)
class Task:
    """One computation of one point: ``kind`` is ``"theory"`` or ``"simulation"``."""

    kind: str
    key: str  # record key in the store
    what: dict  # everything the result depends on (hashed into ``key``)
    scenario: dict

    def run(self) -> dict:
        return run_task(self)


def theory_task(scenario: dict, precision: int | None, mc_rse: float | None = None) -> Task:
    """The theory of one point; ``mc_rse`` is ``predict``'s (None: its default), part of the record key only when it
    is not the contract's default (records of earlier sweeps stay valid)."""
    what = {"kind": THEORY, "scenario": scenario, "precision": precision}
    rse = _monte_carlo.DEFAULT_RSE if mc_rse is None else float(mc_rse)
    if rse != _monte_carlo.STANDARD_RSE:  # a Monte Carlo answer to another SE: its own record
        what["mc_rse"] = rse
    return Task(kind=THEORY, key=record_key(what), what=what, scenario=scenario)


def simulation_task(scenario: dict, *, trials: int, root_seed: int = 0, estimator: str | None,
                    seed: int | None = None) -> Task:
    """The simulation of one point; its seed is ``seed`` if given (the report's check seeds), else derived
    from ``root_seed`` and the scenario (:func:`point_seed`)."""
    seed = point_seed(root_seed, scenario) if seed is None else int(seed)
    what = {"kind": SIMULATION, "scenario": scenario, "trials": int(trials), "seed": seed,
            "estimator": estimator if estimator is not None else default_estimator()}
    return Task(kind=SIMULATION, key=record_key(what), what=what, scenario=scenario)


def _message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ModelCollapseError) else f"{type(exc).__name__}: {exc}"


def _theory(task: Task) -> dict:
    try:
        prediction = predict(Scenario.from_dict(task.scenario), task.what["precision"], mc_rse=task.what.get("mc_rse"))
    except ModelCollapseError as exc:
        return {"error": _message(exc)}
    return {"prediction": prediction.to_dict()}


def _simulation(task: Task) -> dict:
    what = task.what
    kwargs = {"trials": what["trials"], "seed": what["seed"], "jobs": 1}
    if what["estimator"] is not None:  # the one asked for, or simulate's own default
        kwargs["estimator"] = what["estimator"]
    try:
        scenario = Scenario.from_dict(task.scenario)
        if scenario.spectrum.is_finite:  # refused naming the key before a MemoryError half-way
            gen = scenario.generators
            check_simulation_memory(d=scenario.d, T0=gen.T0[:gen.n], T=scenario.T, jobs=1,
                                    estimator=kwargs.get("estimator", _simulate_module.DEFAULT_ESTIMATOR))
            check_simulation_spread(scenario.spectrum)  # a steep power law: named spectrum.beta
        with threadpool_limits(limits=1):  # parallelism is across points; BLAS threads would fight
            result = _simulate_module.simulate(scenario, **kwargs)
    except _SIMULATION_FAILURES as exc:
        return {"error": f"simulation: {_message(exc)}"}
    out = {"mean": result.mean, "stderr": result.stderr, "trials": result.trials, "seed": result.seed}
    if what["estimator"] is not None:
        out["estimator"] = what["estimator"]
    return out


def run_task(task: Task) -> dict:
    """Compute a task's payload (JSON-normalised, exactly as it reads back from the store)."""
    payload = _theory(task) if task.kind == THEORY else _simulation(task)
    return normalise_payload(payload)
