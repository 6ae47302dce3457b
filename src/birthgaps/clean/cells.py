"""The cell table: births and events per covariate pattern, the only input of later stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from birthgaps.core.codes import CELL_DIMENSIONS, DETAILED_CELL_DIMENSIONS
from birthgaps.core.outcomes import Outcome, declare, outcome_flags
from birthgaps.core.outcomes import builtin_declarations as _builtins
from birthgaps.core.settings import schema_defaults

CELL_COLUMNS = [*CELL_DIMENSIONS, "outcome", "events", "denominator"]


def resolve_outcomes(
    outcomes: Sequence[Outcome | str], definitions: Mapping | None = None
) -> list[Outcome]:
    """Outcomes as declarations: an id names a built-in, declared with ``definitions`` (default: the
    schema's standard definitions)."""
    d = {**schema_defaults("definitions"), **dict(definitions or {})}
    return [o if isinstance(o, Outcome) else declare(o, _builtins()[o], d) for o in outcomes]


def _count(part: pd.DataFrame, dimensions: list[str], outcome_id: str) -> pd.DataFrame:
    grouped = part.groupby(dimensions, sort=True, observed=True)["events"].agg(
        events="sum", denominator="size"
    )
    grouped = grouped.reset_index()
    grouped.insert(len(dimensions), "outcome", outcome_id)
    return grouped


def _by_death_year(
    clean: pd.DataFrame,
    flag: pd.Series,
    dimensions: list[str],
    outcome: Outcome,
    complete_to: pd.Timestamp | None,
) -> pd.DataFrame:
    """Events by year of death (as ONS registrations) over live births of the year of birth.

    The first release year is left out (its deaths include babies born the year before, whose
    births are not in the release), and so is a year whose deaths are not complete to its end.
    """
    keep = flag.notna()
    births = clean.loc[keep, dimensions].copy()
    births["events"] = 0
    denominators = _count(births, dimensions, outcome.id).drop(columns="events")
    died = keep & flag.fillna(False)
    deaths = clean.loc[died, dimensions].copy()
    death_date = clean.loc[died, "birth_date"] + pd.to_timedelta(
        clean.loc[died, "age_at_death_days"].astype("float64"), unit="D"
    )
    deaths["year"] = death_date.dt.year.astype("int64")
    deaths["events"] = 1
    events = _count(deaths, dimensions, outcome.id)[[*dimensions, "outcome", "events"]]
    cells = denominators.merge(events, on=[*dimensions, "outcome"], how="outer")
    cells["events"] = cells["events"].fillna(0)
    cells["denominator"] = cells["denominator"].fillna(0)
    first = int(clean["year"].min())
    keep = (cells["year"] > first) & cells["year"].isin(clean["year"].unique())
    if complete_to is not None:
        keep &= cells["year"] <= (
            complete_to.year
            if complete_to.month == 12 and complete_to.day == 31
            else complete_to.year - 1
        )
    return cells.loc[keep]


def make_cells(
    clean: pd.DataFrame,
    outcomes: Sequence[Outcome | str],
    dimensions: list[str] = CELL_DIMENSIONS,
    *,
    definitions: Mapping | None = None,
    complete_to: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Count events and denominators of each outcome per area x year x IMD x ethnicity x age band.

    Each outcome's flags come from its declaration (``core.outcomes.outcome_flags``): records outside
    its denominator are not counted; cells with an empty denominator are not written. Other
    ``dimensions`` give another cell table of the same records (``DETAILED_CELL_DIMENSIONS``).
    """
    columns = [*dimensions, "outcome", "events", "denominator"]
    d = {**schema_defaults("definitions"), **dict(definitions or {})}
    frames = []
    for outcome in resolve_outcomes(outcomes, d):
        flag = outcome_flags(clean, outcome, d, complete_to)
        if outcome.year_basis == "death":
            frames.append(_by_death_year(clean, flag, dimensions, outcome, complete_to))
            continue
        keep = flag.notna()
        part = clean.loc[keep, dimensions].copy()
        part["events"] = flag[keep].astype("int64").to_numpy()
        frames.append(_count(part, dimensions, outcome.id))
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    for column in [*dimensions, "outcome"]:
        if column != "year":
            cells[column] = cells[column].astype("string")
    cells["year"] = cells["year"].astype("int64")
    cells["events"] = cells["events"].astype("int64")
    cells["denominator"] = cells["denominator"].astype("int64")
    return cells[columns].reset_index(drop=True)


def make_detailed_cells(
    clean: pd.DataFrame,
    outcomes: Sequence[Outcome | str],
    *,
    definitions: Mapping | None = None,
    complete_to: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Events and denominators per area x year x high-level x detailed ethnic group and outcome.

    The input of the optional detailed ethnic group breakdown (config ``ethnicity.detailed``);
    restricted like the cell table, and summing to it over every other dimension.
    """
    return make_cells(
        clean,
        outcomes,
        DETAILED_CELL_DIMENSIONS,
        definitions=definitions,
        complete_to=complete_to,
    )


def outcome_flag_frame(
    clean: pd.DataFrame,
    outcomes: Sequence[Outcome | str],
    *,
    definitions: Mapping | None = None,
    complete_to: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One nullable boolean column per outcome id (<NA> outside its denominator), for checks and
    record-level analysis of the cleaned records."""
    d = {**schema_defaults("definitions"), **dict(definitions or {})}
    return pd.DataFrame(
        {o.id: outcome_flags(clean, o, d, complete_to) for o in resolve_outcomes(outcomes, d)},
        index=clean.index,
    )
