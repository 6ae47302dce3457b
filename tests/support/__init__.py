"""Test helpers shared by several test modules (no test module imports another): the repository
and shared-data paths here; births, malformed extracts, lookups, models, fakes and workflow runs in
the submodules. Fixtures live in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
