"""``modelcollapse predict SCENARIO [--precision DIGITS] [--order 1|2] [--mc-rse REL] [--json]`` (CONTRACT.md)."""

from __future__ import annotations

import argparse

from modelcollapse.derivations.commands import common
from modelcollapse.derivations.scenario_files import load
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.prediction import NOT_AVAILABLE

__all__ = ["HELP", "add_arguments", "run"]

HELP = "theoretical test error of a scenario"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) or built-in name")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--precision", type=common.precision_digits, metavar="DIGITS",
                   help="evaluate with mpmath at DIGITS digits")
    common.prediction_options(p)


def run(args) -> int:
    p = predict(load(args.scenario), args.precision, **common.prediction_kwargs(args))
    if args.json:
        common.emit_json(p.to_dict())
        return 0
    rows = [
        ["test_error", p.test_error, common.stderr_cell(p, "test_error")],
        ["clean_error", p.clean_error, p.provenance["clean_error"]],
        ["collapse", p.collapse, p.provenance["collapse"]],
        ["bias", p.bias, "(clean)"],
        ["variance", p.variance, "(clean)"],
        ["kappa", NOT_AVAILABLE if p.kappa is None else p.kappa,
         f"{p.iterations} iterations, residual {p.residual:.2g}"],
    ]
    if p.monte_carlo:  # no formula holds: every number is a Monte Carlo estimate with its standard error
        mc = p.monte_carlo
        rows[1][2] = f"{common.stderr_cell(p, 'clean_error')}  {p.provenance['clean_error']}"
        rows[2][2] = common.stderr_cell(p, "collapse")
        rows[3][2] = f"{common.stderr_cell(p, 'bias')}  (clean)"
        rows[4][2] = f"{common.stderr_cell(p, 'variance')}  (clean)"
        rows[5][2] = ("first-order equivalent's κ (not used by the Monte Carlo)" if p.kappa is not None
                      else "no first-order κ here (it cannot be solved; not used by the Monte Carlo)")
        rows.append(["trials", mc["trials"], f"seed {mc['seed']}, {mc['estimator']} estimator, relative SE target "
                                             f"{mc['rse_target']:g}"])
    if p.digits:
        rows = [[name, p.digits[name], note] if name in p.digits else [name, value, note] for name, value, note in rows]
    common.print_table(rows, title=f"Predicted test error ({p.precision})")
    for note in p.notes:
        print(f"  note: {note}")
    return 0
