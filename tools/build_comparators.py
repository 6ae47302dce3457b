"""Rebuild the shipped comparator files from the published ONS tables in ../shared/data:
resources/comparators/ons_reference.csv (England, regions, local authorities; preterm, low birth
weight and term low birth weight as percentages, stillbirth, perinatal, early neonatal, neonatal,
postneonatal and infant mortality per 1,000 for England and regions) and lad_region.csv.

    python3 -m uv run python tools/build_comparators.py [DATA_DIR]

A test (tests/test_comparators.py) fails while the shipped files differ from a rebuild.
"""

from __future__ import annotations

import sys
from pathlib import Path

from birthgaps.ingest.national import build_reference, lad_regions

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
OUT = REPO / "resources" / "comparators"
LOOKUP = "lsoa-lookups/lookup_ltla24_region24.csv"


def main(data_dir: Path = DATA) -> None:
    """Write both comparator files from ``data_dir``."""
    OUT.mkdir(parents=True, exist_ok=True)
    build_reference(data_dir).to_csv(OUT / "ons_reference.csv", index=False)
    lad_regions(data_dir / LOOKUP).to_csv(OUT / "lad_region.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
