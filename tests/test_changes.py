"""What changed since the previous release (``publish.changes``, ``tables/changes.csv``): new
figures, revisions marked [r], changed verdicts, rows newly withheld or shown, model estimates that
moved; computed from the two releases' published tables alone, so it reveals nothing they do not.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from birthgaps.appendix.messages import revised_count
from birthgaps.core.catalogue import TABLES
from birthgaps.core.columns import suppressed_rows
from birthgaps.publish.changes import (
    ROW_KEYS,
    Z95,
    changes_step,
    compare_releases,
    flag_revised,
)
from birthgaps.publish.presentation import present_table

RATES = list(TABLES["rates"].columns)
TRENDS = list(TABLES["trends"].columns)
MODELS = list(TABLES["models"].columns)
RISK = list(TABLES["risk_ratios"].columns)


def rates_row(area, outcome, dimension, group, events, denominator, *, comparison="Similar"):
    """A published rates row as text; ``events`` None: withheld ([c])."""
    withheld = events is None
    value = "" if withheld else f"{100 * events / denominator:.2f}"
    row = dict.fromkeys(RATES, "")
    row.update(
        release="r",
        data="Synthetic",
        area_code=area,
        outcome=outcome,
        dimension=dimension,
        group=str(group),
        events="" if withheld else str(events),
        denominator="" if withheld else str(denominator),
        unit="%",
        value=value,
        comparison="" if withheld else comparison,
        suppressed=str(withheld),
        flag="c" if withheld else "",
    )
    return row


def release(rows, trends=(), models=(), risk=()) -> dict[str, pd.DataFrame]:
    def frame(items, columns):
        return pd.DataFrame(list(items), columns=columns).astype(str)

    return {
        "rates": frame(rows, RATES),
        "trends": frame(trends, TRENDS),
        "models": frame(models, MODELS),
        "risk_ratios": frame(risk, RISK),
    }


def compare(now, then, **kw) -> pd.DataFrame:
    return compare_releases(now, then, release="b", previous_release="a", **kw)


# ------------------------------------------------------------------------------ the contract


def test_a_release_that_follows_none_has_one_row_saying_so():
    now = release([rates_row("E1", "preterm", "overall", "All", 100, 1000)])
    table = compare_releases(now, None, release="b")
    assert list(table.columns) == list(TABLES["changes"].columns)
    assert table["change"].tolist() == ["none"]
    assert "follows no other release" in table["note"].iloc[0]
    assert table["data"].iloc[0] == "Synthetic"


def test_nothing_changed_gives_one_none_row():
    rows = [rates_row("E1", "preterm", "year", 2021, 100, 1000)]
    table = compare(release(rows), release(rows))
    assert table["change"].tolist() == ["none"]
    assert "nothing changed since the release a" in table["note"].iloc[0]


def test_the_step_writes_the_csv(tmp_path):
    paths = {}
    for key, frame in release([rates_row("E1", "preterm", "year", 2021, 100, 1000)]).items():
        paths[key] = tmp_path / f"{key}.csv"
        frame.to_csv(paths[key], index=False)
    out = tmp_path / "changes.csv"
    changes_step(paths, paths, out, release="b", previous_release="a")
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == list(TABLES["changes"].columns)
    assert written["change"].tolist() == ["none"]


def test_a_previous_table_lacking_a_column_stops_the_rule_naming_it(tmp_path):
    from birthgaps.core.errors import InputError

    paths = {}
    for key, frame in release([rates_row("E1", "preterm", "year", 2021, 100, 1000)]).items():
        paths[key] = tmp_path / f"{key}.csv"
        frame.to_csv(paths[key], index=False)
    old = dict(paths, trends=tmp_path / "old_trends.csv")
    pd.DataFrame({"area_code": ["E1"], "outcome": ["preterm"]}).to_csv(old["trends"], index=False)
    with pytest.raises(InputError) as error:
        changes_step(paths, old, tmp_path / "changes.csv", release="b", previous_release="a")
    message = str(error.value)
    assert "old_trends.csv" in message and "direction" in message and "changes" in message
    assert "rows affected: 1" in message
    assert not (tmp_path / "changes.csv").exists()


# ------------------------------------------------------------------------------ new and revised


def test_a_year_more_is_new_and_a_changed_earlier_year_is_revised():
    then = release(
        [
            rates_row("E1", "preterm", "year", 2021, 100, 1000),
            rates_row("E1", "preterm", "year", 2022, 90, 1000),
            rates_row("E1", "preterm", "overall", "All", 190, 2000),
        ]
    )
    now = release(
        [
            rates_row("E1", "preterm", "year", 2021, 100, 1000),
            rates_row("E1", "preterm", "year", 2022, 95, 1005),
            rates_row("E1", "preterm", "year", 2023, 80, 1000),
            rates_row("E1", "preterm", "overall", "All", 275, 3005),
        ]
    )
    table = compare(now, then)
    new = table[table["change"] == "new"]
    assert new[["breakdown", "group", "figure", "current"]].values.tolist() == [
        ["year", "2023", "value", "8.00"]
    ]
    revised = table[table["change"] == "revised"].set_index("figure")
    assert set(revised["group"]) == {"2022"}  # the whole period covers other years: not a revision
    assert revised.loc["events", ["previous", "current", "revision"]].tolist() == ["90", "95", "5"]
    assert revised.loc["denominator", "revision"] == "5"
    assert revised.loc["value", ["previous", "current", "revision"]].tolist() == [
        "9.00",
        "9.45",
        "0.45",
    ]
    assert set(revised["revised"]) == {"r"}


def test_whole_period_rows_are_revised_when_both_releases_cover_the_same_years():
    then = release(
        [
            rates_row("E1", "preterm", "year", 2021, 100, 1000),
            rates_row("E1", "preterm", "overall", "All", 100, 1000),
        ]
    )
    now = release(
        [
            rates_row("E1", "preterm", "year", 2021, 105, 1000),
            rates_row("E1", "preterm", "overall", "All", 105, 1000),
        ]
    )
    revised = compare(now, then).query("change == 'revised' and figure == 'events'")
    assert sorted(revised["breakdown"]) == ["overall", "year"]


def test_the_rates_sheet_flags_revised_rows_in_a_column_of_its_own():
    then = release([rates_row("E1", "preterm", "year", 2021, 100, 1000)])
    now = release(
        [
            rates_row("E1", "preterm", "year", 2021, 105, 1000),
            rates_row("E1", "preterm", "year", 2022, 80, 1000),
        ]
    )
    flagged = flag_revised(now["rates"], compare(now, then))
    assert flagged.columns[list(flagged.columns).index("value") + 1] == "revised"
    assert flagged["revised"].tolist() == ["r", ""]
    shown = present_table("rates", flagged)
    assert shown["revised"].tolist() == ["[r]", "none"]
    assert shown["value"].tolist() == [10.5, 8.0]  # the value itself is not touched


# ------------------------------------------------------------------------------ withheld rows


def test_newly_withheld_and_newly_shown_rows_give_no_revision_and_no_hidden_value():
    then = release(
        [
            rates_row("E1", "preterm", "ethnic_group", "Black", 20, 200),
            rates_row("E1", "preterm", "ethnic_group", "Mixed", None, None),
        ]
    )
    now = release(
        [
            rates_row("E1", "preterm", "ethnic_group", "Black", None, None),
            rates_row("E1", "preterm", "ethnic_group", "Mixed", 15, 150),
        ]
    )
    table = compare(now, then).set_index("change")
    assert table.loc["newly_withheld", ["previous", "current"]].tolist() == ["10.00", "[c]"]
    assert table.loc["newly_shown", ["previous", "current"]].tolist() == ["[c]", "10.00"]
    assert (table["revision"] == "").all()
    assert set(table.index) == {"newly_withheld", "newly_shown"}


def _random_rates(rng: np.random.Generator, years: list[int], withheld_share: float) -> list[dict]:
    rows = []
    for area in ("E1", "E2"):
        for dimension, groups in (("year", years), ("ethnic_group", ["Asian", "Black", "Mixed"])):
            for group in groups:
                denominator = int(rng.integers(20, 60)) * 5
                events = int(rng.integers(2, 12)) * 5
                hidden = rng.random() < withheld_share
                rows.append(
                    rates_row(
                        area,
                        "preterm",
                        dimension,
                        group,
                        None if hidden else events,
                        None if hidden else denominator,
                        comparison=str(rng.choice(["Similar", "Worse (95%)"])),
                    )
                )
    return rows


def test_a_revision_is_only_ever_the_difference_of_two_shown_figures():
    """Adversarial: many random pairs of releases with rows withheld in one, the other or both.
    Every figure of the changes table is a published cell of one release (or [c]), and every size
    of revision is the difference of two shown cells: a withheld cell's value can never be derived
    from a revision."""
    kinds = pd.Series(dtype=str)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        then = release(_random_rates(rng, [2021, 2022], 0.4))
        now = release(_random_rates(rng, [2021, 2022, 2023], 0.4))
        table = compare(now, then)
        kinds = pd.concat([kinds, table["change"]])
        _check_figures_are_published(table, then, now)
    # guard: the random pairs had revisions and rows newly withheld and shown to check
    assert {"revised", "newly_withheld", "newly_shown", "new"} <= set(kinds)


def _check_figures_are_published(table, then, now):
    index = {
        name: tables["rates"]
        .assign(_w=suppressed_rows(tables["rates"]).to_numpy())
        .set_index(list(ROW_KEYS))
        for name, tables in (("previous", then), ("current", now))
    }
    for _, row in table[table["table"] == "rates"].iterrows():
        key = (row["area_code"], row["outcome"], row["breakdown"], row["group"])
        for side in ("previous", "current"):
            if row[side] in ("", "[c]"):
                continue
            published = index[side].loc[key]
            assert not published["_w"], (side, key)
            column = row["figure"] if row["figure"] != "row" else "value"
            assert row[side] == published[column]
        if row["revision"]:
            assert row["change"] == "revised"
            assert not index["previous"].loc[key]["_w"] and not index["current"].loc[key]["_w"]
            difference = float(row["current"]) - float(row["previous"])
            assert math.isclose(float(row["revision"]), difference, abs_tol=0.006)


# ------------------------------------------------------------------------------ verdicts, models


def trend_row(area, group, direction):
    row = dict.fromkeys(TRENDS, "")
    row.update(area_code=area, outcome="preterm", dimension="overall", group=group)
    row.update(direction=direction, label=direction)
    return row


def test_changed_comparisons_and_trends_are_verdict_changes():
    then = release(
        [rates_row("E1", "preterm", "overall", "All", 100, 1000, comparison="Similar")],
        trends=[trend_row("E1", "All", "no significant change")],
    )
    now = release(
        [rates_row("E1", "preterm", "overall", "All", 100, 1000, comparison="Worse (95%)")],
        trends=[trend_row("E1", "All", "increasing")],
    )
    table = compare(now, then).query("change == 'verdict_changed'").set_index("figure")
    assert table.loc["comparison", ["previous", "current"]].tolist() == ["Similar", "Worse (95%)"]
    assert table.loc["trend", ["previous", "current", "table"]].tolist() == [
        "no significant change",
        "increasing",
        "trends",
    ]


def model_row(columns, ratio, value, lower, upper, level="1", note=""):
    row = dict.fromkeys(columns, "")
    row.update(area_code="E1", outcome="preterm", model="adjusted", term="imd_quintile")
    row.update(level=level, reference="5", note=note)
    row.update({ratio: value, "lower_95": lower, "upper_95": upper})
    return row


def test_a_model_estimate_that_moved_by_more_than_its_standard_error_is_listed():
    se = (math.log(1.6) - math.log(1.0)) / (2 * Z95)  # about 0.12
    then = release(
        [],
        models=[
            model_row(MODELS, "odds_ratio", "1.25", "1.00", "1.60", level="1"),
            model_row(MODELS, "odds_ratio", "1.25", "1.00", "1.60", level="2"),
            model_row(MODELS, "odds_ratio", "1.25", "1.00", "1.60", level="3"),
        ],
        risk=[model_row(RISK, "risk_ratio", "1.20", "1.00", "1.44")],
    )
    moved = f"{1.25 * math.exp(1.5 * se):.2f}"
    still = f"{1.25 * math.exp(0.5 * se):.2f}"
    now = release(
        [],
        models=[
            model_row(MODELS, "odds_ratio", moved, "1.10", "1.80", level="1"),
            model_row(MODELS, "odds_ratio", still, "1.00", "1.60", level="2"),
            model_row(MODELS, "odds_ratio", "", "", "", level="3", note="[c] withheld"),
        ],
        risk=[model_row(RISK, "risk_ratio", "1.20", "1.00", "1.44")],
    )
    table = compare(now, then)
    assert table["change"].tolist() == ["model_moved"]
    row = table.iloc[0]
    assert (row["table"], row["breakdown"], row["group"], row["figure"]) == (
        "models",
        "adjusted imd_quintile",
        "1",
        "odds_ratio",
    )
    assert (row["previous"], row["current"]) == ("1.25", moved)
    assert float(row["revision"]) == pytest.approx(float(moved) - 1.25)
    assert "1.5 standard errors" in row["note"]


# ------------------------------------------------------------------------------ key messages


def test_the_key_messages_count_the_area_s_revised_values():
    then = release([rates_row("E1", "preterm", "year", y, 100, 1000) for y in (2021, 2022)])
    now = release(
        [
            rates_row("E1", "preterm", "year", 2021, 105, 1000),
            rates_row("E1", "preterm", "year", 2022, 110, 1000),
            rates_row("E1", "preterm", "year", 2023, 100, 1000),
        ]
    )
    table = compare(now, then)
    assert revised_count(table, "E1") == 2  # values, not their counts as well
    assert revised_count(table, "E2") == 0
    assert revised_count(None, "E1") is None
