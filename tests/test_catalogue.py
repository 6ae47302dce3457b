"""The table catalogue: one description of every table, the schemas and documents derived from it,
and published wording that follows the release's disclosure rules (issue 10, items 2 and 3)."""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only

from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import clean_births, quintile_basis
from birthgaps.clean.flow import publish_flow
from birthgaps.core import catalogue
from birthgaps.core.catalogue import (
    DOC_MARKER,
    PUBLISHED,
    TABLES,
    count_columns,
    outputs_markdown,
    schema_for,
)
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import label_table
from birthgaps.core.settings import validate_config
from birthgaps.core.tables import check_table, read_table, write_table
from birthgaps.ingest.synth import simulate_release
from birthgaps.publish import scan
from birthgaps.publish.dictionary import data_dictionary, published_dictionary
from birthgaps.publish.presentation import is_p_value
from birthgaps.publish.workbook import build_workbook
from birthgaps.stats import indicators, rates

REPO = Path(__file__).resolve().parents[1]

#: What a release under another rule set must never say (the NHS England rule's wording).
NHS_WORDING = ("1 to 7", "nearest 5", "NHS England")


def _ons_config(repo_config: dict) -> dict:
    """The demo config with ``disclosure.rule_set: ons_births`` and no thresholds of its own."""
    config = birth_outcomes_only(repo_config)  # the births extract alone, no linked deaths
    config["disclosure"] = {"rule_set": "ons_births"}
    return validate_config(config)


@pytest.fixture(scope="module")
def ons(repo_config) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The resolved ons_births config and a small release's rates, funnel and exclusion flow."""
    config = _ons_config(repo_config)
    release, spec = config["release"], config["releases"][config["release"]]
    areas, rules, statistics = config["areas"], config["disclosure"], config["statistics"]
    settings = {**copy.deepcopy(config["synthetic"]), "live_births": 3000}
    extract, lookup = simulate_release(settings, areas, spec["years"])
    clean, flow = clean_births(
        extract,
        lookup,
        areas=list(areas),
        years=spec["years"],
        definitions=config["definitions"],
        deprivation=config["deprivation"],
    )
    cells = make_cells(clean, config["outcomes"])
    published = rates.publish_rates(
        rates.compute_rates(cells, areas, statistics), rules, statistics
    )
    basis = quintile_basis(config["deprivation"])
    tables = {
        "exclusion_flow": label_table(publish_flow(flow, rules), release, True),
        "rates": label_table(published, release, True, basis),
        "funnel": label_table(
            indicators.publish_funnel(indicators.funnel_points(published, areas), rules),
            release,
            True,
        ),
    }
    as_text = {k: t.astype("string").fillna("").astype(object) for k, t in tables.items()}
    return config, as_text


def _workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_an_ons_births_workbook_states_the_ons_rule_not_the_nhs_one(ons, tmp_path):
    config, tables = ons
    spec = config["releases"][config["release"]]
    path = tmp_path / "book.xlsx"
    build_workbook(
        tables,
        release=config["release"],
        release_label=spec["label"],
        synthetic=True,
        areas=config["areas"],
        path=path,
        years=spec["years"],
        disclosure=config["disclosure"],
        statistics=config["statistics"],
        deprivation=config["deprivation"],
        models=config["models"],
    )
    text = _workbook_text(path)
    for wording in NHS_WORDING:
        assert wording not in text, wording
    assert "a count of 1 to 2 or a figure that would reveal one" in text  # cover, legend, notes
    assert "ONS rule for birth statistics" in text
    assert "Counts are not rounded" in text


