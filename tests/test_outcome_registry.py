"""The outcome registry: declarations, the condition language, flags and the cells they give."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from support import REPO

from birthgaps.clean.cells import make_cells, outcome_flag_frame
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import (
    BUILTIN_PATH,
    condition_names,
    declare,
    evaluate,
    from_params,
    outcome_ids,
    registry,
)
from birthgaps.core.settings import schema_defaults, validate_config

DEFS = schema_defaults("definitions")


def demo_config() -> dict:
    """The demo config with models on the outcomes declared modelled (the default)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["models"].pop("outcomes", None)
    return config


def records() -> pd.DataFrame:
    """Six records: live and still births, twins of one maternity, linked deaths at 3, 30 and 400 days."""
    return pd.DataFrame(
        {
            "baby_id": ["a", "b", "c", "d", "e", "f"],
            "birth_date": pd.to_datetime(
                ["2020-01-10", "2020-05-01", "2020-05-01", "2021-02-01", "2021-03-01", "2021-12-20"]
            ),
            "year": [2020, 2020, 2020, 2021, 2021, 2021],
            "area_code": ["X1"] * 6,
            "imd_quintile": ["1", "1", "1", "5", "5", "5"],
            "ethnic_group": ["White"] * 6,
            "age_band": ["25-29"] * 6,
            "live": [True, True, True, False, True, True],
            "stillbirth": [False, False, False, True, False, False],
            "gestation_weeks": pd.array([30, 36, 36, 28, None, 40], dtype="Int64"),
            "birth_weight_g": pd.array([1400, 2400, 2600, 900, 3000, 3500], dtype="Int64"),
            "age_at_death_days": pd.array([3, None, 30, None, 400, None], dtype="Int64"),
            "delivery_method": pd.array(["8", "7", "7", "0", None, "0"], dtype="string"),
            "maternity_first": pd.array([True, True, False, True, True, True], dtype="boolean"),
        }
    )


def test_every_built_in_declares_what_a_reader_needs():
    builtins = yaml.safe_load(BUILTIN_PATH.read_text())
    declared = {i: declare(i, f, DEFS) for i, f in builtins.items()}
    assert {"preterm", "lbw", "term_lbw", "infant", "neonatal", "stillbirth"} <= set(declared)
    assert declared["infant"].unit_words == "per 1,000 live births"
    assert declared["stillbirth"].unit_words == "per 1,000 total births"
    assert declared["emergency_caesarean"].unit_words == "% of maternities"
    assert declared["infant"].pool_years == 3 and declared["preterm"].pool_years == 1
    assert all(o.definition and o.label and o.short for o in declared.values())
    assert "{" not in "".join(o.definition + o.short for o in declared.values())


def test_definition_words_follow_the_configured_thresholds():
    words = declare("preterm", yaml.safe_load(BUILTIN_PATH.read_text())["preterm"], DEFS)
    assert "before 37 weeks" in words.definition
    changed = declare(
        "preterm",
        yaml.safe_load(BUILTIN_PATH.read_text())["preterm"],
        {**DEFS, "preterm_weeks": 36},
    )
    assert "before 36 weeks" in changed.definition and "37" not in changed.definition
    assert (
        "2,500 g"
        in declare("lbw", yaml.safe_load(BUILTIN_PATH.read_text())["lbw"], DEFS).definition
    )


def test_hand_counted_flags_of_every_population():
    flags = outcome_flag_frame(
        records(),
        ["preterm", "term_lbw", "stillbirth", "perinatal", "neonatal", "infant", "postneonatal"],
        complete_to=pd.Timestamp("2021-12-31"),
    )
    # a stillbirth is outside every live-birth denominator; gestation not stated is outside preterm
    assert flags["preterm"].tolist() == [True, True, True, pd.NA, pd.NA, False]
    assert flags["term_lbw"].tolist() == [pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, False]
    assert flags["stillbirth"].tolist() == [False, False, False, True, False, False]
    # perinatal: still or death under 7 days; the December birth has 12 days of follow-up (>= 7)
    assert flags["perinatal"].tolist() == [True, False, False, True, False, False]
    assert flags["neonatal"].tolist() == [True, False, False, pd.NA, False, pd.NA]
    # infant: a death at 400 days is not an infant death; births of 2021 lack a year of follow-up
    assert flags["infant"].tolist() == [True, False, True, pd.NA, pd.NA, pd.NA]
    assert flags["postneonatal"].tolist() == [False, False, True, pd.NA, pd.NA, pd.NA]


def test_maternity_indicators_count_twins_once():
    frame = records()
    flags = outcome_flag_frame(frame, ["emergency_caesarean", "caesarean"])
    # b and c are twins of one maternity (c is not its first record); e has no delivery method
    assert flags["caesarean"].tolist() == [True, True, pd.NA, False, pd.NA, False]
    cells = make_cells(frame, ["caesarean"])
    assert cells["denominator"].sum() == 4 and cells["events"].sum() == 2


