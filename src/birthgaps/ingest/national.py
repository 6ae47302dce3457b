"""England, region and local authority comparators from published ONS tables: the reference table
the benchmark reads (``resources/comparators/ons_reference.csv``), so areas are compared with England,
never with themselves.

Definitions follow the published tables (docs/statistics.md, "Comparators"):

- ``preterm``: live births under 37 weeks, of live births with a stated gestation that is not
  "inconsistent with birthweight" (under 22 weeks at 1,000 g or more). England by year from ONS
  child and infant mortality 2022, Table 23 (single weeks, 2010-2022; "Under 22 weeks &
  birthweight <1000g" counts as preterm, as in the birth characteristics bands); England and
  regions for 2022 from ONS birth characteristics 2022, Table 8 (the same totals).
- ``lbw``: live births under 2,500 g, of live births with a stated, plausible birthweight. England
  and regions (counts) from birth characteristics Table 4; local authorities from Table 1 (the
  published percentage only, 1 decimal: no counts).
- ``term_lbw``: live births at 37 weeks or more under 2,500 g, of those with a known birthweight;
  England, regions and local authorities from birth characteristics Table 6.
- mortality (``stillbirth``, ``perinatal``, ``early_neonatal``, ``neonatal``, ``postneonatal``,
  ``infant``): deaths per 1,000 births, England and regions (``ingest.national_mortality``).

Every row's ``percent`` is its value as a percentage (a rate of 3.9 per 1,000 is 0.39), so pooling
and the 0-100 check work for every outcome; ``measure`` (``percent`` or ``per_1000``) says how the
outcome is published and ``rate`` is the value in that unit (``percent``, or ``percent`` x 10).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import builtin_declarations
from birthgaps.ingest.national_mortality import ENGLAND, mortality_reference

REFERENCE_COLUMNS = [
    "geography_code",
    "geography_name",
    "geography_type",
    "outcome",
    "year",
    "period",
    "numerator",
    "denominator",
    "percent",
    "source",
    "measure",
    "rate",
]
#: Columns a user's own reference table may leave out (filled from ``outcome`` and ``percent``).
OPTIONAL_COLUMNS = ("measure", "rate")
#: How many of each measure's unit one percentage point is.
MEASURE_SCALE = {"percent": 1.0, "per_1000": 10.0}
REGION_COLUMNS = ["lad_code", "lad_name", "region_code", "region_name"]
GEOGRAPHY_TYPES = ("country", "region", "local_authority")

CIM_2022 = "ons-child-infant-mortality-2022"
BC_2022 = "ons-birth-characteristics-2022"
CIM_SOURCE = "ONS Child mortality (death cohort) tables in England and Wales: 2022, Table 23"
BC_SOURCE = "ONS Birth characteristics in England and Wales: 2022, Table {table}"

#: Rows of cim2022 Table 23 that are not a week of gestation in the denominator.
CIM_NOT_IN_DENOMINATOR = ("All", "Inconsistent with birthweight", "Not stated", "Unlinked deaths")
#: Rows of cim2022 Table 23 that are preterm (under 37 weeks).
CIM_PRETERM = ("Under 22 weeks & birthweight <1000g", *(str(w) for w in range(22, 37)))
TABLE8_PRETERM = [
    "Gestational age Under 24 weeks",
    "Gestational age 24 to 27 weeks",
    "Gestational age 28 to 31 weeks",
    "Gestational age 32 to 36 weeks",
]
TABLE8_NOT_STATED = [
    "Low gestational age inconsistent with birthweight",
    "Gestational age Not stated",
]
TABLE4_LBW = ["Under 1,500 grams", "1,500 to 1,999 grams", "2,000 to 2,499 grams"]
TABLE4_NOT_STATED = ["Implausible birthweights", "Not stated"]
TABLE1_LBW = "Percentage of live births under 2,500 grams birthweight"
TABLE6_DENOMINATOR = "Live births at 37 weeks or more gestation with known birthweight"
TABLE6_NUMERATOR = (
    "Live births at 37 weeks or more gestation with low birthweight (less than 2,500 grams)"
)
CODE, NAME, GEOGRAPHY = (
    f"Area of usual residence {part}" for part in ("Code", "Name", "Geography")
)


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    """A published CSV as text, with the named columns present (else InputError naming them)."""
    if not path.exists():
        raise InputError("a published comparator table is missing", file=str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            "a published comparator table lacks a column", file=str(path), column=", ".join(missing)
        )
    return frame


def _counts(frame: pd.DataFrame, columns: list[str], path: Path) -> pd.DataFrame:
    """The columns as whole numbers; a marker such as ``[x]`` stops with InputError (count given)."""
    out = frame[columns].apply(pd.to_numeric, errors="coerce")
    bad = int(out.isna().any(axis=1).sum())
    if bad:
        raise InputError(
            "a published count is not a number", file=str(path), column=", ".join(columns), rows=bad
        )
    return out.astype("int64")


def _rows(
    codes: pd.Series,
    names: pd.Series,
    types: pd.Series,
    outcome: str,
    year: int,
    numerator: pd.Series | None,
    denominator: pd.Series | None,
    percent: pd.Series,
    source: str,
) -> pd.DataFrame:
    """Reference rows in :data:`REFERENCE_COLUMNS` layout."""
    n = len(codes)
    blank = pd.Series([pd.NA] * n, dtype="Int64")
    return pd.DataFrame(
        {
            "geography_code": codes.to_numpy(),
            "geography_name": names.to_numpy(),
            "geography_type": types.to_numpy(),
            "outcome": outcome,
            "year": year,
            "period": str(year),
            "numerator": blank if numerator is None else pd.array(numerator, dtype="Int64"),
            "denominator": blank if denominator is None else pd.array(denominator, dtype="Int64"),
            "percent": percent.to_numpy(dtype="float64"),
            "source": source,
            "measure": "percent",
        }
    )


def _percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """100 x numerator / denominator, rounded to 4 decimals (the shipped precision)."""
    return (100 * numerator.astype("float64") / denominator.astype("float64")).round(4)


def _geography(frame: pd.DataFrame, region_names: dict[str, str]) -> pd.DataFrame:
    """England's rows only, typed country/region/local_authority, names in the published case
    (regions by their Table 8 name, England as "England", local authorities stripped)."""
    code = frame[CODE].str.strip()
    keep = code.str.startswith("E")
    out = frame[keep].copy()
    code = code[keep]
    kind = out[GEOGRAPHY].str.strip().str.lower()
    out["_type"] = np.select(
        [code == ENGLAND, kind == "region"], ["country", "region"], "local_authority"
    )
    name = out[NAME].str.strip()
    name = name.mask(code == ENGLAND, "England")
    out["_name"] = code.map(region_names).fillna(name)
    out["_code"] = code
    return out


def preterm_england_by_year(path: Path) -> pd.DataFrame:
    """England's preterm births by year, 2010-2022, from cim2022 Table 23 (single weeks)."""
    first = "Gestational age (weeks)"
    frame = _read(path, [first])
    label = frame[first].str.strip()
    years = sorted(int(c.rsplit(" ", 1)[1]) for c in frame.columns if c.startswith("Live births "))
    if not years:
        raise InputError("no 'Live births <year>' columns", file=str(path), column="Live births")
    weeks = ~label.isin(CIM_NOT_IN_DENOMINATOR)
    preterm = label.isin(CIM_PRETERM)
    if int(preterm.sum()) != len(CIM_PRETERM):
        raise InputError(
            "the gestation rows under 37 weeks are not all present",
            file=str(path),
            column=first,
            rows=len(CIM_PRETERM) - int(preterm.sum()),
        )
    frames = []
    for year in years:
        births = _counts(frame.loc[weeks], [f"Live births {year}"], path).iloc[:, 0]
        numerator = pd.Series([births[preterm[weeks]].sum()])
        denominator = pd.Series([births.sum()])
        frames.append(
            _rows(
                pd.Series([ENGLAND]),
                pd.Series(["England"]),
                pd.Series(["country"]),
                "preterm",
                year,
                numerator,
                denominator,
                _percent(numerator, denominator),
                CIM_SOURCE,
            )
        )
    return pd.concat(frames, ignore_index=True)


