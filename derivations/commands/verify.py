"""``modelcollapse verify SCENARIO [--trials N] [--seed S] [--jobs J] [--estimator E] [--precision D]
[--allowance REL]``.

Theory beside simulation with the z-score; exit 1 when they disagree beyond the tolerance
(:mod:`modelcollapse.derivations.verify`).
"""

from __future__ import annotations

import argparse

from modelcollapse.derivations.commands import common
from modelcollapse.derivations.scenario_files import load
from modelcollapse.derivations.verify import DE_ALLOWANCE, FS_ALLOWANCE, verify_scenario

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
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) or built-in name")
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


def run(args) -> int:
    result = verify_scenario(load(args.scenario), trials=args.trials, seed=args.seed, jobs=args.jobs,
                             estimator=args.estimator, precision=args.precision, allowance=args.allowance,
                             **common.prediction_kwargs(args))
    if args.json:
        common.emit_json(result.to_dict())
    else:
        common.print_table([["", "value", ""], *(list(row) for row in result._rows())])
        for note in result.prediction.notes:
            print(f"  note: {note}")
    return 0 if result.check.passed else 1
