"""Whole-column plausibility: a mapped column most of whose values are implausible is the wrong
column or in the wrong unit, so it stops the run instead of becoming thousands of exclusions.

The issue summarises the column (share implausible, minimum, median, maximum, commonest character
patterns) and names the likely unit; identifying columns are summarised by patterns only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from birthgaps.core.codes import DELIVERY_METHODS
from birthgaps.core.identifiers import POSTCODE_SPACED, POSTCODE_TIGHT
from birthgaps.core.settings import schema_defaults
from birthgaps.ingest.sources import (
    ETHNIC_CODES,
    GESTATION_PATTERN,
    GRAMS_PER_UNIT,
    LB_OZ_PATTERN,
)
from birthgaps.ingest.validation import (
    DEFINITION_DEFAULTS,
    LSOA_PATTERN,
    MOTHER_AGE_RANGE,
    PLURALITY_RANGE,
    Issue,
    mask_issue,
)

#: Default of config ``validation.implausible_share``: above this share of implausible values a
#: column stops the run.
IMPLAUSIBLE_SHARE = schema_defaults("validation")["implausible_share"]
#: A column is judged only on at least this many implausible values (a tiny file's few bad values
#: are reported one rule at a time).
MIN_IMPLAUSIBLE = 10
RULE = "column_implausible"
#: An area code: letters and digits with at least one digit, no spaces (ONS E06000016, the demo's
#: X06000001, a test's X1); names (Leicester) and postcodes are not codes.
AREA_CODE_PATTERN = r"[A-Za-z0-9]{0,11}[0-9][A-Za-z0-9]{0,11}"
#: Numbers at least this large are not shown (they may be identifiers or dates written as numbers).
SHOWN_BELOW = 100_000
#: A unit or form is suggested when at least this share of the values fit it.
FITS = 0.8
TYPICAL_GRAMS = (1500, 5000)
#: Columns summarised by minimum, median and maximum; the others by their patterns only.
NUMBER_COLUMNS = (
    "gestation_weeks",
    "gestation_days",
    "birth_weight_g",
    "plurality",
    "mother_age",
    "booking_gestation_days",
    "mother_bmi",
    "age_at_death_days",
)
#: Booking before this many days of gestation is not possible (a pregnancy is barely detectable
#: at 4 weeks): a column of such values is booking in weeks read as days.
BOOKING_EARLIEST_DAYS = 28
#: A mother's weight in kg, not her BMI: most values in this range and the median over bmi_max.
WEIGHT_KG = (35, 200)


@dataclass(frozen=True)
class Plausible:
    """What a plausible value of one canonical column is; ``missing`` marks 'not known' codes."""

    describe: str
    test: Callable[[pd.Series], pd.Series]
    missing: Callable[[pd.Series], pd.Series] | None = None


#: Years before the release's first year that an extract may still plausibly cover.
EARLIER_YEARS = 10


def _between_years(first: int, last: int) -> Callable[[pd.Series], pd.Series]:
    return lambda s: s.dt.year.between(first, last)


def _between(low: float, high: float) -> Callable[[pd.Series], pd.Series]:
    return lambda s: s.between(low, high)


def plausibility_rules(
    definitions: dict | None = None, years: list[int] | None = None
) -> dict[str, Plausible]:
    """The plausibility rule of each checked canonical column (config ``definitions``, years)."""
    d = {**DEFINITION_DEFAULTS, **(definitions or {})}
    g_lo, g_hi, w_lo, w_hi = (
        d["gestation_min_weeks"],
        d["gestation_max_weeks"],
        d["birth_weight_min_g"],
        d["birth_weight_max_g"],
    )
    dates = Plausible("a readable date", lambda s: s.notna())
    if years:
        # an extract may hold earlier years than the release studies (they are counted out by
        # clean); dates many years earlier are a wrong column (the mother's date of birth)
        first, last = min(years) - EARLIER_YEARS, max(years) + 1
        dates = Plausible(f"a date from {first} to {last}", _between_years(first, last))
    return {
        "birth_date": dates,
        "birth_outcome": Plausible("live or still", lambda s: s.isin(["live", "still"])),
        "gestation_weeks": Plausible(
            f"{g_lo}-{g_hi} completed weeks",
            _between(g_lo, g_hi),
            lambda s: s.isin(d["gestation_sentinels"]),
        ),
        "gestation_days": Plausible("0-6 days", _between(0, 6)),
        "birth_weight_g": Plausible(
            f"{w_lo:,}-{w_hi:,} g",
            _between(w_lo, w_hi),
            lambda s: s.isin(d["birth_weight_sentinels"]),
        ),
        "baby_sex": Plausible("M, F or U", lambda s: s.isin(["M", "F", "U"])),
        "plurality": Plausible("{}-{}".format(*PLURALITY_RANGE), _between(*PLURALITY_RANGE)),
        "mother_age": Plausible(
            "{}-{} years".format(*MOTHER_AGE_RANGE), _between(*MOTHER_AGE_RANGE)
        ),
        "mother_ethnic_category": Plausible(
            "an NHS ethnic category code", lambda s: s.isin(ETHNIC_CODES)
        ),
        "mother_lsoa": Plausible(
            "an LSOA code such as E01000001", lambda s: s.str.fullmatch(LSOA_PATTERN)
        ),
        "area_code": Plausible(
            "a code such as E06000016", lambda s: s.str.fullmatch(AREA_CODE_PATTERN) & ~_postcode(s)
        ),
        **_optional_rules(d, years),
    }


def _optional_rules(d: dict, years: list[int] | None) -> dict[str, Plausible]:
    """Plausibility of the optional columns (maternity indicators and the linked death)."""
    booking_max = d["booking_max_weeks"] * 7 + 6
    deaths = Plausible("a readable date", lambda s: s.notna())
    if years:
        first, last = min(years) - EARLIER_YEARS, max(years) + EARLIER_YEARS
        deaths = Plausible(f"a date from {first} to {last}", _between_years(first, last))
    return {
        "delivery_method": Plausible(
            "a DELIVERY METHOD code 0-9", lambda s: s.isin(list(DELIVERY_METHODS))
        ),
        "booking_gestation_days": Plausible(
            f"{BOOKING_EARLIEST_DAYS}-{booking_max} days",
            _between(BOOKING_EARLIEST_DAYS, booking_max),
        ),
        "smoking_at_delivery": Plausible("yes or no", lambda s: s.notna()),
        "mother_bmi": Plausible(
            f"a BMI of {d['bmi_min']:g}-{d['bmi_max']:g} kg/m2",
            _between(d["bmi_min"], d["bmi_max"]),
            lambda s: s.isin(d["bmi_sentinels"]),
        ),
        "death_date": deaths,
        "age_at_death_days": Plausible("0 days or more", lambda s: s >= 0),
    }


def _postcode(values: pd.Series) -> pd.Series:
    """Whether each value is a full UK postcode (with or without its space)."""
    return values.str.fullmatch(POSTCODE_SPACED.pattern, case=False) | values.str.fullmatch(
        POSTCODE_TIGHT.pattern
    )


def _flags(result: pd.Series) -> np.ndarray:
    """A pandas boolean result as numpy, missing as False."""
    return result.fillna(False).to_numpy(dtype=bool)


def _per_distinct(test: Callable[[pd.Series], pd.Series], values: pd.Series) -> np.ndarray:
    """``test`` of each row, computed once per distinct value (a million rows hold few)."""
    codes, uniques = pd.factorize(values)
    flags = _flags(test(pd.Series(uniques, dtype=values.dtype)))
    return np.where(codes >= 0, flags[np.maximum(codes, 0)] if len(flags) else False, False)


def implausible_columns(
    births: pd.DataFrame,
    texts: dict[str, pa.Array],
    unreadable: dict[str, np.ndarray],
    *,
    file: str,
    source: dict,
    raw_names: dict[str, str],
    definitions: dict | None = None,
    years: list[int] | None = None,
    share: float = IMPLAUSIBLE_SHARE,
) -> list[Issue]:
    """One fatal ``column_implausible`` issue per column with more than ``share`` (and at least
    MIN_IMPLAUSIBLE) of its non-missing values implausible or unreadable.

    ``texts`` holds each column's raw text after recodes, ``unreadable`` its rows that did not
    convert; sentinels ('not known' codes) count as missing."""
    issues = []
    for column, rule in plausibility_rules(definitions, years).items():
        if column not in texts:
            continue
        values = births[column]
        present = texts[column].is_valid().to_numpy(zero_copy_only=False)
        if rule.missing is not None:
            present &= ~_flags(rule.missing(values))
        unread = unreadable.get(column, np.zeros(len(values), dtype=bool))
        bad = present & (unread | (values.notna().to_numpy() & ~_per_distinct(rule.test, values)))
        n, k = int(present.sum()), int(bad.sum())
        if k < MIN_IMPLAUSIBLE or k / n <= share:
            continue
        text = texts[column].filter(pa.array(present))
        raw = raw_names.get(column)
        where = f" (source column `{raw}`)" if raw and raw != column else ""
        description = (
            f"the column looks like the wrong column or the wrong unit: {k:,} of {n:,} non-missing "
            f"values ({k / n:.0%}) are implausible or unreadable (plausible: {rule.describe})"
            f"{where}; {_summary(column, text, values[present], source)}. What to do: "
            f"{_hint(column, text, values[present], source, definitions, years)}"
        )
        issues.append(mask_issue(file, column, RULE, bad, description))
    return issues


# --------------------------------------------------------------------------------------------
# Summaries: numbers and character patterns, never identifying values
# --------------------------------------------------------------------------------------------


def pattern(text: str, width: int = 16) -> str:
    """A value's character pattern: digits as 9, letters as A (``LE1 7RH`` -> ``AA9 9AA``)."""
    shape = re.sub(r"[0-9]", "9", re.sub(r"[^\W\d_]", "A", text))
    return shape if len(shape) <= width else shape[:width] + "…"


