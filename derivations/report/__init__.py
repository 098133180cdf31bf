"""The report of ``modelcollapse report``: sections (:mod:`.sections`), their simulation, figures and files.

:func:`build_report` runs it; :mod:`.model` holds its value objects, :mod:`.figures` draws,
:mod:`.writers` writes results.json, report.md and report.tex.
"""

from modelcollapse.derivations.report.build import FULL_TRIALS, QUICK_TRIALS, budget_for, build_report, exit_status
from modelcollapse.derivations.report.model import Report, ReportSection
from modelcollapse.derivations.report.writers import summary

__all__ = ["build_report", "budget_for", "exit_status", "summary", "Report", "ReportSection", "QUICK_TRIALS",
           "FULL_TRIALS"]
