"""A plausible canonical extract as text (N rows), to plant wrong columns and units into."""

from __future__ import annotations

import pandas as pd

N = 40


def extract(n: int = N) -> pd.DataFrame:
    """A plausible canonical extract as text: weights 2,600-4,043 g, gestation 37-41 weeks."""
    i = pd.RangeIndex(n)
    weeks, days, grams = 37 + i % 5, i % 7, 2600 + 37 * i
    return pd.DataFrame(
        {
            "baby_id": [f"B{k:04d}" for k in i],
            "birth_date": [f"2023-{k % 12 + 1:02d}-{k % 28 + 1:02d}" for k in i],
            "birth_outcome": "live",
            "gestation_weeks": weeks.astype(str),
            "gestation_days": days.astype(str),
            "birth_weight_g": grams.astype(str),
            "baby_sex": ["M" if k % 2 else "F" for k in i],
            "plurality": "1",
            "mother_age": (20 + i % 20).astype(str),
            "mother_ethnic_category": "A",
            "mother_lsoa": [f"E01{k:06d}" for k in i],
            "area_code": "E06000016",
        }
    )


GRAMS = 2600 + 37 * pd.RangeIndex(N)


POSTCODES = [f"LE{k % 9 + 1} {k % 10}AB" for k in range(N)]


MOTHER_DOB = [f"19{80 + k % 20}-{k % 12 + 1:02d}-{k % 28 + 1:02d}" for k in range(N)]
