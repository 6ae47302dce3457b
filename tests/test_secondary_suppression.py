"""Secondary suppression: an attacker who subtracts published counts recovers no suppressed row.

The attack is written here from the published table alone (it does not reuse the package's list of
additive sets), and it is shown to succeed when secondary suppression is switched off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only

from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import clean_births
from birthgaps.core.disclosure import (
    AdditiveSet,
    exactly_one_suppressed,
    rates_additive_sets,
    secondary_mask,
    secondary_suppress,
)
from birthgaps.ingest.synth import simulate_release
from birthgaps.stats.rates import CROSS, compute_rates, publish_rates

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
COUNTS = ["events", "denominator"]


@pytest.fixture(scope="module")
def demo_rates(repo_config) -> tuple[pd.DataFrame, dict]:
    """Unrounded rates of a small synthetic release (about 6,000 live births, three areas)."""
    config = birth_outcomes_only(repo_config)  # the births extract alone, no linked deaths
    settings = config["synthetic"]
    settings["live_births"] = 6000
    years = config["releases"][config["release"]]["years"]
    extract, lookup = simulate_release(settings, config["areas"], years)
    clean, _ = clean_births(
        extract, lookup, areas=list(config["areas"]), years=years, definitions=config["definitions"]
    )
    cells = make_cells(clean, config["outcomes"])
    return compute_rates(cells, config["areas"], config["statistics"]), config


def attack_sets(published: pd.DataFrame) -> list[tuple[str, int, list[int]]]:
    """(label, total row, member rows) of every sum an outsider can form from the published rows."""
    table = published.reset_index(drop=True)
    key = dict(
        zip(
            zip(
                table["area_code"],
                table["outcome"],
                table["dimension"],
                table["group"],
                strict=True,
            ),
            table.index,
            strict=True,
        )
    )
    found = []
    for (area, outcome), part in table.groupby(["area_code", "outcome"]):
        overall = key.get((area, outcome, "overall", "All"))
        for dimension, rows in part.groupby("dimension"):
            if dimension != "overall" and overall is not None:
                found.append((f"{area} {outcome} {dimension}", overall, list(rows.index)))
        cross = part[part["dimension"] == CROSS]
        quintile = cross["group"].str.split(" | ", regex=False).str[0]
        ethnic = cross["group"].str.split(" | ", regex=False).str[1]
        for dimension, labels in (("imd_quintile", quintile), ("ethnic_group", ethnic)):
            for value, rows in cross.groupby(labels):
                total = key.get((area, outcome, dimension, value))
                if total is not None:
                    found.append((f"{area} {outcome} cross->{value}", total, list(rows.index)))
    areas = table[table["area_code"] != "ALL"]
    for (outcome, dimension, group), rows in areas.groupby(["outcome", "dimension", "group"]):
        total = key.get(("ALL", outcome, dimension, group))
        if total is not None:
            found.append((f"areas {outcome} {dimension} {group}", total, list(rows.index)))
    return found


def recover(published: pd.DataFrame, truth: pd.DataFrame) -> list[dict]:
    """Every suppressed row worked out by subtraction: total - sum(others), or sum(members)."""
    table = published.reset_index(drop=True)
    truth = truth.reset_index(drop=True)
    hidden = table["suppressed"].astype(bool).to_numpy()
    recovered = []
    for label, total, members in attack_sets(table):
        cells = [total, *members]
        if hidden[cells].sum() != 1:
            continue
        target = next(c for c in cells if hidden[c])
        for column in COUNTS:
            shown = pd.to_numeric(table[column]).astype("float64")
            others = sum(shown[m] for m in members if m != target)
            value = others if target == total else shown[total] - others
            recovered.append(
                {"set": label, "row": target, "column": column, "value": value}
                | {"true": float(truth.loc[target, column]), "n_terms": len(members)}
            )
    return recovered


def test_no_suppressed_row_can_be_recovered_by_subtraction(demo_rates):
    rates, config = demo_rates
    published = publish_rates(rates, config["disclosure"], config["statistics"])
    assert published["suppressed"].sum() > 0
    assert recover(published, rates) == []


def test_without_secondary_suppression_the_attack_recovers_rows(demo_rates):
    rates, config = demo_rates
    published = publish_rates(rates, config["disclosure"], config["statistics"], secondary=False)
    found = pd.DataFrame(recover(published, rates))
    assert len(found) > 0, "the attack must work on primary suppression alone"
    # the recovered counts are the true ones up to rounding (each published count is within 2.5)
    error = (found["value"] - found["true"]).abs()
    assert (error <= 2.5 * found["n_terms"] + 2.5).all()
    small = found[(found["column"] == "events") & found["true"].between(1, 7)]
    assert not small.empty, "some recovered rows are small counts (primary suppressions)"


def test_no_suppressed_row_is_determined_by_all_sums_together(demo_rates):
    """Stronger than one set at a time: no combination of the published sums pins a hidden row."""
    rates, config = demo_rates
    published = publish_rates(rates, config["disclosure"], config["statistics"])
    off = publish_rates(rates, config["disclosure"], config["statistics"], secondary=False)
    sets = attack_sets(published)

    def determined(table: pd.DataFrame) -> int:
        hidden = np.flatnonzero(table["suppressed"].astype(bool).to_numpy())
        system = np.zeros((len(sets), len(table)))
        for i, (_, total, members) in enumerate(sets):
            system[i, total] = -1.0
            system[i, members] = 1.0
        _, singular, vt = np.linalg.svd(system[:, hidden])
        null = vt[(singular > 1e-9).sum() :]
        free = np.abs(null).max(axis=0) > 1e-9 if len(null) else np.zeros(len(hidden), bool)
        return int((~free).sum())

    assert determined(off) > 0
    assert determined(published) == 0


def test_suppressed_rows_withhold_everything_and_keep_flag_c(demo_rates):
    rates, config = demo_rates
    published = publish_rates(rates, config["disclosure"], config["statistics"], show_kind=True)
    kind = published["suppression"]
    assert set(kind) == {"primary", "secondary", ""}
    assert ((kind != "") == published["suppressed"]).all()
    hidden = published[published["suppressed"]]
    values = ["events", "denominator", "value", "lower_95", "upper_95", "lower_99_8"]
    assert hidden[values].isna().all().all()
    assert (hidden["flag"] == "c").all() and (hidden["reliability"] == "").all()
    assert set(hidden["comparison"]) <= {"Not compared", ""}
    shown = published[~published["suppressed"]]
    assert not shown["events"].isna().any() and (shown["flag"] == "").all()
    assert "suppression" not in publish_rates(rates, config["disclosure"]).columns
    again = publish_rates(rates, config["disclosure"], config["statistics"], show_kind=True)
    pd.testing.assert_frame_equal(published, again)  # deterministic


def test_package_sets_match_the_attackers_sets(demo_rates):
    rates, config = demo_rates
    published = publish_rates(rates, config["disclosure"], config["statistics"])
    mine = {(s.total, tuple(sorted(s.members))) for s in rates_additive_sets(rates)}
    theirs = {(t, tuple(sorted(m))) for _, t, m in attack_sets(published)}
    assert mine == theirs
    assert (
        exactly_one_suppressed(published["suppressed"].to_numpy(), rates_additive_sets(rates)) == []
    )


# ----------------------------------------------------------------------------- hand-made tables


def hand_table() -> pd.DataFrame:
    """One area: overall 100 births = quintile 1 (5, small) + 2 (30) + 3 (65)."""
    rows = [
        ("A", "overall", "All", 30, 100),
        ("A", "imd_quintile", "1", 1, 5),
        ("A", "imd_quintile", "2", 9, 30),
        ("A", "imd_quintile", "3", 20, 65),
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "dimension", "group", *COUNTS])
    frame.insert(1, "outcome", "preterm")
    return frame


def test_hand_made_table_gets_the_smallest_complement():
    table = hand_table()
    sets = rates_additive_sets(table)
    assert [(s.total, s.members) for s in sets] == [(0, (1, 2, 3))]
    primary = np.array([False, True, False, False])  # quintile 1: 5 births
    assert exactly_one_suppressed(primary, sets) == sets  # 100 - 30 - 65 = 5 gives it away
    mask = secondary_mask(primary, sets, table["denominator"].to_numpy())
    assert mask.tolist() == [False, True, True, False]  # quintile 2 (30) is smaller than 3 (65)
    out = secondary_suppress(
        table.assign(suppressed=primary), sets, value_columns=COUNTS, size_column="denominator"
    )
    assert out["suppression"].tolist() == ["", "primary", "secondary", ""]
    assert out.loc[2, COUNTS].isna().all() and out.loc[3, COUNTS].tolist() == [20, 65]
    assert exactly_one_suppressed(mask, sets) == []


def test_hidden_total_is_protected_and_suppression_propagates_to_a_fixed_point():
    # two sets sharing row 2: 0 = 1 + 2, and 3 = 2 + 4 + 5; the total 0 alone is suppressed
    sets = [AdditiveSet(0, (1, 2)), AdditiveSet(3, (2, 4, 5))]
    size = np.array([50, 30, 20, 90, 40, 30])
    mask = secondary_mask(np.array([True, False, False, False, False, False]), sets, size)
    # set 1: smallest member 2 (20); then set 2 has only row 2 hidden: smallest other is 5 (30)
    assert mask.tolist() == [True, False, True, False, False, True]
    assert exactly_one_suppressed(mask, sets) == []
    # ties go to the earlier row; a set of one member falls back to its total
    tie = secondary_mask(
        np.array([True, False, False]), [AdditiveSet(0, (1, 2))], np.array([9, 5, 5])
    )
    assert tie.tolist() == [True, True, False]
    alone = secondary_mask(np.array([False, True]), [AdditiveSet(0, (1,))], np.array([9, 9]))
    assert alone.tolist() == [True, True]


def test_sets_that_do_not_add_up_are_left_out():
    table = hand_table()
    table.loc[0, "denominator"] = 120  # overall includes births in no listed group
    assert rates_additive_sets(table) == []
    published = publish_rates(table.assign(value=0.0, lower_95=0.0, upper_95=0.0), RULES)
    assert published["suppressed"].tolist() == [False, True, False, False]
