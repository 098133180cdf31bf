"""Writers of the report's files: results.json, report.md, report.tex.

Captions and labels carry inline ``$...$`` math that Markdown (GitHub), LaTeX and matplotlib all
read; plain text from scenario files goes through :func:`_tex` (the theory layer's ``escape_text``),
which escapes characters (it never edits LaTeX). The derived formulas come from the theory layer's
LaTeX export.
"""

from __future__ import annotations

import json
import math

from modelcollapse.derivations.latexdoc import latex_document
from modelcollapse.derivations.provenance import short_provenance
from modelcollapse.derivations.report.model import CheckRow
from modelcollapse.derivations.verify import DE_ALLOWANCE, FS_ALLOWANCE, Z_LIMIT
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.theory.latex import escape_text

__all__ = ["results_json", "report_markdown", "report_latex", "summary"]

_tex = escape_text  # plain text (file names, reasons) as LaTeX text


def summary(rows: list[CheckRow]) -> dict:
    zs = [abs(r.z) for r in rows if math.isfinite(r.z)]
    failed = [r.id for r in rows if not r.passed]
    return {"checks": len(rows), "passed": len(rows) - len(failed), "failed": len(failed), "failed_ids": failed,
            "max_abs_z": max(zs) if zs else 0.0, "all_passed": not failed}


def _check_finite(obj, path="results"):
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ModelCollapseError(f"refusing to write a non-finite number at {path} ({obj})")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(v, f"{path}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check_finite(v, f"{path}[{i}]")


def results_json(report) -> str:
    """Every number behind the figures and tables, as JSON (no NaN or inf)."""
    sections = []
    for sec in report.sections:
        entry = {"key": sec.plan.key, "title": sec.plan.title, "caption": sec.plan.caption,
                 "unavailable": sec.plan.unavailable, "figures": sec.figures, "panels": [], "data": sec.plan.data}
        for panel in sec.plan.panels:
            ids = [r.id for r in sec.rows_of(panel)]
            entry["panels"].append({"title": panel.title, "xlabel": panel.xlabel, "ylabel": panel.ylabel,
                                    "xscale": panel.xscale, "yscale": panel.yscale,
                                    "curves": [c.to_dict() for c in panel.curves], "checks": ids})
        sections.append(entry)
    out = {"settings": report.settings, "summary": summary(report.rows), "sections": sections,
           "checks": [r.to_dict() for r in report.rows]}
    _check_finite(out)
    return json.dumps(out, indent=1, allow_nan=False)


def _num(x: float, digits: int = 5) -> str:
    return f"{x:.{digits}g}"


def _cells(row: CheckRow, plain=lambda text: text) -> list[str]:
    """Table cells; ``plain`` formats a plain-text label (scenario rows: a file name)."""
    c = row.check
    z = f"{c.z:+.2f}" if math.isfinite(c.z) else "inf"
    theory = _num(c.theory) if not c.theory_stderr else f"{_num(c.theory)} ± {_num(c.theory_stderr, 2)}"  # Monte Carlo
    return [plain(row.label) if row.x is None else row.label, theory, _num(c.mean), _num(c.stderr, 2), z,
            _num(c.allowance, 3), _num(c.tolerance, 2), "pass" if c.passed else "**FAIL**",
            short_provenance(c.provenance)]


# allowance: the relative a of the check's tolerance 4·SE + a·|theory| (0 for exact results)
_HEAD = ["check", "theory", "simulation", "SE", "z", "allowance", "tolerance", "result", "provenance"]
_RESULT, _PROVENANCE = _HEAD.index("result"), _HEAD.index("provenance")


def _md_table(rows) -> str:
    lines = ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    lines += ["| " + " | ".join(_cells(r, lambda t: f"`{t}`")) + " |" for r in rows]
    return "\n".join(lines)


def _md_data_table(table: dict) -> str:
    """A section's own table (``data["table"]``: ``head`` and ``rows`` of plain-text cells)."""
    def cell(text) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, table["head"])) + " |", "|" + "---|" * len(table["head"])]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in table["rows"]]
    return "\n".join(lines)


