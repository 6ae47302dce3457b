"""Awkward published tables for the chart layout tests: the fake tables with Northbrook given a
long name, a long benchmark label, 16 detailed ethnic groups with long labels (some withheld,
one near 0%, one near 100%, one with a very wide interval) and model levels to match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.core.codes import ETHNIC_GROUPS_DETAILED, NOT_STATED
from support.fakes import (
    fake_flow_table,
    fake_indicator_table_set,
    fake_model_tables_of,
    fake_models_table,
)

AREA = "X06000001"
LONG_NAME = "Northbrook, Eastmere-on-the-Water and the Southwick Villages"
BENCHMARK = "England (2019-2022)"
#: Detailed groups withheld in the crowded ethnic-group rows.
WITHHELD = ("Chinese", "Other Black")
#: The group whose interval is far wider than the others'.
WIDE = "White and Black Caribbean"


def _ethnic_rows(rates: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Northbrook's ethnic-group rows of one outcome replaced by the detailed groups."""
    mask = (
        (rates["area_code"] == AREA)
        & (rates["outcome"] == outcome)
        & (rates["dimension"] == "ethnic_group")
    )
    template = rates[mask].iloc[[0]]
    rows = []
    groups = [g for g in ETHNIC_GROUPS_DETAILED if g != NOT_STATED]
    for i, group in enumerate(groups):
        row = template.copy()
        percent = 6.0 + (i % 5) * 1.3
        lower, upper = percent - 1.5, percent + 1.8
        if group == "Bangladeshi":
            percent, lower, upper = 0.4, 0.1, 1.3  # near 0
        if group == "Any other ethnic group":
            percent, lower, upper = 96.5, 91.0, 98.8  # near 100
        if group == WIDE:
            percent, lower, upper = 9.0, 2.0, 62.0
        hidden = group in WITHHELD
        row["group"] = group
        row["value"] = np.nan if hidden else percent
        row["lower_95"] = np.nan if hidden else lower
        row["upper_95"] = np.nan if hidden else upper
        row["suppressed"] = hidden
        row["flag"] = "c" if hidden else ""
        rows.append(row)
    return pd.concat([rates[~mask], *rows], ignore_index=True)


def _detailed_models(models: pd.DataFrame) -> pd.DataFrame:
    """Northbrook's ethnic-group model levels replaced by detailed groups (reference White British),
    one with a very wide interval."""
    mask = (models["area_code"] == AREA) & (models["term"] == "ethnic_group")
    rows = []
    for (outcome, model), part in models[mask].groupby(["outcome", "model"], sort=True):
        template = part.iloc[[0]]
        levels = [g for g in ETHNIC_GROUPS_DETAILED if g not in (NOT_STATED, "White British")]
        for i, level in enumerate(levels):
            row = template.copy()
            ratio = 0.8 + 0.07 * i
            lower, upper = ratio / 1.35, ratio * 1.35
            if level == WIDE:
                lower, upper = ratio / 9.0, ratio * 25.0
            row["level"], row["reference"] = level, "White British"
            row["odds_ratio"], row["lower_95"], row["upper_95"] = ratio, lower, upper
            row["outcome"], row["model"], row["note"] = outcome, model, ""
            rows.append(row)
    out = pd.concat([models[~mask], *rows], ignore_index=True)
    for column in ("outcome", "model", "level", "reference", "note"):
        out[column] = out[column].astype("string")
    return out


def crowded_tables() -> dict[str, pd.DataFrame]:
    """Every table the figures step reads, with Northbrook's awkward cases (see module doc)."""
    tables = fake_indicator_table_set()
    rates = tables["rates"].copy()
    for outcome in rates["outcome"].dropna().unique():
        rates = _ethnic_rows(rates, str(outcome))
    rates["area_name"] = rates["area_name"].replace({"Northbrook": LONG_NAME})
    rates["benchmark_label"] = BENCHMARK
    funnel = tables["funnel"].copy()
    funnel["area_name"] = funnel["area_name"].replace({"Northbrook": LONG_NAME})
    models = _detailed_models(fake_models_table())
    return {
        **tables,
        "rates": rates,
        "funnel": funnel,
        "models": models,
        "flow": fake_flow_table(),
        "risk_ratios": fake_model_tables_of(models)["risk_ratios"],
    }