def _counts(text: pa.Array) -> pd.Series:
    """Each distinct text with its number of rows."""
    counted = pc.value_counts(text.drop_null())
    return pd.Series(
        counted.field("counts").to_numpy(zero_copy_only=False),
        index=counted.field("values").to_pylist(),
        dtype="int64",
    )


def common_patterns(text: pa.Array, top: int = 3) -> str:
    """The commonest character patterns with their shares, e.g. ```AA9 9AA` 62%, `A99 9AA` 30%``."""
    counts = _counts(text)
    shares = counts.groupby(counts.index.map(pattern)).sum().sort_values(ascending=False)
    shares = shares / shares.sum()
    return ", ".join(f"`{p}` {s:.0%}" for p, s in shares.head(top).items())


def _numbers(text: pa.Array, thousands: str | None) -> pd.Series:
    """Counts of the distinct texts that read as numbers, indexed by the number."""
    counts = _counts(text)
    plain = counts.index.to_series().astype(str)
    if thousands:
        plain = plain.str.replace(thousands, "", regex=False)
    numbers = pd.to_numeric(plain, errors="coerce").to_numpy()
    kept = ~np.isnan(numbers)
    return pd.Series(counts.to_numpy()[kept], index=numbers[kept]).groupby(level=0).sum()


def _median(numbers: pd.Series) -> float:
    """Median of numbers given with their counts (the lower middle value)."""
    cumulative = numbers.cumsum()
    return float(
        numbers.index[int(np.searchsorted(cumulative.to_numpy(), cumulative.iloc[-1] / 2))]
    )


