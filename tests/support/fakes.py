"""Fake published tables (rates, models, exclusion flow, indicators, further model tables) of three
fictional areas, built from one fake cell table, in the formats the pipeline publishes."""

from __future__ import annotations

import pandas as pd

FAKE_AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}


FAKE_YEARS = [2019, 2020, 2021, 2022, 2023, 2024]


_FAKE_IMD_OR = {
    "X06000001": [1.8, 1.55, 1.3, 1.12, 1.0],
    "X06000002": [1.3, 1.2, 1.1, 1.05, 1.0],
    "X06000003": [1.0, 1.0, 1.0, 1.0, 1.0],
}


_FAKE_IMD_SHARE = {
    "X06000001": [0.36, 0.25, 0.18, 0.12, 0.08],
    "X06000002": [0.2, 0.2, 0.2, 0.2, 0.19],
    "X06000003": [0.06, 0.1, 0.2, 0.3, 0.33],
}


_FAKE_ETHNIC = {  # share, odds ratio
    "Asian": (0.14, 1.25),
    "Black": (0.06, 1.5),
    "Mixed": (0.04, 1.1),
    "White": (0.72, 1.0),
    "Other": (0.003, 1.05),
    "Not stated": (0.037, 1.0),
}


_FAKE_AGE = {
    "<20": 0.04,
    "20-24": 0.15,
    "25-29": 0.28,
    "30-34": 0.32,
    "35-39": 0.17,
    "40+": 0.039,
    "Unknown": 0.001,
}


_FAKE_BASE = {"preterm": 0.06, "lbw": 0.055, "term_lbw": 0.022}

#: Outcomes of the issue-12 registry the fakes carry besides the birth outcomes: a mortality
#: outcome (per 1,000 live births, rolling three-year periods) and a maternity indicator (percent of
#: maternities, about 98.5% of births: twins are one maternity).
_FAKE_MORE = {"infant": 0.0045, "emergency_caesarean": 0.16}

#: The fake release's enabled outcomes, in config order (``fake_outcomes_table``).
FAKE_OUTCOMES = ["preterm", "lbw", "term_lbw", "infant", "emergency_caesarean"]


def fake_cell_table() -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(20261126)
    # the issue-12 outcomes draw from their own generator: the birth outcomes stay as they were
    more = np.random.default_rng(20261212)
    rows = []
    for area in FAKE_AREAS:
        quintiles = ["1", "2", "3", "4", "5", "Unknown"]
        q_share = [*_FAKE_IMD_SHARE[area], 1 - sum(_FAKE_IMD_SHARE[area])]
        q_or = [*_FAKE_IMD_OR[area], 1.0]
        for year in FAKE_YEARS:
            for quintile, qs, qor in zip(quintiles, q_share, q_or, strict=True):
                for ethnic, (es, eor) in _FAKE_ETHNIC.items():
                    for age, ageshare in _FAKE_AGE.items():
                        n = int(rng.poisson(3300 * qs * es * ageshare))
                        if n == 0:
                            continue
                        for outcome, base in {**_FAKE_BASE, **_FAKE_MORE}.items():
                            odds = base / (1 - base) * qor * eor
                            p = odds / (1 + odds)
                            denominator = {
                                "term_lbw": max(1, round(n * 0.93)),
                                "emergency_caesarean": max(1, round(n * 0.985)),
                            }.get(outcome, n)
                            rows.append(
                                {
                                    "area_code": area,
                                    "year": year,
                                    "imd_quintile": quintile,
                                    "ethnic_group": ethnic,
                                    "age_band": age,
                                    "outcome": outcome,
                                    "events": int(
                                        (more if outcome in _FAKE_MORE else rng).binomial(
                                            denominator, p
                                        )
                                    ),
                                    "denominator": denominator,
                                }
                            )
    return pd.DataFrame(rows)


