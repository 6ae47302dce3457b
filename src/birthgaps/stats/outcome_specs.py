"""The outcome declarations a stats function works from (given, rebuilt from rule params, or the
built-ins), and the rolling periods of pooled outcomes: one place for both, so rates, comparators
and the definitions table agree on units, small-number rules and periods."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import Outcome, builtin_declarations, from_params, registry
from birthgaps.core.settings import schema_defaults

#: Registry polarity -> the polarity words of ``birthgaps.stats.intervals.compare_with_benchmark``.
POLARITY_WORDS = {"lower_is_better": "low_is_good", "higher_is_better": "high_is_good"}

#: Columns of the published definitions table (``tables/outcomes.csv``), after the label columns.


def resolve_outcomes(
    outcomes: Mapping[str, Outcome] | Iterable[Mapping] | None,
    ids: Iterable[str] = (),
    statistics: Mapping | None = None,
) -> dict[str, Outcome]:
    """The declarations of ``outcomes`` (Outcomes by id, or rule params), or, when None, the
    built-in declarations of ``ids`` with the default thresholds and ``statistics.small_numbers``
    (library use and tests); an id that is not built in stops with InputError."""
    if outcomes is not None:
        if isinstance(outcomes, Mapping):
            return dict(outcomes)
        return from_params(outcomes)
    wanted = list(dict.fromkeys(str(i) for i in ids))
    unknown = [i for i in wanted if i not in builtin_declarations()]
    if unknown:
        raise InputError(
            f"outcome(s) {', '.join(unknown)} are not built in and no declarations were given",
            column="outcome",
            hint="pass the registry (rule params: outcomes=outcome_params(config))",
        )
    config = {
        "outcomes": wanted,
        "definitions": schema_defaults("definitions"),
        "statistics": dict(statistics or {}),
    }
    return registry(config)


def rolling_periods(years: Iterable[int], pool_years: int) -> list[tuple[str, tuple[int, ...]]]:
    """(label, years) of each period of ``pool_years`` consecutive release years, oldest first:
    "2019-2021", "2020-2022", ... (one year each, "2019", when ``pool_years`` is 1). A window is kept
    only when all its years are in the release; none when the release is shorter than a window."""
    present = sorted({int(y) for y in years})
    if pool_years <= 1:
        return [(str(y), (y,)) for y in present]
    out = []
    for start in present:
        window = tuple(range(start, start + pool_years))
        if set(window) <= set(present):
            out.append((f"{window[0]}-{window[-1]}", window))
    return out


def rolling_counts(summed: pd.DataFrame, pooling: Mapping[str, int]) -> pd.DataFrame:
    """``year`` rows of counts (area_code, outcome, dimension, group = the year, events,
    denominator) with each pooled outcome's (``pooling``: outcome -> years per period) single years
    replaced by its rolling periods, counts summed over the period's years."""
    pooled = [o for o, n in pooling.items() if n > 1]
    rolled = summed["outcome"].isin(pooled)
    if not rolled.any():
        return summed
    years = sorted({int(g) for g in summed["group"]})
    frames = [summed[~rolled]]
    keys = ["area_code", "outcome", "dimension"]
    for outcome in pooled:
        part = summed[summed["outcome"] == outcome]
        for label, window in rolling_periods(years, pooling[outcome]):
            inside = part[part["group"].astype(int).isin(window)]
            period = inside.groupby(keys, sort=True)[["events", "denominator"]].sum()
            frames.append(period.reset_index().assign(group=label)[summed.columns])
    return pd.concat(frames, ignore_index=True)
