"""The inequality table from the published rates: rate ratios against the least deprived quintile and White
mothers, the slope and relative index of inequality over IMD quintiles, the attributable fraction and excess
events; and its published form (rounded, rows about withheld groups withheld).

Every number comes from a ``birthgaps.stats.measures`` function (docs/statistics.md). Protect first, derive
after (docs/disclosure.md): the measures are computed from the protected counts of the published rates table
(rounded, withheld rows blank), so no published statistic carries more than the published counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from birthgaps.core.codes import IMD_QUINTILES
from birthgaps.core.disclosure import is_small, round_significant, round_to_base
from birthgaps.core.outcomes import Outcome
from birthgaps.stats.indicator_outcomes import IndicatorOutcome, indicator_outcomes
from birthgaps.stats.measures import (
    apply_small_number_rules,
    attributable_fraction,
    level_suffix,
    proportion_ci,
    rate_ci,
    rate_ratio,
    sii_rii_table,
)
from birthgaps.stats.rates import ALL_AREAS, NOT_A_GROUP, confidence_levels, resolved_statistics

#: Reference group of each dimension's rate ratios (least deprived quintile; White mothers).
REFERENCES = {"imd_quintile": IMD_QUINTILES[-1], "ethnic_group": "White"}


# --------------------------------------------------------------------------------------------
# Inequality: rate ratios, SII/RII, attributable fraction
# --------------------------------------------------------------------------------------------

INEQUALITY_KEYS = [
    "area_code",
    "area_name",
    "outcome",
    "measure",
    "dimension",
    "group",
    "reference",
]


def _level_columns(levels: Sequence[float]) -> list[str]:
    return [f"{side}_{level_suffix(level)}" for level in levels for side in ("lower", "upper")]


def _rate_ratios(
    counts: pd.DataFrame,
    levels: Sequence[float],
    min_events: int,
    unreliable_below: int,
    kind: str = "risk",
) -> pd.DataFrame:
    """Ratios of every group against its dimension's reference group (``rate_ratio``): risk ratios
    (Katz) for a percentage, rate ratios (Poisson) for a rate per 1,000 (``kind``)."""
    frames = []
    for dimension, reference in REFERENCES.items():
        part = counts[(counts["dimension"] == dimension) & ~counts["group"].isin(NOT_A_GROUP)]
        ref = part[part["group"] == reference][["area_code", "outcome", "events", "denominator"]]
        ref = ref.rename(columns={"events": "ref_events", "denominator": "ref_denominator"})
        part = part[part["group"] != reference].merge(ref, on=["area_code", "outcome"], how="inner")
        if part.empty:
            continue
        part = part.assign(reference=reference)
        first = None
        for level in levels:
            ratio = rate_ratio(
                part["events"],
                part["denominator"],
                part["ref_events"],
                part["ref_denominator"],
                confidence=level,
                kind=kind,
            )
            suffix = level_suffix(level)
            part[f"lower_{suffix}"] = ratio[f"lower_{suffix}"].to_numpy()
            part[f"upper_{suffix}"] = ratio[f"upper_{suffix}"].to_numpy()
            first = ratio if first is None else first
        part["value"] = first["ratio"].to_numpy()
        part["p_value"] = first["p_value"].to_numpy()
        part["note"] = first["note"].to_numpy()
        # ONS small-number rule on the smaller of the two counts: no ratio from fewer than 3 events.
        part["_fewest"] = np.minimum(part["events"], part["ref_events"])
        part = apply_small_number_rules(
            part,
            events_col="_fewest",
            min_events=min_events,
            unreliable_below=unreliable_below,
            value_cols=["value", "p_value", *_level_columns(levels)],
        )
        part["note"] = (
            part["note"]
            .astype("string")
            .mask(part["reliability"] == "x", f"fewer than {min_events} events: not calculated")
        )
        part["measure"] = "rate_ratio"
        part["unit"] = "ratio"
        frames.append(part.drop(columns=["_fewest"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _sii_rii(
    counts: pd.DataFrame, levels: Sequence[float], sii: Mapping, spec: IndicatorOutcome
) -> pd.DataFrame:
    """PHE SII and RII over IMD quintiles (``sii_rii_table``), most minus least deprived, in the
    outcome's unit: percentage points for a percentage (quintile values simulated on the logit
    scale from their Wilson limits), per 1,000 for a rate (on the log scale from the exact/Byar's
    limits of ``rate_ci``), as PHE's SII tool does for proportions and rates."""
    quint = counts[(counts["dimension"] == "imd_quintile") & counts["group"].isin(IMD_QUINTILES)]
    if quint.empty:
        return pd.DataFrame()
    quint = quint.copy()
    quint["proportion"] = quint["events"] / quint["denominator"]
    # 95% limits as fractions: their width on the logit (log) scale gives each quintile's SE.
    if spec.is_rate:
        ci = rate_ci(quint["events"], quint["denominator"], confidence=0.95, multiplier=1)
    else:
        ci = proportion_ci(quint["events"], quint["denominator"], confidence=0.95)
    quint["lower"], quint["upper"] = ci["lower_95"], ci["upper_95"]
    table = sii_rii_table(
        quint,
        by=["area_code", "area_name", "outcome"],
        quantile="group",
        population="denominator",
        value="proportion",
        lower="lower",
        upper="upper",
        value_type="rate" if spec.is_rate else "proportion",
        multiplier=-spec.multiplier,
        confidence=tuple(levels),
        reps=int(sii["reps"]),
        seed=int(sii["seed"]),
    )
    totals = quint.groupby(["area_code", "outcome"], observed=True)[["events", "denominator"]].sum()
    table = table.merge(totals.reset_index(), on=["area_code", "outcome"], how="left")
    rows = []
    for _, row in table.iterrows():
        note = row.get("note")
        note = "" if note is None or pd.isna(note) else str(note)
        base = {
            "area_code": row["area_code"],
            "area_name": row["area_name"],
            "outcome": row["outcome"],
            "dimension": "imd_quintile",
            "group": "All",
            "reference": "",
            "events": row["events"],
            "denominator": row["denominator"],
            "note": note,
        }
        for measure, unit in (("sii", spec.difference_unit), ("rii", "ratio")):
            record = {**base, "measure": measure, "unit": unit, "value": row.get(measure, np.nan)}
            for level in levels:
                suffix = level_suffix(level)
                for side in ("lower", "upper"):
                    record[f"{side}_{suffix}"] = row.get(f"{measure}_{side}_{suffix}", np.nan)
            if measure == "sii":
                record["intercept"] = spec.multiplier * row.get("intercept", np.nan)
            if measure == "rii":
                _drop_meaningless_rii_limits(record, levels)
            rows.append(record)
    return pd.DataFrame(rows)


