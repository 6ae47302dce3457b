"""birthgaps.stats.measures against the PHEindicatormethods test fixtures in ../shared/reference/pheindicatormethods.

Which fixture goes with which function and arguments is in that folder's PROVENANCE.md. Point values match
to 1e-6 relative, simulated SII/RII limits within 5% (the R package's own tolerance). The fixture columns
PROVENANCE.md marks faulty (calculate_dsr rows 4/8 at 99.8%) belong to DSRs, which birthgaps does not
compute, so no test reads them. Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birthgaps.stats import measures as stats

RTOL = 1e-6


@pytest.fixture
def ref(shared_dir: Path) -> Path:
    """The PHEindicatormethods fixture folder (skips when it is absent)."""
    folder = shared_dir / "reference" / "pheindicatormethods"
    if not folder.exists():
        pytest.skip("PHEindicatormethods fixtures are not available")
    return folder


def assert_close(actual, expected, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Element-wise relative closeness with NaN in the same places."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


LEVEL_COLUMNS = {
    "lower_95": "lower95_0cl",
    "upper_95": "upper95_0cl",
    "lower_99_8": "lower99_8cl",
    "upper_99_8": "upper99_8cl",
}


# ---------------------------------------------------------------------------------------------
# Byar's and Wilson internals
# ---------------------------------------------------------------------------------------------


def test_byars_limits_match_reference(ref):
    table = pd.read_csv(ref / "byars_wilson_limits.csv")
    byars = table[table["method"] == "Byars"]
    assert len(byars) == 7
    for _, row in byars.iterrows():
        level = float(row["confidence"].rstrip("%")) / 100
        lower, upper = stats.poisson_count_ci([row["x"]], level, method="byars")
        assert_close(lower, [row["lowercl"]])  # the last row: NaN in both (negative Byar's lower)
        assert_close(upper, [row["uppercl"]])


def test_wilson_limits_match_reference(ref):
    table = pd.read_csv(ref / "byars_wilson_limits.csv")
    wilson = table[table["method"] == "Wilson"]
    assert len(wilson) == 6
    for _, row in wilson.iterrows():
        level = float(row["confidence"].rstrip("%")) / 100
        out = stats.proportion_ci([row["x"]], [row["n"]], level)
        suffix = stats.level_suffix(level)
        assert_close(out[f"lower_{suffix}"], [row["lowercl"]])
        assert_close(out[f"upper_{suffix}"], [row["uppercl"]])


# ---------------------------------------------------------------------------------------------
# phe_proportion and phe_rate
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, multiplier", [((1, 8), 1), ((9, 16), 100)])
def test_proportion_ci_matches_phe_proportion(ref, rows, multiplier):
    table = pd.read_csv(ref / "phe_proportion_expected.csv")
    part = table[table["row"].between(*rows)]
    out = stats.proportion_ci(part["Numerator"], part["Denominator"], (0.95, 0.998), multiplier)
    assert_close(out["value"], part["value"])
    for ours, theirs in LEVEL_COLUMNS.items():
        assert_close(out[ours], part[theirs])


def test_proportion_ci_missing_inputs_give_missing_outputs(ref):
    table = pd.read_csv(ref / "phe_proportion_expected.csv")
    part = table[table["row"].between(17, 19)]
    out = stats.proportion_ci(part["Numerator"], part["Denominator"])
    assert out[["value", "lower_95", "upper_95"]].isna().all().all()
    assert part[["value", "lower95_0cl", "upper95_0cl"]].isna().all().all()


def test_proportion_ci_matches_grouped_phe_proportion(ref):
    inputs = pd.read_csv(ref / "phe_proportion_expected.csv")
    inputs = inputs[inputs["row"] <= 16]
    summed = inputs.groupby("Area", sort=True)[["Numerator", "Denominator"]].sum().reset_index()
    expected = pd.read_csv(ref / "phe_proportion_grouped_expected.csv").dropna(subset=["value"])
    merged = summed.merge(expected, on="Area", suffixes=("", "_expected"))
    assert len(merged) == 8
    assert_close(merged["Numerator"], merged["Numerator_expected"])
    out = stats.proportion_ci(merged["Numerator"], merged["Denominator"])
    assert_close(out["value"], merged["value"])
    assert_close(out["lower_95"], merged["lowercl"])
    assert_close(out["upper_95"], merged["uppercl"])


@pytest.mark.parametrize(
    "rows, multiplier", [((1, 8), 100), ((9, 16), 100_000), ((20, 20), 100_000)]
)
def test_rate_ci_matches_phe_rate(ref, rows, multiplier):
    table = pd.read_csv(ref / "phe_rate_expected.csv")
    part = table[table["row"].between(*rows)]
    out = stats.rate_ci(part["Numerator"], part["Denominator"], (0.95, 0.998), multiplier)
    assert_close(out["value"], part["value"])
    for ours, theirs in LEVEL_COLUMNS.items():
        assert_close(out[ours], part[theirs])
    assert list(out["method"]) == list(part["method"])


def test_rate_ci_missing_inputs_give_missing_outputs(ref):
    table = pd.read_csv(ref / "phe_rate_expected.csv")
    part = table[table["row"].between(17, 19)]
    out = stats.rate_ci(part["Numerator"], part["Denominator"], multiplier=100_000)
    assert out[["value", "lower_95", "upper_95"]].isna().all().all()
    # the package labels the method from the numerator alone: NA, Byars (x = 10), NA
    assert out["method"].isna().tolist() == part["method"].isna().tolist()


def test_rate_ci_matches_grouped_phe_rate(ref):
    inputs = pd.read_csv(ref / "phe_rate_expected.csv")
    inputs = inputs[(inputs["row"] <= 16) | (inputs["row"] == 20)]
    summed = inputs.groupby("Area", sort=True)[["Numerator", "Denominator"]].sum().reset_index()
    # Area12 (row 20) appears once in the inputs: the grouped fixture keeps its single row
    expected = pd.read_csv(ref / "phe_rate_grouped_expected.csv").dropna(subset=["value"])
    merged = summed.merge(expected, on="Area", suffixes=("", "_expected"))
    assert len(merged) == 9
    out = stats.rate_ci(merged["Numerator"], merged["Denominator"], multiplier=100_000)
    assert_close(out["value"], merged["value"])
    assert_close(out["lower_95"], merged["lowercl"])
    assert_close(out["upper_95"], merged["uppercl"])
    assert list(out["method"]) == list(merged["method"])


# ---------------------------------------------------------------------------------------------
# funnel plots
# ---------------------------------------------------------------------------------------------

FUNNEL_COLUMNS = {
    "lower_95": "lower_2s_limit",
    "upper_95": "upper_2s_limit",
    "lower_99_8": "lower_3s_limit",
    "upper_99_8": "upper_3s_limit",
    "baseline": "baseline",
}


def test_proportion_funnel_limits_match_reference(ref):
    inputs = pd.read_csv(ref / "funnel_proportion_inputs_significance.csv")
    expected = pd.read_csv(ref / "funnel_proportion_limits.csv")
    axis = stats.funnel_axis(inputs["denominator"])
    np.testing.assert_array_equal(axis, expected["Population"])
    average = inputs["numerator"].sum() / inputs["denominator"].sum()
    out = stats.funnel_limits(axis, average, "proportion", multiplier=100)
    for ours, theirs in FUNNEL_COLUMNS.items():
        # the fixture is rounded to 6 decimal places
        assert_close(out[ours], expected[theirs], atol=5.000001e-7)


def test_proportion_funnel_limits_axis_variation_match_reference(ref):
    inputs = pd.read_csv(ref / "funnel_proportion_inputs_significance.csv")
    inputs = inputs[inputs["denominator"] < 31000]
    expected = pd.read_csv(ref / "funnel_proportion_limits_axis_variation.csv")
    axis = stats.funnel_axis(inputs["denominator"])
    np.testing.assert_array_equal(axis, expected["Population"])
    average = inputs["numerator"].sum() / inputs["denominator"].sum()
    out = stats.funnel_limits(axis, average, "proportion", multiplier=100)
    for ours, theirs in FUNNEL_COLUMNS.items():
        assert_close(out[ours], expected[theirs])


def test_proportion_funnel_significance_matches_reference(ref):
    inputs = pd.read_csv(ref / "funnel_proportion_inputs_significance.csv")
    labels = stats.funnel_significance(inputs["numerator"], inputs["denominator"])
    assert len(inputs) == 303
    assert (labels.to_numpy() == inputs["significance"].to_numpy()).all()


def _bisection_rtol(exp_events: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Relative precision of the reference's Poisson bisection (step 2^-24 in v = m/(1+x+m)).

    PHEindicatormethods finds the Poisson mean m by bisection on v until the step is below 1e-7; our exact
    chi-squared quantiles must lie within that precision: |dm|/m <= dv / (v(1-v)).
    """
    v = exp_events / (1 + events + exp_events)
    return 1.2e-7 / (v * (1 - v)) + 1e-9


