"""National mode of the synthetic generator: per-area births, deprivation and ethnic mix
(``synthetic.area_profiles``), and the England-like profiles of every upper-tier local authority
built from the published ONS and MHCLG tables of a ``../shared/data``-style folder.

The demo release gives every area the same size and one of three deprivation profiles; a
national release needs areas as unequal as England's (Birmingham against Rutland), so each area
gets its own share of births, IMD decile mix and ethnic mix (docs/synthetic-data.md, "National
mode"). Nothing here is copied from the published tables into the project: they are read when the
profiles are built (benchmarks/national_run.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.ingest.synth_model import GROUPS

#: The ONS and MHCLG tables the England-like profiles are read from, under the data folder.
BIRTHS_TABLE = "ons-birth-registrations-2023/births2023_Table_1.csv"
MOTHERS_TABLE = "ons-parents-country-of-birth-2023/pcob2023_Table_6a.csv"
IMD_TABLE = "iod2025-lsoa21/imd2025_england_lsoa21.csv"
LSOA_LTLA_TABLE = "lsoa-lookups/lookup_lsoa21_ward24_ltla24.csv"
REGION_TABLE = "lsoa-lookups/lookup_ltla24_region24.csv"
#: Geographies of Table 1 that are upper-tier local authorities (a county holds the
#: non-metropolitan districts listed after it).
UPPER_TIER = ("Unitary Authority", "London Borough", "Metropolitan District", "County")
#: Ethnic mix of England's births that the per-area approximation is scaled to (ONS births by
#: ethnicity of baby, 2021 census-era shares rounded): White, Asian, Black, Mixed, Other.
ENGLAND_ETHNIC_MIX = {"White": 0.72, "Asian": 0.14, "Black": 0.06, "Mixed": 0.05, "Other": 0.03}
MIN_LSOAS = 8


def parse_profiles(profiles: Mapping | None, areas: Mapping[str, str]) -> dict | None:
    """``synthetic.area_profiles`` checked and as arrays in area order: ``births`` (relative
    births), ``deciles`` (areas x 10 shares of LSOAs by IMD decile), ``ethnic_mix`` (areas x
    groups); None when absent (the demo's equal areas)."""
    if not profiles:
        return None

    def fail(problem: str, key: str) -> InputError:
        return InputError(problem, key=f"synthetic.area_profiles.{key}", rule="synthetic")

    missing = [a for a in areas if a not in profiles]
    if missing:
        raise fail(f"no profile for {len(missing)} area(s), e.g. {missing[0]}", missing[0])
    births, deciles, mixes = [], [], []
    for area in areas:
        block = profiles[area] or {}
        weight = float(block.get("births", 0))
        shares = np.asarray(block.get("deciles") or [], dtype=float)
        mix = block.get("ethnic_mix") or {}
        if weight <= 0:
            raise fail("births must be a positive number", f"{area}.births")
        if shares.shape != (10,) or shares.min() < 0 or shares.sum() <= 0:
            raise fail("deciles must be 10 non-negative shares", f"{area}.deciles")
        unknown = sorted(set(mix) - set(GROUPS))
        if unknown:
            raise fail(f"unknown ethnic group(s) {unknown}", f"{area}.ethnic_mix")
        row = np.array([float(mix.get(g, 0.0)) for g in GROUPS])
        if row.min() < 0 or row.sum() <= 0:
            raise fail("ethnic_mix shares must be non-negative", f"{area}.ethnic_mix")
        births.append(weight)
        deciles.append(shares / shares.sum())
        mixes.append(row / row.sum())
    return {
        "births": np.asarray(births) / sum(births),
        "deciles": np.vstack(deciles),
        "ethnic_mix": np.vstack(mixes),
    }


def lsoa_counts(births: np.ndarray, n_per_area: int) -> np.ndarray:
    """LSOAs per area, in proportion to its births (at least :data:`MIN_LSOAS`), so LSOAs have
    about the same births everywhere as real ones do."""
    total = n_per_area * len(births)
    raw = births * total
    counts = np.floor(raw).astype(int)
    short = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return np.maximum(counts, MIN_LSOAS)


# --------------------------------------------------------------------------------------------
# England-like profiles from the published tables
# --------------------------------------------------------------------------------------------


def upper_tier_areas(data_dir: str | Path) -> pd.DataFrame:
    """Every upper-tier local authority of England in ONS births 2023 Table 1: ``code``, ``name``,
    ``geography``, ``region_code``, ``region_name``, ``live_births`` (2023), and ``districts``
    (its lower-tier codes: a county's districts, else itself). Cornwall and the Isles of Scilly,
    published together, take Cornwall's code."""
    path = Path(data_dir) / BIRTHS_TABLE
    if not path.exists():
        raise InputError("the ONS births table is missing", file=str(path))
    table = pd.read_csv(path, dtype=str)
    code, name, kind = (f"Area of usual residence {c}" for c in ("Code", "Name", "Geography"))
    table = table[
        (table["Sex"] == "All births") & (table["Registration type"] == "All registration types")
    ]
    regions = pd.read_csv(Path(data_dir) / REGION_TABLE, dtype=str)
    region_names = dict(zip(regions["region24_code"], regions["region24_name"], strict=False))
    rows, region, county = [], None, None
    for record in table.itertuples(index=False):
        values = record._asdict()
        area_code = str(values[_field(table, code)]).split(",")[0].strip()
        geography = str(values[_field(table, kind)])
        if not area_code.startswith("E"):
            continue
        if geography == "Region":
            region = area_code
        elif geography in UPPER_TIER:
            county = len(rows) if geography == "County" else None
            rows.append(
                {
                    "code": area_code,
                    "name": str(values[_field(table, name)]),
                    "geography": geography,
                    "region_code": region,
                    "region_name": region_names.get(region, region),
                    "live_births": int(values[_field(table, "Number of live births")]),
                    "districts": [] if geography == "County" else [area_code],
                }
            )
        elif geography == "Non-metropolitan District" and county is not None:
            rows[county]["districts"].append(area_code)
    return pd.DataFrame(rows)


def _field(table: pd.DataFrame, column: str) -> str:
    """The itertuples field name of a column (positional: spaces are not valid names)."""
    return f"_{list(table.columns).index(column)}"


def england_profiles(data_dir: str | Path, areas: pd.DataFrame) -> dict[str, dict]:
    """``synthetic.area_profiles`` for ``areas`` (from :func:`upper_tier_areas`): births 2023, the
    share of the area's LSOAs (2021) in each IoD2025 decile, and an ethnic mix approximated from
    the mothers' region of birth (Table 6a; docs/synthetic-data.md): Asian births scale with
    mothers born in the Middle East and Asia, Black births with mothers born in Africa, Mixed and
    Other with all non-UK-born mothers, each calibrated so England's mix is
    :data:`ENGLAND_ETHNIC_MIX`; White takes the rest."""
    data = Path(data_dir)
    imd = pd.read_csv(data / IMD_TABLE, usecols=["lsoa21_code", "IMD_decile"], dtype=str)
    ltla = pd.read_csv(data / LSOA_LTLA_TABLE, usecols=["lsoa21_code", "ltla24_code"], dtype=str)
    imd = imd.merge(ltla.drop_duplicates("lsoa21_code"), on="lsoa21_code", how="left")
    district_of = {
        d: a for a, ds in zip(areas["code"], areas["districts"], strict=True) for d in ds
    }
    imd["area"] = imd["ltla24_code"].map(district_of)
    imd["decile"] = imd["IMD_decile"].astype(int)
    england = np.bincount(imd["decile"] - 1, minlength=10) / len(imd)
    by_area = imd.dropna(subset=["area"]).groupby(["area", "decile"]).size().unstack(fill_value=0)
    mothers = _mothers_birthplace(data / MOTHERS_TABLE)
    shares = mothers.reindex(areas["code"]).fillna(mothers.loc["E92000001"])
    scale = {
        "Asian": ENGLAND_ETHNIC_MIX["Asian"] / mothers.loc["E92000001", "asia"],
        "Black": ENGLAND_ETHNIC_MIX["Black"] / mothers.loc["E92000001", "africa"],
        "Mixed": ENGLAND_ETHNIC_MIX["Mixed"] / mothers.loc["E92000001", "non_uk"],
        "Other": ENGLAND_ETHNIC_MIX["Other"] / mothers.loc["E92000001", "non_uk"],
    }
    source = {"Asian": "asia", "Black": "africa", "Mixed": "non_uk", "Other": "non_uk"}
    profiles = {}
    for area, births in zip(areas["code"], areas["live_births"], strict=True):
        deciles = (
            by_area.loc[area].reindex(range(1, 11), fill_value=0).to_numpy(float)
            if area in by_area.index
            else england
        )
        mix = {g: min(0.6, scale[g] * float(shares.loc[area, source[g]])) for g in source}
        mix = {"White": max(0.05, 1.0 - sum(mix.values())), **mix}
        profiles[str(area)] = {
            "births": int(births),
            "deciles": [round(float(x) / float(deciles.sum()), 5) for x in deciles],
            "ethnic_mix": {g: round(float(v), 5) for g, v in mix.items()},
        }
    return profiles


def _mothers_birthplace(path: Path) -> pd.DataFrame:
    """Share of live births by mother's region of birth per area code (2023): ``asia`` (Middle
    East and Asia), ``africa``, ``non_uk`` (all outside the UK)."""
    table = pd.read_csv(path, dtype=str)
    births = pd.to_numeric(table["Number of live births"].str.replace(",", ""), errors="coerce")
    prefix = "Live births to non-UK-born mothers"

    def share(column: str) -> pd.Series:
        values = pd.to_numeric(table[column].str.replace(",", ""), errors="coerce")
        return values / births

    out = pd.DataFrame(
        {
            "asia": share(f"{prefix} Mother's country of birth Middle East and Asia"),
            "africa": share(f"{prefix} Mother's country of birth Africa"),
            "non_uk": share(prefix),
        }
    )
    out.index = table["Code"].str.split(",").str[0].str.strip()
    out = out[~out.index.duplicated()].fillna(0.0)
    return out
