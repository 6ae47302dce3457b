"""Fetch the Fingertips comparators of config ``comparators.fingertips.indicators`` (online) and save
them as a snapshot CSV with its .json sidecar (fetch date, sha256), for ``comparators.fingertips.snapshot``.

    python3 -m uv run python tools/fetch_fingertips.py resources/comparators/fingertips.csv [config.yaml]
"""

from __future__ import annotations

import sys
from pathlib import Path

from birthgaps.core.settings import load_config
from birthgaps.ingest.fingertips import fetch_snapshot

REPO = Path(__file__).resolve().parents[1]


def main(snapshot: Path, config_path: Path = REPO / "config" / "config.yaml") -> None:
    """Fetch and save the snapshot; print where it is and the line to add to the config."""
    config = load_config(config_path)
    path = fetch_snapshot(config["comparators"]["fingertips"]["indicators"], snapshot)
    print(f"saved {path}; set comparators.fingertips.snapshot: {path}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), *(Path(a) for a in sys.argv[2:3]))
