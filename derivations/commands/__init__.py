"""One module per ``modelcollapse`` subcommand, each with ``HELP``, ``add_arguments(p)`` and ``run(args)``.

:data:`COMMANDS` maps the command's name to its module, in the order ``--help`` lists them; a new
command is one module here plus one line in :data:`COMMANDS`. Shared helpers are in
:mod:`.common`; command modules never import each other or :mod:`modelcollapse.derivations.cli`.
"""

from __future__ import annotations

import importlib

__all__ = ["COMMANDS", "load"]

COMMANDS = {
    "predict": "predict",
    "simulate": "simulate",
    "verify": "verify",
    "derive": "derive",
    "report": "report",
    "scaling": "scaling",
    "optimal-ridge": "optimal_ridge",
    "sweep": "sweep",
    "powerlaw-fit": "powerlaw_fit",
    "paper-figure4": "paper_figure4",
}


def load(name: str):
    """The module of command ``name``."""
    return importlib.import_module(f"{__name__}.{COMMANDS[name]}")
