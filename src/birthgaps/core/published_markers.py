"""The catalogue entry of ``tables/death_markers.csv`` (the share of deaths that were preterm or of
low birth weight) and the one wording of the collider-bias caution that goes with it, kept apart
so ``published_tables`` stays small. The workbook shows the caution in the sheet's scope; the
models and the appendix take it from here (``birthgaps.models.notes.COLLIDER_CAUTION``)."""

from __future__ import annotations

from birthgaps.core.columns import (
    AREA_CODE,
    AREA_NAME,
    FLAG,
    GROUP,
    NOTE,
    OUTCOME,
    SUPPRESSED,
    TableSpec,
    ci_columns,
    col,
    label_columns,
)

#: Why neither these shares nor any adjustment of a mortality gap for gestation or birth weight
#: says how much of the gap prematurity or low birth weight "explains" (the birth-weight paradox:
#: Wilcox 2001; Hernandez-Diaz, Schisterman and Hernan 2006; VanderWeele, Mumford and Schisterman
#: 2012). Every sentence is a statement about methods, true whatever the data.
COLLIDER_CAUTION = (
    "Gestation and birth weight lie on the causal path between a baby's circumstances and its "
    "death: deprivation and ethnicity can act through them, and they share causes with death "
    "that are not measured here (such as congenital anomalies and infection). Comparing or "
    "adjusting death rates within strata of gestation or birth weight conditions on a "
    "consequence of the exposure, which can create associations that are not causal and can "
    "even reverse them (the birth-weight paradox: Wilcox 2001; Hernández-Díaz, Schisterman and "
    "Hernán 2006). So a smaller gap after adjusting for gestation or birth weight does not show "
    "that prematurity or low birth weight explains that share of the gap, and the share of "
    "deaths that were preterm or of low birth weight describes the deaths; it does not measure "
    "how many deaths prematurity caused."
)

DEATH_MARKERS = TableSpec(
    key="death_markers",
    sheet="Death_markers",
    title="Share of infant deaths that were preterm or of low birth weight, by area, deprivation "
    "and ethnic group",
    scope="Whole period, deaths of each modelled mortality outcome of live births by year of "
    "birth; percentages of the deaths whose gestation or birth weight is stated, with Wilson 95% "
    "confidence intervals from the rounded counts. " + COLLIDER_CAUTION,
    columns={
        **label_columns(),
        "area_code": AREA_CODE,
        "area_name": AREA_NAME,
        "outcome": OUTCOME,
        "marker": col(
            "Marker",
            "`preterm` (born before the preterm threshold of weeks) or `lbw` (born under the low "
            "birth weight threshold of grams), as the outcomes of the same codes define them",
        ),
        "dimension": col(
            "Breakdown",
            "`overall`, `imd_quintile` (1 = most deprived) or `ethnic_group` (mother's ethnic "
            "group, ONS 2021 high-level groups)",
        ),
        "group": GROUP,
        "events": col(
            "Deaths with the marker",
            "Deaths of babies who were preterm (or of low birth weight), {rounded}",
            "deaths",
            "count",
        ),
        "denominator": col(
            "Deaths with the marker stated",
            "Deaths of babies whose gestation (or birth weight) is stated, {rounded}",
            "deaths",
            "count",
        ),
        "percent": col(
            "Percentage",
            "Deaths with the marker as a percentage of the deaths with it stated, from the "
            "rounded counts",
            "%",
            "number",
            decimals=1,
        ),
        **ci_columns("", "percentage", "%", 1, ("95",)),
        "note": NOTE,
        "suppressed": SUPPRESSED,
        "flag": FLAG,
    },
    notes=("ethnicity",),
    column_notes={"events": "rounding"},
)