RATE_FUNNEL_FILES = {
    "dsr": "funnel_rate_limits_dsr.csv",
    "crude_lt10": "funnel_rate_limits_crude_lt10.csv",
    "crude_zero_events": "funnel_rate_limits_crude_zero_events.csv",
}


def _rate_funnel_inputs(ref: Path, variant: str) -> tuple[pd.Series, pd.Series]:
    """Events and (derived) denominators as each rate-funnel fixture was made (PROVENANCE.md)."""
    inputs = pd.read_csv(ref / "funnel_rate_limits_inputs.csv")
    events = inputs["ev"].astype(float).copy()
    rate = inputs["rate"].astype(float).copy()
    denominator = 100_000 * events / rate
    if variant == "crude_lt10":
        events[events.idxmax()] = 5
        denominator = 100_000 * events / rate
    if variant == "crude_zero_events":
        events[events.idxmax()] = 0
        keep = denominator > denominator.max() / 2
        events, denominator = events[keep], denominator[keep]
    return events, denominator


@pytest.mark.parametrize("variant", list(RATE_FUNNEL_FILES))
def test_rate_funnel_limits_match_reference(ref, variant):
    expected = pd.read_csv(ref / RATE_FUNNEL_FILES[variant])
    events, denominator = _rate_funnel_inputs(ref, variant)
    axis = stats.funnel_axis(denominator, "rate", numerators=events, years_of_data=3)
    np.testing.assert_array_equal(axis, expected["Events"])
    average = events.sum() / denominator.sum()
    out = stats.funnel_limits(axis, average, "rate", multiplier=100_000, years_of_data=3)
    assert_close(out["baseline"], expected["baseline"])
    x = expected["Events"].to_numpy(dtype=float)
    for ours, theirs in (("95", "2s"), ("99_8", "3s")):
        for side in ("lower", "upper"):
            mean = expected[f"{side}_{theirs}_population_1_year"].to_numpy() * 3 * average
            tol = _bisection_rtol(mean, x)
            got_limit = out[f"{side}_{ours}"].to_numpy()
            got_den = out[f"{side}_{ours}_denominator"].to_numpy()
            want_limit = expected[f"{side}_{theirs}_limit"].to_numpy()
            want_den = expected[f"{side}_{theirs}_population_1_year"].to_numpy()
            assert (np.abs(got_limit / want_limit - 1) <= tol).all()
            assert (np.abs(got_den / want_den - 1) <= tol).all()
            # where the reference's bisection is that precise, the 1e-6 criterion holds as well
            precise = tol < 1e-6
            assert precise.sum() > 50
            assert_close(got_limit[precise], want_limit[precise])