RII_LIMITS_NOTE = (
    "RII confidence limits not shown: in the simulation the fitted value at the least deprived "
    "end reached zero"
)


def _drop_meaningless_rii_limits(record: dict, levels: Sequence[float]) -> None:
    """Blank RII limits at a level whose lower limit is not positive (a ratio cannot be <= 0).

    With the PHE linear fit the simulated fitted value at the least deprived end (the RII's
    denominator) can reach zero when numbers are small, which gives limits of any sign and size.
    """
    dropped = False
    for level in levels:
        suffix = level_suffix(level)
        lower = record.get(f"lower_{suffix}", np.nan)
        if not (lower > 0):
            record[f"lower_{suffix}"] = record[f"upper_{suffix}"] = np.nan
            dropped = dropped or np.isfinite(record.get("value", np.nan))
    if dropped:
        record["note"] = "; ".join(n for n in (record.get("note", ""), RII_LIMITS_NOTE) if n)


def _attributable(
    counts: pd.DataFrame, levels: Sequence[float], kind: str = "risk"
) -> pd.DataFrame:
    """PAF and excess events against the least deprived quintile (``attributable_fraction``; ``kind``
    "risk" for a percentage, "rate" for a rate per 1,000); the PAF is a share of events, in %."""
    quint = counts[(counts["dimension"] == "imd_quintile") & counts["group"].isin(IMD_QUINTILES)]
    reference = REFERENCES["imd_quintile"]
    rows = []
    for (area, name, outcome), part in quint.groupby(
        ["area_code", "area_name", "outcome"], sort=False, observed=True
    ):
        if reference not in set(part["group"]):
            continue
        results = [
            attributable_fraction(
                part["events"],
                part["denominator"],
                list(part["group"]),
                reference,
                confidence=level,
                kind=kind,
            )
            for level in levels
        ]
        first = results[0]
        for i, result_row in first.iterrows():
            is_all = result_row["group"] == "All"
            record = {
                "area_code": area,
                "area_name": name,
                "outcome": outcome,
                "measure": "paf" if is_all else "paf_share",
                "dimension": "imd_quintile",
                "group": result_row["group"],
                "reference": reference,
                "unit": "percent",
                "events": result_row["events"],
                "denominator": result_row["denominator"],
                "value": 100 * (result_row["paf"] if is_all else result_row["paf_share"]),
                "excess_events": result_row["excess_events"],
                "note": result_row["note"],
            }
            for level, result in zip(levels, results, strict=True):
                suffix = level_suffix(level)
                for side in ("lower", "upper"):
                    record[f"{side}_{suffix}"] = 100 * result.loc[i, f"paf_{side}_{suffix}"]
                    record[f"excess_{side}_{suffix}"] = result.loc[i, f"excess_{side}_{suffix}"]
            rows.append(record)
    return pd.DataFrame(rows)


