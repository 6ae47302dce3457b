"""Benchmark: the changes table (``publish.changes.compare_releases``) on a release's published tables.

Usage: python3 -m uv run snakemake --cores 2   # the demo outputs, once
       python3 -m uv run python benchmarks/changes.py [results/demo/published/tables] [--copies 10]

Compares the published tables with a copy of themselves whose yearly values are all moved by 0.1
(every yearly row revised), as one release and as ``--copies`` areas' worth of the same rows (a
larger release). Prints Markdown: rows read, rows of the changes table and seconds (median of 3).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

from birthgaps.publish.changes import COMPARED, compare_releases


def _revised(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {key: table.copy() for key, table in tables.items()}
    rates = out["rates"]
    yearly = (rates["dimension"] == "year") & (rates["value"] != "")
    rates.loc[yearly, "value"] = (rates.loc[yearly, "value"].astype(float) + 0.1).map(
        "{:.2f}".format
    )
    return out


def _copies(tables: dict[str, pd.DataFrame], n: int) -> dict[str, pd.DataFrame]:
    return {
        key: pd.concat([t.assign(area_code=t["area_code"] + f"_{i}") for i in range(n)])
        for key, t in tables.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tables", nargs="?", default="results/demo/published/tables")
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    folder = Path(args.tables)
    now = {k: pd.read_csv(folder / f"{k}.csv", dtype=str, keep_default_na=False) for k in COMPARED}
    print("| tables | rows read | changes rows | seconds (median of 3) |\n|---|---|---|---|")
    for label, current in (("as published", now), (f"x{args.copies}", _copies(now, args.copies))):
        previous = _revised(current)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            table = compare_releases(current, previous, release="b", previous_release="a")
            times.append(time.perf_counter() - start)
        rows = sum(len(t) for t in current.values())
        print(f"| {label} | {rows:,} | {len(table):,} | {statistics.median(times):.2f} |")


if __name__ == "__main__":
    main()