def test_an_ons_births_data_dictionary_states_the_ons_rule(ons):
    config, tables = ons
    rules = config["disclosure"]
    for dictionary in (
        data_dictionary(None, rules, config["statistics"]),
        published_dictionary(tables, config["release"], True, rules, config["statistics"]),
    ):
        text = "\n".join(dictionary["description"])
        for wording in NHS_WORDING:
            assert wording not in text, wording
        assert "not rounded" in text
    described = data_dictionary(None, rules, config["statistics"]).set_index(["table", "column"])[
        "description"
    ]
    assert "a count of 1 to 2 or" in described[("rates", "suppressed")]
    assert "(|1 to 2| withheld)" in described[("inequality", "excess_events")]


def test_default_descriptions_keep_the_nhs_england_wording(repo_config):
    config = validate_config(copy.deepcopy(repo_config))
    described = data_dictionary(None, config["disclosure"], config["statistics"])
    text = "\n".join(described["description"])
    assert "Live births with the outcome, rounded to the nearest 5" in text
    assert "a count of 1 to 7 or a figure that would reveal one" in text
    assert "{" not in text  # every placeholder is filled


def test_the_small_number_and_trend_wording_follows_the_statistics_config(repo_config):
    config = validate_config(copy.deepcopy(repo_config))
    config["statistics"]["small_numbers"] = {"min_events": 5, "unreliable_below": 25}
    config["statistics"]["trend"]["threshold"] = 10.83
    described = data_dictionary(None, config["disclosure"], config["statistics"])
    text = described.set_index(["table", "column"])["description"]
    assert "fewer than 25 events" in text[("rates", "reliability")]
    assert "fewer than 5 events" in text[("rates", "reliability")]
    assert "significant above 10.83" in text[("trends", "statistic")]


def test_docs_outputs_md_is_up_to_date(repo_config):
    text = (REPO / "docs" / "outputs.md").read_text()
    assert DOC_MARKER in text, "docs/outputs.md lost its generated section"
    generated = text.split(DOC_MARKER, 1)[1].lstrip("\n")
    assert generated == outputs_markdown(repo_config["disclosure"], repo_config["statistics"]), (
        "docs/outputs.md is out of date: run `python3 -m uv run python tools/outputs_docs.py`"
    )


# ------------------------------------------------------------------------------ count columns


def test_the_scan_treats_every_count_column_of_the_catalogue_as_a_count():
    """The scan keeps its own list (a second line of defence); it must cover the catalogue's."""
    counts = count_columns()
    assert {"events", "denominator", "n_births", "n_events", "count", "remaining"} <= counts
    missed = sorted(
        name
        for name in counts
        if name not in scan.COUNT_COLUMNS and not name.endswith(scan.COUNT_SUFFIXES)
    )
    assert missed == [], f"publish/scan.py does not check these count columns: {missed}"


def test_count_columns_say_how_disclosure_control_protects_them():
    for spec in PUBLISHED.values():
        for name, column in spec.columns.items():
            if column.kind == "count":
                assert column.disclosure_role.startswith("count after disclosure control")
                if not name.startswith("excess_") or name == "excess_events":
                    assert "{rounded}" in column.description, (spec.key, name)


# ------------------------------------------------------------------------------ schemas


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": pd.array(["E1", "E1"], dtype="string"),
            "year": pd.array([2020, 2021], dtype="int64"),
            "imd_quintile": pd.array(["1", "5"], dtype="string"),
            "ethnic_group": pd.array(["White", "Asian"], dtype="string"),
            "age_band": pd.array(["25-29", "30-34"], dtype="string"),
            "outcome": pd.array(["preterm", "preterm"], dtype="string"),
            "events": pd.array([3, 4], dtype="int64"),
            "denominator": pd.array([40, 50], dtype="int64"),
        }
    )


def test_a_table_round_trips_through_write_and_read(tmp_path):
    path = tmp_path / "cells.parquet"
    write_table(_cells(), "cells", path)
    pd.testing.assert_frame_equal(read_table("cells", path), _cells())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda t: t.assign(extra=1), "extra"),
        (lambda t: t.drop(columns="year"), "year"),
        (lambda t: t.astype({"events": "float64"}), "events"),
        (lambda t: t[list(reversed(t.columns))], "cells"),
    ],
)
def test_a_table_that_does_not_match_its_schema_is_not_written(tmp_path, change, named):
    path = tmp_path / "cells.parquet"
    with pytest.raises(InputError) as caught:
        write_table(change(_cells()), "cells", path)
    assert named in str(caught.value)
    assert not path.exists()


