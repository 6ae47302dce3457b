"""Benchmark: time of the `manifest` rule's work (checksum every input, write manifest.json) on an
extract the size of a national release.

Usage: python3 -m uv run python benchmarks/manifest.py [--megabytes 400] [--repeats 3]
Writes a file of the given size in a temporary folder (the births extract of about 3.6 million
records is near 400 MB as CSV), builds and writes the manifest over it and the shipped reference
files, and prints the median seconds and the throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from birthgaps.core.manifest import build_manifest, config_sha256, lock_sha256, write_manifest

PROJECT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        extract = work / "births.csv"
        with extract.open("wb") as handle:
            for _ in range(args.megabytes):
                handle.write(os.urandom(1 << 20))
        reference = sorted((PROJECT / "resources/comparators").glob("*.csv"))
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            manifest = build_manifest(
                {"births_extract": [extract], "reference": reference},
                configfiles=[PROJECT / "config/config.yaml"],
                config_hash=config_sha256({"release": "benchmark"}),
                release="benchmark",
                release_label="Benchmark",
                code="benchmark",
                lock_sha256=lock_sha256(PROJECT),
                workdir=work,
                project=PROJECT,
            )
            write_manifest(manifest, work / "manifest.json")
            seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"| input | {args.megabytes} MB extract + {len(reference)} reference files |")
    print(
        f"| manifest, median of {args.repeats} | {median:.2f} s ({args.megabytes / median:.0f} MB/s) |"
    )


if __name__ == "__main__":
    main()
