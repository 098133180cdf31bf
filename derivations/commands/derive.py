"""``modelcollapse derive [NAME ...] [--latex] [--out FILE.tex] [--json]``, ``derive --list [PATTERN]`` (CONTRACT.md).

Prints the derived results (all registered ones, or those named): as SymPy's pretty text by
default, as LaTeX with ``--latex``; ``--out`` writes a complete LaTeX document instead. A NAME
is a registered result (``rho``, ``isotropic_kappa`` ...) or a derivation (``derivation_rho``),
shown step by step. ``--list`` prints the names (one a line, with their titles), those matching
``PATTERN`` only: a shell-style wildcard (``'scaling_*'``) or, without one, a substring (``kappa``).
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

import sympy as sp

from modelcollapse.derivations import atomic
from modelcollapse.derivations.commands import common
from modelcollapse.derivations.latexdoc import UnknownResultError, latex_document, resolve
from modelcollapse.theory import RESULTS
from modelcollapse.theory.derivation import DERIVATIONS
from modelcollapse.theory.errors import did_you_mean
from modelcollapse.theory.latex import result_latex

__all__ = ["HELP", "add_arguments", "run"]

HELP = "the derived results as text or LaTeX; --out writes a complete LaTeX document"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="results or derivations to show (default: all)")
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of text")
    p.add_argument("--out", metavar="FILE.tex", help="write a complete LaTeX document (amsmath, booktabs) to FILE.tex")
    p.add_argument("--json", action="store_true", help="print one JSON object (text and LaTeX of each result)")
    p.add_argument("--list", nargs="?", const="", default=None, metavar="PATTERN", dest="list_pattern",
                   help="list the result and derivation names (those matching PATTERN: a wildcard such as "
                        "'scaling_*' or a substring) instead of printing them")


def matching_names(pattern: str) -> list[str]:
    """The known names matching ``pattern``: ``fnmatch`` when it has a wildcard, else a substring (any case)."""
    names = resolve(None)
    if not pattern:
        return names
    if any(c in pattern for c in "*?["):
        return [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    return [n for n in names if pattern.lower() in n.lower()]


def _title(name: str) -> str:
    return RESULTS[name].title if name in RESULTS else DERIVATIONS[name]().title


def _list(args) -> int:
    if args.names:
        raise common.UsageError("--list: give a PATTERN after --list, not result names (e.g. --list 'scaling_*')")
    names = matching_names(args.list_pattern)
    if not names:
        raise common.UsageError(f"--list: no result or derivation matches {args.list_pattern!r}"
                                f"{did_you_mean(args.list_pattern, resolve(None))}")
    if args.json:
        common.emit_json({"names": [{"name": n, "kind": "result" if n in RESULTS else "derivation",
                                     "title": _title(n)} for n in names]})
        return 0
    width = max(map(len, names))
    _print("\n".join(f"{n.ljust(width)}  {_title(n)}" for n in names))
    return 0


def _unicode() -> bool:
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "") in ("utf8", "utf16", "utf32")


def _print(text: str) -> None:
    """Print, with characters the terminal cannot encode (Greek titles on ASCII) shown as ``?``."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(text.encode(encoding, errors="replace").decode(encoding))


def _text(name: str, unicode: bool) -> str:
    if name in RESULTS:
        r = RESULTS[name]
        meta = "; ".join(x for x in (r.provenance, r.source) if x)
        body = sp.pretty(r.expr(), use_unicode=unicode)
        return f"{name}: {r.title}\n  [{meta}]\n" + "\n".join("    " + line for line in body.splitlines())
    d = DERIVATIONS[name]()
    return f"{name}: {d.pretty(unicode)}" + (f"\n  [{d.source}]" if d.source else "")


def _latex(name: str) -> str:
    if name in RESULTS:
        r = RESULTS[name]
        return f"% {name}: {r.title} [{r.provenance}; {r.source}]\n{result_latex(r)}"
    d = DERIVATIONS[name]()
    return f"% {name}: {d.title} [{d.source}]\n{d.latex()}"


def _record(name: str) -> dict:
    if name in RESULTS:
        r = RESULTS[name]
        return {"name": name, "kind": "result", "title": r.title, "provenance": r.provenance, "source": r.source,
                "text": sp.sstr(r.expr()), "latex": result_latex(r)}
    d = DERIVATIONS[name]()
    return {"name": name, "kind": "derivation", "title": d.title, "source": d.source,
            "steps": [{"name": s.name, "statement": s.statement, "text": str(s)} for s in d.steps],
            "latex": d.latex()}


def run(args) -> int:
    if args.list_pattern is not None:
        return _list(args)
    try:
        names = resolve(args.names or None)
    except UnknownResultError as exc:
        raise common.UsageError(str(exc)) from None
    if args.out:
        path = Path(args.out)
        if path.is_dir() or not path.absolute().parent.is_dir():  # checked before the document is built
            problem = "is a folder" if path.is_dir() else f"its folder {str(path.absolute().parent)!r} does not exist"
            raise common.UsageError(f"--out: cannot write {str(path)!r}: {problem}")
        try:
            atomic.write_text(path, latex_document(names))
        except OSError as exc:
            raise common.UsageError(f"--out: cannot write {str(path)!r}: {exc.strerror or exc}") from None
        n_results = sum(name in RESULTS for name in names)
        print(f"wrote {path} ({n_results} results, {len(names) - n_results} derivations; "
              f"compile with: pdflatex {path.name})")
        return 0
    if args.json:
        common.emit_json({"results": [_record(n) for n in names]})
        return 0
    if args.latex:
        _print("\n\n".join(_latex(n) for n in names))
        return 0
    unicode = _unicode()
    _print("\n\n".join(_text(n, unicode) for n in names))
    return 0
