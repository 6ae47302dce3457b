"""Words the models write into the tables' ``note`` column and into the empty-table reasons.

Constants and two small helpers, used by every table builder of :mod:`birthgaps.models`."""

from __future__ import annotations

from birthgaps.core.published_markers import COLLIDER_CAUTION

#: The collider-bias caution (birth-weight paradox), worded once in the catalogue entry of the
#: markers table: any table, note or appendix text that reads the share of deaths that were
#: preterm or of low birth weight, or a mortality model adjusted for gestation or birth weight,
#: shows it with them.
__all__ = ["COLLIDER_CAUTION"]

#: Notes written into the ``note`` column.
NOTE_TOO_FEW = "too few events"
NOTE_TOO_FEW_REFERENCE = "too few events in the reference level"
NOTE_SEPARATION = "not estimable (separation)"
NOTE_COLLINEAR = "not estimable (collinear with other terms)"
NOTE_NOT_CONVERGED = "not estimable (fit did not converge)"
NOTE_RISK_ABOVE_ONE = "fitted risk above 1 in some covariate patterns"
NOTE_NO_INTERACTION = "no estimable interaction term"
NOTE_BASE_NEAR_ONE = "base ratio near 1 (its 95% CI includes 1): no excess to explain"
NOTE_BASE_BELOW_ONE = "base ratio below 1: the percentage is of the deficit"
NOTE_WORKING_LIKELIHOOD = "modified Poisson: working likelihood, no deviance or AIC"
#: A level, stratum or combination whose row of the published rates table is withheld. The same
#: words as the marker's explanation, and never "too few events": that would tell a reader that a
#: hidden count lies below the threshold.
NOTE_WITHHELD = "[c] withheld to protect confidentiality"
#: The population of the crude rows computed from the published rates table.
NOTE_CRUDE_FROM_RATES = (
    "crude: from the published counts of rates.csv (births with the level stated)"
)


#: Marker of a withheld count written into a note.
WITHHELD_MARKER = "[c]"


#: How a term recorded for no birth is described in notes.
_UNSTATED_WORDS = {
    "ethnic_group": "ethnicity is not stated for any birth",
    "imd_quintile": "the IMD quintile is unknown for every birth",
    "age_band": "the mother's age is unknown for every birth",
    "year": "the year is unknown for every birth",
}
#: Start of the reason given when stratified estimates are shown only for a significant interaction.
STRATIFIED_WHEN_SIGNIFICANT = (
    "stratified estimates are shown only when the interaction is significant"
)


def unstated_words(term: str) -> str:
    """``ethnicity is not stated for any birth`` (or the same for another term)."""
    return _UNSTATED_WORDS.get(term, f"{term} is unknown for every birth")


def join_notes(*notes: str) -> str:
    """Join non-empty notes with '; '."""
    return "; ".join(n for n in notes if n)