def _region_names(table8: pd.DataFrame) -> dict[str, str]:
    """Region code -> name as Table 8 writes it ("Yorkshire and The Humber")."""
    regions = table8[table8[GEOGRAPHY].str.strip().str.lower() == "region"]
    return dict(zip(regions[CODE].str.strip(), regions[NAME].str.strip(), strict=True))


def preterm_2022(path: Path) -> pd.DataFrame:
    """England's and each region's preterm births in 2022 from birth characteristics Table 8."""
    frame = _read(path, [CODE, NAME, GEOGRAPHY, "All births", *TABLE8_PRETERM, *TABLE8_NOT_STATED])
    geo = _geography(frame, _region_names(frame))
    geo = geo[geo["_type"] != "local_authority"]
    numerator = _counts(geo, TABLE8_PRETERM, path).sum(axis=1)
    total = _counts(geo, ["All births"], path).iloc[:, 0]
    denominator = total - _counts(geo, TABLE8_NOT_STATED, path).sum(axis=1)
    source = BC_SOURCE.format(table=8)
    return _rows(
        geo["_code"], geo["_name"], geo["_type"], "preterm", 2022,
        numerator, denominator, _percent(numerator, denominator), source,
    )  # fmt: skip


def lbw_2022(table4: Path, table1: Path, region_names: dict[str, str]) -> pd.DataFrame:
    """Low birth weight in 2022: England and regions with counts (Table 4), local authorities with
    the published percentage only (Table 1)."""
    frame = _read(table4, [CODE, NAME, GEOGRAPHY, "Total number All birthweights", *TABLE4_LBW])
    _read(table4, TABLE4_NOT_STATED)
    geo = _geography(frame, region_names)
    numerator = _counts(geo, TABLE4_LBW, table4).sum(axis=1)
    total = _counts(geo, ["Total number All birthweights"], table4).iloc[:, 0]
    denominator = total - _counts(geo, TABLE4_NOT_STATED, table4).sum(axis=1)
    counted = _rows(
        geo["_code"], geo["_name"], geo["_type"], "lbw", 2022,
        numerator, denominator, _percent(numerator, denominator), BC_SOURCE.format(table=4),
    )  # fmt: skip
    frame1 = _read(table1, [CODE, NAME, GEOGRAPHY, TABLE1_LBW])
    geo1 = _geography(frame1, region_names)
    geo1 = geo1[geo1["_type"] == "local_authority"]
    percent = pd.to_numeric(geo1[TABLE1_LBW], errors="coerce")
    geo1, percent = geo1[percent.notna()], percent[percent.notna()]
    published = _rows(
        geo1["_code"], geo1["_name"], geo1["_type"], "lbw", 2022,
        None, None, percent, BC_SOURCE.format(table=1),
    )  # fmt: skip
    return pd.concat([counted, published], ignore_index=True)


