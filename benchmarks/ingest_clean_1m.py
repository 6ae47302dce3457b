"""Benchmark: ingest and clean one million synthetic births (issue 3, item 7: < 60 s, < 2 GB).

Usage: python3 -m uv run python benchmarks/ingest_clean_1m.py [--births 1000000] [--repeats 1]

The synthetic generator writes about ``--births`` live births (plus stillbirths and deliberate
duplicates) as a CSV in a temporary folder (not timed). Each repeat then runs, in a fresh child
Python process, ``birthgaps.ingest.extract.ingest_release`` (or ``read_extract`` where that is the
public entry point) followed by ``birthgaps.clean.cleaning.clean_births``
with the demo config, and reports the child's wall time (interpreter start and imports included),
the time of each stage inside it, and the child's peak resident memory (``ru_maxrss``).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

#: Runs in the child: read + clean, timing each stage; prints one JSON line.
CHILD = """
import json, sys, time
import pandas as pd
import yaml
from birthgaps.ingest import extract as ingest
from birthgaps.clean.cleaning import clean_births, read_lookup

config = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
spec = config["releases"][config["release"]]
t0 = time.perf_counter()
if hasattr(ingest, "ingest_release"):  # the release reader of issue 3 (validation report too)
    births, _ = ingest.ingest_release(
        [sys.argv[2]], spec.get("source"), definitions=config["definitions"]
    )
else:  # the single-extract reader of the first release
    births = ingest.read_extract(sys.argv[2], config.get("column_map") or {})
t1 = time.perf_counter()
lookup = read_lookup(sys.argv[3])
clean, flow = clean_births(
    births,
    lookup,
    areas=list(config["areas"]),
    years=spec["years"],
    definitions=config["definitions"],
    deprivation=config.get("deprivation"),
)
t2 = time.perf_counter()
print(json.dumps({"records": len(births), "live": len(clean), "read_s": t1 - t0,
                  "clean_s": t2 - t1}))
"""


def generate(folder: Path, births: int) -> tuple[Path, Path, Path]:
    """Write a synthetic extract and lookup of about ``births`` live births, and a config copy."""
    from birthgaps.ingest.synth import write_release

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    settings = copy.deepcopy(config["synthetic"])
    settings["live_births"] = births
    settings["n_lsoas_per_area"] = max(settings["n_lsoas_per_area"], births // 2000)
    years = config["releases"][config["release"]]["years"]
    extract, lookup = folder / "births_extract.csv", folder / "lsoa_imd_lookup.csv"
    write_release(settings, config["areas"], years, extract, lookup)
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return config_path, extract, lookup


def one_run(config: Path, extract: Path, lookup: Path) -> dict:
    """Read and clean in a child process; return its timings and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(extract), str(lookup)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    # ru_maxrss of children is the largest child so far; every child does the same work.
    result["peak_mb"] = max(peak_kib, before) / 1024
    return result


def main(argv: list[str] | None = None) -> None:
    """Generate once, then time read + clean in fresh processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--births", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="birthgaps-1m-") as folder:
        start = time.perf_counter()
        config, extract, lookup = generate(Path(folder), args.births)
        size_mb = extract.stat().st_size / 1e6
        print(
            f"generated {extract.name} ({size_mb:,.0f} MB) in {time.perf_counter() - start:.1f} s"
        )
        runs = [one_run(config, extract, lookup) for _ in range(args.repeats)]
    print()
    print("| run | records | live births kept | ingest | clean_births | child wall | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for i, r in enumerate(runs, 1):
        print(
            f"| {i} | {r['records']:,} | {r['live']:,} | {r['read_s']:.1f} s | {r['clean_s']:.1f} s "
            f"| {r['wall_s']:.1f} s | {r['peak_mb']:,.0f} MB |"
        )


if __name__ == "__main__":
    main()