def inequality_columns(levels: Sequence[float]) -> list[str]:
    """Columns of the inequality table for the CI levels."""
    return [
        *INEQUALITY_KEYS,
        "unit",
        "events",
        "denominator",
        "value",
        *_level_columns(levels),
        "p_value",
        "intercept",
        "excess_events",
        *[f"excess_{c}" for c in _level_columns(levels)],
        "reliability",
        "note",
        "ref_events",
        "ref_denominator",
    ]


WITHHELD_QUINTILE = "not calculated: a deprivation quintile is withheld in the rates table"


def _complete_quintiles(counts: pd.DataFrame) -> pd.Series:
    """True for rows of an area and outcome whose five IMD quintiles all have counts."""
    quint = counts[(counts["dimension"] == "imd_quintile") & counts["group"].isin(IMD_QUINTILES)]
    shown = quint.dropna(subset=["events", "denominator"])
    per = shown.groupby(["area_code", "outcome"], observed=True)["group"].nunique()
    complete = set(per[per == len(IMD_QUINTILES)].index)
    return pd.Series(
        [k in complete for k in zip(counts["area_code"], counts["outcome"], strict=True)],
        index=counts.index,
    )


def _withheld_quintile_rows(
    counts: pd.DataFrame, complete: pd.Series, spec: IndicatorOutcome
) -> pd.DataFrame:
    """Blank SII, RII and PAF rows of each area (of one outcome) with a withheld quintile."""
    rows = []
    groups = counts.loc[~complete, ["area_code", "area_name", "outcome"]].drop_duplicates()
    for area, name, outcome in groups.itertuples(index=False):
        for measure, unit in (("sii", spec.difference_unit), ("rii", "ratio"), ("paf", "percent")):
            rows.append(
                {
                    "area_code": area,
                    "area_name": name,
                    "outcome": outcome,
                    "measure": measure,
                    "dimension": "imd_quintile",
                    "group": "All",
                    "reference": REFERENCES["imd_quintile"] if measure == "paf" else "",
                    "unit": unit,
                    "note": WITHHELD_QUINTILE,
                }
            )
    return pd.DataFrame(rows)