def test_an_outcome_the_records_cannot_give_stops_naming_it():
    frame = records().drop(columns=["delivery_method"])
    with pytest.raises(InputError, match="emergency_caesarean.*delivery_method"):
        outcome_flag_frame(frame, ["emergency_caesarean"])
    no_maternities = records().assign(maternity_first=pd.array([pd.NA] * 6, dtype="boolean"))
    with pytest.raises(InputError, match="maternity_first"):
        outcome_flag_frame(no_maternities, ["caesarean"])
    with pytest.raises(InputError, match="age_at_death_days"):
        outcome_flag_frame(records().drop(columns=["age_at_death_days"]), ["infant"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gestation_weeks <", "cannot read"),
        ("foo < 3", "neither a column"),
        ("__import__('os').system('true')", "not allowed"),
        ("gestation_weeks.real < 3", "not allowed"),
        ("gestation_weeks", "not a yes/no"),
        ("delivery_method < 3", "compares a text with a number"),
        ("delivery_method > '7'", "orders values"),
        ("delivery_method in ['7', 8]", "one kind"),
        ("gestation_weeks + 1 < 3", "not allowed"),
    ],
)
def test_the_condition_language_refuses_anything_but_comparisons(text, message):
    with pytest.raises(InputError, match=message):
        condition_names(text, DEFS, "outcomes[0].numerator")


def test_three_valued_logic_keeps_missing_values_missing():
    frame = pd.DataFrame({"gestation_weeks": pd.array([30, None, 40], dtype="Int64")})
    assert evaluate("gestation_weeks < 37", frame, DEFS).tolist() == [True, pd.NA, False]
    assert evaluate("not gestation_weeks < 37", frame, DEFS).tolist() == [False, pd.NA, True]
    chained = evaluate("28 <= gestation_weeks < 37", frame, DEFS)
    assert chained.tolist() == [True, pd.NA, False]


def test_a_numerator_on_a_column_not_required_is_refused():
    fields = {
        "label": "Smokers",
        "group": "maternity",
        "definition": "smokers",
        "numerator": "smoking_at_delivery",
        "denominator": "maternities",
        "measure": "percent",
    }
    with pytest.raises(InputError, match="without listing it under `requires`"):
        declare("smokers", fields, DEFS)
    assert declare("smokers", {**fields, "requires": ["smoking_at_delivery"]}, DEFS).id == "smokers"


def test_a_death_outcome_needs_its_follow_up():
    fields = dict(yaml.safe_load(BUILTIN_PATH.read_text())["neonatal"])
    del fields["follow_up_days"]
    with pytest.raises(InputError, match="follow_up_days"):
        declare("neonatal", fields, DEFS)


def test_a_new_outcome_is_config_only():
    """Very preterm birth under 32 weeks, declared in config without any code, through to the cells."""
    config = demo_config()
    config["outcomes"] = [
        "preterm",
        {
            "id": "under_32_weeks",
            "label": "Born under 32 weeks",
            "group": "birth_outcomes",
            "definition": "live births before {very_preterm_weeks} weeks, of live births with stated gestation",
            "numerator": "gestation_weeks < very_preterm_weeks",
            "requires": ["gestation_weeks"],
            "denominator": "live_births",
            "measure": "percent",
        },
    ]
    validate_config(config)
    declared = registry(config)
    assert list(declared) == ["preterm", "under_32_weeks"]
    assert declared["under_32_weeks"].definition.startswith("live births before 32 weeks")
    rebuilt = from_params([o.as_params() for o in declared.values()])
    assert rebuilt == declared
    cells = make_cells(records(), list(rebuilt.values()))
    assert cells.groupby("outcome")["events"].sum().to_dict() == {"preterm": 3, "under_32_weeks": 1}


def test_a_built_in_can_be_changed_in_config_and_unknown_ids_stop():
    config = demo_config()
    config["outcomes"] = [{"id": "infant", "pooling": "single_year"}]
    validate_config(config)
    assert registry(config)["infant"].pool_years == 1
    config = demo_config()
    config["outcomes"] = ["preterm", "infant_mortality"]
    with pytest.raises(InputError, match="not a built-in outcome"):
        validate_config(config)
    config = demo_config()
    config["outcomes"] = ["preterm", "preterm"]
    with pytest.raises(InputError, match="listed twice"):
        validate_config(config)


def test_models_default_to_the_outcomes_declared_modelled():
    config = demo_config()
    validate_config(config)
    declared = registry(config)
    assert config["models"]["outcomes"] == [o for o in outcome_ids(config) if declared[o].modelled]


def test_deaths_by_year_of_death_leave_out_the_first_year():
    frame = records()
    frame.loc[0, "birth_date"] = pd.Timestamp("2020-12-30")  # dies 2021-01-02
    config = copy.deepcopy(yaml.safe_load(BUILTIN_PATH.read_text())["neonatal"])
    by_death = declare("neonatal_registered", {**config, "year_basis": "death"}, DEFS)
    cells = make_cells(frame, [by_death])
    assert cells["year"].tolist() == [2021] * len(cells)
    assert cells["events"].sum() == 1  # the 2020 birth's death counts in 2021, its year of death
    # deaths complete only to mid-2021: 2021 is not a complete year of deaths, so no row at all
    assert make_cells(frame, [by_death], complete_to=pd.Timestamp("2021-06-30")).empty
    # by year of death every live birth of a year counts, whatever its follow-up
    complete = make_cells(frame, [by_death], complete_to=pd.Timestamp("2021-12-31"))
    assert complete["denominator"].sum() == 2  # the live births of 2021: e and f (d is still)


def test_rule_params_are_the_same_in_every_process():
    """Snakemake re-runs a rule whose params changed: the declarations must not depend on the
    process's string-hash seed (a set's order does), or every run would redo every rule."""
    import os
    import subprocess
    import sys

    code = (
        "import json, yaml; from birthgaps.core.settings import validate_config, outcome_params; "
        f"c = yaml.safe_load(open({str(REPO / 'config' / 'config.yaml')!r})); validate_config(c); "
        "print(json.dumps(outcome_params(c)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
