"""Config schema and cross-key checks: bad config names the key; the demo config is valid."""

from __future__ import annotations

import pytest

from birthgaps.core.errors import InputError
from birthgaps.core.settings import load_config, validate_config
from birthgaps.ingest.preflight import preflight


def test_demo_config_is_valid(config):
    validate_config(config)
    preflight(config)  # synthetic release: nothing to check on disk


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda c: c.pop("areas"), "(top level)"),
        (lambda c: c.__setitem__("release", "nope"), "release"),
        (
            lambda c: c["models"]["reference"].__setitem__("ethnic_group", "Martian"),
            "models.reference.ethnic_group",
        ),
        (lambda c: c["definitions"].__setitem__("lbw_grams", "2500"), "definitions.lbw_grams"),
        (lambda c: c.__setitem__("outcomes", ["preterm", "stork"]), "outcomes.1"),
        (lambda c: c.__setitem__("unexpected", 1), "(top level)"),
        (lambda c: c["models"].__setitem__("outcomes", ["very_lbw"]), "models.outcomes"),
        (lambda c: c["releases"]["demo"].pop("years"), "releases.demo"),
    ],
)
def test_bad_config_names_the_key(config, change, key):
    change(config)
    with pytest.raises(InputError) as info:
        validate_config(config)
    assert f"config key: {key}" in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_config(tmp_path / "none.yaml")


def test_preflight_of_a_real_release(tmp_path, config):
    config["releases"]["real"] = {
        "label": "Real",
        "extract": str(tmp_path / "births.csv"),
        "imd_lookup": str(tmp_path / "imd.csv"),
        "years": [2020],
    }
    config["release"] = "real"
    validate_config(config)
    with pytest.raises(InputError, match="extract file does not exist") as info:
        preflight(config)
    assert "releases.real.extract" in str(info.value)
    (tmp_path / "births.csv").write_text("baby_id,birth_date\n")
    (tmp_path / "imd.csv").write_text("lsoa_code,imd_decile\n")
    with pytest.raises(InputError, match="required columns are missing") as info:
        preflight(config)
    assert "birth_outcome" in str(info.value)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({}, {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}),
        ({"rule_set": "ons_births"}, {"suppress_min": 1, "suppress_max": 2, "rounding_base": 1}),
        ({"rule_set": "nhs_england", "suppress_max": 9}, {"suppress_max": 9, "rounding_base": 5}),
        (
            {"rule_set": "custom", "suppress_min": 1, "suppress_max": 10, "rounding_base": 10},
            {"suppress_max": 10, "rounding_base": 10},
        ),
    ],
)
def test_named_disclosure_rule_sets_fill_the_thresholds(config, rules, expected):
    config["disclosure"] = rules
    validate_config(config)
    for key, value in expected.items():
        assert config["disclosure"][key] == value


def test_custom_rule_set_needs_every_threshold(config):
    config["disclosure"] = {"rule_set": "custom", "suppress_max": 10}
    with pytest.raises(InputError, match="suppress_min, rounding_base"):
        validate_config(config)
