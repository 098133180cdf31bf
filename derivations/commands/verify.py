"""``modelcollapse verify SCENARIO [--trials N] [--seed S] [--jobs J] [--estimator E] [--precision D]
[--allowance REL]``.

Theory beside simulation with the z-score; exit 1 when they disagree beyond the tolerance
(:mod:`modelcollapse.derivations.verify`).
"""

from __future__ import annotations

import argparse
import math

from modelcollapse.derivations.commands import common
from modelcollapse.derivations.simulation import check_simulable, run_simulation
from modelcollapse.derivations.verify import DE_ALLOWANCE, FS_ALLOWANCE, compare, rounding_floor
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["HELP", "add_arguments", "run"]

HELP = "theory beside simulation, with the z-score (exit 1 if they disagree)"


def _allowance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a relative allowance in [0, 1), got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML, see CONTRACT.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--precision", type=common.precision_digits, metavar="DIGITS",
                   help="evaluate with mpmath at DIGITS digits")
    common.trials_option(p, default=400, help_default="default 400")
    common.seed_option(p)
    common.jobs_option(p)
    common.estimator_option(p)
    common.prediction_options(p)
    p.add_argument("--allowance", type=_allowance, default=None, metavar="REL",
                   help=f"relative allowance (default: the measured accuracy the provenance states; without one "
                        f"0 for exact results and Monte Carlo, {FS_ALLOWANCE} for 1/d-corrected, {DE_ALLOWANCE} "
                        "for first-order deterministic equivalents)")


def _design_note(scenario) -> str:
    """Which features were simulated, when not the Gaussian design of every formula (issue 14)."""
    design = getattr(scenario.spectrum, "design_name", "gaussian")
    if design == "real":
        return f", real chain: kernel ridge on the {scenario.spectrum.points} {scenario.spectrum.dataset} points"
    if scenario.spectrum.kind == "kernel":
        return f", {design} surrogate of the kernel's spectrum"
    return "" if design == "gaussian" else f", {design} design"


def run(args) -> int:
    scenario = Scenario.from_toml(args.scenario)
    check_simulable(scenario)
    prediction = predict(scenario, args.precision, **common.prediction_kwargs(args))
    sim = run_simulation(scenario, trials=args.trials, seed=args.seed, jobs=args.jobs,
                         estimator=args.estimator)
    check = compare(prediction, sim, allowance=args.allowance, floor=rounding_floor(scenario))
    if args.json:
        out = check.to_dict()
        out["estimator"] = sim.estimator
        out["prediction"] = prediction.to_dict()
        common.emit_json(out)
    else:
        common.print_table(
            [
                ["", "value", ""],
                ["theory", check.theory, check.provenance if not check.theory_stderr else
                 f"+/- {check.theory_stderr:.3g} (SE, {prediction.monte_carlo['trials']} trials, seed "
                 f"{prediction.monte_carlo['seed']}) {check.provenance}"],
                ["simulation", check.mean,
                 f"+/- {check.stderr:.3g} (SE, {check.trials} trials, seed {check.seed}, {sim.estimator}"
                 f"{_design_note(scenario)})"],
                ["z-score", *_z_cell(check)],
                ["tolerance", check.tolerance, f"4 SE + {check.allowance:g} x theory" if not check.theory_stderr
                 else f"4 sqrt(SE^2 + SE_theory^2) + {check.allowance:g} x theory"],
                ["verdict", "PASS" if check.passed else "FAIL", ""],
            ]
        )
        for note in prediction.notes:
            print(f"  note: {note}")
    return 0 if check.passed else 1


def _z_cell(check) -> list:
    """The z-score, or a dash with the reason when SE = 0 (every trial gave the same error): no inf printed."""
    if math.isfinite(check.z):
        return [check.z, ""]
    return ["—", f"undefined (SE = 0; theory - simulation = {check.theory - check.mean:.3g})"]
