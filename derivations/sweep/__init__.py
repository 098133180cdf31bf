"""Sweeps: a scenario's prediction (and simulation) over a grid of its keys, as a tidy table.

>>> from modelcollapse.derivations.sweep import sweep, plot_sweep
>>> df = sweep("isotropic_ridge.toml", grids={"downstream.ridge": "logspace(-3,1.5,41)",
...                                           "generators.n": [0, 2, 5, 10]})   # doctest: +SKIP
>>> df.sweep.plot(out="ridge.png")                                            # doctest: +SKIP

Modules: :mod:`.grid` (the ``--vary`` grammar and each point's scenario), :mod:`.points`
(one point's tasks and its seed), :mod:`.store` (the crash-safe SQLite store), :mod:`.engine`
(running a sweep locally or on Dask), :mod:`.theory` (the theory points: one κ solve per
spectrum, then ``predict`` per point), :mod:`.table` (the DataFrame and its files),
:mod:`.plot` (the figure). The command line is :mod:`modelcollapse.derivations.commands.sweep`.
"""

from modelcollapse.derivations.sweep.engine import SweepRun, run_sweep, sweep
from modelcollapse.derivations.sweep.grid import Axis, make_axis, parse_values, parse_vary
from modelcollapse.derivations.sweep.plot import plot_sweep
from modelcollapse.derivations.sweep.points import point_seed
from modelcollapse.derivations.sweep.store import SweepStore
from modelcollapse.derivations.sweep.table import read_table, write_table

__all__ = ["sweep", "run_sweep", "SweepRun", "plot_sweep", "Axis", "make_axis", "parse_vary", "parse_values",
           "point_seed", "SweepStore", "read_table", "write_table"]
