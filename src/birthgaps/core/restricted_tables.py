"""The restricted tables of the catalogue: the parquet and CSV files one stage hands the next.

Enters: the ``Column`` and ``TableSpec`` of ``birthgaps.core.columns``. Leaves: ``RESTRICTED``
(table key -> ``TableSpec`` with a pandas dtype on every column). None of these is published:
they hold single births or unrounded counts.
"""

from __future__ import annotations

from birthgaps.core.codes import (
    CELL_DIMENSIONS,
    DETAILED_CELL_DIMENSIONS,
    ETHNIC_DETAILED,
)
from birthgaps.core.columns import Column, TableSpec, col

#: Roles of the restricted columns.
RECORD = "one birth's record (restricted: never published)"
EXACT = "exact count (restricted: disclosure control comes later)"


def _record(description: str, dtype: str, kind: str = "text") -> Column:
    return col(description.split(":")[0], description, kind=kind, dtype=dtype, role=RECORD)


#: The canonical extract (DESIGN.md), in canonical order (``codes.CANONICAL_COLUMNS``).
CANONICAL: dict[str, Column] = {
    "baby_id": _record("Baby id: the record's identifier in the extract", "string"),
    "birth_date": _record("Birth date: date of birth", "datetime64[ns]"),
    "birth_outcome": _record("Birth outcome: `live` or `still`", "string"),
    "gestation_weeks": _record("Gestation weeks: completed weeks of gestation", "Int64", "integer"),
    "gestation_days": _record(
        "Gestation days: days beyond the completed weeks", "Int64", "integer"
    ),
    "birth_weight_g": _record("Birth weight: grams", "Int64", "integer"),
    "baby_sex": _record("Baby sex: the baby's sex code", "string"),
    "plurality": _record("Plurality: babies born in the delivery", "Int64", "integer"),
    "mother_age": _record("Mother age: the mother's age in years", "Int64", "integer"),
    "mother_ethnic_category": _record(
        "Mother ethnic category: the mother's NHS ethnic category code", "string"
    ),
    "mother_lsoa": _record("Mother LSOA: LSOA code of the mother's residence", "string"),
    "area_code": _record("Area code: ONS code of the mother's local authority", "string"),
    "maternity_id": _record(
        "Maternity id: the delivery; babies of one twin or triplet maternity share it", "string"
    ),
    "delivery_method": _record(
        "Delivery method: NHS Data Dictionary DELIVERY METHOD code 0-9", "string"
    ),
    "booking_gestation_days": _record(
        "Booking gestation: gestation at the antenatal booking appointment, days",
        "Int64",
        "integer",
    ),
    "smoking_at_delivery": _record(
        "Smoking at delivery: the mother smoked at the time of delivery", "boolean", "boolean"
    ),
    "mother_bmi": _record("Mother BMI: the mother's BMI at booking, kg/m2", "Float64", "number"),
    "death_date": _record("Death date: the baby's linked date of death", "datetime64[ns]"),
    "age_at_death_days": _record(
        "Age at death: the baby's age at its linked death, days", "Int64", "integer"
    ),
}

#: What cleaning adds to each clean live birth.
DERIVED: dict[str, Column] = {
    "year": _record("Year: year of birth", "int64", "integer"),
    "imd_decile": _record(
        "IMD decile: the neighbourhood's IMD decile, Unknown when missing", "string"
    ),
    "imd_quintile": _record("IMD quintile: the quintile of the configured basis", "string"),
    "imd_quintile_national": _record("IMD quintile national: England-wide quintile", "string"),
    "imd_quintile_local": _record("IMD quintile local: quintile within the study areas", "string"),
    "ethnic_group": _record("Ethnic group: ONS 2021 high-level group", "string"),
    "ethnic_group_detailed": _record("Ethnic group detailed: ONS 2021 detailed group", "string"),
    "age_band": _record("Age band: the mother's age band", "string"),
    "live": _record("Live: a live birth (False: a stillbirth)", "bool", "boolean"),
    "stillbirth": _record(
        "Stillbirth: born dead (total-birth denominators only)", "bool", "boolean"
    ),
    "maternity_first": _record(
        "Maternity first: the record that stands for its maternity (missing without maternity ids)",
        "boolean",
        "boolean",
    ),
    "multiple_birth": _record("Multiple birth: one of two or more babies", "bool", "boolean"),
    "weight_gestation_implausible": _record(
        "Weight for gestation implausible: flagged, kept", "bool", "boolean"
    ),
}

