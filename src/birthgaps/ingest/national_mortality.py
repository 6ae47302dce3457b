"""Published ONS mortality figures in one long layout: stillbirths, perinatal, neonatal,
postneonatal and infant deaths with their denominators, ONS's rates (per 1,000) and markers, from
the child and infant mortality tables (2020 and 2022 editions) and the 2023 birth registrations;
and the England and region rows of the comparator reference for the mortality outcomes.

Tables read (../shared/data layout, one CSV per sheet):

- child and infant mortality, Table 3: every area of usual residence (country, region, county,
  unitary authority, district, London borough); Table 21: England by IMD decile, 2010 to the
  edition's year; Table 18: England, Wales and both by ethnicity of the infant.
- birth registrations 2023, Table 2 (all ages of mother): stillbirths by area; Table 9: stillbirths
  by IMD decile.

ONS's conventions (cim Notes, note 3; PROVENANCE.md): stillbirth and perinatal rates per 1,000 total
births (live births + stillbirths), neonatal, postneonatal and infant rates per 1,000 live births,
rounded to 1 decimal; no rate from fewer than 3 deaths (``[x]``, ``:`` in 2020), low reliability
from 3 to 19 deaths (``[u]``/``u`` in the indicator column, which both editions also set on rows
of fewer than 3 deaths; the 2023 registrations set it only beside a rate), ``[z]``/``z`` not
applicable. Markers are read into ``marker`` ("" rate published, "x" not
calculated, "z" not applicable) and ``unreliable`` (ONS's ``u`` indicator; missing where the table
has none). ONS publishes no confidence limits in these tables. These are death-cohort tables:
deaths registered in a year over births in the same year (year of death, not a linked cohort).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from birthgaps.core.errors import InputError

ENGLAND = "E92000001"
CIM_DIR = "ons-child-infant-mortality-{year}"
BIRTHS_2023 = "ons-birth-registrations-2023"
#: The sheet file of each child and infant mortality table, by edition.
CIM_FILES = {
    2020: {3: "cim2020_Table_3.csv", 18: "cim2020_Table_18.csv", 21: "cim2020_Table_21.csv"},
    2022: {3: "cim2022_3.csv", 18: "cim2022_18.csv", 21: "cim2022_21.csv"},
}
CIM_SOURCE = "ONS Child mortality (death cohort) tables in England and Wales: {year}, Table {table}"
BIRTHS_SOURCE = "ONS Births in England and Wales: birth registrations 2023, Table {table}"

LIVE, TOTAL = "live_births", "total_births"
#: Mortality outcome ids (the outcome registry's) -> (deaths column, rate column, ONS's unreliable
#: indicator column, denominator). Early neonatal deaths are not a column: perinatal - stillbirths.
OUTCOME_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "stillbirth": (
        "Stillbirths",
        "Stillbirth rate",
        "Stillbirth unreliable indicator",
        TOTAL,
    ),
    "perinatal": (
        "Perinatal deaths",
        "Perinatal mortality rate",
        "Perinatal unreliable indicator",
        TOTAL,
    ),
    "neonatal": (
        "Neonatal deaths",
        "Neonatal mortality rate",
        "Neonatal unreliable indicator",
        LIVE,
    ),
    "postneonatal": (
        "Postneonatal deaths",
        "Postneonatal mortality rate",
        "Postneonatal unreliable indicator",
        LIVE,
    ),
    "infant": ("Infant deaths", "Infant mortality rate", "Infant unreliable indicator", LIVE),
}
#: The mortality outcome ids of the comparator reference, in the registry's order.
MORTALITY_OUTCOMES = (
    "stillbirth",
    "perinatal",
    "early_neonatal",
    "neonatal",
    "postneonatal",
    "infant",
)
MORTALITY_COLUMNS = [
    "source",
    "breakdown",
    "geography_code",
    "geography_name",
    "geography",
    "group",
    "year",
    "outcome",
    "deaths",
    "denominator",
    "base",
    "published_rate",
    "marker",
    "unreliable",
]
#: How ONS writes a marker -> the one letter kept ("" = a rate is published).
MARKERS = {"": "", "[x]": "x", ":": "x", "x": "x", "[z]": "z", "z": "z", "[u]": "u", "u": "u"}
AREA = ("Area of usual residence (code)", "Area of usual residence (name)")
AREA_GEOGRAPHY = "Area of usual residence (geography)"


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    """A converted ONS sheet as stripped text, with the named columns (else InputError)."""
    if not path.exists():
        raise InputError("a published ONS mortality table is missing", file=str(path))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            "a published ONS mortality table lacks a column",
            file=str(path),
            column=", ".join(missing),
        )
    return frame.apply(lambda column: column.str.strip()).drop_duplicates()


def _markers(values: pd.Series, path: Path, column: str) -> pd.Series:
    """ONS markers in one letter ("" where the cell is a number); an unknown text stops."""
    text = values.where(pd.to_numeric(values, errors="coerce").isna(), "")
    known = text.isin(list(MARKERS))
    if not known.all():
        raise InputError(
            f"an unknown marker ({', '.join(sorted(set(text[~known])))}) in a published table",
            file=str(path),
            column=column,
            rows=int((~known).sum()),
        )
    return text.map(MARKERS)


def _counts(values: pd.Series, allowed: pd.Series, path: Path, column: str) -> pd.Series:
    """Whole numbers; a marker is allowed only where ``allowed`` (a "not applicable" row)."""
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() & ~allowed
    if bad.any():
        raise InputError(
            "a published count is not a number", file=str(path), column=column, rows=int(bad.sum())
        )
    return pd.array(out, dtype="Int64")


def _long(
    frame: pd.DataFrame,
    path: Path,
    ids: dict[str, pd.Series | str | int],
    births: str,
    outcomes: list[str],
) -> pd.DataFrame:
    """One row per table row and outcome in :data:`MORTALITY_COLUMNS` layout (``ids`` gives the
    identifying columns: source, breakdown, geography_code/name, geography, group, year)."""
    frames = []
    for outcome in outcomes:
        deaths_col, rate_col, flag_col, base = OUTCOME_COLUMNS[outcome]
        # in a rate cell "u" can only mean "not calculated" (the 2020 edition's note 3 says "(u)")
        marker = _markers(frame[rate_col], path, rate_col).replace("u", "x")
        not_applicable = marker.eq("z")
        live = _counts(frame[births], not_applicable, path, births)
        deaths = _counts(frame[deaths_col], not_applicable, path, deaths_col)
        stillbirths = _counts(frame["Stillbirths"], not_applicable, path, "Stillbirths")
        denominator = live + stillbirths if base == TOTAL else live
        if flag_col in frame.columns:
            flag = _markers(frame[flag_col], path, flag_col)
            unreliable = pd.array(flag.eq("u"), dtype="boolean")
        else:
            unreliable = pd.array([pd.NA] * len(frame), dtype="boolean")
        frames.append(
            pd.DataFrame(
                {
                    **{k: v.to_numpy() if isinstance(v, pd.Series) else v for k, v in ids.items()},
                    "outcome": outcome,
                    "deaths": deaths,
                    "denominator": denominator,
                    "base": base,
                    "published_rate": pd.to_numeric(frame[rate_col], errors="coerce").to_numpy(),
                    "marker": marker.to_numpy(),
                    "unreliable": unreliable,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    return out[MORTALITY_COLUMNS]


def area_table(path: str | Path, year: int) -> pd.DataFrame:
    """Table 3 of a child and infant mortality edition: every area's deaths, births, rates and
    markers (stillbirth, perinatal, neonatal, postneonatal, infant)."""
    path = Path(path)
    outcomes = list(OUTCOME_COLUMNS)
    needed = [c for o in outcomes for c in OUTCOME_COLUMNS[o][:3]]
    frame = _read(path, [*AREA, AREA_GEOGRAPHY, "Live births", *needed])
    ids = {
        "source": CIM_SOURCE.format(year=year, table=3),
        "breakdown": "area",
        "geography_code": frame[AREA[0]],
        "geography_name": frame[AREA[1]],
        "geography": frame[AREA_GEOGRAPHY],
        "group": "",
        "year": year,
    }
    return _long(frame, path, ids, "Live births", outcomes)


def imd_table(path: str | Path, edition: int) -> pd.DataFrame:
    """Table 21 (England by IMD decile, 2010 to the edition's year): stillbirths, neonatal and
    infant deaths; ``group`` is the decile (1 = most deprived) or ``Total``."""
    path = Path(path)
    outcomes = ["stillbirth", "neonatal", "infant"]
    needed = [c for o in outcomes for c in OUTCOME_COLUMNS[o][:2]]
    frame = _read(path, ["Year", "IMD", "Live births", *needed])
    year = pd.to_numeric(frame["Year"], errors="coerce")
    if year.isna().any():
        raise InputError(
            "a year is not a number", file=str(path), column="Year", rows=int(year.isna().sum())
        )
    ids = {
        "source": CIM_SOURCE.format(year=edition, table=21),
        "breakdown": "imd_decile",
        "geography_code": ENGLAND,
        "geography_name": "England",
        "geography": "Country",
        "group": frame["IMD"],
        "year": year.astype("int64"),
    }
    return _long(frame, path, ids, "Live births", outcomes)


def ethnicity_table(path: str | Path, year: int) -> pd.DataFrame:
    """Table 18 (ethnicity of the infant by country): stillbirths, neonatal and infant deaths;
    ``group`` is ONS's ethnic group ("All", ..., "Unlinked deaths" with no denominator)."""
    path = Path(path)
    outcomes = ["stillbirth", "neonatal", "infant"]
    needed = [c for o in outcomes for c in OUTCOME_COLUMNS[o][:3]]
    frame = _read(path, ["Country code", "Country", "Ethnic group", "Live births", *needed])
    ids = {
        "source": CIM_SOURCE.format(year=year, table=18),
        "breakdown": "ethnicity",
        "geography_code": frame["Country code"],
        "geography_name": frame["Country"],
        "geography": "Country",
        "group": frame["Ethnic group"],
        "year": year,
    }
    return _long(frame, path, ids, "Live births", outcomes)


def stillbirths_2023(table2: str | Path, table9: str | Path) -> pd.DataFrame:
    """Stillbirths in 2023 from the birth registrations: every area (Table 2, all ages of mother)
    and England's and Wales's IMD deciles (Table 9, no unreliable indicator)."""
    table2, table9 = Path(table2), Path(table9)
    code, name, geography = (f"Area of usual residence {p}" for p in ("Code", "Name", "Geography"))
    age = "Age of Mother at birth (years)"
    frame = _read(
        table2,
        [code, name, geography, age, "Number of live births", "Number of stillbirths",
         "Stillbirth rate", "Unreliable indicator"],
    )  # fmt: skip
    frame = frame[frame[age] == "All ages"].rename(
        columns={
            "Number of stillbirths": "Stillbirths",
            "Unreliable indicator": "Stillbirth unreliable indicator",
        }
    )
    ids = {
        "source": BIRTHS_SOURCE.format(table=2),
        "breakdown": "area",
        "geography_code": frame[code],
        "geography_name": frame[name],
        "geography": frame[geography],
        "group": "",
        "year": 2023,
    }
    areas = _long(frame, table2, ids, "Number of live births", ["stillbirth"])
    rate = "Stillbirth rate (stillbirths per 1,000 live births and stillbirths)"
    deciles = _read(table9, ["Country", "IMD Decile", "Live births", "Stillbirths", rate])
    deciles = deciles.rename(columns={rate: "Stillbirth rate"})
    country = deciles["Country"]
    ids = {
        "source": BIRTHS_SOURCE.format(table=9),
        "breakdown": "imd_decile",
        "geography_code": country.map({"England": ENGLAND, "Wales": "W92000004"}).fillna(""),
        "geography_name": country,
        "geography": "Country",
        "group": deciles["IMD Decile"].replace("All deciles", "Total"),
        "year": 2023,
    }
    return pd.concat(
        [areas, _long(deciles, table9, ids, "Live births", ["stillbirth"])], ignore_index=True
    )


def published_mortality(data_dir: str | Path) -> pd.DataFrame:
    """Every published mortality figure read here (both editions' Tables 3, 18 and 21, and the 2023
    stillbirths) in :data:`MORTALITY_COLUMNS` layout."""
    data = Path(data_dir)
    frames = []
    for edition, files in CIM_FILES.items():
        folder = data / CIM_DIR.format(year=edition)
        frames += [
            area_table(folder / files[3], edition),
            ethnicity_table(folder / files[18], edition),
            imd_table(folder / files[21], edition),
        ]
    births = data / BIRTHS_2023
    frames.append(
        stillbirths_2023(births / "births2023_Table_2.csv", births / "births2023_Table_9.csv")
    )
    return pd.concat(frames, ignore_index=True)


def _reference_rows(rows: pd.DataFrame, kind: pd.Series, names: pd.Series) -> pd.DataFrame:
    """Mortality rows (long) -> reference rows, with early neonatal deaths (perinatal deaths -
    stillbirths) and, where not published, postneonatal deaths (infant - neonatal) derived."""
    keys = ["geography_code", "year", "source"]
    deaths = rows.pivot_table(index=keys, columns="outcome", values="deaths", aggfunc="first")
    deaths = deaths.reindex(columns=list(OUTCOME_COLUMNS)).astype("Float64")
    base = rows.pivot_table(index=keys, columns="base", values="denominator", aggfunc="first")
    derived = {
        "early_neonatal": deaths["perinatal"] - deaths["stillbirth"],
        "postneonatal": (deaths["infant"] - deaths["neonatal"]).where(
            deaths["postneonatal"].isna()
        ),
    }
    notes = {
        "early_neonatal": " (derived: perinatal deaths - stillbirths)",
        "postneonatal": " (derived: infant - neonatal deaths)",
    }
    frames = []
    for outcome in MORTALITY_OUTCOMES:
        denominator = base.reindex(columns=[LIVE, TOTAL])[
            TOTAL if OUTCOME_COLUMNS.get(outcome, ("", "", "", LIVE))[3] == TOTAL else LIVE
        ]
        published = deaths[outcome] if outcome in deaths.columns else None
        sets = [(published, "")] if published is not None else []
        if outcome in derived:
            sets.append((derived[outcome], notes[outcome]))
        for numerator, note in sets:
            part = pd.DataFrame({"numerator": numerator, "denominator": denominator})
            part = part[part["numerator"].notna()].reset_index()
            part["source"] = part["source"] + note
            part["outcome"] = outcome
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["geography_type"] = out["geography_code"].map(kind)
    out["geography_name"] = out["geography_code"].map(names)
    out["period"] = out["year"].astype(str)
    ratio = out["numerator"].astype("float64") / out["denominator"].astype("float64")
    out["percent"] = (100 * ratio).round(4)
    out["rate"] = (1000 * ratio).round(4)
    out["measure"] = "per_1000"
    return out


def mortality_reference(
    data_dir: str | Path, region_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The comparator reference rows of the mortality outcomes, untidied (per 1,000 in ``rate``;
    ``percent`` holds the
    same value as a percentage, as every reference row): England and its regions for 2020 and 2022
    from each edition's Table 3 (all six outcomes), and England for the other years 2010-2021 from
    the 2022 edition's Table 21 totals (stillbirth, neonatal, infant; postneonatal derived);
    stillbirths in 2023 for England and regions from the 2023 birth registrations, Table 2.
    ``region_names`` (code -> name) names the regions as the other reference rows do."""
    data = Path(data_dir)
    frames = []
    for edition, files in CIM_FILES.items():
        rows = area_table(data / CIM_DIR.format(year=edition) / files[3], edition)
        region = rows["geography"].str.lower().eq("region")
        frames.append(rows[rows["geography_code"].eq(ENGLAND) | region])
    births = data / BIRTHS_2023
    latest = stillbirths_2023(births / "births2023_Table_2.csv", births / "births2023_Table_9.csv")
    latest = latest[latest["breakdown"].eq("area")]
    region = latest["geography"].str.lower().eq("region")
    frames.append(latest[latest["geography_code"].eq(ENGLAND) | region])
    area = pd.concat(frames, ignore_index=True)
    imd = imd_table(data / CIM_DIR.format(year=2022) / CIM_FILES[2022][21], 2022)
    imd = imd[imd["group"].eq("Total") & ~imd["year"].isin(list(CIM_FILES))]
    both = pd.concat([area, imd], ignore_index=True)
    names = both.drop_duplicates("geography_code", keep="last")
    names = names.set_index("geography_code")["geography_name"]
    names = names.rename(index=str).where(~names.index.isin(list(region_names or {})))
    names = names.fillna(pd.Series(region_names or {}, dtype=object))
    kind = pd.Series({c: "country" if c == ENGLAND else "region" for c in names.index})
    return _reference_rows(both, kind, names)