def inequality_table(
    counts: pd.DataFrame,
    areas: Mapping[str, str],
    statistics: Mapping | None = None,
    outcomes: Mapping[str, Outcome] | list[Mapping] | None = None,
) -> pd.DataFrame:
    """Inequality measures per area (and ALL) and outcome, one row per measure and group.

    ``counts`` is a rates-shaped table (``area_code``, ``area_name``, ``outcome``, ``dimension``,
    ``group``, ``events``, ``denominator``): in the pipeline the **published** rates table, so every
    measure is a function of the protected counts; a withheld row (blank counts) gives a blank
    measure, and an area with a withheld quintile gets no SII, RII or PAF (a note says why).
    ``measure``: ``rate_ratio`` (ratio of an IMD quintile against quintile 5, or an ethnic group
    against White: risk ratio with Katz log CI for a percentage, rate ratio with Poisson log CI for a
    rate per 1,000), ``sii`` (PHE slope index in the outcome's unit, ``unit`` "percentage points" or
    "per 1,000 live births" (or total births), most minus least deprived; ``intercept`` = fitted
    value at the most deprived end, in the outcome's unit), ``rii`` (most / least deprived),
    ``paf`` (population attributable fraction, %, with excess events) and ``paf_share`` (each
    quintile's share of it, %, and its excess events). Unknown quintile and ethnicity not stated are
    left out. Counts are those of the group (``rate_ratio``, ``paf_share``) or of quintiles 1-5.
    Each outcome's unit and small-number rules come from ``outcomes`` (the rule's declarations, else
    the built-ins); its own ``min_events``/``unreliable_below`` apply to the ratios.
    """
    settings = resolved_statistics(statistics)
    levels = confidence_levels(statistics)
    small = settings["small_numbers"]
    counts = counts[counts["dimension"].isin(["imd_quintile", "ethnic_group"])]
    counts = counts[counts["area_code"].isin([*areas, ALL_AREAS])].copy()
    for column in ("events", "denominator"):
        counts[column] = pd.to_numeric(counts[column]).astype("float64")
    complete = _complete_quintiles(counts)
    specs = indicator_outcomes(counts["outcome"].astype(str).unique(), outcomes)
    # outcomes measured alike (unit, denominator, small-number rules) are computed together
    alike = {o: (s.measure, s.denominator, s.small_numbers(small)) for o, s in specs.items()}
    frames = []
    for _, part in counts.groupby(
        counts["outcome"].astype(str).map(alike), sort=False, observed=True
    ):
        spec = specs[str(part["outcome"].iloc[0])]
        kind = "rate" if spec.is_rate else "risk"
        whole = complete.loc[part.index]
        frames += [
            _rate_ratios(part, levels, *spec.small_numbers(small), kind=kind),
            _sii_rii(part[whole], levels, settings["sii"], spec),
            _attributable(part[whole], levels, kind),
            _withheld_quintile_rows(part, whole, spec),
        ]
    table = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    columns = inequality_columns(levels)
    for column in columns:
        if column not in table.columns:
            table[column] = np.nan
    table = table[columns]
    measures = {m: i for i, m in enumerate(["rate_ratio", "sii", "rii", "paf", "paf_share"])}
    area_rank = {a: i for i, a in enumerate([*areas, ALL_AREAS])}
    dim_rank = {"imd_quintile": 0, "ethnic_group": 1}
    table = table.assign(
        _a=table["area_code"].map(area_rank),
        _m=table["measure"].map(measures),
        _d=table["dimension"].map(dim_rank),
    ).sort_values(["_a", "outcome", "_m", "_d", "group"], kind="stable")
    table = table.drop(columns=["_a", "_m", "_d"]).reset_index(drop=True)
    for column in [*INEQUALITY_KEYS, "unit", "reliability", "note"]:
        table[column] = table[column].astype("string").fillna("")
    for column in table.columns.difference([*INEQUALITY_KEYS, "unit", "reliability", "note"]):
        table[column] = pd.to_numeric(table[column]).astype("Float64").astype("float64")
    return table


