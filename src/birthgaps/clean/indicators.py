"""Cleaning of the maternity indicator columns (delivery method, booking gestation, smoking at
delivery, BMI): implausible values set to missing, maternity-level values made one per
maternity, and every step counted as a flow row (docs/cleaning.md).

Thresholds come from config ``definitions`` (``bmi_min``, ``bmi_max``, ``bmi_sentinels``,
``booking_max_weeks``; schema defaults 12, 70, [99.9, 999], 44).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.core.codes import DELIVERY_METHODS
from birthgaps.core.settings import schema_defaults

#: The indicator columns, each a property of the maternity (all its babies share it), with the
#: short name of its flow steps and its words.
INDICATORS: dict[str, tuple[str, str]] = {
    "delivery_method": ("delivery_method", "Delivery method"),
    "booking_gestation_days": ("booking", "Gestation at booking"),
    "smoking_at_delivery": ("smoking", "Smoking at delivery"),
    "mother_bmi": ("bmi", "BMI at booking"),
}
THRESHOLDS = ("bmi_min", "bmi_max", "bmi_sentinels", "booking_max_weeks")

FlowRows = list[tuple[str, str, int]]


def _lower(label: str) -> str:
    """A label inside a sentence: first letter lower case unless it starts an acronym (BMI)."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _thresholds(definitions: dict) -> dict:
    """The indicator thresholds of ``definitions``, schema defaults for those it leaves out."""
    defaults = schema_defaults("definitions")
    return {key: definitions.get(key, defaults[key]) for key in THRESHOLDS}


def _implausible(births: pd.DataFrame, column: str, d: dict) -> tuple[np.ndarray, np.ndarray, str]:
    """(not stated, implausible) masks of a column and the words of its implausible rule."""
    values = births[column]
    missing = values.isna().to_numpy(dtype=bool)
    none = np.zeros(len(births), dtype=bool)
    if column == "delivery_method":
        bad = ~values.isin(list(DELIVERY_METHODS)).to_numpy(dtype=bool, na_value=False) & ~missing
        return missing, bad, "not a DELIVERY METHOD code 0-9"
    if column == "booking_gestation_days":
        top = d["booking_max_weeks"] * 7 + 6
        bad = (values < 0) | (values > top)
        if {"gestation_weeks", "gestation_days"} <= set(births.columns):
            # gestation at delivery in days; unknown days count as 6 (the latest it can be)
            delivery = births["gestation_weeks"] * 7 + births["gestation_days"].fillna(6)
            bad = bad | (values > delivery)
        words = f"negative, over {d['booking_max_weeks']}+6 weeks or after the delivery"
        return missing, bad.to_numpy(dtype=bool, na_value=False), words
    if column == "mother_bmi":
        sentinel = values.isin(d["bmi_sentinels"]).to_numpy(dtype=bool, na_value=False)
        low, high = d["bmi_min"], d["bmi_max"]
        outside = ~values.between(low, high).to_numpy(dtype=bool, na_value=True)
        return missing | sentinel, outside & ~missing & ~sentinel, f"outside {low:g}-{high:g} kg/m2"
    return missing, none, ""


def _maternity_values(values: pd.Series, maternity: np.ndarray) -> tuple[pd.Series, int]:
    """The column with each maternity's first stated value for all its babies, and how many
    maternities had differing stated values; ``maternity`` holds factorised maternity ids
    (-1 = none)."""
    value_codes, _ = pd.factorize(values)
    stated = np.flatnonzero((maternity >= 0) & (value_codes >= 0))
    if not len(stated):
        return values, 0
    ids = maternity[stated]
    n_maternities = int(maternity.max()) + 1
    first_row = np.full(n_maternities, len(values), dtype=np.int64)
    np.minimum.at(first_row, ids, stated)  # the first baby with a stated value
    first_row[first_row == len(values)] = -1
    differs = value_codes[stated] != value_codes[first_row[ids]]
    conflicting = np.zeros(n_maternities, dtype=bool)
    conflicting[ids[differs]] = True
    conflicts = int(conflicting.sum())
    rows = np.arange(len(values))
    source = np.where(maternity >= 0, first_row[np.maximum(maternity, 0)], -1)
    take = np.where(source >= 0, source, rows)
    out = values.iloc[take]
    out.index = values.index
    return out, conflicts


def clean_indicator_columns(
    births: pd.DataFrame, definitions: dict
) -> tuple[pd.DataFrame, FlowRows]:
    """Births with implausible indicator values set to missing and maternity-level values made
    one per maternity (the first baby's stated value); flow rows (step, description, count) for
    each indicator column the births carry (not entirely missing): not stated, implausible and
    conflicting values within a maternity."""
    d = _thresholds(definitions)
    births = births.copy()
    rows: FlowRows = []
    has_maternity = "maternity_id" in births.columns and births["maternity_id"].notna().any()
    maternity = pd.factorize(births["maternity_id"])[0] if has_maternity else None
    for column, (step, label) in INDICATORS.items():
        if column not in births.columns or births[column].isna().all():
            continue
        missing, bad, words = _implausible(births, column, d)
        rows.append(
            (
                f"{step}_not_stated",
                f"{label} not stated (missing or a 'not known' code)",
                int(missing.sum()),
            )
        )
        if words:
            rows.append(
                (f"{step}_implausible", f"{label} {words} (set to not stated)", int(bad.sum()))
            )
        births.loc[missing | bad, column] = pd.NA
        if has_maternity:
            births[column], conflicts = _maternity_values(births[column], maternity)
            rows.append(
                (
                    f"{step}_conflicts",
                    f"Maternities whose babies differ in {_lower(label)} "
                    "(the first baby's stated value kept)",
                    conflicts,
                )
            )
    return births, rows
