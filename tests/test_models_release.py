"""The models rule's one call (birthgaps.models.release.fit_area_models), moved out of its script.

It must give what the script gave: the published tables of model_tables, the previous release's
rows for an area whose data barely changed, and notes of the empty tables that quote the
configured p-value threshold.
"""

from __future__ import annotations

import copy
import io

import pandas as pd
import pytest
from support.fakes import FAKE_AREAS

from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.models.areas import model_tables
from birthgaps.models.options import model_settings
from birthgaps.models.protect import empty_table_notes, publish_model_tables
from birthgaps.models.release import PreviousModels, fit_area_models
from birthgaps.models.tables import EMPTY_REASONS, MODEL_OUTPUTS, TABLE_KEYS


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """A published table as the script reads the previous release's CSV back (all text)."""
    return pd.read_csv(io.StringIO(table.to_csv(index=False)), dtype=str, keep_default_na=False)


def _demo_models(repo_config: dict) -> dict:
    """The demo's models: block as the workflow passes it (validated: ``outcomes`` filled with the
    enabled outcomes declared ``modelled: true``), with its first outcome only (enough here)."""
    models = validate_config(copy.deepcopy(repo_config))["models"]
    models["outcomes"] = models["outcomes"][:1]
    return models


@pytest.fixture(scope="module")
def models(repo_config) -> dict:
    """The demo's models: block with one outcome (enough here, and a fraction of the fitting)."""
    return _demo_models(repo_config)


@pytest.fixture(scope="module")
def released(fake_cells, fake_rates, models, repo_config):
    return fit_area_models(fake_cells, fake_rates, models, FAKE_AREAS, repo_config["disclosure"])


def test_without_a_previous_release_it_publishes_the_fitted_tables(
    released, fake_cells, fake_rates, models, repo_config
):
    published, notes = released
    tables = model_tables(fake_cells, models, FAKE_AREAS, fake_rates)
    expected = publish_model_tables(tables, repo_config["disclosure"], fake_rates)
    assert list(published) == list(TABLE_KEYS) == list(MODEL_OUTPUTS)
    for key in TABLE_KEYS:
        pd.testing.assert_frame_equal(published[key], expected[key])
    assert notes == empty_table_notes(expected, tables[EMPTY_REASONS], 0.05)


def test_areas_whose_data_did_not_change_keep_the_previous_rows(
    released, fake_cells, fake_rates, models, repo_config
):
    published, _ = released
    previous = {
        key: _as_text(published[key]).assign(note="from the previous release") for key in TABLE_KEYS
    }
    again, _ = fit_area_models(
        fake_cells,
        fake_rates,
        models,
        FAKE_AREAS,
        repo_config["disclosure"],
        PreviousModels(cells=fake_cells.copy(), tables=previous),
    )
    for key in TABLE_KEYS:
        assert len(again[key]) == len(published[key])
        assert (again[key]["note"] == "from the previous release").all(), key


def test_the_empty_table_notes_quote_the_configured_threshold(fake_cells, fake_rates, repo_config):
    models = _demo_models(repo_config)
    models["interaction"] = {**(models.get("interaction") or {}), "stratified": "when_significant"}
    models["interaction"]["p_threshold"] = 1e-300  # no interaction is that significant
    published, notes = fit_area_models(
        fake_cells, fake_rates, models, FAKE_AREAS, repo_config["disclosure"]
    )
    assert published["stratified"].empty
    assert "p < 1e-300" in notes[MODEL_OUTPUTS["stratified"]]


def test_a_models_block_without_outcomes_stops_with_the_key_to_set(repo_config):
    """Their default needs the whole config (validate_config fills it): a bare models: block
    without ``outcomes`` is an InputError naming the key, not a KeyError."""
    models = copy.deepcopy(repo_config["models"])
    models.pop("outcomes", None)
    with pytest.raises(InputError, match="models.outcomes"):
        model_settings(models)
