"""``modelcollapse predict | simulate | verify SCENARIO`` (CONTRACT.md)."""

from __future__ import annotations

import argparse

from modelcollapse.derivations import cli
from modelcollapse.derivations.verify import DE_ALLOWANCE, compare, rounding_floor
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import DEFAULT_ESTIMATOR, ESTIMATORS, simulate


def precision_digits(text: str) -> int:
    """``--precision DIGITS`` (argparse type, also used by ``optimal-ridge``): an integer in [15, 10000]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer number of digits in [15, 10000], got {text!r}") from None
    if not 15 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected an integer number of digits in [15, 10000], got {value}")
    return value


def _allowance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a relative allowance in [0, 1), got {text!r}")
    return value


def add_arguments(name: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML, see CONTRACT.md)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    if name in ("predict", "verify"):
        p.add_argument("--precision", type=precision_digits, metavar="DIGITS", help="evaluate with mpmath at DIGITS digits")
    if name in ("simulate", "verify"):
        p.add_argument("--trials", type=cli.positive_int("--trials", minimum=2), default=400, metavar="N", help="Monte Carlo trials (default 400)")
        p.add_argument("--seed", type=cli.nonneg_int("--seed"), default=0, metavar="S", help="root seed (default 0)")
        p.add_argument("--jobs", type=cli.positive_int("--jobs"), default=cli.default_jobs(), metavar="J", help="worker processes (default: all cores)")
        p.add_argument("--estimator", choices=ESTIMATORS, default=DEFAULT_ESTIMATOR,
                       help=f"Monte Carlo estimator: 'conditional' averages the label noises out exactly given the designs, 'plain' draws them (default {DEFAULT_ESTIMATOR})")
    if name == "verify":
        p.add_argument("--allowance", type=_allowance, default=None, metavar="REL",
                       help=f"relative finite-size allowance (default 0 for exact results, {DE_ALLOWANCE} for deterministic equivalents)")


def run(args) -> int:
    scenario = Scenario.from_toml(args.scenario)
    if args.command == "predict":
        return _predict(scenario, args)
    if not scenario.spectrum.is_finite:
        raise cli.UsageError("spectrum.d: cannot simulate d = 'inf'; use a finite d")
    if args.command == "simulate":
        sim = simulate(scenario, trials=args.trials, seed=args.seed, jobs=args.jobs, estimator=args.estimator)
        if args.json:
            cli.emit_json(sim.to_dict())
        else:
            cli.print_table([["mean", sim.mean], ["stderr", sim.stderr], ["trials", sim.trials], ["seed", sim.seed],
                             ["estimator", sim.estimator]],
                            title="Monte Carlo test error E||w_pred - w0||^2_Sigma")
        return 0
    prediction = predict(scenario, args.precision)
    sim = simulate(scenario, trials=args.trials, seed=args.seed, jobs=args.jobs, estimator=args.estimator)
    check = compare(prediction, sim, allowance=args.allowance, floor=rounding_floor(scenario))
    if args.json:
        out = check.to_dict()
        out["estimator"] = sim.estimator
        out["prediction"] = prediction.to_dict()
        cli.emit_json(out)
    else:
        cli.print_table(
            [
                ["", "value", ""],
                ["theory", check.theory, check.provenance],
                ["simulation", check.mean, f"+/- {check.stderr:.3g} (SE, {check.trials} trials, seed {check.seed}, {sim.estimator})"],
                ["z-score", check.z, ""],
                ["tolerance", check.tolerance, f"4 SE + {check.allowance:g} x theory"],
                ["verdict", "PASS" if check.passed else "FAIL", ""],
            ]
        )
    return 0 if check.passed else 1


def _predict(scenario: Scenario, args) -> int:
    p = predict(scenario, args.precision)
    if args.json:
        cli.emit_json(p.to_dict())
        return 0
    rows = [
        ["test_error", p.test_error, ""],
        ["clean_error", p.clean_error, p.provenance["clean_error"]],
        ["collapse", p.collapse, p.provenance["collapse"]],
        ["bias", p.bias, "(clean)"],
        ["variance", p.variance, "(clean)"],
        ["kappa", p.kappa, f"{p.iterations} iterations, residual {p.residual:.2g}"],
    ]
    if p.digits:
        rows = [[name, p.digits[name], note] if name in p.digits else [name, value, note] for name, value, note in rows]
    cli.print_table(rows, title=f"Predicted test error ({p.precision})")
    for note in p.notes:
        print(f"  note: {note}")
    return 0
