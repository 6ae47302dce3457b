"""Unit tests of birthgaps.models: grouped-count GLMs against record-level fits, notes, layout."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from birthgaps import definitions
from birthgaps.errors import InputError
from birthgaps.models import (
    ALL_AREAS,
    MODEL_COLUMNS,
    MODELS_TABLE_COLUMNS,
    NOTE_COLLINEAR,
    NOTE_SEPARATION,
    NOTE_TOO_FEW,
    fit_binomial_glm,
    fit_models,
    models_table,
    publish_models,
)

REFERENCE = {"imd_quintile": "5", "ethnic_group": "White", "age_band": "25-29", "year": "first"}
EXPOSURES = ["imd_quintile", "ethnic_group"]
ADJUST = ["age_band", "year"]
MODEL_CONFIG = {
    "outcomes": ["preterm", "lbw"],
    "exposures": EXPOSURES,
    "adjust_for": ADJUST,
    "reference": REFERENCE,
    "min_events": 5,
}
AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}
YEARS = [2019, 2020, 2021]

# Log odds ratios used to simulate; any moderate values will do for these unit tests.
LOG_OR = {
    "imd_quintile": {"1": 0.4, "2": 0.3, "3": 0.15, "4": 0.08, "5": 0.0},
    "ethnic_group": {"White": 0.0, "Asian": 0.3, "Black": 0.4, "Mixed": 0.1, "Other": 0.05},
    "age_band": {"<20": 0.2, "20-24": 0.1, "25-29": 0.0, "30-34": 0.0, "35-39": 0.1, "40+": 0.3},
}
ETHNIC_SHARE = {"White": 0.7, "Asian": 0.15, "Black": 0.07, "Mixed": 0.05, "Other": 0.03}


def simulate_cells(
    n_births: int,
    seed: int,
    *,
    areas: list[str] | None = None,
    years: list[int] | None = None,
    unknown_share: float = 0.0,
    outcomes: tuple[str, ...] = ("preterm", "lbw"),
) -> pd.DataFrame:
    """A cell table drawn from a logistic model: multinomial births per pattern, binomial events.

    With ``unknown_share`` > 0 some births get Unknown IMD / Not stated ethnicity / Unknown age.
    """
    rng = np.random.default_rng(seed)
    areas = areas or ["X06000001"]
    years = years or YEARS
    imd = [*definitions.IMD_QUINTILES] + ([definitions.UNKNOWN] if unknown_share else [])
    eth = list(ETHNIC_SHARE) + ([definitions.NOT_STATED] if unknown_share else [])
    age = list(definitions.AGE_BANDS) + ([definitions.UNKNOWN] if unknown_share else [])
    patterns = list(itertools.product(areas, years, imd, eth, age))
    weights = []
    for _, _, q, e, a in patterns:
        w_q = unknown_share if q == definitions.UNKNOWN else 1 / 5
        w_e = unknown_share if e == definitions.NOT_STATED else ETHNIC_SHARE[e]
        w_a = unknown_share if a == definitions.UNKNOWN else 1 / 6
        weights.append(w_q * w_e * w_a)
    probs = np.array(weights) / np.sum(weights)
    births = rng.multinomial(n_births, probs)
    frames = []
    for outcome in outcomes:
        eta = np.full(len(patterns), np.log(0.08 / 0.92))
        for i, (_, _, q, e, a) in enumerate(patterns):
            eta[i] += LOG_OR["imd_quintile"].get(q, 0.0)
            eta[i] += LOG_OR["ethnic_group"].get(e, 0.0)
            eta[i] += LOG_OR["age_band"].get(a, 0.0)
        events = rng.binomial(births, 1 / (1 + np.exp(-eta)))
        frame = pd.DataFrame(
            patterns, columns=["area_code", "year", "imd_quintile", "ethnic_group", "age_band"]
        )
        frame["outcome"] = outcome
        frame["events"] = events
        frame["denominator"] = births
        frames.append(frame[frame["denominator"] > 0])
    cells = pd.concat(frames, ignore_index=True)
    cells["year"] = cells["year"].astype("int64")
    return cells


def expand_to_records(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per birth with a 0/1 outcome ``y`` (the record-level data the cells summarise)."""
    dims = ["year", "imd_quintile", "ethnic_group", "age_band"]
    rows = cells.loc[cells.index.repeat(cells["denominator"]), dims].reset_index(drop=True)
    pairs = zip(cells["events"], cells["denominator"], strict=True)
    y = np.concatenate([np.r_[np.ones(e), np.zeros(n - e)] for e, n in pairs])
    rows["y"] = y
    rows["year"] = rows["year"].astype(str)
    return rows


def formula_name(term: str, ref: str, level: str) -> str:
    return f"C({term}, Treatment({ref!r}))[T.{level}]"


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
    eth_models = table[(table["model"] == "adjusted") | (table["term"] == "ethnic_group")]
    assert eth_models["odds_ratio"].isna().all()
    assert eth_models["note"].str.contains("too few events in the reference level").all()
    crude_imd = table[(table["model"] == "crude") & (table["term"] == "imd_quintile")]
    assert crude_imd["odds_ratio"].notna().all()


def test_publish_models_rounds_and_suppresses_counts() -> None:
    cells = simulate_cells(8000, seed=9, unknown_share=0.05)
    table = models_table(cells, MODEL_CONFIG, {"X06000001": "Northbrook"})
    table.loc[1, "n_events"] = 3  # a small count must not be published
    rules = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
    published = publish_models(table, rules)
    counts = published[["n_births", "n_events"]].stack()
    assert (counts % 5 == 0).all()
    assert pd.isna(published.loc[1, "n_events"])
    pd.testing.assert_series_equal(published["odds_ratio"], table["odds_ratio"])
    note = published.loc[0, "note"]
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\b[\d,]+\b(?![.%])", note)]
    assert numbers and all(n % 5 == 0 for n in numbers), note
    assert note.startswith("complete cases: ") and "imd_quintile Unknown" in note
    left, total = numbers[0], numbers[1]
    assert f"({left / total:.1%})" in note
    small = publish_models(
        table.assign(
            note=["complete cases: 3 of 940 births (0.3%) left out (age_band Unknown 3)"]
            + [""] * (len(table) - 1)
        ),
        rules,
    )
    assert small.loc[0, "note"] == "complete cases: c of 940 births left out (age_band Unknown c)"


def test_missing_column_is_an_input_error(cells: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="age_band"):
        fit_models(cells.drop(columns="age_band"), "preterm", EXPOSURES, ADJUST, REFERENCE)