def _control_signed(values: pd.Series, rules: Mapping) -> tuple[pd.Series, pd.Series]:
    """Signed counts (excess events) to the nearest integer, then |count| 1-7 suppressed and the
    rest rounded to the base; returns (published counts, suppressed)."""
    whole = pd.Series(
        np.rint(pd.to_numeric(values, errors="coerce").astype("float64")), index=values.index
    )
    small = is_small(whole.abs(), rules["suppress_min"], rules["suppress_max"])
    return round_to_base(whole, rules["rounding_base"]).mask(small), small


def _significant(values: pd.Series, digits: int) -> pd.Series:
    """Values rounded to ``digits`` significant figures (p-values keep their size when tiny)."""
    return pd.Series(round_significant(values, digits), index=values.index, dtype="Float64")


def publish_inequality(
    table: pd.DataFrame, rules: Mapping, hidden: set[tuple[str, str, str, str]] | None = None
) -> pd.DataFrame:
    """The published inequality table, from a table built on the published rates' counts.

    The group counts are the rates table's protected counts and pass through. A row is withheld
    (statistics, excess events and note blank, ``suppressed`` True, flag ``c``) when its group or
    reference group is withheld in the rates table (blank counts, or a key in ``hidden`` from
    ``rates.hidden_groups``), when an SII, RII or PAF lacks a withheld quintile, or when a PAF's
    excess events (a derived, signed count) round to 1-7 in size. Excess events are rounded to the
    base; statistics to 4 decimals, p-values to 3 significant figures. As they are functions of the
    published counts, they tell nothing the counts do not (docs/disclosure.md).
    """
    out = table.copy()
    low, high = rules["suppress_min"], rules["suppress_max"]
    withheld = pd.to_numeric(out["events"]).isna() | (
        out["note"].astype("string") == WITHHELD_QUINTILE
    )
    # a count in the suppression range here means unprotected counts were passed: withhold
    withheld |= is_small(out["events"], low, high) | is_small(out["denominator"], low, high)
    if "ref_events" in out.columns:
        is_ratio = out["measure"] == "rate_ratio"
        withheld |= is_ratio & pd.to_numeric(out["ref_events"]).isna()
        out = out.drop(columns=["ref_events", "ref_denominator"])
    if hidden:
        keys = zip(out["area_code"], out["outcome"], out["dimension"], out["group"], strict=True)
        refs = zip(
            out["area_code"], out["outcome"], out["dimension"], out["reference"], strict=True
        )
        withheld |= pd.Series(
            [k in hidden or r in hidden for k, r in zip(keys, refs, strict=True)], index=out.index
        )
    for column in ("events", "denominator"):
        out[column] = round_to_base(out[column], rules["rounding_base"]).mask(withheld)
    excess_columns = [c for c in out.columns if c.startswith("excess_")]
    excess_hidden = pd.Series(False, index=out.index)
    for column in excess_columns:
        published, small = _control_signed(out[column], rules)
        out[column] = published
        if column == "excess_events":
            excess_hidden = small
    statistic_columns = [
        c
        for c in out.columns
        if c in ("value", "p_value", "intercept") or c.startswith(("lower_", "upper_"))
    ]
    hide = withheld | (out["measure"].isin(["paf", "paf_share"]) & excess_hidden)
    for column in statistic_columns:
        values = pd.to_numeric(out[column]).astype("Float64")
        out[column] = (_significant(values, 3) if column == "p_value" else values.round(4)).mask(
            hide
        )
    for column in excess_columns:
        out[column] = out[column].mask(hide)
    out["reliability"] = out["reliability"].astype("string").mask(hide, "")
    keep_note = out["note"].astype("string") == WITHHELD_QUINTILE
    out["note"] = out["note"].astype("string").mask(hide & ~keep_note, "")
    out["suppressed"] = hide.to_numpy()
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    return out
