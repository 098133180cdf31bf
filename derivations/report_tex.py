"""The LaTeX document of the report: derived formulas from the theory layer, then the checks.

Uses :func:`modelcollapse.derivations.latexdoc.latex_document` (the ``derive --out`` export) when
it is installed; otherwise a minimal document of its own that prints every registered result
through the theory layer's ``LatexPrinter`` (:func:`modelcollapse.theory.latex.result_latex`).
"""

from __future__ import annotations

from modelcollapse.derivations.report_writers import tex_text

__all__ = ["document", "PACKAGES"]

# What the report body needs in the preamble.
PACKAGES = ("amsmath", "amssymb", "graphicx", "booktabs")


def _fallback(body: str, title: str) -> str:
    from modelcollapse.theory import RESULTS

    try:
        from modelcollapse.theory.latex import result_latex
    except ImportError:  # theory.latex not installed: list the results by name only
        result_latex = None
    lines = [r"\documentclass[11pt]{article}", r"\usepackage[margin=2.2cm]{geometry}",
             *(rf"\usepackage{{{p}}}" for p in PACKAGES), rf"\title{{{tex_text(title)}}}", r"\date{}",
             r"\begin{document}", r"\maketitle", r"\section{Derived results}"]
    for res in RESULTS.values():
        lines.append(rf"\paragraph{{{tex_text(res.title)}}} ({tex_text(res.provenance)}; {tex_text(res.source)})")
        if result_latex is not None:
            lines += [r"\begin{equation*}", result_latex(res), r"\end{equation*}"]
    lines += [body, r"\end{document}", ""]
    return "\n".join(lines)


def document(body: str, *, title: str) -> str:
    """A complete, compilable LaTeX document with the derived formulas followed by ``body``."""
    try:
        from modelcollapse.derivations.latexdoc import latex_document
    except ImportError:
        return _fallback(body, title)
    return latex_document(title=title, extra_body=body)
