"""``modelcollapse simulate SCENARIO [--trials N] [--seed S] [--jobs J] [--estimator E] [--json]`` (CONTRACT.md)."""

from __future__ import annotations

import argparse

from modelcollapse.derivations.commands import common
from modelcollapse.derivations.scenario_files import load
from modelcollapse.derivations.simulation import run_simulation

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Monte Carlo of the definition"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) or built-in name")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    common.trials_option(p, default=400, help_default="default 400")
    common.seed_option(p)
    common.jobs_option(p)
    common.estimator_option(p)


def run(args) -> int:
    sim = run_simulation(load(args.scenario), trials=args.trials, seed=args.seed, jobs=args.jobs,
                         estimator=args.estimator)
    if args.json:
        common.emit_json(sim.to_dict())
    else:
        common.print_table([["mean", sim.mean], ["stderr", sim.stderr], ["trials", sim.trials], ["seed", sim.seed],
                            ["estimator", sim.estimator]],
                           title="Monte Carlo test error E||w_pred - w0||^2_Sigma")
    return 0
