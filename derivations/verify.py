"""Theory beside simulation: the comparison every check of the toolkit goes through.

A prediction passes when ``|theory − mean| <= 4·√(SE² + SE_theory²) + allowance·|theory|``. The
allowance is the measured accuracy of the provenance behind the number, carried by the provenance
itself (:attr:`Provenance.allowance <modelcollapse.theory.provenance.Provenance>`; a provenance that
states none gets the default of its kind, :data:`~modelcollapse.theory.provenance.DEFAULT_ALLOWANCE`):
0 for exact results (finite-sample Wishart identities: only Monte Carlo noise may separate them from
simulation) and for Monte Carlo predictions (whose own standard error ``SE_theory`` enters instead),
1% for deterministic equivalents with their ``1/d`` correction (THEORY.md §3.9: 59 scenarios at
``d = 40–200`` within ``4·SE + 0.74%``), 3% for first-order equivalents; provenances measured on their
own held-out scenarios (benchmarks/bench_accuracy.py) state their own value, e.g. the ridge-generator
chain. A prediction gets the largest allowance over its numbers' provenances. ``ALLOWANCE_BY_KIND``
is the table of defaults (kept under its old name).
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
from modelcollapse.theory.provenance import DEFAULT_ALLOWANCE, Provenance, ProvenanceKind

__all__ = ["Check", "Verification", "verify_scenario", "DE_ALLOWANCE", "FS_ALLOWANCE", "ALLOWANCE_BY_KIND", "Z_LIMIT",
           "allowance_for", "compare", "rounding_floor"]

Z_LIMIT = 4.0
ALLOWANCE_BY_KIND = DEFAULT_ALLOWANCE
DE_ALLOWANCE = DEFAULT_ALLOWANCE[ProvenanceKind.DETERMINISTIC_EQUIVALENT]
FS_ALLOWANCE = DEFAULT_ALLOWANCE[ProvenanceKind.FINITE_SIZE_CORRECTED]


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
    theory_stderr: float = 0.0  # standard error of a Monte Carlo prediction (0 for formulas)

    @property
    def combined_stderr(self) -> float:
        """``√(SE² + SE_theory²)``: the simulation's and (for a Monte Carlo prediction) the theory's."""
        return math.hypot(self.stderr, self.theory_stderr)

    @property
    def z(self) -> float:
        """``(theory − mean)/√(SE² + SE_theory²)`` (0 when both agree exactly and the SE is 0)."""
        diff = self.theory - self.mean
        se = self.combined_stderr
        if se == 0:
            return 0.0 if diff == 0 else math.copysign(math.inf, diff)
        return diff / se

    @property
    def tolerance(self) -> float:
        return Z_LIMIT * self.combined_stderr + self.allowance * abs(self.theory) + self.floor

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
            "theory_stderr": self.theory_stderr,
            "provenance": self.provenance,
            "trials": self.trials,
            "seed": self.seed,
            "passed": self.passed,
        }


def allowance_for(prediction: Prediction) -> float:
    """Relative allowance of a prediction: the largest measured accuracy (``Provenance.allowance``) over
    its numbers' provenances (a plain-string provenance: the default of ``exact`` or of an equivalent)."""
    values = [v.allowance if isinstance(v, Provenance) else ALLOWANCE_BY_KIND[
        ProvenanceKind.EXACT if v == "exact" else ProvenanceKind.DETERMINISTIC_EQUIVALENT]
        for v in prediction.provenance.values()]
    return max(values, default=DE_ALLOWANCE)


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
        theory_stderr=prediction.stderr,
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
        mc = self.prediction.monte_carlo
        theory = c.provenance if not c.theory_stderr else \
            f"+/- {c.theory_stderr:.3g} (SE, {mc['trials']} trials, seed {mc['seed']}) {c.provenance}"
        tolerance = f"4 SE + {c.allowance:g} x theory" if not c.theory_stderr else \
            f"4 sqrt(SE^2 + SE_theory^2) + {c.allowance:g} x theory"
        return [
            ("theory", c.theory, theory),
            ("simulation", c.mean, f"+/- {c.stderr:.3g} (SE, {c.trials} trials, seed {c.seed}, {sim.estimator}"
                                   f"{self.design})"),
            ("z-score", *z),
            ("tolerance", c.tolerance, tolerance),
            ("verdict", "PASS" if c.passed else "FAIL", ""),
        ]


def verify_scenario(scenario: Scenario, *, trials: int, seed: int, jobs: int, estimator: str,
                    precision: int | None = None, allowance: float | None = None, order: int | None = None,
                    mc_rse: float | None = None) -> Verification:
    """Predict, simulate and compare ``scenario`` as ``modelcollapse verify`` does (same errors, same numbers).

    ``order`` and ``mc_rse`` are :func:`~modelcollapse.numerics.predict.predict`'s (the first-order equivalent;
    the relative SE of a Monte Carlo answer where no formula holds)."""
    check_simulable(scenario)
    prediction = predict(scenario, precision, order=order, mc_rse=mc_rse)
    sim = run_simulation(scenario, trials=trials, seed=seed, jobs=jobs, estimator=estimator)
    check = compare(prediction, sim, allowance=allowance, floor=rounding_floor(scenario))
    return Verification(check=check, prediction=prediction, simulation=sim, design=design_note(scenario))


def design_note(scenario: Scenario) -> str:
    """Which features were simulated, when not the Gaussian design of every formula (issue 14)."""
    describe = getattr(scenario.spectrum, "design_description", None)  # the kind words it
    note = describe() if describe is not None else ""
    return f", {note}" if note else ""
