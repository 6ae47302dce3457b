"""Unit tests of birthgaps.models: grouped-count GLMs against record-level fits, notes, layout."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning
from support.models import (
    ADJUST,
    AREAS,
    EXPOSURES,
    MODEL_CONFIG,
    REFERENCE,
    RULES,
    expand_to_records,
    formula_name,
    published_rates_of,
    simulate_cells,
)

from birthgaps.core import codes as definitions
from birthgaps.core.errors import InputError
from birthgaps.models.areas import model_tables, models_table
from birthgaps.models.fitting import fit_binomial_glm
from birthgaps.models.notes import NOTE_COLLINEAR, NOTE_SEPARATION, NOTE_TOO_FEW, NOTE_WITHHELD
from birthgaps.models.protect import (
    complete_case_note,
    publish_model_tables,
    publish_models,
    round_significant,
)
from birthgaps.models.ratios import fit_models
from birthgaps.models.tables import ALL_AREAS, MODEL_COLUMNS, MODELS_TABLE_COLUMNS


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return simulate_cells(6000, seed=11)


def test_cell_fit_equals_record_level_fit(cells: pd.DataFrame) -> None:
    one = cells[cells["outcome"] == "preterm"]
    terms = ["imd_quintile", "ethnic_group", "age_band", "year"]
    grouped = fit_binomial_glm(one, terms, REFERENCE)

    records = expand_to_records(one)
    assert len(records) == one["denominator"].sum()
    refs = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "2019"}
    formula = "y ~ " + " + ".join(f"C({t}, Treatment({refs[t]!r}))" for t in terms)
    record_fit = smf.glm(formula, records, family=sm.families.Binomial()).fit()

    assert grouped.params.shape == record_fit.params.shape
    for name in grouped.params.index:
        if name == "Intercept":
            other = "Intercept"
        else:
            term, level = name.split("[T.")
            other = formula_name(term, refs[term], level.rstrip("]"))
        assert grouped.params[name] == pytest.approx(record_fit.params[other], abs=1e-8)
        assert grouped.bse[name] == pytest.approx(record_fit.bse[other], abs=1e-8)

    # fit_models reports the same estimates on the odds-ratio scale
    table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    adjusted = table[table["model"] == "adjusted"]
    for row in adjusted.itertuples():
        other = formula_name(row.term, refs[row.term], row.level)
        assert row.log_or == pytest.approx(record_fit.params[other], abs=1e-8)
        assert row.se == pytest.approx(record_fit.bse[other], abs=1e-8)
        assert row.odds_ratio == pytest.approx(np.exp(record_fit.params[other]), rel=1e-8)
        lo, hi = np.exp(record_fit.conf_int().loc[other])
        assert row.lower_95 == pytest.approx(lo, rel=1e-8)
        assert row.upper_95 == pytest.approx(hi, rel=1e-8)
        assert row.p_value == pytest.approx(record_fit.pvalues[other], rel=1e-6, abs=1e-12)


def test_crude_model_equals_record_level_fit(cells: pd.DataFrame) -> None:
    one = cells[cells["outcome"] == "lbw"]
    table = fit_models(one, "lbw", EXPOSURES, ADJUST, REFERENCE)
    records = expand_to_records(one)
    fit = smf.glm(
        "y ~ C(ethnic_group, Treatment('White'))", records, family=sm.families.Binomial()
    ).fit()
    crude = table[(table["model"] == "crude") & (table["term"] == "ethnic_group")]
    for row in crude.itertuples():
        name = formula_name("ethnic_group", "White", row.level)
        assert row.log_or == pytest.approx(fit.params[name], abs=1e-8)
        assert row.se == pytest.approx(fit.bse[name], abs=1e-8)


def test_output_columns_and_row_order(cells: pd.DataFrame) -> None:
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(table.columns) == MODEL_COLUMNS
    blocks = list(dict.fromkeys(zip(table["model"], table["term"], strict=True)))
    assert blocks == [
        ("crude", "imd_quintile"),
        ("crude", "ethnic_group"),
        ("adjusted", "imd_quintile"),
        ("adjusted", "ethnic_group"),
        ("adjusted", "age_band"),
        ("adjusted", "year"),
    ]
    adjusted = table[table["model"] == "adjusted"]
    assert adjusted[adjusted["term"] == "imd_quintile"]["level"].tolist() == ["1", "2", "3", "4"]
    assert adjusted[adjusted["term"] == "ethnic_group"]["level"].tolist() == [
        "Asian",
        "Black",
        "Mixed",
        "Other",
    ]
    assert adjusted[adjusted["term"] == "year"]["level"].tolist() == ["2020", "2021"]
    assert table["outcome"].eq("preterm").all()
    assert table["odds_ratio"].notna().all()
    assert (table["lower_95"] < table["odds_ratio"]).all()
    assert (table["odds_ratio"] < table["upper_95"]).all()
    assert np.allclose(np.log(table["odds_ratio"]), table["log_or"])
    assert table["n_births"].eq(cells.loc[cells["outcome"] == "preterm", "denominator"].sum()).all()
    assert table["n_events"].eq(cells.loc[cells["outcome"] == "preterm", "events"].sum()).all()


def test_models_table_layout_and_determinism() -> None:
    cells = simulate_cells(9000, seed=5, areas=list(AREAS))
    first = models_table(cells, MODEL_CONFIG, AREAS)
    second = models_table(cells.sample(frac=1.0, random_state=3), MODEL_CONFIG, AREAS)
    assert list(first.columns) == MODELS_TABLE_COLUMNS
    assert list(dict.fromkeys(first["area_code"])) == [*AREAS, ALL_AREAS]
    assert list(dict.fromkeys(first["outcome"])) == ["preterm", "lbw"]
    pd.testing.assert_frame_equal(first, second)
    pooled = first[first["area_code"] == ALL_AREAS]
    assert (
        pooled["n_births"].iloc[0] == cells.loc[cells["outcome"] == "preterm", "denominator"].sum()
    )
    direct = fit_models(cells, "lbw", EXPOSURES, ADJUST, REFERENCE)
    pooled_lbw = pooled[pooled["outcome"] == "lbw"].drop(columns="area_code")
    pd.testing.assert_frame_equal(pooled_lbw.reset_index(drop=True), direct)


def test_models_table_ignores_areas_not_listed() -> None:
    cells = simulate_cells(6000, seed=6, areas=["X06000001", "E06000999"])
    table = models_table(cells, MODEL_CONFIG, {"X06000001": "Northbrook"})
    area = table[table["area_code"] == "X06000001"].drop(columns="area_code")
    pooled = table[table["area_code"] == ALL_AREAS].drop(columns="area_code")
    pd.testing.assert_frame_equal(area.reset_index(drop=True), pooled.reset_index(drop=True))


def test_reference_levels_are_honoured(cells: pd.DataFrame) -> None:
    default = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    flipped_ref = {**REFERENCE, "imd_quintile": "1", "ethnic_group": "Black"}
    flipped = fit_models(cells, "preterm", EXPOSURES, ADJUST, flipped_ref)
    for table, ref_q, ref_e in ((default, "5", "White"), (flipped, "1", "Black")):
        imd = table[table["term"] == "imd_quintile"]
        eth = table[table["term"] == "ethnic_group"]
        assert imd["reference"].eq(ref_q).all() and ref_q not in set(imd["level"])
        assert eth["reference"].eq(ref_e).all() and ref_e not in set(eth["level"])
    age = default[default["term"] == "age_band"]
    assert age["reference"].eq("25-29").all()
    # Re-parametrisation: OR(5 vs 1) is the reciprocal of OR(1 vs 5), in crude and adjusted models.
    for model in ("crude", "adjusted"):
        a = default[(default["model"] == model) & (default["level"] == "1")]
        b = flipped[(flipped["model"] == model) & (flipped["level"] == "5")]
        assert a["log_or"].item() == pytest.approx(-b["log_or"].item(), abs=1e-9)
        assert a["se"].item() == pytest.approx(b["se"].item(), abs=1e-9)


def test_numeric_reference_in_config_is_read_as_text(cells: pd.DataFrame) -> None:
    as_int = fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "imd_quintile": 5})
    as_text = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    pd.testing.assert_frame_equal(as_int, as_text)


def test_first_year_is_the_earliest_year_present(cells: pd.DataFrame) -> None:
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert table.loc[table["term"] == "year", "reference"].eq("2019").all()
    later = cells[cells["year"] > 2019]
    table = fit_models(later, "preterm", EXPOSURES, ADJUST, REFERENCE)
    years = table[table["term"] == "year"]
    assert years["reference"].eq("2020").all()
    assert years["level"].tolist() == ["2021"]
    # an explicit year reference works too
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "year": 2021})
    assert table.loc[table["term"] == "year", "level"].tolist() == ["2019", "2020"]


def test_last_year_reference_is_the_latest_year_present(cells: pd.DataFrame) -> None:
    """``year: last`` (allowed by the schema) picks the latest year left in the population."""
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "year": "last"})
    years = table[table["term"] == "year"]
    assert years["reference"].eq("2021").all()
    assert years["level"].tolist() == ["2019", "2020"]
    explicit = fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "year": 2021})
    pd.testing.assert_frame_equal(table, explicit)
    earlier = cells[cells["year"] < 2021]
    table = fit_models(earlier, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "year": "last"})
    assert table.loc[table["term"] == "year", "reference"].eq("2020").all()


def test_year_order_is_numeric_not_alphabetical() -> None:
    cells = simulate_cells(3000, seed=2, years=[2009, 2010, 2011])
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    years = table[table["term"] == "year"]
    assert years["reference"].eq("2009").all()
    assert years["level"].tolist() == ["2010", "2011"]


def test_too_few_events_level_gets_note_and_no_odds_ratio(cells: pd.DataFrame) -> None:
    one = cells[cells["outcome"] == "preterm"].copy()
    other = one["ethnic_group"] == "Other"
    # Leave 3 events among "Other" births (fewer than min_events = 5).
    one.loc[other, "events"] = 0
    idx = one.index[other & (one["denominator"] > 0)][:3]
    one.loc[idx, "events"] = 1
    assert one.loc[other, "events"].sum() == 3
    table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE, min_events=5)
    sparse = table[(table["term"] == "ethnic_group") & (table["level"] == "Other")]
    assert len(sparse) == 2  # crude and adjusted
    assert sparse["note"].str.startswith(NOTE_TOO_FEW).all()
    assert sparse["odds_ratio"].isna().all() and sparse["se"].isna().all()
    rest = table.drop(index=sparse.index)
    assert rest["odds_ratio"].notna().all()
    assert rest["odds_ratio"].between(0.2, 5).all()
    # The sparse level's births are not in the fitted population of ethnicity models ...
    other_births = one.loc[other, "denominator"].sum()
    eth_models = table[(table["model"] == "adjusted") | (table["term"] == "ethnic_group")]
    assert eth_models["n_births"].eq(one["denominator"].sum() - other_births).all()
    # ... but stay in the crude IMD model, which does not involve ethnicity.
    crude_imd = table[(table["model"] == "crude") & (table["term"] == "imd_quintile")]
    assert crude_imd["n_births"].eq(one["denominator"].sum()).all()


def test_too_few_non_events_is_also_sparse(cells: pd.DataFrame) -> None:
    one = cells[cells["outcome"] == "preterm"].copy()
    mixed = one["ethnic_group"] == "Mixed"
    one.loc[mixed, "events"] = one.loc[mixed, "denominator"]  # every Mixed birth an event
    table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    rows = table[(table["term"] == "ethnic_group") & (table["level"] == "Mixed")]
    assert rows["note"].str.startswith(NOTE_TOO_FEW).all() and rows["odds_ratio"].isna().all()


def test_level_absent_from_population_is_reported_as_too_few(cells: pd.DataFrame) -> None:
    one = cells[(cells["outcome"] == "preterm") & (cells["ethnic_group"] != "Black")]
    table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    rows = table[(table["term"] == "ethnic_group") & (table["level"] == "Black")]
    assert len(rows) == 2 and rows["note"].str.startswith(NOTE_TOO_FEW).all()


def test_separation_does_not_crash_or_give_absurd_odds_ratios(cells: pd.DataFrame) -> None:
    one = cells[cells["outcome"] == "preterm"].copy()
    # Every birth to a mother aged 40+ is an event, except in quintile 2 where none is:
    # quasi-complete separation of both quintile 2 and the 40+ band (min_events=0 lets it through).
    age40 = one["age_band"] == "40+"
    one.loc[age40, "events"] = one.loc[age40, "denominator"]
    one.loc[one["imd_quintile"] == "2", "events"] = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE, min_events=0)
    assert not [w for w in caught if issubclass(w.category, PerfectSeparationWarning)]
    q2 = table[(table["term"] == "imd_quintile") & (table["level"] == "2")]
    age40 = table[(table["term"] == "age_band") & (table["level"] == "40+")]
    for rows in (q2, age40):
        assert rows["note"].str.startswith(NOTE_SEPARATION).all()
        assert rows["odds_ratio"].isna().all()
    finite = table["odds_ratio"].dropna()
    assert finite.between(1e-3, 1e3).all()
    assert table["se"].dropna().lt(5).all()


def test_aliased_level_is_reported_not_fitted(cells: pd.DataFrame) -> None:
    """Every Black mother in the <20 band and every <20 mother Black: the two columns coincide."""
    one = cells[cells["outcome"] == "preterm"].copy()
    black, young = one["ethnic_group"] == "Black", one["age_band"] == "<20"
    one.loc[black, "age_band"] = "<20"
    one.loc[young & ~black, "age_band"] = "20-24"
    table = fit_models(one, "preterm", EXPOSURES, ADJUST, REFERENCE)
    aliased = table[(table["model"] == "adjusted") & (table["level"] == "<20")]
    assert aliased["note"].item() == NOTE_COLLINEAR
    assert np.isnan(aliased["odds_ratio"].item())
    black_adj = table[(table["model"] == "adjusted") & (table["level"] == "Black")]
    assert np.isfinite(black_adj["odds_ratio"].item())
    rest = table[table["note"].str.len() == 0]
    assert rest["odds_ratio"].between(0.2, 5).all()


def test_tiny_area_returns_notes_not_a_crash() -> None:
    cells = simulate_cells(40, seed=3, areas=["X06000001"])
    cells = pd.concat([cells, simulate_cells(9000, seed=4, areas=["X06000002"])])
    areas = {"X06000001": "Tiny", "X06000002": "Big"}
    table = models_table(cells, MODEL_CONFIG, areas)
    tiny = table[table["area_code"] == "X06000001"]
    assert len(tiny) > 0
    assert tiny["odds_ratio"].isna().all()
    assert tiny["note"].str.len().gt(0).all()
    big = table[table["area_code"] == "X06000002"]
    assert big["odds_ratio"].notna().all()


def test_empty_population_returns_rows_with_notes(cells: pd.DataFrame) -> None:
    table = fit_models(cells.iloc[0:0], "preterm", EXPOSURES, ADJUST, REFERENCE)
    assert list(table.columns) == MODEL_COLUMNS
    assert len(table) > 0
    assert table["odds_ratio"].isna().all()
    assert table["n_births"].eq(0).all()


def test_complete_case_exclusion_is_counted() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    one = cells[cells["outcome"] == "preterm"]
    unknown = (
        one["imd_quintile"].eq(definitions.UNKNOWN)
        | one["ethnic_group"].eq(definitions.NOT_STATED)
        | one["age_band"].eq(definitions.UNKNOWN)
    )
    left_out = int(one.loc[unknown, "denominator"].sum())
    total = int(one["denominator"].sum())
    assert left_out > 0
    table = fit_models(cells, "preterm", EXPOSURES, ADJUST, REFERENCE)
    note = table["note"].iloc[0]
    assert f"complete cases: {left_out:,} of {total:,} births" in note
    n_imd = int(one.loc[one["imd_quintile"].eq(definitions.UNKNOWN), "denominator"].sum())
    assert f"imd_quintile Unknown {n_imd:,}" in note
    assert table["note"].iloc[1:].eq("").all()
    assert table["n_births"].eq(total - left_out).all()
    assert table["n_events"].eq(int(one.loc[~unknown, "events"].sum())).all()
    # unknown levels never appear as model levels
    assert not table["level"].isin([definitions.UNKNOWN, definitions.NOT_STATED]).any()
    # same estimates as fitting the complete cases directly
    complete = fit_models(
        cells[~cells.index.isin(one.index[unknown])], "preterm", EXPOSURES, ADJUST, REFERENCE
    )
    cols = ["odds_ratio", "se", "n_births"]
    pd.testing.assert_frame_equal(table[cols], complete[cols])


def test_unknown_reference_level_is_an_input_error(cells: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="models.reference.ethnic_group"):
        fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "ethnic_group": "white"})
    with pytest.raises(InputError, match="models.reference.year"):
        fit_models(cells, "preterm", EXPOSURES, ADJUST, {**REFERENCE, "year": 2018})


def test_reference_level_absent_from_an_area_gives_notes(cells: pd.DataFrame) -> None:
    no_white = cells[(cells["outcome"] == "preterm") & (cells["ethnic_group"] != "White")]
    table = fit_models(no_white, "preterm", EXPOSURES, ADJUST, REFERENCE)
    # the reference falls back to the largest ethnic group and says so (docs/models.md)
    eth = table[table["term"] == "ethnic_group"]
    used = no_white.groupby("ethnic_group")["denominator"].sum().idxmax()
    assert eth["reference"].eq(used).all() and "White" in set(eth["level"])
    estimated = eth[eth["odds_ratio"].notna()]
    assert len(estimated) >= 2
    assert estimated["note"].str.contains(f"ethnic_group reference {used}, not White").all()
    imd = table[table["term"] == "imd_quintile"]
    assert imd["odds_ratio"].notna().all()


def test_publish_models_rounds_counts_and_estimates_and_drops_log_scale_columns() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    table = models_table(cells, MODEL_CONFIG, {"X06000001": "Northbrook"})
    table.loc[1, "n_events"] = 3  # a small count must not be published
    published = publish_models(table, RULES)
    counts = published[["n_births", "n_events"]].stack()
    assert (counts % 5 == 0).all()
    assert pd.isna(published.loc[1, "n_events"])
    assert not {"log_or", "se"} & set(published.columns)
    for column in ("odds_ratio", "lower_95", "upper_95"):
        pd.testing.assert_series_equal(published[column], table[column].round(2))
    p = table["p_value"].dropna()
    assert (published.loc[p.index, "p_value"] == p.map(lambda v: float(f"{v:.2g}"))).all()
    # without the structured complete-case counts the note loses its counts altogether
    assert not published["note"].str.contains("complete cases").any()


def test_complete_case_note_takes_its_counts_from_the_published_rates() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    areas = {"X06000001": "Northbrook"}
    hidden = ("X06000001", "preterm", "ethnic_group", definitions.NOT_STATED)
    rates = published_rates_of(cells, areas, {hidden})
    tables = model_tables(cells, MODEL_CONFIG, areas, rates)
    published = publish_model_tables(tables, RULES, rates)
    note = published["odds_ratios"].loc[0, "note"]
    cc = [part for part in note.split("; ") if part.startswith("complete cases")][0]
    # the counts of the published rates rows, and [c] for the withheld one
    row = rates.set_index(["area_code", "outcome", "dimension", "group"])
    imd = row.loc[("X06000001", "preterm", "imd_quintile", definitions.UNKNOWN), "denominator"]
    total = row.loc[("X06000001", "preterm", "overall", "All"), "denominator"]
    left = int(tables["complete_cases"].loc[0, "left_out"])
    left5 = int(np.floor(left / 5 + 0.5) * 5)
    assert cc.startswith(f"complete cases: {left5:,} of {total:,} births ({left5 / total:.1%})")
    assert f"imd_quintile Unknown {imd:,}" in cc
    assert "ethnic_group Not stated [c]" in cc
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\b[\d,]+\b(?![.%])", cc)]
    assert numbers and all(n % 5 == 0 for n in numbers), cc
    # the same note on the interaction row, and nowhere else
    assert cc in published["interaction"].loc[0, "note"]
    # one block per area (the area and ALL) and outcome
    assert published["odds_ratios"]["note"].str.contains("complete cases").sum() == 4
    # a total left out of 1 to 7 is [c]
    small = pd.DataFrame(
        [
            {
                "area_code": "X",
                "outcome": "preterm",
                "terms": "age_band",
                "total_births": 940,
                "left_out": 3,
            }
        ]
    )
    assert complete_case_note(small.iloc[0], RULES) == "complete cases: [c] of 940 births left out"


def test_missing_column_is_an_input_error(cells: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="age_band"):
        fit_models(cells.drop(columns="age_band"), "preterm", EXPOSURES, ADJUST, REFERENCE)


# ---------------------------------------------------------------------------------------------
# Protect first, derive after: crude ratios from the published counts, withheld rows withheld
# ---------------------------------------------------------------------------------------------


def test_woolf_and_katz_ratios_equal_one_factor_glms_on_the_same_counts() -> None:
    """The crude formulas (birthgaps.stats.measures) are a saturated one-factor binomial GLM (OR) and a
    modified Poisson fit with HC0 errors (RR) on the same counts: estimates, SEs, CIs, p."""
    from birthgaps.stats.measures import odds_ratio, rate_ratio

    counts = pd.DataFrame(
        {"level": ["5", "1", "2", "3"], "events": [40, 95, 60, 15], "births": [900, 1100, 850, 300]}
    )
    exog = pd.get_dummies(counts["level"], dtype=float).drop(columns="5")
    exog.insert(0, "Intercept", 1.0)
    endog = np.column_stack([counts["events"], counts["births"] - counts["events"]])
    with warnings.catch_warnings():  # a saturated grouped model "predicts perfectly"
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        logit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit(tol=1e-12)
    records = pd.DataFrame(
        {
            "level": np.repeat(counts["level"], counts["births"]).to_numpy(),
            "y": np.concatenate(
                [
                    np.r_[np.ones(e), np.zeros(n - e)]
                    for e, n in zip(counts["events"], counts["births"], strict=True)
                ]
            ),
        }
    )
    poisson = smf.glm("y ~ C(level, Treatment('5'))", records, family=sm.families.Poisson()).fit(
        cov_type="HC0"
    )
    ref = counts.iloc[0]
    for _, row in counts.iloc[1:].iterrows():
        args = (row["events"], row["births"], ref["events"], ref["births"])
        woolf = odds_ratio(*args).iloc[0]
        katz = rate_ratio(*args, kind="risk").iloc[0]
        name = row["level"]
        assert woolf["log_ratio"] == pytest.approx(logit.params[name], abs=1e-8)
        assert woolf["se"] == pytest.approx(logit.bse[name], abs=1e-8)
        assert woolf["p_value"] == pytest.approx(logit.pvalues[name], rel=1e-6)
        lower, upper = np.exp(logit.conf_int().loc[name])
        assert (woolf["lower_95"], woolf["upper_95"]) == pytest.approx((lower, upper), rel=1e-6)
        pname = f"C(level, Treatment('5'))[T.{name}]"
        assert katz["log_ratio"] == pytest.approx(poisson.params[pname], abs=1e-8)
        assert katz["se"] == pytest.approx(poisson.bse[pname], abs=1e-8)
        assert katz["p_value"] == pytest.approx(poisson.pvalues[pname], rel=1e-6)
    zero = odds_ratio(0, 100, 5, 100).iloc[0]
    assert np.isnan(zero["ratio"]) and zero["note"] == "zero cell: ratio not estimable"


def test_crude_ratios_come_from_the_published_rates_counts() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    areas = {"X06000001": "Northbrook"}
    rates = published_rates_of(cells, areas)
    tables = model_tables(cells, MODEL_CONFIG, areas, rates)
    published = publish_model_tables(tables, RULES, rates)
    row_of = rates.set_index(["area_code", "outcome", "dimension", "group"])
    for key, measure in (("odds_ratios", "odds_ratio"), ("risk_ratios", "risk_ratio")):
        crude = tables[key][tables[key]["model"] == "crude"]
        assert crude["note"].str.contains("crude: from the published counts of rates.csv").all()
        for _, row in crude.iterrows():
            level = row_of.loc[(row["area_code"], row["outcome"], row["term"], row["level"])]
            ref = row_of.loc[(row["area_code"], row["outcome"], row["term"], row["reference"])]
            a, n1, c, n0 = level["events"], level["denominator"], ref["events"], ref["denominator"]
            if measure == "odds_ratio":
                expected = (a / (n1 - a)) / (c / (n0 - c))
            else:
                expected = (a / n1) / (c / n0)
            assert row[measure] == pytest.approx(expected, rel=1e-12)
            assert row["n_births"] == n1 + n0 and row["n_events"] == a + c
        # published: 2 decimal places, and the same rounded values as the formula
        pub = published[key][published[key]["model"] == "crude"]
        np.testing.assert_allclose(pub[measure], crude[measure].round(2))
    # the adjusted models still fit the complete-case cells (same as without rates)
    plain = model_tables(cells, MODEL_CONFIG, areas)
    adjusted = tables["odds_ratios"]["model"] == "adjusted"
    pd.testing.assert_series_equal(
        tables["odds_ratios"].loc[adjusted, "odds_ratio"],
        plain["odds_ratios"].loc[adjusted, "odds_ratio"],
    )


def test_a_withheld_rates_row_is_withheld_in_the_models_not_called_sparse() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    areas = {"X06000001": "Northbrook"}
    withhold = {
        ("X06000001", "preterm", "ethnic_group", "Mixed"),  # hundreds of births: secondary
        ("X06000001", "preterm", "age_band", "40+"),
    }
    rates = published_rates_of(cells, areas, withhold)
    tables = model_tables(cells, MODEL_CONFIG, areas, rates)
    odds = tables["odds_ratios"]
    area = odds[(odds["area_code"] == "X06000001") & (odds["outcome"] == "preterm")]
    for model, term, level in (
        ("crude", "ethnic_group", "Mixed"),
        ("adjusted", "ethnic_group", "Mixed"),
        ("adjusted", "age_band", "40+"),
    ):
        row = area[(area["model"] == model) & (area["term"] == term) & (area["level"] == level)]
        assert row["note"].iloc[0].startswith(NOTE_WITHHELD), row["note"].iloc[0]
        assert row["odds_ratio"].isna().all()
    crude_mixed = area[(area["model"] == "crude") & (area["level"] == "Mixed")]
    assert crude_mixed["n_births"].isna().all()  # level + reference would give the level back
    # the withheld levels are left out of the adjusted model, whatever their counts
    one = cells[(cells["outcome"] == "preterm")]
    stated = ~(
        one["imd_quintile"].eq(definitions.UNKNOWN)
        | one["ethnic_group"].eq(definitions.NOT_STATED)
        | one["age_band"].eq(definitions.UNKNOWN)
    )
    kept = stated & one["ethnic_group"].ne("Mixed") & one["age_band"].ne("40+")
    adjusted = area[area["model"] == "adjusted"]
    assert adjusted["n_births"].eq(int(one.loc[kept, "denominator"].sum())).all()
    # nothing else in the block is withheld, and the other outcome is untouched
    others = odds[odds["outcome"] == "lbw"]
    assert not others["note"].str.contains(r"\[c\]", regex=True).any()
    published = publish_model_tables(tables, RULES, rates)
    assert published["odds_ratios"]["note"].str.contains("too few events").sum() == 0


def test_a_withheld_reference_level_falls_back_to_the_nearest_published_level() -> None:
    """A withheld reference is replaced (docs/models.md), never called sparse, and never blanks
    the other exposure's estimates."""
    cells = simulate_cells(8000, seed=9)
    areas = {"X06000001": "Northbrook"}
    rates = published_rates_of(cells, areas, {("X06000001", "lbw", "imd_quintile", "5")})
    odds = model_tables(cells, MODEL_CONFIG, areas, rates)["odds_ratios"]
    lbw = odds[(odds["area_code"] == "X06000001") & (odds["outcome"] == "lbw")]
    imd = lbw[lbw["term"] == "imd_quintile"]
    assert imd["reference"].eq("4").all()
    five = imd[imd["level"] == "5"]
    assert len(five) == 2 and five["note"].str.startswith(NOTE_WITHHELD).all()
    assert five["odds_ratio"].isna().all()
    others = imd[imd["level"] != "5"]
    assert others["odds_ratio"].notna().all()
    expected = "imd_quintile reference 4, not 5: the published row for 5 is withheld"
    assert others["note"].str.contains(expected, regex=False).all()
    assert not lbw["note"].str.contains("too few events").any()
    ethnic = lbw[lbw["term"] == "ethnic_group"]
    assert ethnic["odds_ratio"].notna().all() and ethnic["reference"].eq("White").all()


