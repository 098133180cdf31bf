"""``modelcollapse powerlaw-fit SCENARIO [--window LO:HI] [--json]`` (CONTRACT.md, THEORY.md §3.12)."""

from __future__ import annotations

import argparse

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run"]

HELP = "fit the capacity and source exponents (beta, r) of a scenario's spectrum and teacher"


def _window(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO:HI, two integers 1 <= LO < HI <= d, got {text!r}") from None
    if not 1 <= lo < hi:
        raise argparse.ArgumentTypeError(f"expected LO:HI, two integers 1 <= LO < HI <= d, got {text!r}")
    return lo, hi


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) or built-in name; d must be finite")
    p.add_argument("--window", type=_window, default=None, metavar="LO:HI",
                   help="1-based inclusive index window of the fit (default: skip the head, j >= max(2, d^(1/4)), "
                        "and keep j <= d/2 above 1e-10 lambda_1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from modelcollapse.derivations.scenario_files import load
    from modelcollapse.numerics.powerlaw_fit import fit_scenario

    fit = fit_scenario(load(args.scenario), window=args.window)
    if args.json:
        common.emit_json(fit.to_dict())
        return 0
    lo, hi = fit.window
    rows = [["beta", fit.beta, f"± {fit.beta_uncertainty:.2g} (stderr {fit.beta_stderr:.2g}, halves differ by "
                               f"{fit.beta_spread:.2g}); lambda_j ~ {fit.amplitude:.4g} j^-beta"],
            ["beta fit", f"rms {fit.beta_rms:.3g}", f"log-residual rms, R^2 = {fit.beta_r2:.4f}"]]
    if fit.r is not None:
        rows += [["r", fit.r, f"± {fit.r_uncertainty:.2g} (stderr {fit.r_stderr:.2g}, halves differ by "
                              f"{fit.r_spread:.2g}); sum_(j>k) lambda_j c_j^2 ~ k^(-2 beta r)"],
                 ["r fit", f"rms {fit.r_rms:.3g}", "log-residual rms of the tail energy"]]
        if fit.beta > 1:
            rows.append(["ell_crit", fit.ell_crit(), "beta/(1 + 2 beta min(r,1)) of the fitted exponents"])
    rows += [["window", f"{lo}..{hi}", f"{fit.points} indices on a geometric grid, of d = {fit.d}"],
             ["verdict", fit.verdict, "; ".join(fit.reasons) or "a power law fits this window"]]
    common.print_table(rows, title="Power-law fit (THEORY.md 3.12)")
    return 0
