"""Attack one published release, or two consecutive ones, and print what is recovered (issue 8).

    python benchmarks/attack_release.py results/demo
    python benchmarks/attack_release.py results/demo --no-strong --time-limit 2
    python benchmarks/attack_release.py OLD NEW --pair year     # NEW covers one year more
    python benchmarks/attack_release.py OLD NEW --pair record   # NEW has one late record more

A folder is a release's results folder (``results/<release>``, with ``published/tables`` and,
for scoring, ``restricted/``). Columns of the report: hidden_exact (hidden counts whose minimum
equals their maximum), hidden_recovered (those equal to the truth), hidden_small_narrow (hidden
counts of 1 to 7 bounded to a range of width <= 2), shown_pinned (shown counts whose unrounded
value is determined), shown_unrounded (those differing from the shown rounded value), cells
(counts bounded; one cell = the events or the denominator of one rates row). crude_models:
levels whose complete-case events and births are recovered. ``--csv DIR`` writes every finding.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from birthgaps.publish import audit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="one release folder, or two")
    parser.add_argument("--pair", choices=["year", "record"], default="year")
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per MILP solve")
    parser.add_argument("--no-strong", action="store_true", help="skip the strong MILP variant")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rounding-only MILP")
    parser.add_argument("--csv", type=Path, help="write every attack's findings here")
    parser.add_argument(
        "--carried",
        action="store_true",
        help="the second release names the first as its previous (counts may be carried over)",
    )
    args = parser.parse_args(argv)
    if len(args.folders) > 2:
        parser.error("give one release folder or two")
    started = time.perf_counter()
    results: dict[str, audit.AttackResult] = {}
    releases = [audit.load_release(f) for f in args.folders]
    for folder, release in zip(args.folders, releases, strict=True):
        hidden = int(release.rates["suppressed"].astype(str).str.lower().eq("true").sum())
        print(f"{folder}: {len(release.rates)} rates rows, {hidden} hidden")
        if len(releases) == 1:
            results.update(
                audit.attack_release(
                    release,
                    time_limit=args.time_limit,
                    strong=not args.no_strong,
                    baseline=not args.no_baseline,
                )
            )
    if len(releases) == 2:
        for use, label in ((False, "rounding"), (True, "inversions")):
            pair = audit.attack_pair(
                *releases,
                kind=args.pair,
                time_limit=args.time_limit,
                use_inversions=use,
                carried=args.carried,
            )
            for name, result in pair.items():
                results[f"{args.pair}_{label}_{name}"] = result
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(audit.summary_table(results).fillna("").to_string(index=False))
    if args.csv:
        args.csv.mkdir(parents=True, exist_ok=True)
        for name, result in results.items():
            result.findings.to_csv(args.csv / f"{name}.csv", index=False)
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
