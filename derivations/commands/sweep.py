"""``modelcollapse sweep SCENARIO --vary KEY=VALUES ... [--simulate] [--out FILE] [--plot FILE]`` (CONTRACT.md).

One row per grid point: the varied keys (named as given), then ``predict``'s fields (and the
simulation's). The engine is :mod:`modelcollapse.derivations.sweep`, imported only when the
command runs (pandas and matplotlib would slow every other command's start).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run", "default_store"]

HELP = "predict (and simulate) over a grid of scenario keys: a tidy table, a plot, resumable"

_SUMMARY_COLUMNS = ("test_error", "monte_carlo.stderr.test_error", "clean_error", "collapse", "mean", "stderr", "z",
                    "allowance_applied", "passed", "error")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="base scenario file (TOML) or built-in name")
    p.add_argument("--vary", action="append", required=True, metavar="KEY=VALUES",
                   help="a dotted scenario key and its values: a comma list (0,2,5,10), linspace(a,b,n), "
                        "logspace(a,b,n) (rounded on an integer key) or range(a,b[,step]); repeat for a Cartesian "
                        "grid, first slowest")
    p.add_argument("--simulate", action="store_true", help="also run the Monte Carlo of every point")
    common.trials_option(p, default=400, help_default="per point, default 400")
    p.add_argument("--seed", type=common.integer_in(0, common.MAX_SEED), default=0, metavar="S",
                   help="root seed (default 0); each point's seed is derived from it and the point's scenario")
    p.add_argument("--simulate-every", type=common.integer_in(1), default=1, metavar="K",
                   help="simulate only every K-th value of the first --vary (theory on all): a fine line, "
                        "coarse points")
    p.add_argument("--estimator", choices=("plain", "conditional"), default=None,
                   help="simulate's estimator (where this version's simulate has one)")
    p.add_argument("--precision", type=common.precision_digits, metavar="DIGITS",
                   help="evaluate the theory with mpmath at DIGITS digits")
    common.mc_rse_option(p)
    common.jobs_option(p, extra="; results do not depend on it")
    common.scheduler_options(p)
    p.add_argument("--out", metavar="FILE", default=None, help="write the table: .csv, .json or .parquet (atomically)")
    p.add_argument("--plot", metavar="FILE", default=None,
                   help="draw the table: .png, .pdf or .svg (theory lines, simulation points with 2 SE bars)")
    p.add_argument("--store", metavar="PATH", default=None,
                   help="SQLite file of finished points, for resuming (default FILE.sweep.sqlite beside --out, "
                        "else beside --plot, else in the user cache folder)")
    p.add_argument("--json", action="store_true", help="print the table as one JSON object {vary, columns, rows}")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary on stderr")


def default_store(out: str | None, plot: str | None) -> Path:
    """Where the store goes without ``--store``: beside ``--out``, else ``--plot``, else the user cache."""
    for target in (out, plot):
        if target:
            return Path(f"{target}.sweep.sqlite")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "modelcollapse" / "sweeps.sqlite"


def _check_suffix(option: str, path: str | None, formats) -> None:
    if path is not None and Path(path).suffix.lower() not in formats:
        raise common.UsageError(f"{option}: {path!r} has no known suffix; expected one of {', '.join(formats)}")


def run(args) -> int:
    from modelcollapse.derivations.scenario_files import load
    from modelcollapse.derivations.sweep.engine import connect_scheduler, run_sweep
    from modelcollapse.derivations.sweep.grid import parse_vary
    from modelcollapse.derivations.sweep.plot import PLOT_FORMATS, plot_sweep
    from modelcollapse.derivations.sweep.table import FORMATS, table_json, write_table

    _check_suffix("--out", args.out, FORMATS)
    _check_suffix("--plot", args.plot, PLOT_FORMATS)
    scenario = load(args.scenario)
    axes = {axis.key: axis for axis in map(parse_vary, args.vary)}
    if len(axes) != len(args.vary):
        raise common.UsageError("--vary: a key is given twice; give each key once")
    if args.estimator and not args.simulate:
        raise common.UsageError("--estimator: only with --simulate")
    if args.simulate_every > 1 and not args.simulate:
        raise common.UsageError("--simulate-every: only with --simulate")
    store = Path(args.store) if args.store else default_store(args.out, args.plot)
    client = connect_scheduler(args.scheduler, args.scheduler_timeout) if args.scheduler and args.simulate else None
    try:
        result = run_sweep(scenario, simulate=args.simulate, trials=args.trials, seed=args.seed, jobs=args.jobs,
                           client=client, store=store, progress=not args.quiet and sys.stderr.isatty(),
                           precision=args.precision, estimator=args.estimator, mc_rse=args.mc_rse,
                           simulate_every=args.simulate_every, grids=axes)
    except ValueError as exc:  # trials/seed/estimator checks of the engine
        if type(exc) is ValueError:
            raise common.UsageError(str(exc)) from None
        raise
    finally:
        if client is not None:
            client.close()
    df = result.table
    if args.out:
        write_table(df, args.out)
    if args.plot:
        plot_sweep(df, out=args.plot)
    failed = int(df["error"].notna().sum())
    if not args.quiet:
        print(f"modelcollapse: sweep: {result.points} points: {result.points_reused} from the store, "
              f"{result.points_computed} computed (results: {result.reused} from the store, {result.computed} "
              f"computed; store {store})", file=sys.stderr)
        if failed:
            print(f"modelcollapse: warning: {failed} of {result.points} points could not be computed "
                  "(their reason is in the error column)", file=sys.stderr)
    if args.json:
        common.emit_json(table_json(df))
    elif args.out or args.plot:
        written = " and ".join(p for p in (args.out, args.plot) if p)
        print(f"{result.points} points written to {written}")
    else:
        columns = [*df.attrs["vary"], *(c for c in _SUMMARY_COLUMNS if c in df.columns)]
        shown = df[columns].assign(error=df["error"].fillna("")) if failed else df[columns].drop(columns="error")
        print(shown.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.6g}"))
    return 0
