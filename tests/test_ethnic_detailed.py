"""Detailed ethnic groups (config ``ethnicity.detailed``): the detailed cells add up to the cell
table, the rates gain an ``ethnic_group_detailed`` breakdown under the same small-number and
disclosure rules, and an attacker who knows that detailed groups sum to their high-level group (and
all groups to the area total, and areas to all areas) recovers no withheld detailed row. The attack
is shown to succeed when secondary suppression ignores that hierarchy.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only

import birthgaps.stats.rates as rates_module
from birthgaps.appendix import findings, frames, inputs, tables
from birthgaps.clean.cells import make_cells, make_detailed_cells
from birthgaps.clean.cleaning import clean_births
from birthgaps.core import codes
from birthgaps.core.disclosure import exactly_one_suppressed, rates_additive_sets
from birthgaps.core.errors import InputError
from birthgaps.ingest.synth import simulate_release
from birthgaps.publish import audit
from birthgaps.publish.attack_view import key_frame
from birthgaps.stats.rates import (
    compute_rates,
    detailed_ethnicity,
    previous_release,
    publish_rates,
    with_detailed_ethnicity,
)

DETAILED = "ethnic_group_detailed"
COUNTS = ["events", "denominator"]

#: The ONS 2021 high-level group of each detailed group, written out here (public knowledge: the
#: attacker's copy, independent of the package's code list).
PARENT = {
    **dict.fromkeys(["Bangladeshi", "Chinese", "Indian", "Pakistani", "Other Asian"], "Asian"),
    **dict.fromkeys(["African", "Caribbean", "Other Black"], "Black"),
    **dict.fromkeys(
        ["White and Asian", "White and Black African", "White and Black Caribbean", "Other Mixed"],
        "Mixed",
    ),
    **dict.fromkeys(["White British", "White Irish", "Other White"], "White"),
    "Any other ethnic group": "Other",
    "Not stated": "Not stated",
}


@pytest.fixture(scope="module")
def release(repo_config) -> dict:
    """A small synthetic release (about 6,000 live births, three areas): clean births, both cell
    tables, unrounded rates with the detailed breakdown, and the settings."""
    config = birth_outcomes_only(repo_config)  # the births extract alone, no linked deaths
    settings = config["synthetic"]
    settings["live_births"] = 6000
    years = config["releases"][config["release"]]["years"]
    extract, lookup = simulate_release(settings, config["areas"], years)
    clean, _ = clean_births(
        extract, lookup, areas=list(config["areas"]), years=years, definitions=config["definitions"]
    )
    cells = make_cells(clean, config["outcomes"])
    detailed = make_detailed_cells(clean, config["outcomes"])
    rates = compute_rates(cells, config["areas"], config["statistics"], detailed=detailed)
    return {
        "extract": extract,
        "clean": clean,
        "cells": cells,
        "detailed": detailed,
        "rates": rates,
        "config": config,
    }


def published_of(release: dict, **kwargs) -> pd.DataFrame:
    config = release["config"]
    return publish_rates(release["rates"], config["disclosure"], config["statistics"], **kwargs)


def naive_published(release: dict, monkeypatch) -> pd.DataFrame:
    """Secondary suppression that does not know detailed groups sum to their high-level group."""
    blind = functools.partial(rates_additive_sets, nested={})
    with monkeypatch.context() as patch:
        patch.setattr(rates_module, "rates_additive_sets", blind)
        return published_of(release)


# ------------------------------------------------------------------------------------------------
# Cells and rates
# ------------------------------------------------------------------------------------------------


def test_synthetic_births_use_every_nhs_code_and_detailed_group(release):
    codes = set(release["extract"]["mother_ethnic_category"].dropna().astype(str))
    assert set("ABCDEFGHJKLMNPRS") <= codes
    groups = set(release["clean"][DETAILED].astype(str))
    assert groups == set(PARENT)


def test_detailed_cells_add_up_to_the_cell_table(release):
    keys = ["area_code", "year", "ethnic_group", "outcome"]
    broad = release["cells"].groupby(keys)[COUNTS].sum()
    detailed = release["detailed"].groupby(keys)[COUNTS].sum()
    pd.testing.assert_frame_equal(broad, detailed)
    pairs = release["detailed"][["ethnic_group", DETAILED]].drop_duplicates()
    assert all(PARENT[d] == g for g, d in pairs.itertuples(index=False))


def test_the_breakdown_is_added_only_when_configured(release):
    config = release["config"]
    plain = compute_rates(release["cells"], config["areas"], config["statistics"])
    assert DETAILED not in set(plain["dimension"])
    rates = release["rates"]
    pd.testing.assert_frame_equal(
        rates[rates["dimension"] != DETAILED].reset_index(drop=True), plain
    )
    # the detailed rows of an area and outcome follow its other breakdowns
    last = rates.groupby(["area_code", "outcome"], sort=False)["dimension"].last()
    assert set(last) == {DETAILED}
    assert set(rates.loc[rates["dimension"] == DETAILED, "area_code"]) == {*config["areas"], "ALL"}


def test_detailed_rows_sum_to_their_high_level_group_and_the_total(release):
    rates = release["rates"]
    detailed = rates[rates["dimension"] == DETAILED].assign(parent=lambda t: t["group"].map(PARENT))
    keys = ["area_code", "outcome", "group"]
    summed = detailed.groupby(["area_code", "outcome", "parent"], as_index=False)[COUNTS].sum()
    broad = rates.loc[rates["dimension"] == "ethnic_group", [*keys, *COUNTS]]
    joined = broad.merge(
        summed.rename(columns={"parent": "group"}), on=keys, how="outer", suffixes=("", "_sum")
    )
    assert len(joined) == len(broad)
    for column in COUNTS:
        assert (joined[column] == joined[f"{column}_sum"]).all()
    total = detailed.groupby(["area_code", "outcome"])[COUNTS].sum()
    overall = rates[rates["dimension"] == "overall"].set_index(["area_code", "outcome"])[COUNTS]
    pd.testing.assert_frame_equal(total.sort_index(), overall.sort_index(), check_dtype=False)


def test_the_switch_and_mismatched_cells_stop_with_a_message(release):
    assert detailed_ethnicity(None) is False
    assert detailed_ethnicity({}) is False
    assert detailed_ethnicity({"detailed": True}) is True
    with pytest.raises(InputError, match=r"ethnicity\.detailed"):
        detailed_ethnicity({"detailed": "yes"})
    config = release["config"]
    counts = rates_module.grouped_counts(release["cells"], config["areas"])
    short = release["detailed"].iloc[1:]  # one cell lost: the hierarchy would not hold
    with pytest.raises(InputError, match="do not add up") as caught:
        with_detailed_ethnicity(counts, short, config["areas"])
    assert caught.value.file == "restricted/cells_detailed.parquet"
    assert caught.value.rows and caught.value.rows >= 1
    moved = release["detailed"].copy()
    moved["ethnic_group"] = moved["ethnic_group"].mask(moved[DETAILED] == "Indian", "Other")
    with pytest.raises(InputError, match="outside their ONS high-level group") as caught:
        with_detailed_ethnicity(counts, moved, config["areas"])
    assert "Indian" in str(caught.value)


def test_detailed_rows_follow_the_small_number_and_rounding_rules(release):
    published = published_of(release)
    rows = published[published["dimension"] == DETAILED]
    shown = rows[~rows["suppressed"]]
    assert len(shown) > 0 and rows["suppressed"].sum() > 0
    for column in COUNTS:
        values = shown[column].astype(int)
        assert (values % 5 == 0).all()
        assert not values.between(1, 7).any()
    events = shown["events"].astype(int)
    assert (shown.loc[events < 3, "reliability"] == "x").all()
    assert shown.loc[events < 3, "value"].isna().all()
    assert (shown.loc[(events >= 3) & (events < 20), "reliability"] == "u").all()
    hidden = rows[rows["suppressed"]]
    assert hidden[[*COUNTS, "value", "lower_95"]].isna().all().all()
    assert (hidden["flag"] == "c").all()


def test_a_release_following_itself_publishes_the_same_detailed_rows(release):
    first = published_of(release)
    again = published_of(release, previous=previous_release(first, release["rates"]))
    pd.testing.assert_frame_equal(first, again)


# ------------------------------------------------------------------------------------------------
# The attacker: every sum an outsider can form, from the published keys and the public code list
# ------------------------------------------------------------------------------------------------


def hierarchy_sets(published: pd.DataFrame) -> list[tuple[str, int, list[int]]]:
    """(label, total row, member rows): detailed groups -> their high-level group, all detailed
    groups -> the overall row, and each detailed group's area rows -> its all-areas row."""
    table = published.reset_index(drop=True)
    key = {
        k: i
        for i, k in enumerate(
            zip(
                table["area_code"],
                table["outcome"],
                table["dimension"],
                table["group"],
                strict=True,
            )
        )
    }
    found = []
    detailed = table[table["dimension"] == DETAILED]
    for (area, outcome), part in detailed.groupby(["area_code", "outcome"]):
        overall = key.get((area, outcome, "overall", "All"))
        if overall is not None:
            found.append((f"{area} {outcome} detailed", overall, list(part.index)))
        for parent, rows in part.groupby(part["group"].map(PARENT)):
            total = key.get((area, outcome, "ethnic_group", parent))
            if total is not None:
                found.append((f"{area} {outcome} {parent}", total, list(rows.index)))
    areas = detailed[detailed["area_code"] != "ALL"]
    for (outcome, group), rows in areas.groupby(["outcome", "group"]):
        total = key.get(("ALL", outcome, DETAILED, group))
        if total is not None:
            found.append((f"areas {outcome} {group}", total, list(rows.index)))
    return found


