"""The LaTeX document of the report: derived formulas from the theory layer, then the checks.

The document is :func:`modelcollapse.derivations.latexdoc.latex_document` (the ``derive --out``
export, every registered result printed by the theory layer's ``LatexPrinter``) with the report's
body appended.
"""

from __future__ import annotations

from modelcollapse.derivations.latexdoc import latex_document

__all__ = ["document"]


def document(body: str, *, title: str) -> str:
    """A complete, compilable LaTeX document with the derived formulas followed by ``body``."""
    return latex_document(title=title, extra_body=body)
