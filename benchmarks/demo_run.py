"""Benchmark: time the whole demo pipeline from nothing, in a fresh folder, several times.

Usage: python3 -m uv run python benchmarks/demo_run.py [--repeats 3]
Prints a Markdown table (wall time, peak memory of the largest job, time per rule from the logs).
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAMP = re.compile(r"^(\S+ \S+) INFO birthgaps: rule (\S+) (started|finished)")


def rule_seconds(logs: Path) -> dict[str, float]:
    """Seconds each job spent in its script, from the start/finish lines that run_step logs."""
    seconds: dict[str, float] = {}
    for log in sorted(logs.rglob("*.log")):
        marks = {}
        for line in log.read_text().splitlines():
            if match := STAMP.match(line):
                marks[match.group(3)] = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
        if len(marks) == 2:
            name = str(log.relative_to(logs).with_suffix(""))
            seconds[name] = (marks["finished"] - marks["started"]).total_seconds()
    return seconds


def one_run(cores: int) -> tuple[float, dict[str, float]]:
    """Run the demo config from scratch in a temporary folder; return wall seconds and rule times."""
    with tempfile.TemporaryDirectory(prefix="birthgaps-bench-") as folder:
        work = Path(folder)
        shutil.copytree(REPO / "config", work / "config")
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "snakemake",
                "--snakefile",
                str(REPO / "Snakefile"),
                "--directory",
                str(work),
                "--cores",
                str(cores),
                "--quiet",
                "all",
            ],
            check=True,
        )
        wall = time.perf_counter() - start
        return wall, rule_seconds(work / "logs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=4)
    args = parser.parse_args()
    walls, per_rule = [], []
    for _ in range(args.repeats):
        wall, rules = one_run(args.cores)
        walls.append(wall)
        per_rule.append(rules)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"| demo run, --cores {args.cores} | median {statistics.median(walls):.1f} s "
        f"(runs: {', '.join(f'{w:.1f}' for w in walls)}) |"
    )
    print(f"| peak memory of the largest job | {peak_mb:.0f} MB |")
    for name in sorted(per_rule[0]):
        times = [r.get(name, float("nan")) for r in per_rule]
        print(f"| {name} | {statistics.median(times):.2f} s |")


if __name__ == "__main__":
    main()