def term_lbw_2022(path: Path, region_names: dict[str, str]) -> pd.DataFrame:
    """Low birth weight at term in 2022 for England, regions and local authorities (Table 6)."""
    frame = _read(path, [CODE, NAME, GEOGRAPHY, TABLE6_DENOMINATOR, TABLE6_NUMERATOR])
    geo = _geography(frame, region_names)
    numerator = _counts(geo, [TABLE6_NUMERATOR], path).iloc[:, 0]
    denominator = _counts(geo, [TABLE6_DENOMINATOR], path).iloc[:, 0]
    return _rows(
        geo["_code"], geo["_name"], geo["_type"], "term_lbw", 2022,
        numerator, denominator, _percent(numerator, denominator), BC_SOURCE.format(table=6),
    )  # fmt: skip


def build_reference(data_dir: str | Path) -> pd.DataFrame:
    """The whole reference table from the ONS CSVs under ``data_dir`` (../shared/data layout).

    England's 2022 preterm row comes from Table 8 (birth characteristics), the earlier years from
    cim2022 Table 23; the two agree for 2022 (tests/test_comparators.py checks it). The mortality
    rows (per 1,000) come from ``ingest.national_mortality.mortality_reference``.
    """
    data = Path(data_dir)
    bc = data / BC_2022
    table8 = bc / "bc2022_Table_8.csv"
    regions = _region_names(_read(table8, [CODE, NAME, GEOGRAPHY]))
    by_year = preterm_england_by_year(data / CIM_2022 / "cim2022_23.csv")
    latest = preterm_2022(table8)
    frames = [
        by_year[by_year["year"] != 2022],
        latest,
        lbw_2022(bc / "bc2022_Table_4.csv", bc / "bc2022_Table_1.csv", regions),
        term_lbw_2022(bc / "bc2022_Table_6.csv", regions),
        mortality_reference(data, regions),
    ]
    return tidy_reference(pd.concat(frames, ignore_index=True))


