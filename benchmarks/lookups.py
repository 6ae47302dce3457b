"""Benchmark: read time of each official lookup file and of building the IMD lookup (../shared/data).

Usage: python3 -m uv run python benchmarks/lookups.py [--repeats 5]
Prints a Markdown table: file size, rows, median seconds of read_iod / read_lsoa11_lsoa21 / fetch
(sha256 check of a cached copy) / build_imd_lookup, over the repeats. Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from birthgaps.ingest.lookup_fetch import fetch, sha256_of
from birthgaps.ingest.lookup_files import read_iod, read_lsoa11_lsoa21
from birthgaps.ingest.lookups import build_imd_lookup

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILES = {
    "iod2019": DATA / "imd2019-lsoa11/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    "iod2025": DATA / "iod2025-lsoa21/imd2025_england_lsoa21.csv",
    "lsoa11_lsoa21": DATA / "lsoa-lookups/lookup_lsoa11_lsoa21_ltla22.csv",
}


def median_seconds(step, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "iod2019.xlsx"
        frame = pd.read_csv(FILES["iod2019"], encoding="utf-8-sig", thousands=",")
        frame.to_excel(xlsx, sheet_name="IMD2019", index=False)
        readers = {
            "iod2019": lambda: read_iod(FILES["iod2019"], "iod2019"),
            "iod2019 as XLSX (written here)": lambda: read_iod(xlsx, "iod2019"),
            "iod2025": lambda: read_iod(FILES["iod2025"], "iod2025"),
            "lsoa11_lsoa21": lambda: read_lsoa11_lsoa21(FILES["lsoa11_lsoa21"]),
        }
        sizes = {**FILES, "iod2019 as XLSX (written here)": xlsx}
        for label, step in readers.items():
            seconds, table = median_seconds(step, repeats)
            rows.append((f"read {label}", sizes[label].stat().st_size, len(table), seconds))
        for name, path in FILES.items():
            spec = {"path": str(path), "sha256": sha256_of(path)}
            seconds, _ = median_seconds(lambda s=spec, n=name: fetch(n, s, tmp), repeats)
            rows.append((f"fetch {name} (sha256 check)", path.stat().st_size, None, seconds))
        for edition, vintage in [
            ("iod2019", 2011),
            ("iod2025", 2021),
            ("iod2025", 2011),
            ("iod2019", 2021),
        ]:
            seconds, table = median_seconds(
                lambda e=edition, v=vintage: build_imd_lookup(
                    e, v, FILES[e], FILES["lsoa11_lsoa21"]
                ),
                repeats,
            )
            rows.append((f"build {edition} for LSOA {vintage}", None, len(table), seconds))
    print(f"| step | bytes | rows | median s ({repeats} runs) |\n|---|---:|---:|---:|")
    for label, size, n, seconds in rows:
        size_text = f"{size:,}" if size else ""
        n_text = f"{n:,}" if n is not None else ""
        print(f"| {label} | {size_text} | {n_text} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
