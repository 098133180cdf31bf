"""The result object of a prediction, and its assembly from backend numbers.

:class:`Prediction` is what :func:`modelcollapse.numerics.predict.predict` returns (CONTRACT.md):
every number rounded to float64, with its typed provenance, the solver's iterations and residual,
all digits at mpmath precision, and ``_repr_latex_``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.display import Tabular
from modelcollapse.numerics.formulas import formula
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import Provenance

__all__ = ["Prediction", "CleanPart", "assemble", "VALUE_NAMES", "NOT_AVAILABLE"]

#: how a table shows a number that is not available (``Prediction.kappa`` of a Monte Carlo answer without one)
NOT_AVAILABLE = "n/a"

VALUE_NAMES = ("test_error", "clean_error", "collapse", "bias", "variance", "kappa")
# errors and their parts are >= 0 by definition (collapse, a difference of errors, may be < 0)
NON_NEGATIVE = ("test_error", "clean_error", "bias", "variance", "kappa", "chain_error")
# where a negative value comes from, by regime: the finite-size corrections need enough samples
_DOMAIN_KEYS = {"clean_ridge": "downstream.T"}


@dataclass(frozen=True)
class CleanPart:
    """The downstream ridge on clean data, and the collapse trace ``E tr(AᵀΣAΣ⁻¹)`` of its smoother."""

    bias: object
    variance: object
    trace: object  # E tr(AᵀΣAΣ⁻¹), None for d = inf
    kappa: object
    provenance: Provenance
    iterations: int = 0
    residual: float = 0.0
    first_order: dict | None = None  # with a 1/d correction: the first-order bias, variance, trace

    def error(self):
        """``E_clean = B + V`` (registered result ``clean_error``)."""
        return formula("clean_error")(self.bias, self.variance)


@dataclass(frozen=True, repr=False)
class Prediction(Tabular):
    """Predicted test error of a scenario, with its parts and provenance.

    Prints as the table of ``modelcollapse predict`` (``str``; ``repr`` is one line); in Jupyter
    an HTML table (``_repr_html_``) or the numbers in LaTeX (``_repr_latex_``); ``to_dict()`` is
    ``predict --json``, ``to_frame()`` one row of it (columns as a sweep's).

    Attributes
    ----------
    test_error, clean_error, collapse, bias, variance, kappa : float
        As in CONTRACT.md (``collapse = test_error − clean_error``; ``bias`` and ``variance``
        are those of the clean part). Rounded to float64. ``kappa`` is ``None`` where no ``κ`` is available
        (a Monte Carlo answer whose first-order ``κ`` cannot be solved): ``null`` in ``to_dict()``, ``n/a`` in
        the table, never a stand-in 0.
    provenance : dict of str to Provenance
        For ``clean_error`` and ``collapse``; each a ``str`` (the sentence, e.g. ``"exact"``) with a
        ``kind`` (:class:`~modelcollapse.theory.provenance.ProvenanceKind`).
    precision : str
        ``"float64"`` or ``"mpmath[D digits]"``.
    iterations, residual :
        How the ``κ`` fixed point converged.
    digits : dict
        With ``precision``: every number as a string with all its digits.
    notes : tuple of str
    first_order : dict
        Where the numbers carry a ``1/d`` correction (provenance ``FINITE_SIZE_CORRECTED``): the
        first-order (proportional-limit) ``test_error``, ``clean_error``, ``collapse``, ``bias``,
        ``variance``; empty otherwise.
    parts : dict
        Further named parts where a result has them (e.g. over-parameterised generators:
        ``chain_error``, ``bias_increase``, ``variance_increase``), as floats.
    regime : str
        Name of the regime that predicted it (:mod:`modelcollapse.numerics.regimes`).
    monte_carlo : dict
        For a Monte Carlo prediction (provenance kind ``MONTE_CARLO``, regime ``monte_carlo``: no
        formula holds, :mod:`modelcollapse.numerics.monte_carlo`): ``stderr`` (the standard error of
        ``test_error``, ``clean_error``, ``collapse``, ``bias``, ``variance``), ``trials``, ``seed``,
        ``estimator``, ``rse_target`` (the relative SE asked for) and ``reason`` (why no formula holds);
        empty for formulas.
    """

    test_error: float
    clean_error: float
    collapse: float
    bias: float
    variance: float
    kappa: float | None
    provenance: dict
    precision: str
    iterations: int
    residual: float
    digits: dict = field(default_factory=dict)
    notes: tuple = ()
    parts: dict = field(default_factory=dict)
    regime: str = ""
    first_order: dict = field(default_factory=dict)
    monte_carlo: dict = field(default_factory=dict)

    @property
    def stderr(self) -> float:
        """Standard error of ``test_error``: a Monte Carlo prediction's, 0 for a formula."""
        return float(self.monte_carlo["stderr"]["test_error"]) if self.monte_carlo else 0.0

    @property
    def allowance(self) -> float:
        """The measured relative accuracy every check applies: the largest ``Provenance.allowance`` of its numbers."""
        return max((v.allowance for v in self.provenance.values() if isinstance(v, Provenance)), default=0.0)

    @property
    def exact(self) -> bool:
        return all(v.is_exact if isinstance(v, Provenance) else v == "exact" for v in self.provenance.values())

    def to_dict(self) -> dict:
        """Plain JSON types; ``provenance`` keeps its sentences, ``provenance_kind`` adds the kinds."""
        out = asdict(self)
        out["provenance"] = {k: str(v) for k, v in self.provenance.items()}
        out["provenance_kind"] = {k: v.kind.value for k, v in self.provenance.items() if isinstance(v, Provenance)}
        out["exact"] = self.exact
        out["allowance"] = self.allowance
        out["notes"] = list(self.notes)
        if not self.digits:
            out.pop("digits")
        if not self.parts:
            out.pop("parts")
        if not self.first_order:
            out.pop("first_order")
        if not self.monte_carlo:
            out.pop("monte_carlo")
        return out

    def _title(self) -> str:
        return f"Predicted test error ({self.precision}{', regime ' + self.regime if self.regime else ''})"

    def _rows(self) -> list[tuple]:
        def value(name):
            v = self.digits.get(name, self.parts[name] if name in self.parts else getattr(self, name))
            return NOT_AVAILABLE if v is None else v

        rows = [
            ("test_error", value("test_error"), "exact" if self.exact else ""),
            ("clean_error", value("clean_error"), self.provenance.get("clean_error", "")),
            ("collapse", value("collapse"), self.provenance.get("collapse", "")),
            ("bias", value("bias"), "(clean)"),
            ("variance", value("variance"), "(clean)"),
            ("kappa", value("kappa"), f"{self.iterations} iterations, residual {self.residual:.2g}"),
        ]
        if self.monte_carlo:  # every number a Monte Carlo estimate: its standard error beside it
            se = self.monte_carlo["stderr"]
            rows = [(name, v, f"+/- {se[name]:.2g} (SE) {why}".rstrip()) if name in se else (name, v, why)
                    for name, v, why in rows]
            rows.append(("trials", self.monte_carlo["trials"], f"seed {self.monte_carlo['seed']}, relative SE target "
                                                              f"{self.monte_carlo['rse_target']:g}"))
        rows += [(name, value(name), "") for name in self.parts]
        rows += [("note", note, "") for note in self.notes]
        return rows

    def _repr_latex_(self) -> str:
        rows = [
            (r"E_{\mathrm{test}}", self.test_error),
            (r"E_{\mathrm{clean}}", self.clean_error),
            (r"n\sigma_0^2\rho", self.collapse),
            (r"B", self.bias),
            (r"V", self.variance),
            (r"\kappa", self.kappa),
        ]
        body = r" \\ ".join(f"{name} &= {value:.10g}" if value is not None else rf"{name} &= \text{{{NOT_AVAILABLE}}}"
                             for name, value in rows)
        return rf"$\begin{{aligned}} {body} \end{{aligned}}$"


def assemble(*, clean: CleanPart, collapse, collapse_provenance: Provenance, backend: Backend, regime: str,
             parts: dict | None = None, iterations: int | None = None, residual: float | None = None,
             notes=(), first_order_collapse=None) -> Prediction:
    """The :class:`Prediction` of a clean part plus a collapse term (backend numbers).

    ``E_test = E_clean + C`` (registered result ``test_error_from_parts``); every number and part
    must be finite, else :class:`NotCoveredError` (an infinite error is not a prediction). With a
    ``1/d``-corrected clean part, ``first_order_collapse`` (default: ``collapse``) and the clean
    part's first-order numbers give ``Prediction.first_order``.
    """
    clean_error = clean.error()
    values = {
        "test_error": formula("test_error_from_parts")(clean_error, collapse),
        "clean_error": clean_error,
        "collapse": collapse,
        "bias": clean.bias,
        "variance": clean.variance,
        "kappa": clean.kappa,
    }
    parts = parts or {}
    floats = {}
    for name, v in {**values, **parts}.items():
        f = float(v)
        if not np.isfinite(f):
            raise NotCoveredError(f"{name} is not finite here ({f}); this regime is not covered")
        if f < 0 and name in NON_NEGATIVE:  # an error is never negative: the formula is outside its domain
            raise NotCoveredError(f"{regime}: the formula gives {name} = {f:.6g} < 0 here, outside its domain "
                                  f"({_DOMAIN_KEYS.get(regime, 'downstream.T or generators.T0')} too small for it); "
                                  "this scenario is not covered")
        floats[name] = f
    first = {}
    if clean.first_order is not None:
        f_bias, f_var = clean.first_order["bias"], clean.first_order["variance"]
        f_clean = formula("clean_error")(f_bias, f_var)
        f_collapse = collapse if first_order_collapse is None else first_order_collapse
        first = {"test_error": formula("test_error_from_parts")(f_clean, f_collapse), "clean_error": f_clean,
                 "collapse": f_collapse, "bias": f_bias, "variance": f_var}
        first = {k: float(v) for k, v in first.items()}
    b = backend
    return Prediction(
        **{k: floats[k] for k in VALUE_NAMES},
        provenance={"clean_error": clean.provenance, "collapse": collapse_provenance},
        precision=b.name,
        iterations=clean.iterations if iterations is None else iterations,
        residual=clean.residual if residual is None else residual,
        digits=b.all_digits({**values, **parts}),
        notes=tuple(notes),
        parts={k: floats[k] for k in parts},
        regime=regime,
        first_order=first,
    )
