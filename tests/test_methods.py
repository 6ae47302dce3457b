"""Published method statements come from the resolved config (issue 10's wording bug)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from birthgaps.core import methods
from birthgaps.core.settings import validate_config

REPO = Path(__file__).resolve().parents[1]


def _resolved(repo_config: dict, **disclosure) -> dict:
    config = copy.deepcopy(repo_config)
    config["disclosure"] = disclosure
    return validate_config(config)


def test_default_rule_set_keeps_the_nhs_england_wording(repo_config):
    config = _resolved(repo_config)
    d = config["disclosure"]
    assert d["rule_set"] == "nhs_england"
    assert methods.withheld_text(d) == (
        "[c] withheld to protect confidentiality: a count of 1 to 7 or a figure that would reveal one"
    )
    assert methods.counts_sentence(d) == "Counts are rounded to the nearest 5."
    # the statement the appendix published before it came from config, word for word
    assert methods.disclosure_statement(d) == (
        "Counts of 1 to 7 are withheld and other counts are rounded to the nearest 5 (NHS England "
        "rule for maternity data); further rows are withheld where they would let a withheld count "
        "be worked out. Both are marked [c]: withheld to protect confidentiality: a count of 1 to 7 "
        "or a figure that would reveal one. Every percentage, confidence interval, comparison, "
        "trend, ratio and inequality measure is calculated from the published (rounded) counts, so "
        "none of them can be used to work back to an exact count; adjusted models are fitted to "
        "the exact counts and published to 2 decimal places, without standard errors."
    )


@pytest.mark.parametrize(
    ("disclosure", "present", "absent"),
    [
        (
            {"rule_set": "ons_births"},
            ["1 to 2", "ONS rule", "not rounded"],
            ["1 to 7", "nearest 5", "NHS England"],
        ),
        (
            {"rule_set": "custom", "suppress_min": 1, "suppress_max": 9, "rounding_base": 10},
            ["1 to 9", "nearest 10", "configuration"],
            ["1 to 7", "nearest 5", "NHS England"],
        ),
        ({"rule_set": "nhs_england"}, ["1 to 7", "nearest 5", "NHS England"], ["ONS rule"]),
    ],
)
def test_every_statement_follows_the_configured_rule_set(repo_config, disclosure, present, absent):
    config = _resolved(repo_config, **disclosure)
    d = config["disclosure"]
    text = " ".join(
        [
            methods.disclosure_statement(d),
            methods.withheld_text(d),
            methods.counts_sentence(d),
            *methods.caption_statements(config).values(),
        ]
    )
    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase


def test_statistics_statements_follow_the_config(repo_config):
    config = copy.deepcopy(repo_config)
    config.setdefault("statistics", {})["confidence"] = [0.9, 0.99]
    config["statistics"]["small_numbers"] = {"min_events": 5, "unreliable_below": 10}
    config = validate_config(config)
    assert methods.confidence_levels(config["statistics"]) == "90% (and 99%)"
    assert "90% (and 99%)" in methods.ci_statement(config["statistics"])
    small = methods.small_number_statement(config["statistics"])
    assert "fewer than 5 events" in small and "fewer than 10 events" in small
    assert methods.caption_statements(config)["confidence"] == "90% and 99%"


def test_model_terms_are_named_from_the_config(repo_config):
    config = copy.deepcopy(repo_config)
    config["models"]["adjust_for"] = ["year"]
    config = validate_config(config)
    assert methods.caption_statements(config)["adjusted_for"] == "year"
    assert (
        methods.terms(["age_band", "year"], methods.CAPTION_TERMS) == "maternal age band and year"
    )


def test_captions_use_the_statements_not_fixed_wording():
    """The report captions hold no disclosure numbers of their own."""
    for caption in (REPO / "workflow/report").glob("*.rst"):
        text = caption.read_text()
        for phrase in ("1 to 7", "1–7", "nearest 5", "NHS England"):
            assert phrase not in text, (
                f"{caption.name} states '{phrase}' instead of the config's rule"
            )
