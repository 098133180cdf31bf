"""Theory beside simulation: the comparison every check of the toolkit goes through.

A prediction passes when ``|theory − mean| <= 4·SE + allowance·|theory|``. The allowance is the
stated finite-size budget of the approximation behind the number: 0 for exact results (finite-
sample Wishart identities: only Monte Carlo noise may separate them from simulation) and
``DE_ALLOWANCE`` for deterministic equivalents, whose error is ``O(1/d)`` (THEORY.md §3.3), and
``FS_ALLOWANCE`` for deterministic equivalents with their ``1/d`` correction (THEORY.md §3.9), whose
error is ``O(1/d²)``: measured on 59 scenarios at ``d = 40–200`` (isotropic, power law, spiked,
random spectra; ``T`` from ``0.2d`` to ``4d``; ``λ`` from 0 to 1; 0–3 generators) within
``4·SE + 0.74%`` (worst: ``Σ = I``, ``d = 50``, ``T = 55``, ``λ = 10⁻³``), ``0.34%`` at ``d >= 100``
— 1% keeps a margin over that worst case. :data:`ALLOWANCE_BY_KIND` maps each provenance kind to
its allowance; a prediction gets the largest over its numbers' provenances. First-order
measurements (before the correction; tests/test_theory_vs_simulation.py): with ``λ > 0`` away
from ``T ≈ d``, at most 0.74% at ``d = 100`` and 0.43% at ``d = 200``; ridgeless with ``T < d``
(leave-one-out corrected variance),
within 2% down to ``d = 50, T = 45``. Known gap: tiny ``λ > 0`` with ``T`` within ~10% of ``d``
(isotropic ``d = 100, T = 90, λ = 1e-3``: −6.7%), where the smallest eigenvalues of ``Σ̂`` sit near
the ridge and the ``O(1/d)`` error is amplified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelcollapse.derivations.provenance import provenance_text
from modelcollapse.derivations.simulation import check_simulable, run_simulation
from modelcollapse.numerics.display import Tabular
from modelcollapse.numerics.predict import Prediction, predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import SimulationResult
from modelcollapse.theory.provenance import Provenance, ProvenanceKind

__all__ = ["Check", "Verification", "verify_scenario", "DE_ALLOWANCE", "FS_ALLOWANCE", "ALLOWANCE_BY_KIND", "Z_LIMIT",
           "allowance_for", "compare", "rounding_floor"]

Z_LIMIT = 4.0
DE_ALLOWANCE = 0.03
FS_ALLOWANCE = 0.01
ALLOWANCE_BY_KIND = {
    ProvenanceKind.EXACT: 0.0,
    ProvenanceKind.FINITE_SIZE_CORRECTED: FS_ALLOWANCE,
    ProvenanceKind.DETERMINISTIC_EQUIVALENT: DE_ALLOWANCE,
    ProvenanceKind.ASYMPTOTIC: DE_ALLOWANCE,
    ProvenanceKind.HEURISTIC: DE_ALLOWANCE,
}


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
    """Relative finite-size allowance: the largest :data:`ALLOWANCE_BY_KIND` over the prediction's provenances.

    0 if every number is exact, ``FS_ALLOWANCE`` if the others are ``1/d``-corrected, else ``DE_ALLOWANCE``.
    """
    kinds = [v.kind if isinstance(v, Provenance) else (ProvenanceKind.EXACT if v == "exact" else
                                                       ProvenanceKind.DETERMINISTIC_EQUIVALENT)
             for v in prediction.provenance.values()]
    return max((ALLOWANCE_BY_KIND[k] for k in kinds), default=DE_ALLOWANCE)


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


@dataclass(frozen=True, repr=False)
class Verification(Tabular):
    """A scenario's prediction beside its simulation: what ``modelcollapse verify`` prints.

    Attributes
    ----------
    check : Check
        The comparison (``theory``, ``mean``, ``stderr``, ``z``, ``tolerance``, ``passed``).
    prediction : Prediction
    simulation : SimulationResult
    design : str
        Which features were simulated when not the Gaussian design of the formulas ("" otherwise).
    """

    check: Check
    prediction: Prediction
    simulation: SimulationResult
    design: str = ""

    def __getattr__(self, name):  # theory, mean, stderr, z, tolerance, passed ... of the check
        if name.startswith("_") or name in ("check", "prediction", "simulation", "design"):
            raise AttributeError(name)
        return getattr(self.check, name)

    def __bool__(self) -> bool:
        return self.check.passed

    def to_dict(self) -> dict:
        """``verify --json``: the check, the estimator and the prediction."""
        return {**self.check.to_dict(), "estimator": self.simulation.estimator, "prediction": self.prediction.to_dict()}

    def _title(self) -> str:
        return f"Theory beside simulation: {'PASS' if self.check.passed else 'FAIL'}"

    def _summary(self) -> str:
        c = self.check
        z = f"{c.z:.3g}" if math.isfinite(c.z) else "undefined (SE = 0)"
        return (f"Verification(theory={c.theory:.6g}, simulation={c.mean:.6g} +/- {c.stderr:.3g}, z={z}, "
                f"{'PASS' if c.passed else 'FAIL'})")

    def _rows(self) -> list[tuple]:
        c, sim = self.check, self.simulation
        z = (c.z, "") if math.isfinite(c.z) else \
            ("—", f"undefined (SE = 0; theory - simulation = {c.theory - c.mean:.3g})")
        return [
            ("theory", c.theory, c.provenance),
            ("simulation", c.mean, f"+/- {c.stderr:.3g} (SE, {c.trials} trials, seed {c.seed}, {sim.estimator}"
                                   f"{self.design})"),
            ("z-score", *z),
            ("tolerance", c.tolerance, f"4 SE + {c.allowance:g} x theory"),
            ("verdict", "PASS" if c.passed else "FAIL", ""),
        ]


def verify_scenario(scenario: Scenario, *, trials: int, seed: int, jobs: int, estimator: str,
                    precision: int | None = None, allowance: float | None = None) -> Verification:
    """Predict, simulate and compare ``scenario`` as ``modelcollapse verify`` does (same errors, same numbers)."""
    check_simulable(scenario)
    prediction = predict(scenario, precision)
    sim = run_simulation(scenario, trials=trials, seed=seed, jobs=jobs, estimator=estimator)
    check = compare(prediction, sim, allowance=allowance, floor=rounding_floor(scenario))
    return Verification(check=check, prediction=prediction, simulation=sim, design=design_note(scenario))


def design_note(scenario: Scenario) -> str:
    """Which features were simulated, when not the Gaussian design of every formula (issue 14)."""
    describe = getattr(scenario.spectrum, "design_description", None)  # the kind words it
    note = describe() if describe is not None else ""
    return f", {note}" if note else ""
