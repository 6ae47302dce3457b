"""The indicator tables' view of the outcome registry: each outcome's multiplier, unit, pooling and
Fingertips polarity, from a rule's declarations (``outcomes`` params) or else the built-ins, so trends,
inequality measures and funnels are stated in the outcome's own unit and never assume a percentage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import (
    DENOMINATORS,
    MEASURES,
    POOLINGS,
    Outcome,
    builtin_declarations,
    from_params,
)

#: Registry polarity -> the Fingertips polarity words of ``birthgaps.stats.intervals``.
FINGERTIPS_POLARITY = {"lower_is_better": "low_is_good", "higher_is_better": "high_is_good"}


@dataclass(frozen=True)
class IndicatorOutcome:
    """What the indicator tables need to know of one outcome."""

    id: str
    measure: str  # "percent" or "per_1000"
    denominator: str  # "live_births", "total_births" or "maternities"
    polarity: str  # "lower_is_better" or "higher_is_better"
    pooling: str  # "single_year" or "rolling_3"
    min_events: int | None = None  # no value from fewer events (None: statistics.small_numbers)
    unreliable_below: int | None = None  # flagged "u" below this (None: statistics.small_numbers)

    @property
    def multiplier(self) -> int:
        """100 for a percentage, 1,000 for a rate per 1,000."""
        return MEASURES[self.measure][0]

    @property
    def unit(self) -> str:
        """The unit after a value: "%" or "per 1,000"."""
        return MEASURES[self.measure][1]

    @property
    def difference_unit(self) -> str:
        """The unit of a difference between two values: "percentage points" or "per 1,000 live births"."""
        if self.measure == "percent":
            return "percentage points"
        return f"per 1,000 {DENOMINATORS[self.denominator]}"

    @property
    def pool_years(self) -> int:
        """Years pooled in each period of an area's yearly breakdown (1 or 3)."""
        return POOLINGS[self.pooling]

    @property
    def is_rate(self) -> bool:
        """True for a rate per 1,000 (Poisson methods), False for a percentage (binomial)."""
        return self.measure != "percent"

    def small_numbers(self, defaults: Mapping) -> tuple[int, int]:
        """(min_events, unreliable_below): the outcome's own, else ``statistics.small_numbers``."""
        low = self.min_events if self.min_events is not None else defaults["min_events"]
        high = (
            self.unreliable_below
            if self.unreliable_below is not None
            else defaults["unreliable_below"]
        )
        return int(low), int(high)

    @property
    def fingertips_polarity(self) -> str:
        """``low_is_good`` or ``high_is_good`` (Fingertips trend and comparison wording)."""
        return FINGERTIPS_POLARITY[self.polarity]


def _from_outcome(outcome: Outcome) -> IndicatorOutcome:
    return IndicatorOutcome(
        outcome.id,
        outcome.measure,
        outcome.denominator,
        outcome.polarity,
        outcome.pooling,
        outcome.min_events,
        outcome.unreliable_below,
    )


def indicator_outcomes(
    ids: Iterable[str], outcomes: Mapping[str, Outcome] | Iterable[Mapping] | None = None
) -> dict[str, IndicatorOutcome]:
    """The :class:`IndicatorOutcome` of each outcome id in a table.

    ``outcomes`` is the registry (id -> ``Outcome``) or a rule's ``outcomes`` params (a list of
    ``Outcome.as_params`` dicts). An id it does not declare is looked up among the built-ins; an id
    that is neither stops with an InputError (its unit would otherwise be guessed).
    """
    if outcomes is not None and not isinstance(outcomes, Mapping):
        outcomes = from_params(outcomes)
    declared = dict(outcomes or {})
    builtins = builtin_declarations()
    out: dict[str, IndicatorOutcome] = {}
    for outcome_id in dict.fromkeys(str(i) for i in ids):
        if outcome_id in declared:
            out[outcome_id] = _from_outcome(declared[outcome_id])
        elif outcome_id in builtins:
            fields = builtins[outcome_id]
            small = fields.get("small_numbers") or {}
            out[outcome_id] = IndicatorOutcome(
                outcome_id,
                fields["measure"],
                fields["denominator"],
                fields.get("polarity", "lower_is_better"),
                fields.get("pooling", "single_year"),
                small.get("min_events"),
                small.get("unreliable_below"),
            )
        else:
            raise InputError(
                f"outcome `{outcome_id}` is in the table but not declared, so its unit is unknown",
                column="outcome",
                key="outcomes",
                hint="pass the rule's outcomes (params outcomes=outcome_params(config))",
            )
    return out
