"""The ``modelcollapse`` command (CONTRACT.md): wires the subcommands and maps errors to exit codes.

Exit status: 0 success; 1 a verification that failed; 2 bad input or a computation that cannot be
done (a :class:`~modelcollapse.numerics.errors.ModelCollapseError`, a usage error, not enough
memory), with one line ``modelcollapse: error: ...`` on stderr; 3 an unexpected exception, which is
a bug: one line saying so (the traceback with ``--debug``); 130 interrupted (Ctrl-C); 143 terminated
(SIGTERM: "modelcollapse: terminated" on stderr, the same clean-up as Ctrl-C). The subcommands are
in :mod:`modelcollapse.derivations.commands`.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback

import numpy as np

from modelcollapse.derivations.commands import COMMANDS, load
from modelcollapse.derivations.commands.common import Parser, UsageError
from modelcollapse.numerics.errors import ModelCollapseError

__all__ = ["main", "build_parser", "UsageError", "EXIT_BAD_INPUT", "EXIT_INTERNAL"]

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143, as a shell reports a process killed by SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds exactly as Ctrl-C does.

    A ``KeyboardInterrupt`` subclass: every clean-up written for Ctrl-C (temporary files of atomic
    writes, queued sweep points, a Dask cluster's futures) runs for SIGTERM too.
    """


def _terminate(pid, signum, frame):
    if os.getpid() != pid:  # a forked worker: die as SIGTERM means (its parent cleans up)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise Terminated()


def build_parser() -> Parser:
    parser = Parser(prog="modelcollapse", description="Theory and simulation of model collapse in regression.")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an internal error (exit 3) instead of one line")
    parser.add_argument("--version", action="version", version=f"modelcollapse {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        module = load(name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _version() -> str:
    """The installed distribution's version (the same as ``modelcollapse.__version__``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modelcollapse")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        return "0+unknown"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv  # known before parsing, so that a bug in parsing is shown too
    previous = _install_sigterm()
    try:
        args = build_parser().parse_args(argv)
        # Overflow and invalid-value warnings would print several lines; every number that
        # leaves the library is checked finite instead (non-finite -> an error naming it).
        with np.errstate(all="ignore"):
            return int(args._run(args) or 0)
    except ModelCollapseError as exc:  # UsageError included
        print(f"modelcollapse: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError as exc:
        detail = f" ({_one_line(exc)})" if str(exc) else ""
        print(f"modelcollapse: error: not enough memory for this computation{detail}; use a smaller scenario "
              "(spectrum.d, downstream.T, generators.T0) or fewer --trials", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `modelcollapse derive | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Terminated:
        print("modelcollapse: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("modelcollapse: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input
        if debug:
            traceback.print_exc()
        print(f"modelcollapse: internal error (a bug; please report it): {type(exc).__name__}: {_one_line(exc)}"
              + ("" if debug else " (run 'modelcollapse --debug ...' for the traceback)"), file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _install_sigterm():
    """Route SIGTERM to :class:`Terminated` while a command runs (main thread only); the previous handler."""
    try:
        return signal.signal(signal.SIGTERM, functools.partial(_terminate, os.getpid()))
    except ValueError:  # not the main thread (signals can only be set there): leave SIGTERM alone
        return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