def subtract(published: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Every withheld row worked out as total - sum(others) in a set where it is the only one."""
    table = published.reset_index(drop=True)
    hidden = table["suppressed"].astype(bool).to_numpy()
    out = []
    for label, total, members in hierarchy_sets(table):
        cells = [total, *members]
        if hidden[cells].sum() != 1:
            continue
        target = next(c for c in cells if hidden[c])
        for column in COUNTS:
            shown = pd.to_numeric(table[column]).astype("float64")
            others = sum(shown[m] for m in members if m != target)
            value = others if target == total else shown[total] - others
            true = float(truth.loc[target, column])
            out.append({"set": label, "row": target, "column": column, "value": value})
            out[-1] |= {"true": true, "n_terms": len(members)}
    return pd.DataFrame(out, columns=["set", "row", "column", "value", "true", "n_terms"])


def determined(published: pd.DataFrame) -> int:
    """Withheld rows whose counts every published sum together pins down (linear algebra)."""
    table = published.reset_index(drop=True)
    sets = hierarchy_sets(table)
    hidden = np.flatnonzero(table["suppressed"].astype(bool).to_numpy())
    system = np.zeros((len(sets), len(table)))
    for i, (_, total, members) in enumerate(sets):
        system[i, total] = -1.0
        system[i, members] = 1.0
    _, singular, vt = np.linalg.svd(system[:, hidden])
    null = vt[(singular > 1e-9).sum() :]
    free = np.abs(null).max(axis=0) > 1e-9 if len(null) else np.zeros(len(hidden), bool)
    return int((~free).sum())


def attack_release(published: pd.DataFrame, truth: pd.DataFrame) -> audit.Release:
    tables = {"rates": key_frame(published)}
    text = {name: t.astype("string").fillna("").astype(str) for name, t in tables.items()}
    return audit.Release(".", tables, text, truth=truth[[*audit.KEYS, *COUNTS]].copy())


def test_without_the_hierarchy_withheld_detailed_rows_are_recovered(release, monkeypatch):
    naive = naive_published(release, monkeypatch)
    found = subtract(naive, release["rates"])
    assert len(found) > 0, "the attack must work when suppression ignores the hierarchy"
    error = (found["value"] - found["true"]).abs()
    assert (error <= 2.5 * found["n_terms"] + 2.5).all()  # the truth, up to the rounding
    rows = naive.reset_index(drop=True).loc[found["row"]]
    assert (rows["dimension"] == DETAILED).any()
    assert determined(naive) > 0
    # the package's own attack suite, from the rounded counts alone, pins some of them
    differenced = audit.difference_sets(
        attack_release(naive, release["rates"]), audit.initial_bounds(key_frame(naive))
    )
    assert differenced.summary["single_sets"] > 0
    assert differenced.summary["hidden_exact"] > 0
    assert differenced.findings["correct"].all()


def test_with_the_hierarchy_no_withheld_row_is_recovered(release):
    published = published_of(release)
    assert published.loc[published["dimension"] == DETAILED, "suppressed"].sum() > 0
    assert subtract(published, release["rates"]).empty
    assert determined(published) == 0
    sets = rates_additive_sets(release["rates"])
    assert exactly_one_suppressed(published["suppressed"].to_numpy(), sets) == []
    target = attack_release(published, release["rates"])
    bounds = audit.initial_bounds(target.rates)
    differenced = audit.difference_sets(target, bounds)
    assert differenced.summary["single_sets"] == 0
    assert differenced.summary["hidden_exact"] == 0
    assert differenced.summary["hidden_small_narrow"] == 0


def test_the_package_lists_the_attackers_hierarchy_sets(release):
    published = published_of(release)
    mine = {(s.total, tuple(sorted(s.members))) for s in rates_additive_sets(release["rates"])}
    theirs = {(t, tuple(sorted(m))) for _, t, m in hierarchy_sets(published)}
    assert theirs <= mine
    # the attack suite's sets come from the keys alone and include them too
    structural = {(s.total, tuple(sorted(s.members))) for s in audit.structural_sets(published)}
    assert theirs <= structural


def test_integer_program_pins_no_withheld_count(release):
    """The strongest attack (all sums exact, shown counts within their rounding) on one outcome."""
    published = published_of(release)
    outcome = published["outcome"] == published["outcome"].iloc[0]
    part = published[outcome].reset_index(drop=True)
    truth = release["rates"][outcome.to_numpy()].reset_index(drop=True)
    target = attack_release(part, truth)
    found = audit.milp_bounds(target, audit.initial_bounds(target.rates), time_limit=2)
    assert found.findings["correct"].all()
    assert found.summary["hidden_exact"] == 0
    assert found.summary["hidden_small_narrow"] == 0


# ------------------------------------------------------------------------------------------------
# The appendix reads the published rates with the new breakdown
# ------------------------------------------------------------------------------------------------


def test_the_appendix_reads_rates_with_the_detailed_breakdown(release, tmp_path):
    config = release["config"]
    published = published_of(release)
    plain = published[published["dimension"] != DETAILED]
    published.to_csv(tmp_path / "rates.csv", index=False)
    plain.to_csv(tmp_path / "plain.csv", index=False)
    rates = inputs.read_rates(tmp_path / "rates.csv")
    before = inputs.read_rates(tmp_path / "plain.csv")
    area = next(iter(config["areas"]))
    outcome = config["outcomes"][0]
    broad = frames.select_rates(rates, area, outcome, "ethnic_group")
    assert sorted(broad["group"]) == sorted(
        frames.select_rates(before, area, outcome, "ethnic_group")["group"]
    )
    assert broad["group"].is_unique
    settings = {"disclosure": config["disclosure"], "statistics": config["statistics"]}
    for dimension in ("ethnic_group", "imd_quintile", "age_band", "year"):
        pd.testing.assert_frame_equal(
            tables.format_rates_table(rates, area, outcome, dimension, **settings),
            tables.format_rates_table(before, area, outcome, dimension, **settings),
        )
        if dimension != "imd_quintile":
            assert findings.group_finding(rates, area, outcome, dimension) == (
                findings.group_finding(before, area, outcome, dimension)
            )
    assert findings.imd_finding(rates, area, outcome) == findings.imd_finding(before, area, outcome)
    # the detailed table itself can be laid out by the same function (for the annex)
    detailed = tables.format_rates_table(rates, area, outcome, DETAILED, **settings)
    assert len(detailed) == int(
        (
            rates["area_code"].eq(area)
            & rates["outcome"].eq(outcome)
            & rates["dimension"].eq(DETAILED)
        ).sum()
    )
    assert set(detailed.iloc[:, 0]) <= set(PARENT)
    # ONS 2021 order, withheld rows shown as withheld
    shown = list(detailed.iloc[:, 0])
    order = [g for g in codes.ETHNIC_GROUPS_DETAILED if g in shown]
    assert shown == order


def test_the_annex_shows_a_detailed_table_only_when_the_rates_have_it(release, tmp_path):
    """The annex's outcome section gains "by detailed ethnic group" exactly when the release
    publishes the breakdown (config ethnicity.detailed)."""
    from birthgaps.appendix import sections
    from birthgaps.appendix.blocks import Table

    config = release["config"]
    published = published_of(release)
    published.to_csv(tmp_path / "rates.csv", index=False)
    rates = inputs.read_rates(tmp_path / "rates.csv")
    area = next(iter(config["areas"]))
    fields = {
        "release": "t",
        "release_label": "t",
        "area_code": area,
        "area_name": config["areas"][area],
        "synthetic": True,
        "models": pd.DataFrame(),
        "flow": pd.DataFrame(),
        "figures_dir": tmp_path,
        "disclosure": config["disclosure"],
        "statistics": config["statistics"],
        "outcomes": list(config["outcomes"]),
        "period": frames.period_of(rates, area),
    }

    def captions(table: pd.DataFrame) -> list[str]:
        section = sections.outcome_section(
            inputs.AppendixInputs(rates=table, **fields), config["outcomes"][0]
        )
        return [b.caption for b in section.blocks if isinstance(b, Table)]

    assert any("detailed ethnic group" in c for c in captions(rates))
    plain = rates[rates["dimension"] != DETAILED].reset_index(drop=True)
    assert not any("detailed ethnic group" in c for c in captions(plain))