def test_every_catalogue_table_has_a_schema_and_every_column_a_kind_and_role():
    for key, spec in TABLES.items():
        schema = schema_for(key)
        assert list(schema.columns) == list(spec.columns), key
        for name, column in spec.columns.items():
            assert column.description and column.disclosure_role, (key, name)
        if spec.restricted:
            assert all(c.dtype for c in spec.columns.values()) or key.endswith("_restricted")


def test_a_published_csv_read_back_matches_its_schema(ons, tmp_path):
    _, tables = ons
    for key, table in tables.items():
        path = tmp_path / f"{key}.csv"
        write_table(table, key, path)
        check_table(pd.read_csv(path, dtype=str, keep_default_na=False), key, path)


def test_the_restricted_tables_follow_the_canonical_layout_and_the_cells():
    from birthgaps.core.codes import CANONICAL_COLUMNS, CELL_DIMENSIONS

    assert list(TABLES["births"].columns) == CANONICAL_COLUMNS
    assert list(TABLES["births_clean"].columns)[: len(CANONICAL_COLUMNS)] == CANONICAL_COLUMNS
    assert list(TABLES["cells"].columns) == [*CELL_DIMENSIONS, "outcome", "events", "denominator"]


def test_the_model_contracts_come_from_the_catalogue():
    from birthgaps.models import tables as model_columns

    assert {
        key: catalogue.published_model_columns(key) for key in catalogue.MODEL_OUTPUTS
    } == model_columns.PUBLISHED_COLUMNS
    assert model_columns.MODEL_COLUMNS[5:10] == [
        "odds_ratio",
        "lower_95",
        "upper_95",
        "log_or",
        "se",
    ]
    for key in catalogue.MODEL_OUTPUTS:
        published = catalogue.published_model_columns(key)
        fitted = catalogue.fitted_model_columns(key)
        assert [c for c in fitted if c not in catalogue.UNPUBLISHED_COLUMNS] == published[1:]


def test_every_other_list_of_a_published_tables_columns_names_catalogue_columns():
    """The lists that remain outside the catalogue (the columns a writer orders, the columns each
    chart needs) may only name columns the catalogue describes, so they cannot drift from it."""
    from birthgaps.appendix import frames
    from birthgaps.stats import funnel_table, trend_table

    def names(table: str) -> set[str]:
        return set(catalogue.TABLES[table].columns)

    lists = {
        "rates": [*frames.RATES_COLUMNS, *rates.RATE_COLUMNS, *rates.COMPARISON_COLUMNS],
        "models": frames.MODELS_COLUMNS,
        "risk_ratios": frames.RISK_RATIOS_COLUMNS,
        "trends": [*frames.TRENDS_COLUMNS, *trend_table.TREND_COLUMNS],
        "inequality": frames.INEQUALITY_COLUMNS,
        "funnel": [*frames.FUNNEL_COLUMNS, *funnel_table.FUNNEL_COLUMNS],
    }
    for table, columns in lists.items():
        unknown = sorted(set(columns) - names(table))
        assert not unknown, f"{table}: {unknown} are not columns of the catalogue's {table} table"


def test_every_p_value_column_is_written_as_text_in_the_workbook():
    """A p-value column the workbook does not recognise would show a raw float (8.3e-64)."""
    found = 0
    for key, spec in PUBLISHED.items():
        for name, column in spec.columns.items():
            assert is_p_value(name) == column.heading.endswith("p-value"), (key, name)
            found += is_p_value(name)
    assert found >= 6
