"""Executable derivations of each result, the report, and the ``modelcollapse`` command."""
