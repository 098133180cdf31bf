"""What every command shares: the usage error, option types, scenario loading, JSON and tables.

Command modules import this module and nothing of each other; :mod:`..cli` imports the command
modules. Every option type names its accepted range in its message, and argparse prefixes the
option (``argument --trials: expected an integer in [2, 1000000], got '1'``).
"""

from __future__ import annotations

import argparse
import json
import math
import os

from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.simulate import DEFAULT_ESTIMATOR, ESTIMATORS

__all__ = ["UsageError", "Parser", "integer_in", "trials_option", "seed_option", "jobs_option",
           "precision_digits", "default_jobs", "MAX_JOBS", "MAX_TRIALS", "MAX_SEED", "emit_json", "print_table",
           "prediction_options", "prediction_kwargs", "stderr_cell"]

MAX_TRIALS = 1_000_000  # more would not fit the seeds and errors of one run in memory on a laptop
MAX_SEED = 2**63 - 1
MAX_JOBS = max(1, min(64, 4 * (os.cpu_count() or 1)))  # more workers than this only add start-up cost


class UsageError(ModelCollapseError):
    """Bad command-line input (exit 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2 (argparse would print the usage too)."""

    def error(self, message):
        raise UsageError(message)


def integer_in(low: int, high: int | None = None, *, why: str = ""):
    """argparse type: an integer in ``[low, high]`` (``high=None``: no upper bound)."""
    accepted = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    accepted += f" ({why})" if why else ""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {accepted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {accepted}, got {text!r}")
        return value

    return parse


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def trials_option(p: argparse.ArgumentParser, *, default, help_default: str) -> None:
    p.add_argument("--trials", type=integer_in(2, MAX_TRIALS, why="a standard error needs two trials"),
                   default=default, metavar="N", help=f"Monte Carlo trials ({help_default}; 2 to {MAX_TRIALS})")


def seed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=integer_in(0, MAX_SEED), default=0, metavar="S", help="root seed (default 0)")


def jobs_option(p: argparse.ArgumentParser, *, extra: str = "") -> None:
    p.add_argument("--jobs", type=integer_in(1, MAX_JOBS), default=default_jobs(), metavar="J",
                   help=f"worker processes (default: all cores, at most {MAX_JOBS}){extra}")


def estimator_option(p: argparse.ArgumentParser) -> None:
    """``--estimator plain|conditional`` (CONTRACT.md): which Monte Carlo estimator of the same expectation."""
    p.add_argument("--estimator", choices=ESTIMATORS, default=DEFAULT_ESTIMATOR,
                   help="Monte Carlo estimator: 'conditional' averages the label noises out exactly given the "
                        f"designs, 'plain' draws them (default {DEFAULT_ESTIMATOR})")


def _mc_rse(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 1e-5 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"expected a relative standard error in [1e-05, 0.5], got {text!r}")
    return value


def mc_rse_option(p: argparse.ArgumentParser) -> None:
    """``--mc-rse REL`` (CONTRACT.md ``predict``): the Monte Carlo answer's relative standard error where no
    formula holds (``predict``, ``verify``, ``sweep``)."""
    p.add_argument("--mc-rse", type=_mc_rse, default=None, metavar="REL",
                   help="where no formula holds the answer is a Monte Carlo estimate to this relative standard "
                        "error (default 0.002; 1e-05 to 0.5)")


def prediction_options(p: argparse.ArgumentParser) -> None:
    """``--order 1|2`` and ``--mc-rse REL`` (CONTRACT.md ``predict``): which equivalent, and the Monte Carlo
    answer's relative standard error where no formula holds."""
    p.add_argument("--order", type=int, choices=(1, 2), default=None,
                   help="1: the first-order (proportional-limit) equivalent, with its error measured against the "
                        "Monte Carlo where no corrected formula holds; 2 (default): with its 1/d correction")
    mc_rse_option(p)


def prediction_kwargs(args) -> dict:
    """The keyword arguments of ``predict`` from :func:`prediction_options`."""
    return {"order": getattr(args, "order", None), "mc_rse": getattr(args, "mc_rse", None)}


def stderr_cell(prediction, name: str) -> str:
    """``"+/- SE"`` of a Monte Carlo prediction's number, empty for a formula."""
    mc = prediction.monte_carlo
    return f"+/- {mc['stderr'][name]:.2g} (SE)" if mc and name in mc["stderr"] else ""


def precision_digits(text: str) -> int:
    """``--precision DIGITS``: an integer number of digits in [15, 10000]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer number of digits in [15, 10000], got {text!r}") from None
    if not 15 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"expected an integer number of digits in [15, 10000], got {value}")
    return value


def scheduler_options(p: argparse.ArgumentParser) -> None:
    """``--scheduler ADDRESS`` (a Dask scheduler, or ``local[:N]``) and ``--scheduler-timeout SECONDS``."""
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run the simulations on a Dask distributed cluster: a scheduler's address (tcp://host:8786; "
                        "start one with 'dask scheduler' and workers with 'dask worker ADDRESS --nthreads 1') or "
                        "local[:N], a LocalCluster of N worker processes started here; results do not depend on it")
    p.add_argument("--scheduler-timeout", type=_seconds, default=5.0, metavar="SECONDS",
                   help="give up connecting to --scheduler after SECONDS (default 5)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds in (0, 3600], got {text!r}")
    return value


def check_output_file(option: str, path: str) -> None:
    """Refuse, before any work, an output ``path`` that is a folder or whose folder does not exist."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir() or not target.absolute().parent.is_dir():
        problem = "is a folder" if target.is_dir() else f"its folder {str(target.absolute().parent)!r} does not exist"
        raise UsageError(f"{option}: cannot write {path!r}: {problem}")


def _clean(value):
    """JSON-safe: no NaN or inf ever leaves (they become an error upstream; here, a guard)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ModelCollapseError(f"refusing to print a non-finite number ({value})")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def emit_json(obj: dict) -> None:
    """One JSON object on stdout (plain numbers, float64)."""
    print(json.dumps(_clean(obj), indent=2, allow_nan=False))


def print_table(rows, title: str | None = None) -> None:
    """A readable two-or-more column table on stdout."""
    rows = [[("%.6g" % c) if isinstance(c, float) else str(c) for c in row] for row in rows]
    if title:
        print(title)
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    for row in rows:
        print("  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