_CELL_TEXT = {
    "area_code": ("Area code", "string"),
    "year": ("Year", "int64"),
    "imd_quintile": ("IMD quintile", "string"),
    "ethnic_group": ("Ethnic group", "string"),
    "age_band": ("Age band", "string"),
    ETHNIC_DETAILED: ("Ethnic group detailed", "string"),
}


def _cell_columns(dimensions: list[str]) -> dict[str, Column]:
    """The columns of a cell table over ``dimensions``: the dimensions, outcome, exact counts."""
    return {
        **{
            name: col(
                _CELL_TEXT[name][0],
                f"{_CELL_TEXT[name][0]} of the cell",
                kind="integer" if name == "year" else "text",
                dtype=_CELL_TEXT[name][1],
            )
            for name in dimensions
        },
        "outcome": col("Outcome", "Outcome code", dtype="string"),
        "events": col(
            "Events",
            "Births, deaths or maternities with the outcome",
            "births",
            "count",
            dtype="int64",
            role=EXACT,
        ),
        "denominator": col(
            "Denominator",
            "Live births, total births or maternities in the outcome's denominator",
            "births",
            "count",
            dtype="int64",
            role=EXACT,
        ),
    }


RESTRICTED: dict[str, TableSpec] = {
    spec.key: spec
    for spec in [
        TableSpec(
            key="births",
            sheet="",
            title="Canonical births",
            scope="Every record of the extract in the canonical layout (rule ingest)",
            columns=CANONICAL,
            restricted=True,
            path="restricted/births.parquet",
        ),
        TableSpec(
            key="births_clean",
            sheet="",
            title="Clean births",
            scope="Live births and stillbirths of the study areas and years with derived variables; "
            "values not stated or implausible are blank (rule clean)",
            columns={**CANONICAL, **DERIVED},
            restricted=True,
            path="restricted/births_clean.parquet",
        ),
        TableSpec(
            key="cells",
            sheet="",
            title="Cells",
            scope="Exact counts of events and denominators by area, year, IMD quintile, ethnic "
            "group, age band and outcome (rule cells)",
            columns=_cell_columns(CELL_DIMENSIONS),
            restricted=True,
            path="restricted/cells.parquet",
        ),
        TableSpec(
            key="cells_detailed",
            sheet="",
            title="Cells by detailed ethnic group",
            scope="Exact counts of events and denominators by area, year, high-level and detailed "
            "ethnic group and outcome, for the optional detailed breakdown (rule cells)",
            columns=_cell_columns(DETAILED_CELL_DIMENSIONS),
            restricted=True,
            path="restricted/cells_detailed.parquet",
        ),
        TableSpec(
            key="death_marker_cells",
            sheet="",
            title="Deaths by marker",
            scope="Exact deaths of each modelled mortality outcome of live births by area, year of "
            "birth, IMD quintile, ethnic group and whether the baby was preterm or of low birth "
            "weight (yes, no, not stated) (rule cells)",
            columns={
                **{
                    name: column
                    for name, column in _cell_columns(CELL_DIMENSIONS).items()
                    if name in ("area_code", "year", "imd_quintile", "ethnic_group", "outcome")
                },
                "marker": col("Marker", "Marker outcome code (preterm, lbw)", dtype="string"),
                "status": col(
                    "Status", "The death's marker: yes, no or not stated", dtype="string"
                ),
                "events": col(
                    "Deaths",
                    "Deaths with this marker status",
                    "deaths",
                    "count",
                    dtype="int64",
                    role=EXACT,
                ),
            },
            restricted=True,
            path="restricted/death_marker_cells.parquet",
        ),
        TableSpec(
            key="exclusion_flow_restricted",
            sheet="",
            title="Exclusion flow (exact)",
            scope="Records each cleaning step removed, flagged or counted, before disclosure "
            "control (rule clean)",
            columns={
                "step": col("Step", "Code of the cleaning step (docs/cleaning.md)"),
                "description": col("Description", "What the step does"),
                "count": col(
                    "Number",
                    "Records the step removed, flagged or counted",
                    "records",
                    "count",
                    role=EXACT,
                ),
                "remaining": col(
                    "Remaining",
                    "Records left after a removal step",
                    "records",
                    "count",
                    role=EXACT,
                ),
            },
            restricted=True,
            path="restricted/exclusion_flow.csv",
        ),
    ]
}
