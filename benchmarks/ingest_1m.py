"""Benchmark: ingest (read, map, convert, validate with pandera, report) of 1,000,000 births.

Usage: python3 -m uv run python benchmarks/ingest_1m.py [--births 1000000] [--repeats 3]
                                                         [--xlsx-births 50000]

Writes a synthetic release (the demo generator, scaled up) once into benchmarks/out/ in two
layouts: canonical CSV (UTF-8) and a local maternity-system export CSV (Windows-1252, text labels,
gestation as 38+4, dd/mm/yyyy dates, quoted "3,450" weights), plus an xlsx export of the first
``--xlsx-births`` rows. Each ingest runs in a fresh Python process so that its peak memory (max RSS)
is its own. Prints a Markdown table: median wall seconds and peak memory per layout.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out" / "ingest_1m"


def peak_memory_mb() -> float:
    """Peak resident memory of this process image (VmHWM; ru_maxrss would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, source: str) -> None:
    """Run one ingest in this process; print seconds and peak RSS as JSON."""
    import json as _json

    from birthgaps.ingest.extract import ingest_release

    start = time.perf_counter()
    births, report = ingest_release([path], source)
    seconds = time.perf_counter() - start
    peak_mb = peak_memory_mb()
    print(_json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": len(births)}))


def write_inputs(births: int, xlsx_births: int) -> dict[str, tuple[Path, str]]:
    """Synthetic extract in three files (cached by size); returns label -> (path, source)."""
    import pandas as pd
    import yaml

    from birthgaps.ingest.extract import read_extract
    from birthgaps.ingest.sources import to_layout
    from birthgaps.ingest.synth import write_release

    OUT.mkdir(parents=True, exist_ok=True)
    canonical = OUT / f"canonical_{births}.csv"
    local = OUT / f"local_{births}.csv"
    xlsx = OUT / f"local_{xlsx_births}.xlsx"
    if not canonical.exists():
        config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
        settings = dict(config["synthetic"], live_births=births, n_lsoas_per_area=1000)
        release = config["releases"][config["release"]]
        write_release(settings, config["areas"], release["years"], canonical, OUT / "lookup.csv")
    if not local.exists() or not xlsx.exists():
        frame = read_extract(canonical)
        layout = to_layout(frame, "local_maternity_export")
        weight = pd.to_numeric(layout["Birth Weight (g)"], errors="coerce").astype("Int64")
        layout["Birth Weight (g)"] = weight.map(lambda v: f"{v:,}", na_action="ignore")
        layout.to_csv(local, index=False, encoding="cp1252")
        layout.head(xlsx_births).to_excel(xlsx, index=False, sheet_name="Births")
    return {
        f"canonical CSV, UTF-8 ({births:,} live births)": (canonical, "canonical"),
        f"local export CSV, cp1252, labels ({births:,} live births)": (
            local,
            "local_maternity_export",
        ),
        f"local export XLSX (first {xlsx_births:,} records)": (xlsx, "local_maternity_export"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--births", type=int, default=1_000_000)
    parser.add_argument("--xlsx-births", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "SOURCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    inputs = write_inputs(args.births, args.xlsx_births)
    print("| input | records | file size | median seconds | runs | peak memory (MB) |")
    print("|---|---|---|---|---|---|")
    for label, (path, source) in inputs.items():
        runs = []
        for _ in range(args.repeats):
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(path), source],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        seconds = [r["seconds"] for r in runs]
        peak = max(r["peak_mb"] for r in runs)
        size = path.stat().st_size / 1e6
        print(
            f"| {label} | {runs[0]['rows']:,} | {size:.0f} MB | {statistics.median(seconds):.2f} | "
            f"{', '.join(f'{s:.2f}' for s in seconds)} | {peak:.0f} |"
        )


if __name__ == "__main__":
    main()
