"""Small canonical birth extracts: rows from partial dicts, and a cached synthetic release with its
deliberate dirt."""

from __future__ import annotations

import functools

import pandas as pd
import yaml

from birthgaps.core.codes import CANONICAL_COLUMNS, OPTIONAL_COLUMNS
from birthgaps.ingest.optional_columns import missing_column
from birthgaps.ingest.synth import simulate_release
from support import REPO

AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere"}


YEARS = [2022, 2023]


@functools.lru_cache(maxsize=1)
def _synthetic() -> pd.DataFrame:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    settings = dict(config["synthetic"], live_births=3000, n_lsoas_per_area=12)
    extract, _ = simulate_release(settings, AREAS, YEARS)
    return extract


def synthetic_births() -> pd.DataFrame:
    """A small synthetic canonical release (with its deliberate dirt); a private copy."""
    return _synthetic().copy()


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
    for column in (
        "gestation_weeks",
        "gestation_days",
        "birth_weight_g",
        "plurality",
        "mother_age",
    ):
        frame[column] = frame[column].astype("Int64")
    for column in (
        "baby_id",
        "birth_outcome",
        "baby_sex",
        "mother_ethnic_category",
        "mother_lsoa",
        "area_code",
    ):
        frame[column] = frame[column].astype("string")
    return frame


def with_optional(births: pd.DataFrame) -> pd.DataFrame:
    """``births`` with the optional canonical columns it lacks added all missing, in canonical
    order: what ingest stages for an extract without them."""
    out = births.reset_index(drop=True).copy()
    for column in OPTIONAL_COLUMNS:
        if column not in out.columns:
            out[column] = missing_column(column, len(out))
    return out[CANONICAL_COLUMNS]
