"""Theory beside simulation: the comparison every check of the toolkit goes through.

A prediction passes when ``|theory − mean| <= 4·SE + allowance·|theory|``. The allowance is the
stated finite-size budget of the approximation behind the number: 0 for exact results (finite-
sample Wishart identities: only Monte Carlo noise may separate them from simulation) and
``DE_ALLOWANCE`` for deterministic equivalents, whose error is ``O(1/d)`` (THEORY.md §3.3).
Measured (tests/test_theory_vs_simulation.py): with ``λ > 0`` away from ``T ≈ d``, at most 0.74%
at ``d = 100`` and 0.43% at ``d = 200``; ridgeless with ``T < d`` (finite-size corrected variance),
within 2% down to ``d = 50, T = 45``. Known gap: tiny ``λ > 0`` with ``T`` within ~10% of ``d``
(isotropic ``d = 100, T = 90, λ = 1e-3``: −6.7%), where the smallest eigenvalues of ``Σ̂`` sit near
the ridge and the ``O(1/d)`` error is amplified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelcollapse.derivations.provenance import provenance_text
from modelcollapse.numerics.predict import Prediction
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import SimulationResult
from modelcollapse.theory.provenance import Provenance

__all__ = ["Check", "DE_ALLOWANCE", "Z_LIMIT", "allowance_for", "compare", "rounding_floor"]

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
    provenance: Provenance  # one for the whole number (derivations.provenance.provenance_text)
    floor: float = 0.0  # absolute float64 rounding floor (see rounding_floor)

    @property
    def z(self) -> float:
        """``(theory − mean)/SE`` (0 when both agree exactly and SE = 0)."""
        diff = self.theory - self.mean
        if self.stderr == 0:
            return 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return diff / self.stderr

    @property
    def tolerance(self) -> float:
        return Z_LIMIT * self.stderr + self.allowance * abs(self.theory) + self.floor

    @property
    def passed(self) -> bool:
        tol = self.tolerance
        return math.isfinite(tol) and abs(self.theory - self.mean) <= tol

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


def rounding_floor(scenario: Scenario) -> float:
    """``1e-12·(‖w0‖²_Σ + σ² + Σ_k σ0_k²)``: below this, theory and simulation differ by rounding only.

    Needed when the exact error is 0 (noiseless OLS): the simulation then returns ~1e-30 with an
    even smaller standard error, and 4 SE alone would call float64 rounding a disagreement.
    """
    if not scenario.spectrum.is_finite:
        return 0.0
    norm = float(sum(scenario.teacher.weights(scenario.spectrum)))
    return 1e-12 * (norm + scenario.sigma**2 + sum(s0**2 for s0 in scenario.generators.sigma0[:scenario.n]))


def compare(prediction: Prediction, sim: SimulationResult, *, allowance: float | None = None,
            floor: float = 0.0) -> Check:
    """Pair a prediction with a simulation of the same scenario (``floor``: see :func:`rounding_floor`)."""
    return Check(
        theory=prediction.test_error,
        mean=sim.mean,
        stderr=sim.stderr,
        trials=sim.trials,
        seed=sim.seed,
        allowance=allowance_for(prediction) if allowance is None else allowance,
        provenance=provenance_text(prediction),
        floor=floor,
    )
