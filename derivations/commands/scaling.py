"""``modelcollapse scaling --beta B --r R [--a A] [--collapse-growth A] [--noiseless] [--latex [--out FILE]] [--json]``.

The contract is CONTRACT.md's.

Names: ``--a`` is the generators' size exponent, ``T0 ~ T^a`` (the paper's ``b``, Corollary 5.2);
``--collapse-growth`` the synthetic noise's, ``n sigma0^2 ~ T^a`` (the paper's ``a``).
"""

from __future__ import annotations

import argparse
import math

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run"]

HELP = "scaling-law exponents for power-law spectra: ell_crit, ell_opt, rates with and without collapse"


def _number(accept, expected: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not math.isfinite(value) or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse  # argparse prefixes the message with the option: "argument --beta: expected ..."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--beta", required=True, type=_number(lambda v: v > 1, "a number > 1"), metavar="B",
                   help="power-law exponent of the spectrum, lambda_j = j^-B (B > 1)")
    p.add_argument("--r", required=True, type=_number(lambda v: v > 0, "a number > 0"), metavar="R",
                   help="source exponent of the teacher (R > 0; saturates at R = 1)")
    p.add_argument("--a", default=1.0, type=_number(lambda v: v >= 0, "a number >= 0 (T0 ~ T^a; 0 = fixed T0)"),
                   metavar="A",
                   help="generator size T0 ~ T^A (the paper's b in Corollary 5.2; default 1; 0 means a fixed T0)")
    p.add_argument("--collapse-growth", dest="collapse_growth", default=0.0,
                   type=_number(lambda v: v >= 0, "a number >= 0 (n sigma0^2 ~ T^A; 0 = fixed)"), metavar="A",
                   help="synthetic noise growing like n sigma0^2 ~ T^A (the paper's a in Corollary 5.2; default 0); "
                        "accepted 0 <= A <= min(--a, 1): beyond, the error grows with T for every ridge (refused)")
    p.add_argument("--noiseless", action="store_true", help="clean labels without noise (sigma = 0)")
    p.add_argument("--latex", action="store_true", help="print the symbolic results in LaTeX with their values")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="with --latex: write the LaTeX lines to FILE (atomically) instead of printing them")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from modelcollapse.numerics import scaling

    if args.out is not None and not args.latex:
        raise common.UsageError("--out: only with --latex (it writes the LaTeX lines to FILE)")
    if args.out is not None:
        common.check_output_file("--out", args.out)

    try:
        out = scaling.scaling_exponents(args.beta, args.r, args.a, noiseless=args.noiseless,
                                        collapse_growth=args.collapse_growth)
    except ValueError as exc:  # the parser checks the signs; this keeps the message one line
        raise common.UsageError(f"--{str(exc).replace('collapse_growth', 'collapse-growth')}") from None
    if args.json:
        common.emit_json(out)
        return 0
    if args.latex:
        text = _latex_text(out, args.noiseless)
        if args.out is None:
            print(text, end="")
            return 0
        from modelcollapse.derivations import atomic

        try:
            atomic.write_text(args.out, text)
        except OSError as exc:
            raise common.UsageError(f"--out: cannot write {args.out!r}: {exc.strerror or exc}") from None
        print(f"wrote {args.out} ({len(text.splitlines())} lines of LaTeX)")
        return 0
    noise = "noiseless" if args.noiseless else "noisy"
    a_text = "fixed T0" if args.a == 0 else f"T0 ~ T^{args.a:g}"
    if args.collapse_growth:
        a_text += f", n sigma0^2 ~ T^{args.collapse_growth:g}"
    growth_rows = []
    if args.collapse_growth:
        c_crit = out["rate_at_ell_crit"]
        verdict = "diverges" if out["diverges_at_ell_crit"] else "vanishes" if c_crit > 0 else "plateau"
        growth_rows = [
            ["rate_at_ell_crit", out["rate_at_ell_crit"], f"E ~ T^-rate keeping ell = ell_crit: the error {verdict}"],
            ["vanishing_threshold", out["vanishing_threshold"],
             "min(a,1) above which the error at ell_crit vanishes: a_sigma + 1/(1 + 2 beta min(r,1))"],
        ]
    common.print_table(
        [
            ["ell_crit", out["ell_crit"], "beta/(1 + 2 beta min(r,1)): bias = variance"],
            ["ell_opt", out["ell_opt"], f"optimal ell of lambda = T^-ell with synthetic data ({a_text})"],
            ["rate_clean", out["rate_clean"],
             f"E ~ T^-rate on clean {noise} data (best ell = {out['ell_opt_clean']:.6g})"],
            ["rate_collapse", out["rate_collapse"], f"E ~ T^-rate with n >= 1 synthetic generations ({a_text})"],
            ["regime", out["regime"], "terms dominating at ell_opt"],
            *growth_rows,
            ["plateau_exponent", out["plateau_exponent"], "fixed T0: E ~ (n sigma0^2/T0)^this"],
            ["saturated", "yes" if out["saturated"] else "no", "r >= 1: the bias exponent saturates"],
        ],
        title=f"Scaling exponents (beta = {args.beta:g}, r = {args.r:g}; asymptotic, THEORY.md 3.6)",
    )
    return 0


def _latex_text(out: dict, noiseless: bool) -> str:
    """The symbolic results in LaTeX with their values, one a line (what ``--latex`` prints)."""
    import sympy as sp

    from modelcollapse.theory import get_result  # the package registers every result, the scaling ones included
    from modelcollapse.theory.latex import latex

    growth = out["collapse_growth"] > 0
    names = [("scaling_bias_exponent", None), ("scaling_variance_exponent", None),
             ("scaling_growth_collapse_exponent" if growth else "scaling_collapse_exponent", None),
             ("scaling_ell_crit", "ell_crit"), ("scaling_growth_ell_opt" if growth else "scaling_ell_opt", "ell_opt"),
             ("scaling_rate_clean_noiseless" if noiseless else "scaling_rate_clean", "rate_clean"),
             ("scaling_growth_rate" if growth else "scaling_rate_collapse", "rate_collapse"), ("scaling_plateau", None)]
    if growth:
        names += [("scaling_growth_rate_at_ell_crit", "rate_at_ell_crit"),
                  ("scaling_growth_vanishing_threshold", "vanishing_threshold")]
    lines = []
    for name, key in names:
        res = get_result(name)
        line = f"{res.lhs} {res.relation} {latex(res.expr())}"
        if key is not None:
            line += f" = {latex(sp.Float(out[key], 6))}"
        lines.append(line)
    lines.append(f"% regime at ell_opt: {out['regime']}; beta = {out['beta']:g}, r = {out['r']:g}, a = {out['a']:g}, "
                 f"a_sigma = {out['collapse_growth']:g}")
    return "\n".join(lines) + "\n"
