"""The babies' linked deaths made ready for the mortality outcomes: age at death derived from the
dates, deaths before birth and deaths of stillbirths blanked, deaths after the follow-up end
(``releases.<name>.deaths_complete_to``) treated as no death within follow-up; each counted.
"""

from __future__ import annotations

import pandas as pd

from birthgaps.core.codes import DEATH_COLUMNS

FlowRows = list[tuple[str, str, int]]


def death_ages(births: pd.DataFrame, complete_to: pd.Timestamp) -> tuple[pd.DataFrame, FlowRows]:
    """Births with ``age_at_death_days`` derived as death_date - birth_date where not given (and
    ``death_date`` as birth_date + age where only the age is given); flow rows (step,
    description, count).

    A given age that disagrees with the dates is counted and the dates are trusted. Deaths before
    birth (implausible), deaths of stillbirths and deaths after ``complete_to`` are counted and
    blanked: after the follow-up end a baby has no death within follow-up."""
    if not set(DEATH_COLUMNS) <= set(births.columns):
        return births, []  # births staged without the death columns: no deaths data
    births = births.copy()
    date = births["death_date"]
    age = births["age_at_death_days"].astype("Int64")
    born = births["birth_date"]
    from_dates = (date - born).dt.days.astype("Int64")
    has_death = (date.notna() | age.notna()).to_numpy(dtype=bool)
    disagree = (from_dates.notna() & age.notna() & (from_dates != age)).to_numpy(
        dtype=bool, na_value=False
    )
    age = from_dates.where(from_dates.notna(), age)
    implied = born + pd.to_timedelta(age.astype("float64"), unit="D")
    date = date.where(date.notna(), implied.where(age.notna()))
    before_birth = (age < 0).to_numpy(dtype=bool, na_value=False)
    still = has_death & (births["birth_outcome"] == "still").to_numpy(dtype=bool, na_value=False)
    after_end = (date > complete_to).to_numpy(dtype=bool, na_value=False)
    blank = before_birth | still | after_end
    unknown_age = has_death & ~blank & age.isna().to_numpy(dtype=bool)
    births["death_date"] = date.mask(blank).astype("datetime64[ns]")
    births["age_at_death_days"] = age.mask(blank).astype("Int64")
    end = complete_to.strftime("%d %B %Y").lstrip("0")
    rows: FlowRows = [
        ("deaths", "Babies with a linked death", int(has_death.sum())),
        (
            "death_age_disagrees",
            "Age at death differing from the dates of birth and death (the dates kept)",
            int(disagree.sum()),
        ),
        ("death_before_birth", "Death dated before the birth (blanked)", int(before_birth.sum())),
        ("stillbirth_with_death", "Stillbirth record carrying a death (blanked)", int(still.sum())),
        (
            "death_after_follow_up",
            f"Death after the follow-up end, {end} (no death within follow-up)",
            int((after_end & ~before_birth & ~still).sum()),
        ),
        (
            "death_age_unknown",
            "Death without an age at death (no birth date; kept, out of age-based outcomes)",
            int(unknown_age.sum()),
        ),
        ("deaths_in_follow_up", "Linked deaths within follow-up", int((has_death & ~blank).sum())),
    ]
    return births, rows
