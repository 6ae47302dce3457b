"""Model tables that are empty by design (docs/outputs.md, "Tables empty by design"): no
ethnicity stated for any birth, or stratified estimates only for a significant interaction. Every
later rule accepts them and says why they are empty; an empty table with no reason still stops."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from birthgaps.appendix import inputs as reading
from birthgaps.core.catalogue import published_model_columns
from birthgaps.core.errors import InputError
from birthgaps.core.settings import load_config
from birthgaps.models.areas import model_tables
from birthgaps.models.notes import STRATIFIED_WHEN_SIGNIFICANT
from birthgaps.models.protect import empty_table_notes, publish_model_tables
from birthgaps.models.tables import EMPTY_REASONS
from birthgaps.publish.workbook import build_workbook

sys.path.insert(0, str(Path(__file__).parent))
from support.sparse import AREA, CONFIG, city_cells  # noqa: E402
from support.workflow import real_release, snakemake, tiny_config, write_config  # noqa: E402

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
#: The demo config's resolved settings blocks (they word the workbook's notes).
SETTINGS = load_config(Path(__file__).resolve().parents[1] / "config" / "config.yaml")
NO_ETHNICITY = "no interaction test: ethnicity is not stated for any birth"


# ------------------------------------------------------------------------------ the models


@pytest.fixture(scope="module")
def unstated() -> dict[str, pd.DataFrame]:
    cells = city_cells(8_000, seed=3).assign(ethnic_group="Not stated")
    return model_tables(cells, CONFIG, AREA)


def test_a_term_stated_for_no_birth_is_left_out_and_the_others_estimated(unstated) -> None:
    odds = unstated["odds_ratios"]
    assert "ethnic_group" not in set(odds["term"]) and "imd_quintile" in set(odds["term"])
    assert odds.loc[odds["model"] == "adjusted", "odds_ratio"].notna().sum() >= 3
    first = odds.groupby(["area_code", "outcome"]).head(1)
    assert (
        first["note"]
        .str.contains("ethnic_group left out of the models: ethnicity is not stated for any birth")
        .all()
    )
    # complete cases no longer leave out every birth
    assert not odds["note"].str.contains("100.0%").any()
    assert unstated["fit"]["terms"].str.contains("ethnic_group").sum() == 0


def test_tables_needing_the_term_are_empty_with_their_reason(unstated) -> None:
    for key in ("interaction", "stratified", "excess_explained"):
        assert len(unstated[key]) == 0, key
    published = publish_model_tables(unstated, RULES)
    notes = empty_table_notes(published, unstated[EMPTY_REASONS], 0.05)
    assert notes == {
        "interaction": NO_ETHNICITY,
        "stratified": "no stratified estimates: ethnicity is not stated for any birth",
        "excess_explained": "no excess explained: ethnicity is not stated for any birth",
    }


def test_stratified_when_significant_gives_the_p_value() -> None:
    areas = {**AREA, "E08000098": "Another city"}
    cells = pd.concat(
        [city_cells(8_000, seed=3), city_cells(8_000, seed=4).assign(area_code="E08000098")]
    )
    config = {**CONFIG, "interaction": {"stratified": "when_significant", "p_threshold": 1e-9}}
    tables = model_tables(cells, config, areas)
    assert len(tables["stratified"]) == 0 and len(tables["interaction"]) == 3
    published = publish_model_tables(tables, RULES)
    notes = empty_table_notes(published, tables[EMPTY_REASONS], 1e-9)
    assert set(notes) == {"stratified"}
    low, high = published["interaction"]["p_value"].min(), published["interaction"]["p_value"].max()
    assert low < high
    assert notes["stratified"] == (
        f"{STRATIFIED_WHEN_SIGNIFICANT} (p < 1e-09); it is significant for no area and outcome "
        f"(p = {low:.2g} to {high:.2g})"
    )
    # one analysis: its own (published, 2 significant figures) p-value
    one = tables[EMPTY_REASONS].iloc[[0]]
    assert empty_table_notes(published, one, 1e-9)["stratified"] == (
        f"{STRATIFIED_WHEN_SIGNIFICANT} (p = {published['interaction']['p_value'].iloc[0]:.2g})"
    )


def test_an_empty_table_without_a_reason_is_not_listed() -> None:
    published = {key: pd.DataFrame() for key in ("interaction",)}
    reasons = pd.DataFrame(columns=["table", "area_code", "outcome", "reason", "p_value"])
    tables = {
        key: pd.DataFrame({"x": [1]})
        for key in ("odds_ratios", "risk_ratios", "stratified", "excess_explained", "fit")
    }
    assert empty_table_notes({**tables, **published}, reasons, 0.05) == {}


# ------------------------------------------------------------------------------ later rules


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in ["release", "data", *columns]})


def _book(tmp_path: Path, empty_notes: dict[str, str] | None) -> Path:
    path = tmp_path / "book.xlsx"
    build_workbook(
        {
            "interaction": _empty(published_model_columns("interaction")),
            "stratified": _empty(published_model_columns("stratified")),
        },
        release="r",
        release_label="R",
        synthetic=True,
        areas=AREA,
        path=path,
        years=[2022, 2023],
        empty_notes=empty_notes,
        **{
            block: SETTINGS[block]
            for block in ("disclosure", "statistics", "deprivation", "models")
        },
    )
    return path


def test_workbook_sheet_of_an_empty_table_says_why(tmp_path) -> None:
    reason = f"{STRATIFIED_WHEN_SIGNIFICANT} (p = 0.41)"
    path = _book(tmp_path, {"interaction": NO_ETHNICITY, "stratified": reason})
    wb = openpyxl.load_workbook(path)
    for sheet, why in (("Interaction", NO_ETHNICITY), ("Stratified", reason)):
        text = [str(c.value) for row in wb[sheet].iter_rows() for c in row if c.value]
        assert f"This table has no rows: {why}." in text, sheet
        assert why in text and "[z]" in text, sheet  # the note cell of the one row


def test_workbook_stops_on_an_empty_table_that_is_not_empty_by_design(tmp_path) -> None:
    with pytest.raises(InputError) as error:
        _book(tmp_path, {"interaction": NO_ETHNICITY})
    message = str(error.value)
    assert "the published table 'stratified' has no rows" in message
    assert "tables/stratified.csv" in message and "workbook" in message
    assert "rows affected: 0" in message


def test_appendix_stops_on_an_empty_table_that_is_not_empty_by_design(tmp_path) -> None:
    path = tmp_path / "interaction.csv"
    _empty(published_model_columns("interaction")).to_csv(path, index=False)
    table = reading.read_interaction(path)
    notes = tmp_path / "empty_tables.json"
    notes.write_text(json.dumps({"stratified": "x"}))
    empty_notes = reading.read_empty_notes(notes)
    with pytest.raises(InputError) as error:
        reading.check_empty_by_design("interaction", path, table, empty_notes, notes)
    message = str(error.value)
    assert "the published interaction table has no rows and is not empty by design" in message
    assert str(path) in message and "appendix" in message and "rows affected: 0" in message
    reading.check_empty_by_design("stratified", path, table, empty_notes, notes)  # by design


def test_a_malformed_list_of_empty_tables_names_the_file(tmp_path) -> None:
    notes = tmp_path / "empty_tables.json"
    notes.write_text(json.dumps({"stratified": 3}))
    with pytest.raises(InputError, match="must map table names to reasons") as error:
        reading.read_empty_notes(notes)
    assert str(notes) in str(error.value)


# ------------------------------------------------------------------------------ the workflow


def _check_run(workdir: Path, release: str, expected: dict[str, str]) -> None:
    results = workdir / "results" / release
    assert (results / "published/index.html").exists()
    assert (results / "qa/disclosure_scan.csv").exists()
    notes = json.loads((results / "models/empty_tables.json").read_text())
    for table, why in expected.items():
        assert notes[table].startswith(why), (table, notes[table])
        csv = pd.read_csv(results / f"published/tables/{table}.csv")
        assert csv.empty and "area_code" in csv.columns, table
    wb = openpyxl.load_workbook(results / f"published/birthgaps_{release}.xlsx")
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    pages = " ".join(p.read_text() for p in (results / "published/appendix").glob("*.html"))
    for why in expected.values():
        assert f"This table has no rows: {why}" in text
        assert why[:1].upper() + why[1:] in pages


@pytest.mark.workflow
def test_workflow_completes_when_no_ethnicity_is_stated(tmp_path, repo_config) -> None:
    from birthgaps.ingest.synth import simulate_release

    config = real_release(tmp_path, repo_config)
    config["areas"] = dict(list(config["areas"].items())[:1])
    settings = {**config["synthetic"], "live_births": 3000}
    births, lookup = simulate_release(settings, config["areas"], [2022, 2023])
    births["mother_ethnic_category"] = "Z"
    births.to_csv(tmp_path / "births.csv", index=False)
    lookup.to_csv(tmp_path / "imd.csv", index=False)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode == 0, result.stderr[-4000:]
    _check_run(
        tmp_path,
        "real",
        {
            "interaction": NO_ETHNICITY,
            "stratified": "no stratified estimates: ethnicity is not stated for any birth",
            "excess_explained": "no excess explained: ethnicity is not stated for any birth",
        },
    )
    models = pd.read_csv(tmp_path / "results/real/published/tables/models.csv", dtype=str)
    assert "ethnic_group" not in set(models["term"])
    assert models["odds_ratio"].notna().any()


@pytest.mark.workflow
def test_workflow_completes_when_the_interaction_is_not_significant(tmp_path, repo_config) -> None:
    config = tiny_config(repo_config)
    config["areas"] = dict(list(config["areas"].items())[:1])
    config["synthetic"]["live_births"] = 3000
    config["models"]["interaction"].update(stratified="when_significant", p_threshold=0.001)
    result = snakemake(tmp_path, configfile=write_config(tmp_path / "config.yaml", config))
    assert result.returncode == 0, result.stderr[-4000:]
    interaction = pd.read_csv(tmp_path / "results/tiny/published/tables/interaction.csv")
    assert (interaction["p_value"].dropna() >= 0.001).all() and not interaction["significant"].any()
    _check_run(tmp_path, "tiny", {"stratified": STRATIFIED_WHEN_SIGNIFICANT})
