"""Regenerate the catalogue's sections of docs/outputs.md (published tables, worded for the demo config)
and docs/architecture.md (restricted tables).

    python3 -m uv run python tools/outputs_docs.py

A test (tests/test_catalogue.py) fails while the page is out of date.
"""

from __future__ import annotations

from pathlib import Path

from birthgaps.core.catalogue import (
    ARCHITECTURE_MARKER,
    generated_document,
    outputs_document,
    restricted_markdown,
)
from birthgaps.core.settings import load_config

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Rewrite docs/outputs.md with its generated section worded for config/config.yaml."""
    config = load_config(REPO / "config" / "config.yaml")
    page = REPO / "docs" / "outputs.md"
    page.write_text(outputs_document(page.read_text(), config["disclosure"], config["statistics"]))
    page = REPO / "docs" / "architecture.md"
    page.write_text(
        generated_document(
            page.read_text(), ARCHITECTURE_MARKER, restricted_markdown(), "docs/architecture.md"
        )
    )


if __name__ == "__main__":
    main()
