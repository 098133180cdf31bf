"""The ``modelcollapse`` command (CONTRACT.md): parses, calls, prints. Nothing else.

Exit status: 0 success, 1 a verification that failed, 2 bad input or a computation that cannot
be done, with one line on stderr naming the cause (never a traceback, never a NaN).

Each subcommand lives in a module with ``add_arguments(parser)`` and ``run(args) -> int``;
this file only wires them and maps errors to exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys

import numpy as np
from modelcollapse.numerics.errors import ModelCollapseError

__all__ = ["main", "UsageError", "emit_json", "print_table", "positive_int", "nonneg_int"]

# subcommand -> (module under modelcollapse.derivations, one-line help)
COMMANDS = {
    "predict": ("cmd_predict", "theoretical test error of a scenario"),
    "simulate": ("cmd_predict", "Monte Carlo of the definition"),
    "verify": ("cmd_predict", "theory beside simulation, with the z-score (exit 1 if they disagree)"),
    "derive": ("cmd_derive", "the derived results as text or LaTeX; --out writes a complete LaTeX document"),
    "report": ("cmd_report", "the main job: figures, report.md, report.tex, results.json (exit 1 if a check fails)"),
    "scaling": ("cmd_scaling", "scaling-law exponents for power-law spectra: ell_crit, ell_opt, rates with and without collapse"),
    "optimal-ridge": ("cmd_scaling", "the ridge minimising a scenario's predicted test error"),
    "sweep": ("cmd_sweep", "predict (and simulate) over a grid of scenario keys: a tidy table, a plot, resumable"),
}


class UsageError(Exception):
    """Bad command-line input (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse would print the usage too)
        raise UsageError(message)


def positive_int(name: str, minimum: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


def nonneg_int(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
        return value

    return parse


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelcollapse", description="Theory and simulation of model collapse in regression.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        mod = importlib.import_module(f"modelcollapse.derivations.{module}")
        mod.add_arguments(name, p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        # Overflow and invalid-value warnings would print several lines; every number that
        # leaves the library is checked finite instead (non-finite -> an error naming it).
        with np.errstate(all="ignore"):
            return int(args._run(args) or 0)
    except (UsageError, ModelCollapseError) as exc:
        print(f"modelcollapse: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, ArithmeticError, MemoryError, np.linalg.LinAlgError) as exc:
        # A computation that cannot be done at these numbers (e.g. an ill-conditioned design in
        # the simulator, or a size too large for memory): one line, exit 2, never a traceback.
        print(f"modelcollapse: error: cannot compute this: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `modelcollapse derive | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("modelcollapse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
