"""Code lists and display orders shared by every stage (one place for each classification)."""

from __future__ import annotations

#: NHS Data Dictionary ethnic category code -> ONS 2021 high-level ethnic group.
#: Chinese (R) sits in the Asian group in the 2021 Census classification.
ETHNIC_CATEGORY_TO_GROUP: dict[str, str] = {
    "A": "White",  # British
    "B": "White",  # Irish
    "C": "White",  # Any other White background
    "D": "Mixed",  # White and Black Caribbean
    "E": "Mixed",  # White and Black African
    "F": "Mixed",  # White and Asian
    "G": "Mixed",  # Any other mixed background
    "H": "Asian",  # Indian
    "J": "Asian",  # Pakistani
    "K": "Asian",  # Bangladeshi
    "L": "Asian",  # Any other Asian background
    "M": "Black",  # Caribbean
    "N": "Black",  # African
    "P": "Black",  # Any other Black background
    "R": "Asian",  # Chinese
    "S": "Other",  # Any other ethnic group
    "Z": "Not stated",
    "99": "Not stated",
}

#: NHS ethnic category code -> detailed label (NHS Data Dictionary wording).
ETHNIC_CATEGORY_LABELS: dict[str, str] = {
    "A": "White British",
    "B": "White Irish",
    "C": "Any other White background",
    "D": "White and Black Caribbean",
    "E": "White and Black African",
    "F": "White and Asian",
    "G": "Any other mixed background",
    "H": "Indian",
    "J": "Pakistani",
    "K": "Bangladeshi",
    "L": "Any other Asian background",
    "M": "Caribbean",
    "N": "African",
    "P": "Any other Black background",
    "R": "Chinese",
    "S": "Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}

#: NHS ethnic category code -> ONS 2021 detailed group, at the granularity of the NHS codes
#: (the NHS list has no separate Gypsy or Irish Traveller, Roma or Arab category).
ETHNIC_CATEGORY_TO_DETAILED: dict[str, str] = {
    "A": "White British",
    "B": "White Irish",
    "C": "Other White",
    "D": "White and Black Caribbean",
    "E": "White and Black African",
    "F": "White and Asian",
    "G": "Other Mixed",
    "H": "Indian",
    "J": "Pakistani",
    "K": "Bangladeshi",
    "L": "Other Asian",
    "M": "Caribbean",
    "N": "African",
    "P": "Other Black",
    "R": "Chinese",
    "S": "Any other ethnic group",
    "Z": "Not stated",
    "99": "Not stated",
}

NOT_STATED = "Not stated"
UNKNOWN = "Unknown"

#: Display order of detailed groups: the ONS 2021 Census order (high-level groups Asian, Black,
#: Mixed, White, Other; categories within each as ONS lists them), then Not stated.
ETHNIC_GROUPS_DETAILED: list[str] = [
    "Bangladeshi",
    "Chinese",
    "Indian",
    "Pakistani",
    "Other Asian",
    "African",
    "Caribbean",
    "Other Black",
    "White and Asian",
    "White and Black African",
    "White and Black Caribbean",
    "Other Mixed",
    "White British",
    "White Irish",
    "Other White",
    "Any other ethnic group",
    NOT_STATED,
]

#: Detailed group -> its ONS 2021 high-level group.
DETAILED_TO_GROUP: dict[str, str] = {
    ETHNIC_CATEGORY_TO_DETAILED[code]: group for code, group in ETHNIC_CATEGORY_TO_GROUP.items()
}

#: How the ``imd_quintile`` dimension is defined (config ``deprivation.quintiles``) -> label text.
QUINTILE_BASES: dict[str, str] = {
    "national": "national",
    "local": "local (within the study areas)",
}

#: Display and model order of ONS high-level ethnic groups.
ETHNIC_GROUPS: list[str] = ["Asian", "Black", "Mixed", "White", "Other", NOT_STATED]

#: Maternal age bands (years at delivery): label -> (lower inclusive, upper exclusive).
AGE_BANDS: dict[str, tuple[int, int]] = {
    "<20": (0, 20),
    "20-24": (20, 25),
    "25-29": (25, 30),
    "30-34": (30, 35),
    "35-39": (35, 40),
    "40+": (40, 200),
}
AGE_BAND_ORDER: list[str] = [*AGE_BANDS, UNKNOWN]

#: IMD quintiles as strings; 1 = most deprived fifth of neighbourhoods nationally.
IMD_QUINTILES: list[str] = ["1", "2", "3", "4", "5"]
IMD_QUINTILE_ORDER: list[str] = [*IMD_QUINTILES, UNKNOWN]
IMD_QUINTILE_LABELS: dict[str, str] = {
    "1": "1 (most deprived)",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5 (least deprived)",
    UNKNOWN: UNKNOWN,
}

#: Outcomes: name -> (short label, definition used in captions and the appendix).
OUTCOMES: dict[str, tuple[str, str]] = {
    "preterm": (
        "Preterm birth",
        "live births before 37 weeks of gestation, of live births with stated gestation",
    ),
    "very_preterm": (
        "Very preterm birth",
        "live births before 32 weeks, of live births with stated gestation",
    ),
    "lbw": ("Low birth weight", "live births under 2,500 g, of live births with stated weight"),
    "very_lbw": (
        "Very low birth weight",
        "live births under 1,500 g, of live births with stated weight",
    ),
    "term_lbw": (
        "Low birth weight at term",
        "live births at 37 weeks or later weighing under 2,500 g, of term live births with stated weight",
    ),
}

#: Cell-table dimensions, in the order used for grouping.
CELL_DIMENSIONS: list[str] = ["area_code", "year", "imd_quintile", "ethnic_group", "age_band"]

#: The detailed ethnic group breakdown of the rates table (config ``ethnicity.detailed``).
ETHNIC_DETAILED = "ethnic_group_detailed"

#: Dimensions of the detailed-ethnicity cell table: each detailed group with its high-level group,
#: so the hierarchy (detailed groups sum to their high-level group) is in the data itself.
DETAILED_CELL_DIMENSIONS: list[str] = ["area_code", "year", "ethnic_group", ETHNIC_DETAILED]

#: Canonical extract columns every extract carries (DESIGN.md), in their canonical order.
REQUIRED_COLUMNS: list[str] = [
    "baby_id",
    "birth_date",
    "birth_outcome",
    "gestation_weeks",
    "gestation_days",
    "birth_weight_g",
    "baby_sex",
    "plurality",
    "mother_age",
    "mother_ethnic_category",
    "mother_lsoa",
    "area_code",
]

#: Canonical columns an extract may carry (absent = not available; staged births then hold them
#: all missing): the maternity, the maternity indicators and the baby's linked death.
OPTIONAL_COLUMNS: list[str] = [
    "maternity_id",
    "delivery_method",
    "booking_gestation_days",
    "smoking_at_delivery",
    "mother_bmi",
    "death_date",
    "age_at_death_days",
]

#: Canonical extract columns (DESIGN.md) in their canonical order: required, then optional.
CANONICAL_COLUMNS: list[str] = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]

#: The linked death's columns (from the birth extract or a deaths extract joined on ``baby_id``).
DEATH_COLUMNS: list[str] = ["death_date", "age_at_death_days"]

#: NHS Data Dictionary DELIVERY METHOD code -> its meaning.
DELIVERY_METHODS: dict[str, str] = {
    "0": "Spontaneous vertex",
    "1": "Spontaneous other cephalic",
    "2": "Low forceps, not breech",
    "3": "Other forceps, not breech",
    "4": "Ventouse, vacuum extraction",
    "5": "Breech",
    "6": "Breech extraction",
    "7": "Elective caesarean section",
    "8": "Emergency caesarean section",
    "9": "Other",
}


def imd_quintile_from_decile(decile: int) -> str:
    """National IMD quintile (string "1".."5") from a decile 1..10; quintile 1 = most deprived."""
    return str((int(decile) + 1) // 2)


def age_band(age: float | int | None) -> str:
    """Maternal age band label for an age in years; ``Unknown`` when missing."""
    if age is None or age != age:
        return UNKNOWN
    for label, (low, high) in AGE_BANDS.items():
        if low <= age < high:
            return label
    return UNKNOWN
