"""``modelcollapse paper-figure4 [--out FILE.png] [--dataset D] [--points N] [--T0 T0] [--trials N] [--json]``.

The paper's Figure 4 (Appendix D.2) on the digits, offline: derivations/figure4.py.
"""

from __future__ import annotations

import argparse
import sys

from modelcollapse.derivations.commands import common

__all__ = ["HELP", "add_arguments", "run"]

HELP = "the paper's Figure 4 on real data: adaptive ridge vs ell_crit, theory lines and the real kernel chain"
DEFAULT_OUT = "paper_figure4.png"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=DEFAULT_OUT, metavar="FILE.png",
                   help=f"figure to write (default ./{DEFAULT_OUT}; a .pdf beside it too)")
    p.add_argument("--dataset", default="digits", metavar="D",
                   help="'digits' (default, offline), 'mnist' (when cached) or an .npz with X and y")
    p.add_argument("--points", type=common.integer_in(50, 5000), default=300, metavar="N",
                   help="points of the dataset the kernel is built on (default 300; 50 to 5000)")
    p.add_argument("--T0", type=common.integer_in(10, 10_000), default=100, metavar="T0",
                   help="samples of every generator, fixed (default 100)")
    common.trials_option(p, default=20, help_default="per real-chain point; default 20")
    common.seed_option(p)
    p.add_argument("--json", action="store_true", help="print every number as one JSON object (no figure)")


def run(args) -> int:
    import tempfile
    from pathlib import Path

    from modelcollapse.derivations import figure4
    from modelcollapse.derivations.atomic import write_bytes
    from modelcollapse.derivations.report.figures import draw_section
    from modelcollapse.derivations.report.model import ReportSection, SectionPlan

    out = Path(args.out)
    if not args.json and out.suffix != ".png":
        raise common.UsageError(f"argument --out: expected a file name ending in .png, got {args.out!r}")
    if not args.json and not out.parent.is_dir():
        raise common.UsageError(f"argument --out: the folder {str(out.parent)!r} does not exist")
    setting = figure4.Figure4Setting(dataset=args.dataset, points=args.points, T0=args.T0, trials=args.trials,
                                     seed=args.seed)
    data = figure4.compute(setting)
    if args.json:
        common.emit_json(data)
        return 0
    plan = SectionPlan(key="paper_figure4", title="The paper's Figure 4: adaptive regularisation on real data",
                       caption=figure4.caption(data), panels=figure4.panels(data))
    with tempfile.TemporaryDirectory() as tmp:
        draw_section(ReportSection(plan=plan), Path(tmp))
        write_bytes(out, (Path(tmp) / "fig_paper_figure4.png").read_bytes())
        write_bytes(out.with_suffix(".pdf"), (Path(tmp) / "fig_paper_figure4.pdf").read_bytes())
    for e in data["kernels"]:
        f = e["fit"]
        print(f"{e['name']}: beta = {f['beta']:.3f} ± {f['beta_uncertainty']:.2g}, r = {f['r']:.3f} ± "
              f"{f['r_uncertainty']:.2g} (window {f['window'][0]}..{f['window'][1]} of d = {e['d']}, {f['verdict']}), "
              f"ell_crit = {e['ell_crit']:.3f}")
    rows = [["kernel", "rule", "T", "theory", "real chain", "SE", "gap"]]
    rows += [[k, rule, T, th, mean, se, f"{100 * gap:+.1f}%"]
             for k, rule, T, th, mean, se, gap in figure4.table_rows(data)]
    common.print_table(rows, title=f"Test error against T (T0 = {setting.T0}, n = {setting.n}, sigma = sigma0 = 1, "
                                   f"target label mod 2; {setting.trials} trials per point)")
    print(f"figure written to {out} (and {out.with_suffix('.pdf')})", file=sys.stderr)
    return 0