@pytest.mark.parametrize(
    "multiplier, rate_column", [(100_000, "rate_crude_per_100000"), (100, "rate_crude_per_100")]
)
@pytest.mark.parametrize("with_zero", [True, False])
def test_rate_funnel_significance_matches_reference(ref, multiplier, rate_column, with_zero):
    table = pd.read_csv(ref / "funnel_rate_inputs_significance.csv")
    if not with_zero:
        table = table[table["count"] > 0]
    # the package derives the denominator from count and rate (the population for zero counts)
    derived = np.where(
        table["count"] == 0, table["pop"], table["count"] / table[rate_column] * multiplier
    )
    labels = stats.funnel_significance(table["count"], derived, "rate")
    column = f"crude_per_{multiplier}_{'with' if with_zero else 'without'}_0"
    assert (labels.to_numpy() == table[column].to_numpy()).all()


def test_dsr_funnel_significance_matches_reference_from_ten_events(ref):
    """DSR rows with 10+ events: the same exact/Byar's test on the derived denominator."""
    table = pd.read_csv(ref / "funnel_rate_inputs_significance.csv")
    table = table[table["count"] > 0]
    derived = table["count"] / table["rate_dsr"] * 100_000
    average = table["count"].sum() / derived.sum()
    labels = stats.funnel_significance(table["count"], derived, "rate", average=average)
    big = table["count"] >= 10
    assert big.sum() == 39  # every non-zero row of the fixture has 10+ events
    expected = table["dsr_per_100000_without_0"]
    assert (labels[big].to_numpy() == expected[big].to_numpy()).all()


