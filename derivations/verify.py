"""Theory beside simulation: the comparison every check of the toolkit goes through.

A prediction passes when ``|theory − mean| <= 4·SE + allowance·|theory|``. The allowance is the
stated finite-size budget of the approximation behind the number: 0 for exact results (finite-
sample Wishart identities: only Monte Carlo noise may separate them from simulation) and
``DE_ALLOWANCE`` for deterministic equivalents, whose error is ``O(1/d)`` (THEORY.md §3.3; we
measured at most about 1.5% at ``d ≈ 50–200``, see tests/test_theory_vs_simulation.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelcollapse.numerics.predict import Prediction, predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import SimulationResult, simulate

__all__ = ["Check", "DE_ALLOWANCE", "compare", "verify"]

Z_LIMIT = 4.0
DE_ALLOWANCE = 0.03


@dataclass(frozen=True)
class Check:
    """One theory-versus-simulation comparison."""

    theory: float
    mean: float
    stderr: float
    trials: int
    seed: int
    allowance: float  # relative finite-size allowance applied
    provenance: str

    @property
    def z(self) -> float:
        """``(theory − mean)/SE`` (0 when both agree exactly and SE = 0)."""
        diff = self.theory - self.mean
        if self.stderr == 0:
            return 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return diff / self.stderr

    @property
    def tolerance(self) -> float:
        return Z_LIMIT * self.stderr + self.allowance * abs(self.theory)

    @property
    def passed(self) -> bool:
        return abs(self.theory - self.mean) <= self.tolerance

    def to_dict(self) -> dict:
        z = self.z
        return {
            "theory": self.theory,
            "mean": self.mean,
            "stderr": self.stderr,
            "z": z if math.isfinite(z) else None,
            "rel_diff": (self.theory - self.mean) / self.mean if self.mean else None,
            "tolerance": self.tolerance,
            "allowance": self.allowance,
            "provenance": self.provenance,
            "trials": self.trials,
            "seed": self.seed,
            "passed": self.passed,
        }


def allowance_for(prediction: Prediction) -> float:
    """Relative finite-size allowance for a prediction: 0 if exact, else ``DE_ALLOWANCE``."""
    return 0.0 if prediction.exact else DE_ALLOWANCE


def compare(prediction: Prediction, sim: SimulationResult, *, allowance: float | None = None) -> Check:
    """Pair a prediction with a simulation of the same scenario."""
    prov = "exact" if prediction.exact else "; ".join(sorted(set(prediction.provenance.values())))
    return Check(
        theory=prediction.test_error,
        mean=sim.mean,
        stderr=sim.stderr,
        trials=sim.trials,
        seed=sim.seed,
        allowance=allowance_for(prediction) if allowance is None else allowance,
        provenance=prov,
    )


def verify(scenario: Scenario, *, trials: int = 400, seed: int = 0, jobs: int = 1, precision=None,
           allowance: float | None = None, progress=None) -> tuple[Prediction, SimulationResult, Check]:
    """Predict, simulate and compare one scenario."""
    prediction = predict(scenario, precision)
    sim = simulate(scenario, trials=trials, seed=seed, jobs=jobs, progress=progress)
    return prediction, sim, compare(prediction, sim, allowance=allowance)
