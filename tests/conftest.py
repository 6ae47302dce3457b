"""Shared fixtures: the repository's config, a tiny canonical extract, and the shared data folder."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_config() -> dict:
    """The demo config as committed (read-only: tests copy before changing it)."""
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.fixture
def config(repo_config: dict) -> dict:
    """A private deep copy of the demo config that a test may change."""
    return copy.deepcopy(repo_config)


@pytest.fixture
def shared_dir() -> Path:
    """../shared, or skip the test when it is absent (CI machines may not have it)."""
    if not SHARED.exists():
        pytest.skip("../shared is not available")
    return SHARED


def make_births(rows: list[dict]) -> pd.DataFrame:
    """A canonical extract from partial rows; unspecified columns take plausible defaults."""
    defaults = {
        "baby_id": None,
        "birth_date": "2020-06-15",
        "birth_outcome": "live",
        "gestation_weeks": 39,
        "gestation_days": 2,
        "birth_weight_g": 3400,
        "baby_sex": "F",
        "plurality": 1,
        "mother_age": 29,
        "mother_ethnic_category": "A",
        "mother_lsoa": "L1",
        "area_code": "X1",
    }
    records = []
    for i, row in enumerate(rows):
        record = {**defaults, **row}
        record["baby_id"] = record["baby_id"] or f"B{i:05d}"
        records.append(record)
    frame = pd.DataFrame(records)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).astype("datetime64[ns]")
    for column in ("gestation_weeks", "gestation_days", "birth_weight_g", "plurality", "mother_age"):
        frame[column] = frame[column].astype("Int64")
    for column in ("baby_id", "birth_outcome", "baby_sex", "mother_ethnic_category", "mother_lsoa", "area_code"):
        frame[column] = frame[column].astype("string")
    return frame


@pytest.fixture
def lookup() -> pd.DataFrame:
    """Tiny LSOA -> IMD decile lookup: L1 decile 1 (quintile 1) ... L5 decile 10 (quintile 5)."""
    return pd.DataFrame(
        {"lsoa_code": ["L1", "L2", "L3", "L4", "L5"], "imd_decile": [1, 3, 6, 8, 10]}
    )
