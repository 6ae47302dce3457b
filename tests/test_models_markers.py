"""Deaths by preterm / low birth weight marker: the restricted cells, the published shares under
disclosure control, and the collider-bias caution that goes with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.model_births import (
    COMPLETE_TO,
    DEFINITIONS,
    PRETERM_AMONG_DEATHS,
    outcomes,
    simulate_births,
)

from birthgaps.clean.cells import make_cells
from birthgaps.clean.markers import MARKER_COLUMNS, make_marker_cells, marker_outcomes
from birthgaps.core.catalogue import TABLES, schema_for
from birthgaps.models import notes
from birthgaps.models.markers import death_markers_table, marker_counts
from birthgaps.models.tables import ALL_AREAS

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
AREAS = {"X1": "Large", "X2": "Small"}
IDS = ["preterm", "lbw", "infant", "neonatal", "emergency_caesarean"]


@pytest.fixture(scope="module")
def births() -> pd.DataFrame:
    return pd.concat(
        [simulate_births(150_000, seed=5, area="X1"), simulate_births(8_000, seed=6, area="X2")],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def marker_cells(births) -> pd.DataFrame:
    return make_marker_cells(
        births, outcomes(IDS), definitions=DEFINITIONS, complete_to=COMPLETE_TO
    )


def test_only_modelled_mortality_outcomes_of_live_births_are_marked():
    assert [o.id for o in marker_outcomes(outcomes(IDS))] == ["infant"]


def test_marker_cells_sum_to_the_deaths_of_the_cell_table(births, marker_cells):
    """Each marker counts every death once: yes + no + not stated = the infant events."""
    assert list(marker_cells.columns) == MARKER_COLUMNS
    schema_for("death_marker_cells").validate(marker_cells)
    cells = make_cells(
        births, outcomes(["infant"]), definitions=DEFINITIONS, complete_to=COMPLETE_TO
    )
    keys = ["area_code", "year", "imd_quintile", "ethnic_group"]
    deaths = cells.groupby(keys)["events"].sum()
    deaths = deaths[deaths > 0]
    for marker in ("preterm", "lbw"):
        mine = marker_cells[marker_cells["marker"] == marker].groupby(keys)["events"].sum()
        pd.testing.assert_series_equal(mine.sort_index(), deaths.sort_index(), check_names=False)
    # a death is "preterm" exactly when the record is: gestation under 37 weeks
    died = births["age_at_death_days"].notna() & births["live"]
    preterm = marker_cells[(marker_cells["marker"] == "preterm")]
    by_status = preterm.groupby("status")["events"].sum()
    gestation = births.loc[died, "gestation_weeks"]
    assert by_status["yes"] == int((gestation < 37).sum())
    assert by_status["no"] == int((gestation >= 37).sum())
    assert by_status.get("not stated", 0) == int(gestation.isna().sum())


def test_exact_shares_recover_the_truth(marker_cells):
    """Without disclosure control (nothing suppressed, no rounding), the share of deaths that
    were preterm is the truth within its Wilson interval, overall and in each group."""
    rules = {"suppress_min": 0, "suppress_max": -1, "rounding_base": 1}
    table = death_markers_table(marker_cells, {"X1": "Large"}, rules)
    preterm = table[(table["marker"] == "preterm") & (table["area_code"] == "X1")]
    counts = marker_counts(marker_cells, {"X1": "Large"})
    counts = counts[(counts["marker"] == "preterm") & (counts["area_code"] == "X1")]
    np.testing.assert_array_equal(preterm["events"].astype(int), counts["events"])
    shown = preterm[preterm["denominator"] >= 30]
    assert set(shown["dimension"]) == {"overall", "imd_quintile", "ethnic_group"}
    truth = 100 * PRETERM_AMONG_DEATHS
    inside = (shown["lower_95"] <= truth) & (truth <= shown["upper_95"])
    assert inside.mean() >= 0.8, shown
    overall = shown[shown["dimension"] == "overall"].iloc[0]
    assert overall["lower_95"] <= truth <= overall["upper_95"]


def _additive_sets_hold(table: pd.DataFrame) -> None:
    """No breakdown or area sum has exactly one withheld row (it could be worked out)."""
    keys = ["area_code", "outcome", "marker"]
    for _, part in table.groupby(keys):
        for dimension in ("imd_quintile", "ethnic_group"):
            rows = part[part["dimension"].isin(["overall", dimension])]
            assert rows["suppressed"].sum() != 1, rows
    for _, part in table.groupby(["outcome", "marker", "dimension", "group"]):
        assert part["suppressed"].sum() != 1, part


def test_disclosure_control(marker_cells):
    """Counts rounded to 5, none of 1-7 shown, withheld rows blank and marked, sets protected."""
    table = death_markers_table(marker_cells, AREAS, RULES)
    assert list(table.columns) == [
        c for c in TABLES["death_markers"].columns if c not in ("release", "data", "imd_quintiles")
    ]
    shown = table[~table["suppressed"]]
    for column in ("events", "denominator"):
        values = shown[column].astype(int)
        assert (values % 5 == 0).all()
        assert not values.between(1, 7).any()
    hidden = table[table["suppressed"]]
    assert len(hidden) > 0  # the small area's deaths are few
    assert hidden[["events", "denominator", "percent", "lower_95", "upper_95"]].isna().all().all()
    assert (hidden["flag"] == "c").all()
    assert hidden["note"].str.startswith("[c]").all()
    _additive_sets_hold(table)
    # exact counts in the suppression range are never shown, rounded or not
    exact = marker_counts(marker_cells, AREAS)
    small = (
        exact["events"].between(1, 7)
        | (exact["denominator"] - exact["events"]).between(1, 7)
        | exact["denominator"].between(1, 7)
    )
    assert table.loc[small.to_numpy(), "suppressed"].all()


def test_rows_withheld_in_the_rates_are_withheld_here(marker_cells):
    """Protect first: a rates row withheld for the same deaths withholds the markers row."""
    rates = pd.DataFrame(
        {
            "area_code": ["X1", "X1"],
            "outcome": ["infant", "infant"],
            "dimension": ["ethnic_group", "overall"],
            "group": ["White", "All"],
            "events": [pd.NA, 500],
            "denominator": [pd.NA, 140000],
            "suppressed": [True, False],
        }
    )
    table = death_markers_table(marker_cells, AREAS, RULES, rates)
    white = table[
        (table["area_code"] == "X1")
        & (table["dimension"] == "ethnic_group")
        & (table["group"] == "White")
    ]
    assert len(white) == 2 and white["suppressed"].all()
    _additive_sets_hold(table)
    assert ALL_AREAS in set(table["area_code"])


def test_the_caution_is_worded_once_and_shown_with_the_table():
    caution = notes.COLLIDER_CAUTION
    for phrase in (
        "causal path",
        "birth-weight paradox",
        "Hernández-Díaz, Schisterman and Hernán 2006",
        "Wilcox 2001",
        "does not show that prematurity or low birth weight explains",
        "does not measure how many deaths prematurity caused",
    ):
        assert phrase in caution
    assert caution in TABLES["death_markers"].scope
    assert "explained by prematurity" not in caution


def test_no_marked_outcome_gives_an_empty_table():
    empty = make_marker_cells(
        simulate_births(2_000, seed=1),
        outcomes(["preterm", "emergency_caesarean"]),
        definitions=DEFINITIONS,
    )
    assert empty.empty and list(empty.columns) == MARKER_COLUMNS
    table = death_markers_table(empty, AREAS, RULES)
    assert table.empty
    assert list(table.columns) == [
        c for c in TABLES["death_markers"].columns if c not in ("release", "data", "imd_quintiles")
    ]


@pytest.mark.parametrize("marked", [True, False])
def test_the_models_rule_writes_the_markers_table(tmp_path, births, marker_cells, marked):
    """The rule's function writes death_markers.csv (labelled) and, when it is empty, says why."""
    from support.models import published_rates_of

    from birthgaps.core.catalogue import MODEL_OUTPUTS
    from birthgaps.core.tables import write_table
    from birthgaps.models.markers import NOTE_NO_MARKED_DEATHS
    from birthgaps.models.release import models_step

    ids = ["infant", "emergency_caesarean"] if marked else ["emergency_caesarean"]
    cells = make_cells(births, outcomes(ids), definitions=DEFINITIONS, complete_to=COMPLETE_TO)
    write_table(cells, "cells", tmp_path / "cells.parquet")
    markers = marker_cells if marked else marker_cells.iloc[:0]
    write_table(markers, "death_marker_cells", tmp_path / "markers.parquet")
    published_rates_of(cells, AREAS).to_csv(tmp_path / "rates.csv", index=False)
    outputs = {name: tmp_path / f"{name}.csv" for name in MODEL_OUTPUTS.values()}
    config = {
        "outcomes": ids,
        "exposures": ["imd_quintile", "ethnic_group"],
        "adjust_for": ["year"],
        "reference": {"imd_quintile": "5", "ethnic_group": "White"},
        "min_events": 5,
    }
    models_step(
        tmp_path / "cells.parquet",
        tmp_path / "rates.csv",
        outputs,
        tmp_path / "empty.json",
        models=config,
        areas=AREAS,
        disclosure=RULES,
        release="test",
        synthetic=True,
        deprivation={"edition": "iod2025", "quintiles": "national"},
        marker_cells=tmp_path / "markers.parquet",
        markers_out=tmp_path / "death_markers.csv",
    )
    written = pd.read_csv(tmp_path / "death_markers.csv", dtype=str, keep_default_na=False)
    assert list(written.columns) == list(TABLES["death_markers"].columns)
    reasons = pd.read_json(tmp_path / "empty.json", typ="series").to_dict()
    if marked:
        assert len(written) > 0 and "death_markers" not in reasons
        assert set(written["outcome"]) == {"infant"}
    else:
        assert written.empty and reasons["death_markers"] == NOTE_NO_MARKED_DEATHS
        return
    # the next release, with the same cells: every area barely changed, so it keeps the previous
    # release's rows of the markers table too, as of the other model tables (carry_rows)
    previous = tmp_path / "previous_markers.csv"
    written.assign(note="from the previous release").to_csv(previous, index=False)
    models_step(
        tmp_path / "cells.parquet",
        tmp_path / "rates.csv",
        outputs,
        tmp_path / "empty.json",
        models=config,
        areas=AREAS,
        disclosure=RULES,
        release="test",
        synthetic=True,
        deprivation={"edition": "iod2025", "quintiles": "national"},
        marker_cells=tmp_path / "markers.parquet",
        markers_out=tmp_path / "death_markers.csv",
        previous_cells=tmp_path / "cells.parquet",
        previous_tables={name: str(path) for name, path in outputs.items()},
        previous_markers=previous,
    )
    again = pd.read_csv(tmp_path / "death_markers.csv", dtype=str, keep_default_na=False)
    assert len(again) == len(written)
    assert (again["note"] == "from the previous release").all()
    # in the previous release's row order, so an unchanged table is written unchanged
    pd.testing.assert_frame_equal(again.drop(columns="note"), written.drop(columns="note"))


def test_the_disclosure_scan_passes_the_published_table(tmp_path, marker_cells):
    """The final scan (a second line of defence) finds nothing in a non-empty markers table."""
    from birthgaps.core.provenance import label_table
    from birthgaps.publish.scan import scan_published

    table = death_markers_table(marker_cells, AREAS, RULES)
    assert table["suppressed"].any() and (~table["suppressed"]).any()
    folder = tmp_path / "published" / "tables"
    folder.mkdir(parents=True)
    label_table(table, "test", True, "national").to_csv(folder / "death_markers.csv", index=False)
    findings = scan_published(tmp_path / "published", rules=RULES, restricted=None)
    assert findings.empty, findings
