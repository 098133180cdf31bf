"""Sphinx configuration of the modelcollapse documentation site.

Build (README.md, "Documentation"): ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Sphinx with numpydoc reads the docstrings as they are written (numpydoc style, the project's
standard); MyST-NB parses the Markdown pages and *executes every notebook at each build*, so a
tutorial that no longer runs fails the build (warnings are errors in CI).
"""

from __future__ import annotations

import modelcollapse

project = "modelcollapse"
author = "the modelcollapse developers"
copyright = "the modelcollapse developers, MIT licence"
release = version = modelcollapse.__version__

extensions = [
    "myst_nb",  # Markdown pages (MyST) and notebooks, executed at build time
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]

# MyST: $...$ and $$...$$ math in Markdown pages
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Notebooks: always executed (never read stale outputs), an error in a cell fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

# numpydoc: the docstrings' sections; class members are listed by autodoc, not by numpydoc's autosummary
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections say it

html_theme = "furo"
html_title = f"modelcollapse {release}"

# The three Markdown references (THEORY, CONTRACT, ARCHITECTURE) are also read on GitHub, where
# their links to the repository's files (../README.md, derivations/...) resolve; here those
# targets are not pages of the site.
suppress_warnings = ["myst.xref_missing"]

# Markdown that notebook cells display (the formulas page) is MyST too, so its $$ math renders.
nb_render_markdown_format = "myst"
