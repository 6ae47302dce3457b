"""Deaths by marker: how many of a mortality outcome's deaths were preterm or of low birth weight.

Cleaned records and the registry's declarations enter :func:`make_marker_cells`; exact counts of
deaths by area, year of birth, IMD quintile, ethnic group, outcome, marker and marker status leave
(restricted table ``death_marker_cells``; the models rule publishes shares from it with disclosure
control). The markers are the registry's own flags (``clean.cells.outcome_flag_frame``), so a
death is "preterm" by exactly the definition the preterm rates use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from birthgaps.clean.cells import outcome_flag_frame, resolve_outcomes
from birthgaps.core.outcomes import Outcome

#: Markers of a death: the ids of the birth outcomes whose flag marks it (built-in declarations
#: unless the config enables its own of the same id).
MARKERS: tuple[str, ...] = ("preterm", "lbw")
#: Marker status of a death: the marker's flag is true, false, or missing (not stated).
STATUS_YES, STATUS_NO, STATUS_NOT_STATED = "yes", "no", "not stated"
MARKER_DIMENSIONS = ["area_code", "year", "imd_quintile", "ethnic_group"]
MARKER_COLUMNS = [*MARKER_DIMENSIONS, "outcome", "marker", "status", "events"]


def marker_outcomes(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The outcomes whose deaths get markers: modelled mortality outcomes of live births."""
    return [
        o
        for o in outcomes
        if o.group == "mortality" and o.denominator == "live_births" and o.modelled
    ]


def make_marker_cells(
    clean: pd.DataFrame,
    outcomes: Sequence[Outcome | str],
    *,
    definitions: Mapping | None = None,
    complete_to: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Exact deaths of each marked outcome by area, year, IMD quintile, ethnic group, marker, status.

    ``outcomes`` are the enabled declarations; the deaths counted are the events of each outcome of
    :func:`marker_outcomes` (the same records its cells count, by year of birth); each death is
    counted once per marker with status ``yes``, ``no`` or ``not stated``. Rows with no deaths
    are not written, so the table sums to the outcome's events in the cell table.
    """
    declared = resolve_outcomes(outcomes, definitions)
    by_id = {o.id: o for o in declared}
    marked = marker_outcomes(declared)
    frames = []
    if marked:
        markers = [by_id.get(m, m) for m in MARKERS]
        flags = outcome_flag_frame(
            clean, [*marked, *markers], definitions=definitions, complete_to=complete_to
        )
        for outcome in marked:
            died = flags[outcome.id].fillna(False).to_numpy(dtype=bool)
            for marker in MARKERS:
                flag = flags[marker][died]
                part = clean.loc[died, MARKER_DIMENSIONS].copy()
                part["status"] = STATUS_NOT_STATED
                part.loc[flag.fillna(False).to_numpy(dtype=bool), "status"] = STATUS_YES
                part.loc[(~flag).fillna(False).to_numpy(dtype=bool), "status"] = STATUS_NO
                counted = (
                    part.groupby([*MARKER_DIMENSIONS, "status"], sort=True, observed=True)
                    .size()
                    .rename("events")
                    .reset_index()
                )
                counted.insert(len(MARKER_DIMENSIONS), "outcome", outcome.id)
                counted.insert(len(MARKER_DIMENSIONS) + 1, "marker", marker)
                frames.append(counted)
    cells = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MARKER_COLUMNS)
    for column in MARKER_COLUMNS:
        if column in ("year", "events"):
            cells[column] = cells[column].astype("int64")
        else:
            cells[column] = cells[column].astype("string")
    return cells[MARKER_COLUMNS].reset_index(drop=True)