def tidy_reference(frame: pd.DataFrame) -> pd.DataFrame:
    """Reference rows in a fixed order and types (outcome, type, code, year), duplicates dropped;
    a missing ``measure`` is the built-in outcome's declared measure (``per_1000`` for mortality),
    else ``percent``, and a missing ``rate`` is ``percent`` in that measure's unit."""
    order = {kind: i for i, kind in enumerate(GEOGRAPHY_TYPES)}
    out = frame.reindex(columns=REFERENCE_COLUMNS).copy()
    declared = {k: d["measure"] for k, d in builtin_declarations().items()}
    default = out["outcome"].map(declared).fillna("percent").astype(object)
    given = out["measure"].astype(object)
    out["measure"] = given.where(given.notna(), default)
    scale = out["measure"].map(MEASURE_SCALE)
    percent = pd.to_numeric(out["percent"]).astype("float64")
    out["rate"] = pd.to_numeric(out["rate"]).astype("float64").fillna((percent * scale).round(4))
    out["_t"] = out["geography_type"].map(order)
    keys = ["outcome", "geography_code", "year"]
    out = out.drop_duplicates(keys).sort_values(["outcome", "_t", "geography_code", "year"])
    out = out.drop(columns="_t").reset_index(drop=True)
    for column in ("numerator", "denominator"):
        out[column] = pd.array(out[column], dtype="Int64")
    out["year"] = out["year"].astype("int64")
    out["percent"] = out["percent"].astype("float64")
    out["rate"] = out["rate"].astype("float64")
    return out


def read_reference(path: str | Path) -> pd.DataFrame:
    """The shipped (or a user's) reference table, checked: columns, types and percentages."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            "the comparator reference table does not exist",
            file=str(path),
            key="comparators.reference",
            hint="rebuild it with tools/build_comparators.py, or point the key at your own table",
        )
    frame = pd.read_csv(path, dtype={"geography_code": str, "period": str})
    missing = [c for c in REFERENCE_COLUMNS if c not in frame.columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise InputError(
            "the comparator reference table lacks a column",
            file=str(path),
            column=", ".join(missing),
        )
    percent = pd.to_numeric(frame["percent"], errors="coerce")
    bad = int((percent.isna() | (percent < 0) | (percent > 100)).sum())
    if bad:
        raise InputError(
            "a comparator percentage is missing or outside 0-100",
            file=str(path),
            column="percent",
            rows=bad,
        )
    if "measure" in frame.columns:
        unknown = frame["measure"].notna() & ~frame["measure"].isin(list(MEASURE_SCALE))
        if unknown.any():
            raise InputError(
                f"measure must be one of {', '.join(MEASURE_SCALE)}",
                file=str(path),
                column="measure",
                rows=int(unknown.sum()),
            )
    kinds = ~frame["geography_type"].isin(GEOGRAPHY_TYPES)
    if kinds.any():
        raise InputError(
            f"geography_type must be one of {', '.join(GEOGRAPHY_TYPES)}",
            file=str(path),
            column="geography_type",
            rows=int(kinds.sum()),
        )
    return tidy_reference(frame.assign(percent=percent))


def lad_regions(path: str | Path) -> pd.DataFrame:
    """Local authority district -> region (England), from the ONS LTLA -> region lookup."""
    path = Path(path)
    frame = _read(path, ["ltla24_code", "ltla24_name", "region24_code", "region24_name"])
    out = frame.rename(
        columns={
            "ltla24_code": "lad_code",
            "ltla24_name": "lad_name",
            "region24_code": "region_code",
            "region24_name": "region_name",
        }
    )[REGION_COLUMNS]
    out = out.apply(lambda column: column.str.strip())
    return out.sort_values("lad_code").reset_index(drop=True)


def read_region_table(path: str | Path) -> pd.DataFrame:
    """The shipped LAD -> region map (``REGION_COLUMNS``), its columns checked."""
    return _read(Path(path), REGION_COLUMNS)


def read_lad_regions(path: str | Path) -> dict[str, str]:
    """The shipped LAD -> region map as {lad_code: region_code}."""
    frame = read_region_table(path)
    return dict(zip(frame["lad_code"].str.strip(), frame["region_code"].str.strip(), strict=True))