def fake_outcomes_table(
    outcomes: list[str] | None = None, definitions: dict | None = None
) -> pd.DataFrame:
    """The published definitions table (``tables/outcomes.csv``) of the fake release: the built-in
    declarations of ``outcomes`` (``FAKE_OUTCOMES``) with the demo config's thresholds, or
    ``definitions`` changed from them."""
    from birthgaps.core.labels import outcomes_table
    from birthgaps.core.outcomes import registry
    from birthgaps.core.settings import schema_defaults

    config = {
        "outcomes": list(outcomes or FAKE_OUTCOMES),
        "definitions": {**schema_defaults("definitions"), **(definitions or {})},
    }
    return outcomes_table(registry(config))


def _per_1000(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows of per-1,000 outcomes with ``columns`` times 10 (percent -> per 1,000)."""
    rate = table["outcome"].astype("string").isin(_PER_1000).to_numpy(dtype=bool)
    for column in columns:
        if column in table.columns:
            values = pd.to_numeric(table[column], errors="coerce").astype("Float64")
            table[column] = values.where(~rate, values * 10)
    return table


_PER_1000 = ["infant"]


def _rolling_years(rates: pd.DataFrame, cells: pd.DataFrame, statistics: dict) -> pd.DataFrame:
    """The ``year`` rows of the rolling-3 outcomes as three-year periods (``2019-2021``, ...), from
    the fake cells, with PHE rate limits (Byar's, exact below 10) and the benchmark comparison."""
    import numpy as np

    from birthgaps.stats.intervals import rate_ci

    keep = ~(rates["outcome"].isin(_PER_1000) & (rates["dimension"] == "year"))
    template = rates[~keep]
    scoped = pd.concat([cells, cells.assign(area_code="ALL")], ignore_index=True)
    rows = []
    for outcome in _PER_1000:
        part = scoped[scoped["outcome"] == outcome]
        years = sorted(part["year"].unique())
        for end in years[2:]:
            window = part[part["year"].between(end - 2, end)]
            summed = window.groupby("area_code")[["events", "denominator"]].sum()
            for area, (events, denominator) in summed.iterrows():
                ci = rate_ci([events], [denominator], [0.95, 0.998]).iloc[0]
                rounded_e = int(np.floor(events / 5 + 0.5) * 5)
                rounded_d = int(np.floor(denominator / 5 + 0.5) * 5)
                same = template[(template["area_code"] == area)].iloc[0]
                rows.append(
                    {
                        **same.to_dict(),
                        "group": f"{end - 2}-{end}",
                        "events": rounded_e,
                        "denominator": rounded_d,
                        "value": round(1000 * rounded_e / rounded_d, 2),
                        "lower_95": round(ci["lower_95"], 2),
                        "upper_95": round(ci["upper_95"], 2),
                        "lower_99_8": round(ci["lower_99_8"], 2),
                        "upper_99_8": round(ci["upper_99_8"], 2),
                        "suppressed": False,
                        "flag": "",
                        "reliability": "u" if events < 20 else "",
                    }
                )
    periods = pd.DataFrame(rows)
    if "benchmark" in periods.columns:
        england = statistics["benchmark"].get("values", {}).get("infant", {})
        pooled = periods[periods["area_code"] == "ALL"].set_index("group")["value"]
        value = england.get("all")
        periods["benchmark"] = value if value is not None else periods["group"].map(pooled)
        b = pd.to_numeric(periods["benchmark"], errors="coerce")
        periods["comparison"] = np.where(
            periods["lower_95"] > b, "Worse", np.where(periods["upper_95"] < b, "Better", "Similar")
        )
    out = pd.concat([rates[keep], periods], ignore_index=True)
    for column in ("area_code", "area_name", "outcome", "dimension", "group", "flag", "unit"):
        if column in out.columns:
            out[column] = out[column].astype("string")
    return out


def as_contract(tables: dict[str, pd.DataFrame], statistics: dict) -> dict[str, pd.DataFrame]:
    """The fake rates in the issue-12 published layout when the rates stage still writes the old
    one: ``percent`` -> ``value`` with ``unit``, per-1,000 outcomes in their unit (value, limits,
    benchmark), rolling three-year periods for the pooled outcome (the trends, inequality and
    funnel tables are already in each outcome's unit)."""
    rates = tables["rates"]
    if "value" in rates.columns:  # the stats stage already publishes the contract
        return tables
    rates = rates.rename(columns={"percent": "value"})
    limits = [c for c in rates.columns if c.startswith(("lower_", "upper_"))]
    rates = _per_1000(rates, ["value", "benchmark", *limits])
    rates["unit"] = rates["outcome"].map(lambda o: "per 1,000" if o in _PER_1000 else "%")
    rates = _rolling_years(rates, fake_cell_table(), statistics)
    return {**tables, "rates": rates}


def fake_rates_table() -> pd.DataFrame:
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    cells = fake_cell_table()
    scoped = pd.concat([cells, cells.assign(area_code="ALL")], ignore_index=True)
    frames = []
    for dimension in [
        "overall",
        "imd_quintile",
        "ethnic_group",
        "age_band",
        "year",
        "imd_quintile_by_ethnic_group",
    ]:
        part = scoped[["area_code", "outcome", "events", "denominator"]].copy()
        if dimension == "overall":
            part["group"] = "All"
        elif dimension == "imd_quintile_by_ethnic_group":
            part["group"] = scoped["imd_quintile"] + " | " + scoped["ethnic_group"]
        else:
            part["group"] = scoped[dimension].astype(str)
        summed = part.groupby(["area_code", "outcome", "group"], sort=True)[
            ["events", "denominator"]
        ].sum()
        summed = summed.reset_index()
        summed.insert(2, "dimension", dimension)
        frames.append(summed)
    rates = pd.concat(frames, ignore_index=True)
    rates.insert(1, "area_name", rates["area_code"].map({**FAKE_AREAS, "ALL": "All areas"}))
    lower, upper = proportion_confint(rates["events"], rates["denominator"], method="wilson")
    events, denominator = rates["events"], rates["denominator"]

    def small(x):
        return (x >= 1) & (x <= 7)

    suppressed = small(events) | small(denominator) | small(denominator - events)
    rounded_e = (np.floor(events / 5 + 0.5) * 5).astype("Int64").mask(suppressed)
    rounded_d = (np.floor(denominator / 5 + 0.5) * 5).astype("Int64").mask(suppressed)
    rates["events"] = rounded_e
    rates["denominator"] = rounded_d
    scale = rates["outcome"].map(lambda o: 1000 if o in _PER_1000 else 100).to_numpy()
    value = scale * rounded_e.astype("Float64") / rounded_d.astype("Float64")
    rates["value"] = value.round(2).mask(suppressed)
    rates["unit"] = rates["outcome"].map(lambda o: "per 1,000" if o in _PER_1000 else "%")
    rates["lower_95"] = pd.Series(scale * lower, dtype="Float64").round(2).mask(suppressed)
    rates["upper_95"] = pd.Series(scale * upper, dtype="Float64").round(2).mask(suppressed)
    rates["suppressed"] = suppressed.astype(bool)
    rates["flag"] = suppressed.map({True: "c", False: ""}).astype("string")
    for column in ("area_code", "area_name", "outcome", "dimension", "group", "unit"):
        rates[column] = rates[column].astype("string")
    return rates


def fake_models_table() -> pd.DataFrame:
    import math

    from scipy.stats import norm

    levels = {
        "imd_quintile": (["1", "2", "3", "4"], "5"),
        "ethnic_group": (["Asian", "Black", "Mixed", "Other"], "White"),
        "age_band": (["<20", "20-24", "30-34", "35-39", "40+"], "25-29"),
        "year": ([str(y) for y in FAKE_YEARS[1:]], str(FAKE_YEARS[0])),
    }
    ethnic_or = {g: v[1] for g, v in _FAKE_ETHNIC.items()}
    age_or = {"<20": 1.25, "20-24": 1.08, "30-34": 1.02, "35-39": 1.15, "40+": 1.4}
    rows = []
    for area in [*FAKE_AREAS, "ALL"]:
        imd_or = _FAKE_IMD_OR.get(area, [1.45, 1.3, 1.15, 1.06, 1.0])
        scale = 0.5 if area == "ALL" else 1.0
        for outcome in ("preterm", "lbw"):
            for model in ("crude", "adjusted"):
                terms = ["imd_quintile", "ethnic_group"] + (
                    ["age_band", "year"] if model == "adjusted" else []
                )
                for term in terms:
                    names, reference = levels[term]
                    for level in names:
                        if term == "imd_quintile":
                            true = imd_or[int(level) - 1] * (1.04 if model == "crude" else 1.0)
                            se = 0.07
                        elif term == "ethnic_group":
                            true = ethnic_or[level] * (1.06 if model == "crude" else 1.0)
                            se = {"Other": 0.35, "Black": 0.12, "Mixed": 0.14}.get(level, 0.08)
                        elif term == "age_band":
                            true, se = age_or[level], 0.09
                        else:
                            true, se = 1.0 + 0.01 * (int(level) - FAKE_YEARS[0]), 0.08
                        se *= scale
                        row = {
                            "area_code": area,
                            "outcome": outcome,
                            "model": model,
                            "term": term,
                            "level": level,
                            "reference": reference,
                            "n_births": 18500,
                            "n_events": 1200,
                            "note": "",
                        }
                        if area == "X06000003" and term == "ethnic_group" and level == "Other":
                            row.update(
                                odds_ratio=None,
                                lower_95=None,
                                upper_95=None,
                                log_or=None,
                                se=None,
                                p_value=None,
                                note="too few events",
                            )
                        else:
                            log_or = math.log(true)
                            row.update(
                                odds_ratio=true,
                                lower_95=math.exp(log_or - 1.96 * se),
                                upper_95=math.exp(log_or + 1.96 * se),
                                log_or=log_or,
                                se=se,
                                p_value=float(2 * norm.sf(abs(log_or / se))),
                            )
                        rows.append(row)
    models = pd.DataFrame(rows)
    models.loc[0, "note"] = (
        "complete cases: 1,105 of 19,605 births (5.6%) left out (imd_quintile, ethnic_group)"
    )
    columns = [
        "area_code",
        "outcome",
        "model",
        "term",
        "level",
        "reference",
        "odds_ratio",
        "lower_95",
        "upper_95",
        "p_value",
        "n_births",
        "n_events",
        "note",
    ]
    models = models[columns]  # the published contract: no log odds ratio or standard error
    for column in ("odds_ratio", "lower_95", "upper_95", "p_value"):
        models[column] = models[column].astype("float64")
    for column in ("area_code", "outcome", "model", "term", "level", "reference", "note"):
        models[column] = models[column].astype("string")
    return models


def fake_flow_table() -> pd.DataFrame:
    """The published flow in the format of clean.publish_flow (whole extract, rounded, c = 1-7)."""
    rows = [
        ("received", "Birth records in the extract", 60180, 60180),
        ("duplicates", "Duplicate records of the same baby removed", 180, 60000),
        ("stillbirths", "Stillbirths (not in live-birth denominators)", 210, 59790),
        ("other_areas", "Mother resident outside the study areas", None, None),
        ("other_years", "Birth date missing or outside the release years", 0, 59790),
        ("gestation_not_stated", "Gestation not stated (missing or sentinel code)", 835, None),
        ("gestation_implausible", "Gestation outside 22+0 to 44+6 weeks", None, None),
        (
            "preterm_denominator",
            "Live births with stated gestation (preterm denominator)",
            58900,
            58900,
        ),
        ("weight_not_stated", "Birth weight not stated (missing or sentinel code)", 655, None),
        (
            "lbw_denominator",
            "Live births with stated weight (low birth weight denominator)",
            59075,
            59075,
        ),
        (
            "lsoa_unmatched",
            "Mother's LSOA missing or not in the IMD lookup (kept as Unknown)",
            600,
            None,
        ),
        ("live_births", "Live births in the study", 59790, 59790),
    ]
    flow = pd.DataFrame(rows, columns=["step", "description", "count", "remaining"])
    flow["count"] = flow["count"].astype("Int64")
    flow["remaining"] = flow["remaining"].astype("Int64")
    flow["suppressed"] = flow["step"].isin(["other_areas", "gestation_implausible"])
    flow["flag"] = flow["suppressed"].map({True: "c", False: ""}).astype("string")
    return flow


# ---------------------------------------------------------------------------------------------
# Fake indicator tables (trends, inequality, funnel) and a rates table with the benchmark columns,
# made by the package from the same fake cells, for the figures and report tests (session-scoped,
# read-only). The SII uses 2,000 simulations to stay quick.
# ---------------------------------------------------------------------------------------------

FAKE_STATISTICS = {
    "confidence": [0.95, 0.998],
    "sii": {"reps": 2000, "seed": 20261126},
    "benchmark": {"label": "All study areas", "source": "pooled"},
}


FAKE_DISCLOSURE = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


# ---------------------------------------------------------------------------------------------
# Fake published model tables beyond the odds ratios (risk ratios, interaction test, stratified
# estimates, excess explained, fit summaries), in the formats the models rule writes: columns and
# notes from the constants of birthgaps.models.notes and .tables, prefixed by release/data/imd_quintiles as
# provenance.label_table does. Values are made up, consistent with the fake odds ratios above.
# Northbrook preterm has a significant interaction, Southwick LBW an untestable one; Eastmere has
# a group whose ratio is below 1 and one whose gap widens with deprivation; Southwick "Other" has
# too few events; Eastmere's adjusted LBW risk ratios carry the "fitted risk above 1" note.
# ---------------------------------------------------------------------------------------------

FAKE_INTERACTION = {  # (area, outcome): (lr_statistic, df, p_value, n_sparse_combinations)
    ("X06000001", "preterm"): (28.3, 14, 0.012, 2),
    ("X06000001", "lbw"): (15.77, 11, 0.1497, 5),
    ("X06000002", "preterm"): (7.01, 10, 0.7244, 6),
    ("X06000002", "lbw"): (4.81, 10, 0.9033, 6),
    ("X06000003", "preterm"): (12.9, 15, 0.6100, 1),
    ("X06000003", "lbw"): (None, 0, None, 16),
    ("ALL", "preterm"): (19.34, 16, 0.2512, 0),
    ("ALL", "lbw"): (16.10, 16, 0.4459, 0),
}


#: level -> (base ratio, lower, upper, adjusted ratio, lower, upper) of the excess-explained rows
_FAKE_EXCESS = {
    "Asian": (1.33, 1.19, 1.48, 1.22, 1.09, 1.36),
    "Black": (1.38, 1.19, 1.60, 1.26, 1.09, 1.47),
    "Mixed": (1.05, 0.84, 1.32, 1.00, 0.80, 1.26),
    "Other": (1.05, 0.81, 1.36, 1.01, 0.77, 1.31),
}


_FAKE_COMPLETE_CASES = (
    "complete cases: 1,105 of 19,605 births (5.6%) left out (imd_quintile Unknown 235, "
    "ethnic_group Not stated 865, age_band Unknown 40)"
)


def _label(table: pd.DataFrame) -> pd.DataFrame:
    from birthgaps.core.provenance import label_table

    return label_table(table, "demo", True, "national")


def fake_model_tables_of(models_table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    import math

    import numpy as np
    from scipy.stats import norm

    from birthgaps.models import notes as m
    from birthgaps.models.tables import PUBLISHED_COLUMNS

    z = float(norm.ppf(0.975))

    # risk ratios: the odds ratios converted at the outcome's base risk (Zhang & Yu), same notes
    rr = models_table.copy()
    base = rr["outcome"].map(_FAKE_BASE).astype(float)

    def to_rr(values: pd.Series) -> pd.Series:
        values = values.astype(float)
        return values / (1 - base + base * values)

    rr["risk_ratio"] = to_rr(rr["odds_ratio"])
    rr["lower_95"], rr["upper_95"] = to_rr(rr["lower_95"]), to_rr(rr["upper_95"])
    se = (np.log(rr["upper_95"]) - np.log(rr["lower_95"])) / (2 * z)
    rr["p_value"] = 2 * norm.sf(np.abs(np.log(rr["risk_ratio"]) / se))
    flagged = (
        (rr["area_code"] == "X06000002")
        & (rr["outcome"] == "lbw")
        & (rr["model"] == "adjusted")
        & (rr["term"] == "ethnic_group")
        & rr["level"].isin(["Asian", "Black"])
    )
    rr.loc[flagged, "note"] = m.NOTE_RISK_ABOVE_ONE
    rr = rr[PUBLISHED_COLUMNS["risk_ratios"]]

    interaction_rows, stratified_rows, excess_rows, fit_rows = [], [], [], []
    for (area, outcome), (lr, df, p, sparse) in FAKE_INTERACTION.items():
        significant = p is not None and p < 0.05
        note = (
            f"{m.NOTE_NO_INTERACTION}; {_FAKE_COMPLETE_CASES}"
            if p is None
            else (
                f"{sparse} of 16 combinations share the main effects (fewer than 5 events or "
                f"non-events in them or in their reference cell); {_FAKE_COMPLETE_CASES}"
                if sparse
                else _FAKE_COMPLETE_CASES
            )
        )
        interaction_rows.append(
            {
                "area_code": area,
                "outcome": outcome,
                "terms": "imd_quintile x ethnic_group",
                "df": df,
                "lr_statistic": lr,
                "p_value": p,
                "p_threshold": 0.05,
                "significant": significant,
                "n_combinations": 16,
                "n_sparse_combinations": sparse,
                "n_empty_combinations": 0,
                "n_births": 18500,
                "n_events": 1200,
                "note": note,
            }
        )
        # stratified: IMD quintile ORs within each ethnic group, then ethnic ORs within quintiles
        imd_or = _FAKE_IMD_OR.get(area, [1.45, 1.3, 1.15, 1.06, 1.0])
        births = {"Asian": 2590, "Black": 1110, "Mixed": 740, "White": 13320, "Other": 55}
        for group in ("Asian", "Black", "Mixed", "White", "Other"):
            steeper = 1.6 if (significant and group == "Black") else 1.0
            for level in ("1", "2", "3", "4"):
                value = imd_or[int(level) - 1] ** steeper
                row = {
                    "stratum_term": "ethnic_group",
                    "stratum": group,
                    "term": "imd_quintile",
                    "level": level,
                    "reference": "5",
                    "n_births": births[group] if group != "Other" or area != "X06000003" else None,
                    "n_events": None if group == "Other" else round(births[group] * 0.065 / 5) * 5,
                    "note": "",
                }
                if group == "Other":
                    row.update(dict.fromkeys(("odds_ratio", "lower_95", "upper_95", "log_or")))
                    row.update(se=None, p_value=None, note=m.NOTE_TOO_FEW_REFERENCE)
                else:
                    se = 0.1 if group == "White" else 0.3
                    row.update(
                        odds_ratio=value,
                        lower_95=math.exp(math.log(value) - z * se),
                        upper_95=math.exp(math.log(value) + z * se),
                        log_or=math.log(value),
                        se=se,
                        p_value=float(2 * norm.sf(abs(math.log(value) / se))),
                    )
                stratified_rows.append({"area_code": area, "outcome": outcome, **row})
        for quintile in ("1", "2", "3", "4", "5"):
            for group in ("Asian", "Black", "Mixed", "Other"):
                value = {"Asian": 1.25, "Black": 1.5, "Mixed": 1.1, "Other": 1.05}[group]
                se = 0.2
                stratified_rows.append(
                    {
                        "area_code": area,
                        "outcome": outcome,
                        "stratum_term": "imd_quintile",
                        "stratum": quintile,
                        "term": "ethnic_group",
                        "level": group,
                        "reference": "White",
                        "odds_ratio": value,
                        "lower_95": math.exp(math.log(value) - z * se),
                        "upper_95": math.exp(math.log(value) + z * se),
                        "log_or": math.log(value),
                        "se": se,
                        "p_value": float(2 * norm.sf(abs(math.log(value) / se))),
                        "n_births": 3700,
                        "n_events": 240,
                        "note": "",
                    }
                )
        for row in stratified_rows:
            if row["area_code"] == area and row["outcome"] == outcome:
                row["interaction_p_value"] = p
                row["interaction_significant"] = significant
        # excess explained, both measures; the odds-ratio rows differ so a test can tell them apart
        for measure in ("odds_ratio", "risk_ratio"):
            for level, values in _FAKE_EXCESS.items():
                b, bl, bu, a, al, au = values
                if measure == "odds_ratio":
                    b, bl, bu, a, al, au = (v * 1.05 for v in values)
                note = ""
                if area == "X06000002" and outcome == "lbw" and level == "Mixed":
                    b, bl, bu, a, al, au = 0.80, 0.66, 0.97, 0.85, 0.70, 1.03
                if area == "X06000002" and outcome == "preterm" and level == "Black":
                    b, bl, bu, a, al, au = 1.30, 1.10, 1.54, 1.36, 1.14, 1.62
                change = math.log(b) - math.log(a)
                pct = 100 * change / math.log(b)
                near_one = bl <= 1 <= bu
                row = {
                    "area_code": area,
                    "outcome": outcome,
                    "measure": measure,
                    "term": "ethnic_group",
                    "level": level,
                    "reference": "White",
                    "explained_by": "imd_quintile",
                    "base_terms": "ethnic_group + age_band + year",
                    "base_ratio": b,
                    "base_lower_95": bl,
                    "base_upper_95": bu,
                    "adjusted_ratio": a,
                    "adjusted_lower_95": al,
                    "adjusted_upper_95": au,
                    "log_ratio_change": change,
                    "change_lower_95": change - 0.03,
                    "change_upper_95": change + 0.03,
                    "pct_explained": None if near_one else pct,
                    "pct_lower_95": None if near_one else pct - 14.5,
                    "pct_upper_95": None if near_one else pct + 14.5,
                    "n_births": 18500,
                    "n_events": 1200,
                    "note": m.NOTE_BASE_NEAR_ONE if near_one else note,
                }
                if b < 1 and not near_one:
                    row["note"] = m.NOTE_BASE_BELOW_ONE
                if area == "X06000003" and level == "Other":
                    for key in row:
                        if key.startswith(("base_r", "base_l", "base_u", "adjusted_", "pct_")):
                            row[key] = None
                        if key.startswith(("log_ratio", "change_")):
                            row[key] = None
                    row["note"] = m.NOTE_TOO_FEW
                excess_rows.append(row)
        # fit summaries: adjusted, interaction (odds ratios only); crude ratios come from the
        # published counts and have none
        models_fit = [
            ("adjusted", "imd_quintile + ethnic_group + age_band + year", 19, 12573.2, 0.568, 756),
            (
                "interaction",
                "imd_quintile + ethnic_group + age_band + year + imd_quintile:ethnic_group",
                30,
                12579.4,
                0.573,
                756,
            ),
        ]
        for measure in ("odds_ratio", "risk_ratio"):
            for model, terms, k, aic, c, patterns in models_fit:
                if measure == "risk_ratio" and model == "interaction":
                    continue
                logistic = measure == "odds_ratio"
                fit_rows.append(
                    {
                        "area_code": area,
                        "outcome": outcome,
                        "measure": measure,
                        "model": model,
                        "terms": terms,
                        "n_parameters": k,
                        "log_likelihood": -(aic - 2 * k) / 2 if logistic else None,
                        "deviance": aic - 2 * k if logistic else None,
                        "aic": aic if logistic else None,
                        "pattern_deviance": (735.7 if model != "crude" else 0.0)
                        if logistic
                        else None,
                        "n_patterns": patterns,
                        "pattern_df": patterns - k if logistic else None,
                        "pattern_p_value": 0.54 if logistic else None,
                        "c_statistic": c if logistic else c - 0.0004,
                        "n_births": 18500,
                        "n_events": 1200,
                        "note": "" if logistic else m.NOTE_WORKING_LIKELIHOOD,
                    }
                )

    def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        table = pd.DataFrame(rows)
        table = table[columns]
        for column in ("n_births", "n_events"):
            table[column] = table[column].astype("Int64")
        return table

    tables = {
        "risk_ratios": rr,
        "interaction": frame(interaction_rows, PUBLISHED_COLUMNS["interaction"]),
        "stratified": frame(stratified_rows, PUBLISHED_COLUMNS["stratified"]),
        "excess_explained": frame(excess_rows, PUBLISHED_COLUMNS["excess_explained"]),
        "model_fit": frame(fit_rows, PUBLISHED_COLUMNS["fit"]),
    }
    return {name: _label(table) for name, table in tables.items()}


def fake_indicator_table_set(statistics: dict | None = None) -> dict[str, pd.DataFrame]:
    """Published rates (with 99.8% CIs, reliability and benchmark comparison), trends, inequality
    and funnel tables of the three fake areas, as the pipeline writes them (``statistics``:
    ``FAKE_STATISTICS`` unless given, e.g. ``FAKE_ENGLAND_STATISTICS``)."""
    from birthgaps.stats import indicators, rates

    statistics = statistics or FAKE_STATISTICS
    cells = fake_cell_table()
    unrounded = rates.compute_rates(cells, FAKE_AREAS, statistics)
    legacy = statistics
    if "value" not in unrounded.columns:  # the stats stage still works in percent
        legacy = _legacy_statistics(statistics)
        unrounded = rates.compute_rates(cells, FAKE_AREAS, legacy)
    # secondary suppression off: these fakes test the wording of the appendix, which needs the
    # quintile 1 and 5 rates that the complementary suppression of a tiny fake would hide
    # (tests/test_secondary_suppression.py tests that suppression on a synthetic release)
    published_rates = rates.publish_rates(
        unrounded,
        FAKE_DISCLOSURE,
        legacy,
        secondary=False,
    )
    hidden = rates.hidden_groups(published_rates)
    tables = {
        "rates": published_rates,
        "trends": indicators.trends_table(cells, FAKE_AREAS, legacy, FAKE_DISCLOSURE, hidden),
        "inequality": indicators.publish_inequality(
            indicators.inequality_table(published_rates, FAKE_AREAS, legacy),
            FAKE_DISCLOSURE,
            hidden,
        ),
        "funnel": indicators.publish_funnel(
            indicators.funnel_points(published_rates, FAKE_AREAS), FAKE_DISCLOSURE
        ),
    }
    return {**as_contract(tables, statistics), "outcomes": fake_outcomes_table()}


def _legacy_statistics(statistics: dict) -> dict:
    """``statistics`` for a stats stage that still works in percent: England's per-1,000 values
    over 10."""
    values = statistics["benchmark"].get("values")
    if not values:
        return statistics
    scaled = {
        o: ({k: v / 10 for k, v in years.items()} if o in _PER_1000 else years)
        for o, years in values.items()
    }
    return {**statistics, "benchmark": {**statistics["benchmark"], "values": scaled}}


# ---------------------------------------------------------------------------------------------
# The same fake tables compared with England (``benchmark.source: values``): made-up England
# percentages near the published national ones, so the three areas come out more than, similar
# to and fewer than England for preterm birth (issue 11: the default benchmark is England).
# ---------------------------------------------------------------------------------------------

FAKE_ENGLAND = {
    "preterm": {"all": 7.4, **{str(y): 7.4 for y in FAKE_YEARS}},
    "lbw": {"all": 6.9, **{str(y): 6.9 for y in FAKE_YEARS}},
    "term_lbw": {"all": 2.8, **{str(y): 2.8 for y in FAKE_YEARS}},
    # infant mortality is published in rolling three-year periods: England's value per period
    "infant": {"all": 4.2, **{f"{y - 2}-{y}": 4.2 for y in FAKE_YEARS[2:]}},
    "emergency_caesarean": {"all": 16.5, **{str(y): 16.5 for y in FAKE_YEARS}},
}

FAKE_ENGLAND_STATISTICS = {
    **FAKE_STATISTICS,
    "benchmark": {"label": "England", "source": "values", "values": FAKE_ENGLAND},
}


def fake_england_table_set() -> dict[str, pd.DataFrame]:
    """``fake_indicator_table_set`` with every area compared with England's (made-up) values."""
    return fake_indicator_table_set(FAKE_ENGLAND_STATISTICS)