# ---------------------------------------------------------------------------------------------
# slope and relative index of inequality
# ---------------------------------------------------------------------------------------------

VALUE_TYPES = {0: "normal", 1: "rate", 2: "proportion"}


def _sii_assertions(ref: Path):
    """(case, area, ci input, inputs, expected row, arguments) for every assertion of testSII.R."""
    data = pd.read_csv(ref / "phe_sii_testdata.csv")
    cases = pd.read_csv(ref / "phe_sii_test_cases.csv")
    for _, case in cases.iterrows():
        inputs = data[
            data["RecordNo"].between(case["input_first_record"], case["input_last_record"])
        ]
        expected_records = [int(v) for v in str(case["expected_value_records"]).split(";")]
        levels = tuple(float(v) for v in str(case["confidence"]).split(";"))
        ci_input = case["ci_input"]
        variants = ["se", "cl"] if ci_input.startswith("se or") else [ci_input.split("/")[0]]
        variants = ["cl" if v == "lower_cl" else v for v in variants]
        transform = None
        if bool(case["transform"]):
            transform = {1: "log", 2: "logit"}[int(case["value_type"])]
        for area, group in inputs.groupby("Area", sort=True):
            expected = data[data["RecordNo"].isin(expected_records) & (data["Area"] == area)]
            for variant in variants:
                yield case, area, variant, group, expected.iloc[0], levels, transform


def test_sii_rii_matches_phe_sii(ref):
    checked_points = checked_limits = 0
    worst_limit = 0.0
    for case, area, variant, group, expected, levels, transform in _sii_assertions(ref):
        values = group["Value"]
        if "x=Count" in case["ci_input"]:
            values = group["Count"] / group["Population"]  # the proportion from x and population
        result = stats.sii_rii(
            values,
            group["Population"],
            lower=group["LowerCL"] if variant == "cl" else None,
            upper=group["UpperCL"] if variant == "cl" else None,
            se=group["StandardError"] if variant == "se" else None,
            value_type=VALUE_TYPES[int(case["value_type"])],
            transform=transform,
            confidence=levels,
            multiplier=float(case["multiplier"]),
            reps=int(case["repetitions_in_test"]),
        )
        where = f"case {case['case']} {area} {variant}"
        assert result["sii"] == pytest.approx(expected["sii"], rel=RTOL), where
        checked_points += 1
        if bool(case["rii"]):
            assert result["rii"] == pytest.approx(expected["rii"], rel=RTOL), where
            checked_points += 1
        if bool(case["intercept"]):
            assert result["intercept"] == pytest.approx(expected["Intercept"], rel=RTOL), where
            checked_points += 1
        for k, level in enumerate(levels, start=1):
            suffix = stats.level_suffix(level)
            for index in ("sii", "rii"):
                for side in ("lower", "upper"):
                    want = expected.get(f"{index}_{side}cl_{k}")
                    if want is None or pd.isna(want) or (index == "rii" and not bool(case["rii"])):
                        continue
                    got = result[f"{index}_{side}_{suffix}"]
                    assert got == pytest.approx(want, rel=0.05), f"{where} {index}_{side}_{suffix}"
                    worst_limit = max(worst_limit, abs(got / want - 1))
                    checked_limits += 1
    assert checked_points >= 100
    assert checked_limits >= 200
    assert worst_limit < 0.05


def test_sii_intercept_case_quirk_value_type_rate_for_proportion(ref):
    """Case 15: the R test passes value_type=1 (log SEs) for a proportion; points are unaffected."""
    data = pd.read_csv(ref / "phe_sii_testdata.csv")
    group = data[data["RecordNo"].between(91, 100)]
    expected = data[data["RecordNo"] == 286].iloc[0]
    result = stats.sii_rii(
        group["Value"], group["Population"], group["LowerCL"], group["UpperCL"], value_type="rate"
    )
    assert result["intercept"] == pytest.approx(expected["Intercept"], rel=RTOL)
    assert result["sii_lower_95"] == pytest.approx(expected["sii_lowercl_1"], rel=0.05)