def _number(value: float) -> str:
    return format(value, ",.6g")


def _summary(column: str, text: pa.Array, values: pd.Series, source: dict) -> str:
    """Minimum, median and maximum as read (number columns), years (dates), common patterns."""
    parts = []
    if column == "birth_date":
        known = values.dropna()
        if len(known):
            parts.append(f"years {known.dt.year.min()}-{known.dt.year.max()}")
    elif column in NUMBER_COLUMNS:
        numbers = _numbers(text, source["reader"]["thousands"])
        if len(numbers) and max(abs(numbers.index.min()), abs(numbers.index.max())) < SHOWN_BELOW:
            parts.append(
                f"as read: minimum {_number(numbers.index.min())}, median "
                f"{_number(_median(numbers))}, maximum {_number(numbers.index.max())}"
            )
        elif len(numbers):
            parts.append("numbers too large to show (identifiers or dates?)")
        if len(text) and numbers.sum() < len(text):
            parts.append(f"{len(text) - int(numbers.sum()):,} values are not numbers")
    parts.append(f"commonest patterns: {common_patterns(text)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Hints: the likely unit or column
# --------------------------------------------------------------------------------------------


def _share(text: pa.Array, regex: str | re.Pattern) -> float:
    """Share of the texts that match ``regex`` in full."""
    counts = _counts(text)
    if not counts.sum():
        return 0.0
    compiled = re.compile(regex) if isinstance(regex, str) else regex
    matched = [bool(compiled.fullmatch(str(v))) for v in counts.index]
    return float(counts[matched].sum() / counts.sum())


def _fits(numbers: pd.Series, factor: float, low: float, high: float, typical: tuple) -> bool:
    """Whether numbers times ``factor`` mostly lie in ``low``-``high``, their median typical."""
    if not len(numbers):
        return False
    scaled = numbers.index.to_numpy() * factor
    inside = numbers[(scaled >= low) & (scaled <= high)].sum() / numbers.sum()
    return inside >= FITS and typical[0] <= _median(numbers) * factor <= typical[1]


UNIT_NAMES = {"g": "grams", "kg": "kilograms", "lb": "pounds", "oz": "ounces"}


def _hint(
    column: str,
    text: pa.Array,
    values: pd.Series,
    source: dict,
    definitions: dict | None,
    years: list[int] | None,
) -> str:
    """What to do: the unit or form the values fit, else check the mapped column."""
    d = {**DEFINITION_DEFAULTS, **(definitions or {})}
    numbers = _numbers(text, source["reader"]["thousands"])
    generic = f"check that the right column is mapped to `{column}` (docs/sources.md)"
    if column == "birth_weight_g":
        unit = source["birth_weight"]["unit"]
        w_lo, w_hi = d["birth_weight_min_g"], d["birth_weight_max_g"]
        for candidate, grams in GRAMS_PER_UNIT.items():
            if candidate != unit and _fits(
                numbers, float(Decimal(grams)), w_lo, w_hi, TYPICAL_GRAMS
            ):
                return (
                    f"values look like {UNIT_NAMES[candidate]}: declare the unit in the source, "
                    f"`birth_weight: {{unit: {candidate}}}` (docs/sources.md, Units)"
                )
        if unit != "lb_oz" and _share(text, LB_OZ_PATTERN) >= FITS:
            return (
                "values look like pounds and ounces: declare the unit in the source, "
                "`birth_weight: {unit: lb_oz}` (docs/sources.md, Units)"
            )
    if column == "gestation_weeks":
        g_lo, g_hi = d["gestation_min_weeks"], d["gestation_max_weeks"]
        form = source["gestation"]["format"]
        if form != "days" and _fits(numbers, 1 / 7, g_lo, g_hi + 1, (30, 43)):
            return (
                "values look like gestation in days: map the column to `gestation` and set "
                "`gestation: {format: days}` in the source (docs/sources.md, Units)"
            )
        if form == "days" and _fits(numbers, 1, g_lo, g_hi, (30, 43)):
            return (
                "values look like completed weeks: map the column to `gestation_weeks` and set "
                "`gestation: {format: weeks_only}` (or weeks_days_columns)"
            )
        if form != "weeks_plus_days_text" and _share(text, GESTATION_PATTERN) >= FITS:
            return (
                "values look like weeks+days text (38+4): map the column to `gestation` and set "
                "`gestation: {format: weeks_plus_days_text}`"
            )
    if column in ("mother_lsoa", "area_code"):
        postcodes = max(_share(text, POSTCODE_SPACED), _share(text, POSTCODE_TIGHT))
        if postcodes >= 0.5:
            what = "LSOA" if column == "mother_lsoa" else "area"
            return (
                f"values look like postcodes, not {what} codes: map the column of {what} codes, "
                "or convert postcodes to codes (ONS Postcode Directory) before the run"
            )
    if column == "area_code" and _share(text, r"[^0-9]+") >= FITS:
        return (
            "values look like area names, not ONS codes: map the column of codes such as "
            "E06000016, or recode each name, `recodes: {area_code: {Leicester: E06000016}}`"
        )
    if column == "birth_date" and years:
        known = values.dropna()
        if len(known) and known.dt.year.median() < min(years) - EARLIER_YEARS:
            return (
                "the dates lie many years before the release years: is this the mother's date of "
                "birth? Map the baby's date of birth to `birth_date`"
            )
        if len(known):
            return (
                f"{generic}; if the extract holds other years on purpose, list them in the "
                "release's `years` or raise `validation.implausible_share`"
            )
    if column == "booking_gestation_days":
        form = source["booking_gestation"]["format"]
        if form != "weeks" and _fits(numbers, 7, BOOKING_EARLIEST_DAYS, 7 * 44, (42, 200)):
            return (
                "values look like booking gestation in weeks: set "
                "`booking_gestation: {format: weeks}` in the source (or weeks_plus_days_text)"
            )
        if form == "weeks" and _fits(numbers, 1, BOOKING_EARLIEST_DAYS, 7 * 44, (42, 200)):
            return "values look like days: set `booking_gestation: {format: days}` in the source"
    if column == "mother_bmi" and _fits(numbers, 1, *WEIGHT_KG, (d["bmi_max"], WEIGHT_KG[1])):
        return (
            "values look like the mother's weight in kg, not her BMI: map the BMI column "
            "(kg/m2) to `mother_bmi`"
        )
    if column == "smoking_at_delivery":
        return (
            f"{generic}, or add recodes for the source's values "
            "(`recodes: {smoking_at_delivery: {Current: Y, Never: N}}`)"
        )
    if column == "mother_age" and _fits(numbers, 1, 1900, 2100, (1940, 2020)):
        return "values look like years of birth: map the mother's age at delivery in years"
    labels = source["ethnicity"]["format"] == "labels"
    if (
        column == "mother_ethnic_category"
        and not labels
        and _share(text, r"(?i).*[a-z]{3}.*") >= 0.5
    ):
        return "values look like text labels: set `ethnicity: {format: labels}` in the source"
    if column in ("birth_outcome", "baby_sex", "delivery_method"):
        return f"{generic}, or add recodes for the source's values (`recodes: {{{column}: ...}}`)"
    return generic
