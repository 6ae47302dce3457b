"""Regenerate the tables section of docs/outputs.md from the table catalogue, for the demo config.

    python3 -m uv run python tools/outputs_docs.py

A test (tests/test_catalogue.py) fails while the page is out of date.
"""

from __future__ import annotations

from pathlib import Path

from birthgaps.core.catalogue import outputs_document
from birthgaps.core.settings import load_config

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Rewrite docs/outputs.md with its generated section worded for config/config.yaml."""
    config = load_config(REPO / "config" / "config.yaml")
    page = REPO / "docs" / "outputs.md"
    page.write_text(outputs_document(page.read_text(), config["disclosure"], config["statistics"]))


if __name__ == "__main__":
    main()
