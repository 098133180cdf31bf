"""``modelcollapse report [--out DIR] [--quick] [--trials N] [--seed S] [--jobs J] [--scheduler ADDR]
[--scenarios DIR]``."""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run"]

HELP = "the main job: figures, report.md, report.tex, results.json (exit 1 if a check fails)"
DEFAULT_OUT = "modelcollapse-report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder (default ./{DEFAULT_OUT}); replaced only once the new report is complete")
    p.add_argument("--quick", action="store_true", help="fewer points and trials: under a minute on 2 cores (CI)")
    common.trials_option(p, default=None, help_default="per simulated point; default 100, or 50 with --quick")
    common.seed_option(p)
    common.jobs_option(p, extra="; results do not depend on it")
    common.scheduler_options(p)
    p.add_argument("--scenarios", metavar="DIR", default=None,
                   help="also predict, simulate and check every *.toml scenario file in DIR")


def run(args) -> int:
    from modelcollapse.derivations.report import build_report, exit_status, summary
    from modelcollapse.derivations.sweep.engine import connect_scheduler

    words = ["modelcollapse", "report"] + (["--quick"] if args.quick else [])
    words += [f"--trials {args.trials}"] if args.trials else []
    words += [f"--seed {args.seed}"] if args.seed else []
    words += [f"--scenarios {shlex.quote(args.scenarios)}"] if args.scenarios else []
    start = time.perf_counter()
    client = connect_scheduler(args.scheduler, args.scheduler_timeout) if args.scheduler else None
    try:
        report = build_report(args.out, quick=args.quick, trials=args.trials, seed=args.seed, jobs=args.jobs,
                              client=client, scenarios=args.scenarios, progress=sys.stderr.isatty(),
                              command=" ".join(words))
    finally:
        if client is not None:
            client.close()
    elapsed = time.perf_counter() - start
    for warning in report.warnings:
        print(f"modelcollapse: warning: {warning}", file=sys.stderr)
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.timings.items())
    print(f"modelcollapse: time: {phases} (jobs {args.jobs})", file=sys.stderr)
    s = summary(report.rows)
    verdict = "all passed" if s["all_passed"] else f"{s['failed']} FAILED: {', '.join(s['failed_ids'])}"
    print(f"report written to {report.out}/ in {elapsed:.0f} s: {s['checks']} checks, {verdict} "
          f"(max |z| = {s['max_abs_z']:.2f})")
    return exit_status(report)