def test_published_sparse_level_is_still_too_few_events() -> None:
    """The min_events rule stays for levels published in rates.csv (their counts are public)."""
    cells = simulate_cells(8000, seed=9)
    cells = cells[~((cells["ethnic_group"] == "Other") & (cells["events"] > 0))]
    cells = cells[~((cells["ethnic_group"] == "Other") & (cells["outcome"] == "lbw"))]
    areas = {"X06000001": "Northbrook"}
    rates = published_rates_of(cells, areas)
    odds = model_tables(cells, MODEL_CONFIG, areas, rates)["odds_ratios"]
    other = odds[(odds["outcome"] == "preterm") & (odds["level"] == "Other")]
    assert other["note"].str.startswith(NOTE_TOO_FEW).all()


def test_significant_figures_hold_at_the_ends_of_the_float_range():
    """A national model's p-value can be 1e-320: scaling by 10**321 overflowed and gave NaN."""
    values = [5e-320, 1.234e-300, 0.012345, 0.5, 123456.0, 9.96e300, 0.0, np.nan, -0.0456]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no invalid value
        out = round_significant(values, 2)
    assert out[0] == pytest.approx(4.9e-320, rel=0.03) and out[0] > 0
    assert list(out[1:7]) == [1.2e-300, 0.012, 0.5, 120000.0, 1.0e301, 0.0]
    assert np.isnan(out[7]) and out[8] == -0.046