def _tex_data_table(table: dict) -> str:
    """``data["table"]`` as a LaTeX longtable-free tabular with wrapped columns (plain text, escaped)."""
    n = len(table["head"])
    spec = "".join(r"p{%.2f\linewidth}" % w for w in ([0.14, 0.3, 0.3, 0.1, 0.1] if n == 5 else [0.9 / n] * n))
    lines = [r"\begin{center}\scriptsize", rf"\begin{{tabular}}{{{spec}}}", r"\toprule",
             " & ".join(_tex(str(h)) for h in table["head"]) + r" \\", r"\midrule"]
    lines += [" & ".join(_tex(str(c)) for c in row) + r" \\" for row in table["rows"]]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def _rule_text() -> str:
    return (f"A check passes when $|\\text{{theory}} - \\text{{simulation}}| \\le {Z_LIMIT:g}\\,\\mathrm{{SE}} + "
            f"a\\,|\\text{{theory}}|$, where the allowance $a$ is the measured accuracy the provenance of the "
            f"number states: $a = 0$ for exact results, $a = {FS_ALLOWANCE:g}$ for deterministic equivalents with "
            f"their $1/d$ correction (measured within 0.74\\% at $d = 40$--$200$), $a = {DE_ALLOWANCE:g}$ "
            f"for first-order deterministic equivalents (det. equiv.; their error is $O(1/d)$), and the value "
            "measured on held-out scenarios where a provenance has one (ridge generators 2.5\\%, real data "
            "2.5\\% at ridges $\\ge 10^{-2}$; benchmarks/bench\\_accuracy.py). "
            f"$z = (\\text{{theory}} - \\text{{simulation}})/\\mathrm{{SE}}$; the full provenance of every number, "
            "its allowance included, is in results.json.")


def _kinds(rows) -> str:
    exact = sum(1 for r in rows if r.check.allowance == 0)
    return f"{exact} of them test exact results (no allowance), {len(rows) - exact} deterministic equivalents."


def report_markdown(report) -> str:
    s = summary(report.rows)
    st = report.settings
    verdict = (f"**All {s['checks']} checks passed** (largest |z| = {s['max_abs_z']:.2f})." if s["all_passed"] else
               f"**{s['failed']} of {s['checks']} checks FAILED** (largest |z| = {s['max_abs_z']:.2f}).")
    out = ["# Model collapse in regression: theory against simulation", "",
           f"Generated by `{st['command']}` (modelcollapse {st['version']}; {st['trials']} Monte Carlo trials per "
           f"point, root seed {st['seed']}). Model and notation: Dohmatob, Feng & Kempe, *Model Collapse Demystified: "
           "The Case of Regression* (arXiv:2402.07712).", "", "## Summary", "", verdict + " " + _kinds(report.rows), "",
           _rule_text() + " Error bars in the figures are ±2 SE; lines are theory, points are simulations of the "
           "definition.", ""]
    missing = [sec for sec in report.sections if sec.plan.unavailable]
    if missing:
        out += ["Sections not available in this installation:", ""]
        out += [f"* {sec.plan.title}: {sec.plan.unavailable}" for sec in missing] + [""]
    out += ["Files: `report.tex` (LaTeX, with the derived formulas)" + (", `report.pdf`" if report.pdf else "") +
            ", `results.json` (every number), `fig_*.png|pdf`, and `scenarios/` (the scenario files used; copy, edit "
            "and run them with `modelcollapse report --scenarios DIR`).", ""]
    for sec in report.sections:
        out += [f"## {sec.plan.title}", ""]
        if sec.plan.unavailable:
            out += [f"*Not available:* {sec.plan.unavailable}", ""]
            continue
        if sec.figures:
            png = next(f for f in sec.figures if f.endswith(".png"))
            out += [f"![{sec.plan.title}]({png})", ""]
        out += [sec.plan.caption, ""]
        for item in sec.plan.data.get("files", []):
            out += [f"* `{item['name']}` ({item['origin']}): {item['description'] or 'no description'}"]
        for item in sec.plan.data.get("skipped", []):
            out += [f"* `{item['name']}`: not checked: {item['reason']}"]
        if sec.plan.data.get("files") or sec.plan.data.get("skipped"):
            out.append("")
        if sec.rows:
            out += [_md_table(sec.rows), ""]
        if sec.plan.data.get("table"):
            out += [_md_data_table(sec.plan.data["table"]), ""]
    out += ["## Reproducing a single check", "",
            "Every check's scenario, trials and seed are in `results.json`; write the scenario to a TOML file and run "
            "`modelcollapse verify FILE --trials N --seed S` to get the same numbers.", ""]
    return "\n".join(out)


