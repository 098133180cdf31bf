"""``modelcollapse optimal-ridge SCENARIO [--precision DIGITS] [--json]`` (CONTRACT.md)."""

from __future__ import annotations

import argparse

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run"]

HELP = "the ridge minimising a scenario's predicted test error"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) or built-in name; its ridge is ignored")
    p.add_argument("--precision", type=common.precision_digits, metavar="DIGITS",
                   help="refine with mpmath at DIGITS digits")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from modelcollapse.derivations.scenario_files import load
    from modelcollapse.numerics.optimize import optimal_ridge

    best = optimal_ridge(load(args.scenario), args.precision)
    if args.json:
        common.emit_json(best.to_dict())
        return 0
    rows = [
        ["ridge", best.digits.get("ridge", best.ridge), f"relative tolerance {best.tolerance:.2g}"],
        ["test_error", best.digits.get("test_error", best.test_error),
         best.prediction.provenance.get("clean_error", "")],
        ["kappa", "n/a" if best.prediction.kappa is None else best.prediction.kappa, ""],
        ["collapse", best.prediction.collapse, "(part of test_error)"],
    ]
    if best.asymptotic_ridge is not None:
        rows.append(["asymptotic_ridge", best.asymptotic_ridge, "asymptotic law (theory/scaling.py)"])
    common.print_table(rows, title=f"Optimal ridge ({best.precision}; {best.provenance})")
    return 0
