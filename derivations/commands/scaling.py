"""``modelcollapse scaling --beta B --r R [--a A] [--noiseless] [--latex] [--json]`` (CONTRACT.md)."""

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
                   metavar="A", help="generator size T0 ~ T^A (default 1; 0 means a fixed T0)")
    p.add_argument("--noiseless", action="store_true", help="clean labels without noise (sigma = 0)")
    p.add_argument("--latex", action="store_true", help="print the symbolic results in LaTeX with their values")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from modelcollapse.numerics import scaling

    try:
        out = scaling.scaling_exponents(args.beta, args.r, args.a, noiseless=args.noiseless)
    except ValueError as exc:  # the parser already checks; this keeps the message one line
        raise common.UsageError(f"--{exc}") from None
    if args.json:
        common.emit_json(out)
        return 0
    if args.latex:
        _print_latex(out, args.noiseless)
        return 0
    noise = "noiseless" if args.noiseless else "noisy"
    a_text = "fixed T0" if args.a == 0 else f"T0 ~ T^{args.a:g}"
    common.print_table(
        [
            ["ell_crit", out["ell_crit"], "beta/(1 + 2 beta min(r,1)): bias = variance"],
            ["ell_opt", out["ell_opt"], f"optimal ell of lambda = T^-ell with synthetic data ({a_text})"],
            ["rate_clean", out["rate_clean"],
             f"E ~ T^-rate on clean {noise} data (best ell = {out['ell_opt_clean']:.6g})"],
            ["rate_collapse", out["rate_collapse"], f"E ~ T^-rate with n >= 1 synthetic generations ({a_text})"],
            ["regime", out["regime"], "terms dominating at ell_opt"],
            ["plateau_exponent", out["plateau_exponent"], "fixed T0: E ~ (n sigma0^2/T0)^this"],
            ["saturated", "yes" if out["saturated"] else "no", "r >= 1: the bias exponent saturates"],
        ],
        title=f"Scaling exponents (beta = {args.beta:g}, r = {args.r:g}; asymptotic, THEORY.md 3.6)",
    )
    return 0


def _print_latex(out: dict, noiseless: bool) -> None:
    import sympy as sp

    from modelcollapse.theory import get_result  # the package registers every result, the scaling ones included
    from modelcollapse.theory.latex import latex

    names = [("scaling_bias_exponent", None), ("scaling_variance_exponent", None), ("scaling_collapse_exponent", None),
             ("scaling_ell_crit", "ell_crit"), ("scaling_ell_opt", "ell_opt"),
             ("scaling_rate_clean_noiseless" if noiseless else "scaling_rate_clean", "rate_clean"),
             ("scaling_rate_collapse", "rate_collapse"), ("scaling_plateau", None)]
    for name, key in names:
        res = get_result(name)
        line = f"{res.lhs} {res.relation} {latex(res.expr())}"
        if key is not None:
            line += f" = {latex(sp.Float(out[key], 6))}"
        print(line)
    print(f"% regime at ell_opt: {out['regime']}; beta = {out['beta']:g}, r = {out['r']:g}, a = {out['a']:g}")