def _tex_table(rows) -> str:
    head = " & ".join(["check", "theory", "simulation", "SE", "$z$", "$a$", "tol.", "result", "provenance"])
    lines = [r"\begin{center}\scriptsize", r"\begin{tabular}{lrrrrrrll}", r"\toprule", head + r" \\", r"\midrule"]
    for r in rows:
        cells = _cells(r, lambda t: rf"\texttt{{{_tex(t)}}}")
        cells[_RESULT] = r"\textbf{FAIL}" if not r.passed else "pass"
        cells[_PROVENANCE] = _tex(cells[_PROVENANCE])
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def _body(settings: dict, sections) -> str:
    """The LaTeX body: summary, figures, tables (the formulas come from the theory export)."""
    rows = [r for sec in sections for r in sec.rows]
    s = summary(rows)
    st = settings
    verdict = (rf"\textbf{{All {s['checks']} checks passed}} (largest $|z| = {s['max_abs_z']:.2f}$)." if s["all_passed"]
               else rf"\textbf{{{s['failed']} of {s['checks']} checks FAILED}} (largest $|z| = {s['max_abs_z']:.2f}$).")
    out = [r"\clearpage", r"\section*{Theory against simulation}",
           rf"Generated by \texttt{{{_tex(st['command'])}}} (modelcollapse {_tex(st['version'])}; "
           rf"{st['trials']} Monte Carlo trials per point, root seed {st['seed']}). {verdict} {_kinds(rows)} "
           rf"{_rule_text()} "
           r"Error bars are $\pm 2$\,SE; lines are theory, points are simulations of the definition.", ""]
    for i, sec in enumerate(sections):
        out += [r"\clearpage" if sec.figures and i else "", rf"\subsection*{{{sec.plan.title}}}"]
        if sec.plan.unavailable:
            out += [rf"\emph{{Not available:}} {_tex(sec.plan.unavailable)}", ""]
            continue
        pdf = [f for f in sec.figures if f.endswith(".pdf")]
        if pdf:
            out += [r"\begin{figure}[!htbp]\centering", rf"\includegraphics[width=\linewidth]{{{pdf[0]}}}",
                    rf"\caption{{{sec.plan.caption}}}", r"\end{figure}"]
        else:
            out += [sec.plan.caption, ""]
        items = [rf"\item \texttt{{{_tex(i['name'])}}} ({_tex(i['origin'])}): {_tex(i['description'])}"
                 for i in sec.plan.data.get("files", [])]
        items += [rf"\item \texttt{{{_tex(i['name'])}}}: not checked: {_tex(i['reason'])}"
                  for i in sec.plan.data.get("skipped", [])]
        if items:
            out += [r"\begin{itemize}\small", *items, r"\end{itemize}"]
        if sec.rows:
            out += [_tex_table(sec.rows), ""]
        if sec.plan.data.get("table"):
            out += [_tex_data_table(sec.plan.data["table"]), ""]
    return "\n".join(out)


def report_latex(settings: dict, sections) -> str:
    """A complete LaTeX document: the derived formulas (theory layer), then the checks of ``sections``."""
    return latex_document(title="Model collapse in regression: derivations and checks",
                          extra_body=_body(settings, sections))
