"""The key messages on the first page of an area's appendix: 5 to 8 plain-English sentences for
councillors, written from the published tables with the tables' own significance rules.

In: ``AppendixInputs`` (and, optionally, the previous release's published rates). Out: a
``Section`` of Markdown sentences, each ending in a link to the section that holds its evidence
(ids in ``SECTION_ANCHORS``). A comparison word comes only from the table that shows it: "more
than" / "fewer than" / "similar to" the benchmark from the rates table's ``comparison`` column
(Fingertips rule), "rose" / "fell" from the trends table's ``direction``, a gap between groups
only when the two 95% intervals do not overlap (``findings.compare_intervals``, as the headline
findings and chart titles). Numbers are natural frequencies ("about 1 in 9"); when two values
differ but round to the same "1 in N", whole percentages are written instead ("8% against 7%"),
and when even those tie, no numbers are given ("a little more than"), so the words never
contradict the numbers. No confidence intervals, ratios, indices or decimals appear; a value
that is suppressed or unreliable (``reliability`` "u" or "x") never becomes a finding: the
message says there were too few births to say. ``comparisons_note`` (item 7 of issue 11) says
how many comparisons a section makes and how to read one flagged result among many.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.appendix import comparisons, frames
from birthgaps.appendix.blocks import Section, Sentences, markdown_escape
from birthgaps.appendix.findings import DEFAULT_REFERENCE
from birthgaps.appendix.inputs import AppendixInputs, read_changes, read_rates
from birthgaps.appendix.message_words import LEAD_MORTALITY as LEAD_MORTALITY
from birthgaps.appendix.message_words import MAX_MESSAGES as MAX_MESSAGES
from birthgaps.appendix.message_words import MIN_MESSAGES as MIN_MESSAGES
from birthgaps.appendix.message_words import SECTION_ANCHORS as SECTION_ANCHORS
from birthgaps.appendix.message_words import SECTION_LINK_TEXT as SECTION_LINK_TEXT
from birthgaps.appendix.message_words import babies_subject as babies_subject
from birthgaps.appendix.message_words import cap as cap
from birthgaps.appendix.message_words import comparison_word as comparison_word
from birthgaps.appendix.message_words import direction_of as direction_of
from birthgaps.appendix.message_words import number_pair as number_pair
from birthgaps.appendix.message_words import often as often
from birthgaps.appendix.message_words import often_all as often_all
from birthgaps.appendix.message_words import one_row as one_row
from birthgaps.appendix.message_words import order_of as order_of
from birthgaps.appendix.message_words import outcome_words as outcome_words
from birthgaps.appendix.message_words import per_thousand as per_thousand
from birthgaps.appendix.message_words import plain_text as plain_text
from birthgaps.appendix.message_words import reliable_rows as reliable_rows
from birthgaps.appendix.message_words import see as see
from birthgaps.appendix.message_words import value_of as value_of
from birthgaps.appendix.message_words import were as were
from birthgaps.appendix.message_words import who as who
from birthgaps.appendix.message_words import who_short as who_short
from birthgaps.appendix.wording import (
    group_phrase,
    join_words,
    lower_first,
    natural_frequency,
    whole_percent,
)
from birthgaps.core import labels
from birthgaps.core.codes import IMD_QUINTILES, NOT_STATED, UNKNOWN


@dataclass(frozen=True)
class PreviousRelease:
    """The release before this one (``releases.<name>.previous``): its label and published rates."""

    label: str
    rates: pd.DataFrame
    #: this release's changes table (``tables/changes.csv``), when the template passes it
    changes: pd.DataFrame | None = None


def load_previous(
    rates_csv: str | Path | None, label: str, changes_csv: str | Path | None = None
) -> PreviousRelease | None:
    """The previous release (``releases.<name>.previous``) from its published rates table
    (``results/<previous>/published/tables/rates.csv``), read and checked as this release's
    (``inputs.read_rates``: an ``InputError`` naming the file when it is missing or malformed),
    with this release's changes table when ``changes_csv`` is given; None when no path is given."""
    if rates_csv is None or not str(rates_csv).strip():
        return None
    changes = None
    if changes_csv is not None and str(changes_csv).strip():
        changes = read_changes(changes_csv)
    return PreviousRelease(label, read_rates(rates_csv), changes)


# ---------------------------------------------------------------------------------------------
# (a) the level against the benchmark
# ---------------------------------------------------------------------------------------------


def events_noun(outcome: str) -> str:
    """What a rate per 1,000 counts, in words: ``infant deaths``, ``stillbirths``."""
    label = labels.outcome_words(outcome).label.lower()
    if label.endswith(" mortality"):
        return label.removesuffix(" mortality") + " deaths"
    if label.endswith(" rate"):
        return label.removesuffix(" rate") + "s"
    return label


def latest_period_row(inputs: AppendixInputs, outcome: str) -> pd.Series | None:
    """The latest pooled period's row (``2022-2024``) of an outcome published in rolling periods,
    when reliable; None for an outcome in single years."""
    if labels.outcome_words(outcome).pooling != "rolling_3":
        return None
    rows = reliable_rows(inputs.rates, inputs.area_code, outcome, "year")
    if rows.empty:
        return None
    ends = frames.period_end(rows["group"])
    return rows.loc[ends.idxmax()] if ends.notna().any() else None


def rate_message(inputs: AppendixInputs, outcome: str) -> str:
    """``55 babies in <area> died before their first birthday in 2022–2024: 7.9 per 1,000 live
    births, more than in England (4.2 per 1,000)`` for a rate per 1,000 (the latest pooled period
    when there is one)."""
    area = markdown_escape(inputs.area_name)
    short = outcome_words(outcome)[0]
    row = latest_period_row(inputs, outcome)
    when = f" in {row['group']}".replace("-", "–") if row is not None else ""
    if row is None:
        row = one_row(reliable_rows(inputs.rates, inputs.area_code, outcome, "overall"), "All")
        when = f" in {inputs.period}" if inputs.period else ""
    if row is None:
        return f"There were too few {events_noun(outcome)} in {area} to give a rate{see('trends')}."
    word = comparison_word(row.get("comparison"))
    benchmark = pd.to_numeric(row.get("benchmark"), errors="coerce") if word else np.nan
    direction = {"more": 1, "fewer": -1}.get(word or "", 0)
    pair = (
        number_pair(value_of(row), float(benchmark), direction, outcome)
        if np.isfinite(benchmark)
        else None
    )
    value = pair[0] if pair else per_thousand(value_of(row))
    events = pd.to_numeric(row.get("events"), errors="coerce")
    count = f"{int(events):,}" if pd.notna(events) else "Some"
    denominator = labels.outcome_words(outcome).denominator
    text = f"{count} {who(outcome)} in {area} {were(short)}{short}{when}: {value} {denominator}"
    if word:
        phrase = {"more": "more than in", "fewer": "fewer than in", "similar": "similar to"}[word]
        bench = markdown_escape(frames.benchmark_label_of(inputs.rates, outcome, inputs.area_code))
        text += f", {phrase} {bench}" + (f" ({pair[1]})" if pair else "")
    return text + see("trends") + "."


def level_message(inputs: AppendixInputs, outcome: str) -> str:
    """``About 1 in 9 babies in <area> were born before 37 weeks in <period>, more than in
    England (about 1 in 13)`` with its link; "too few births to say" when the value is withheld.
    A rate per 1,000 is given as a count and a rate (``rate_message``)."""
    if labels.outcome_words(outcome).per_1000:
        return rate_message(inputs, outcome)
    short, detail = outcome_words(outcome)
    people = who(outcome)
    area = markdown_escape(inputs.area_name)
    row = one_row(reliable_rows(inputs.rates, inputs.area_code, outcome, "overall"), "All")
    if row is None:
        return (
            f"There were too few births in {area} to say how often {people} "
            f"{were(short)}{short}{see('trends')}."
        )
    bench = markdown_escape(frames.benchmark_label_of(inputs.rates, outcome, inputs.area_code))
    word = comparison_word(row.get("comparison"))
    benchmark = pd.to_numeric(row.get("benchmark"), errors="coerce") if word else np.nan
    direction = {"more": 1, "fewer": -1}.get(word or "", 0)
    pair = (
        number_pair(value_of(row), float(benchmark), direction) if np.isfinite(benchmark) else None
    )
    # the two values tie even as whole percentages: the area's number only, and "a little"
    tied = pair is None and direction != 0 and np.isfinite(benchmark)
    subject, verb = babies_subject(pair[0] if pair else natural_frequency(value_of(row)), people)
    when = f" in {inputs.period}" if inputs.period else ""
    what = f"{short} ({detail})" if detail else short
    verb = verb if were(short) else ""
    text = f"{cap(subject)} in {area} {verb}{' ' if verb else ''}{what}{when}"
    if word:
        phrase = {"more": "more than in", "fewer": "fewer than in", "similar": "similar to"}[word]
        if pair is None:
            text += f", {'a little ' if tied else ''}{phrase} {bench}"
        elif "(" in bench:
            text += f", {phrase} {bench}, {pair[1]}"
        else:
            text += f", {phrase} {bench} ({pair[1]})"
    return text + see("trends") + "."


# ---------------------------------------------------------------------------------------------
# (b) the trend, (c) the deprivation gap, (d) the ethnic groups: one finding per outcome, which
# a sentence may give for one outcome or several
# ---------------------------------------------------------------------------------------------


def trend_verdict(inputs: AppendixInputs, outcome: str) -> tuple[str, str] | None:
    """(verb, window) of the area's recent trend: ``rose`` / ``fell`` / ``did not clearly
    change`` (the trends table's ``direction``), window ``2020 and 2024``; None when not known."""
    trends = inputs.trends
    if trends.empty:
        return None
    row = frames.trend_row(trends, inputs.area_code, outcome)
    if row is None:
        return None
    verb = {
        "increasing": "rose",
        "decreasing": "fell",
        "no significant change": "did not clearly change",
    }.get(frames.cell_text(row["direction"]))
    first = pd.to_numeric(row["first_year"], errors="coerce")
    last = pd.to_numeric(row["last_year"], errors="coerce")
    if verb is None or pd.isna(first) or pd.isna(last):
        return None
    return verb, f"{int(first)} and {int(last)}"


def trend_message(inputs: AppendixInputs, outcomes: list[str]) -> str:
    """One sentence on the recent trend of ``outcomes`` (grouped by verdict)."""
    known: dict[tuple[str, str], list[str]] = {}
    unknown = []
    for outcome in outcomes:
        verdict = trend_verdict(inputs, outcome)
        short = who_short(outcome)
        if verdict is None:
            unknown.append(short)
        else:
            known.setdefault(verdict, []).append(short)
    clauses = []
    windows = {w for _, w in known}
    for (verb, window), shorts in known.items():
        span = f" between {window}" if len(windows) > 1 or not clauses else ""
        if len(shorts) == 1:
            clauses.append(f"the share of babies {shorts[0]} {verb}{span}")
        else:
            clauses.append(f"the shares of babies {join_words(shorts)} each {verb}{span}")
    if unknown:
        clauses.append(
            f"there were too few births or years to tell if the share of babies "
            f"{_or(unknown)} is going up or down"
        )
    return cap("; ".join(clauses)) + see("trends") + "."


def _or(items: list[str]) -> str:
    return join_words(items).replace(" and ", " or ")


def deprivation_gap(inputs: AppendixInputs, outcome: str) -> tuple[int, tuple] | None:
    """Direction of the gap between the most and least deprived fifths (+1 the most deprived
    higher, -1 lower, 0 no clear gap; ``compare_intervals``) and the two percentages; None when
    either value is withheld or unreliable."""
    rows = reliable_rows(inputs.rates, inputs.area_code, outcome, "imd_quintile")
    most, least = one_row(rows, IMD_QUINTILES[0]), one_row(rows, IMD_QUINTILES[-1])
    if most is None or least is None:
        return None
    return direction_of(most, least), (value_of(most), value_of(least))


def deprivation_message(inputs: AppendixInputs, outcomes: list[str]) -> str:
    """One sentence on the gap between the most and least deprived fifths of neighbourhoods;
    with one outcome it gives the two values as natural frequencies."""
    groups: dict[int | None, list[str]] = {}
    gaps = {}
    for outcome in outcomes:
        gap = deprivation_gap(inputs, outcome)
        gaps[outcome] = gap
        groups.setdefault(None if gap is None else gap[0], []).append(outcome)
    clauses = []
    for key in (1, -1, 0, None):
        ids = groups.get(key)
        if not ids:
            continue
        shorts = [who_short(o) for o in ids]
        if key in (1, -1):
            how = "more" if key == 1 else "less"
            clause = (
                f"babies in the most deprived fifth of neighbourhoods "
                f"{often_all(how, ids)} than those in the least deprived fifth"
            )
            if len(outcomes) == 1:
                pair = number_pair(*gaps[outcomes[0]][1], key, outcomes[0])
                if pair:
                    clause += f" ({pair[0]} against {pair[1]})"
            clauses.append(clause)
        elif key == 0:
            clauses.append(
                "there was no clear gap between the most and least deprived fifths of "
                f"neighbourhoods in how often babies {_or([were(outcome_words(o)[0]) + outcome_words(o)[0] for o in ids])}"
            )
        else:
            clauses.append(
                "there were too few births to compare the most and least deprived fifths "
                f"for babies {_or(shorts)}"
            )
    return cap("; ".join(clauses)) + see("deprivation") + "."


def ethnic_gaps(inputs: AppendixInputs, outcome: str) -> tuple[list[str], list[str]] | None:
    """Ethnic groups whose rate is clearly higher and clearly lower than the reference group's
    (``findings.DEFAULT_REFERENCE``, White), in publication order (so that outcomes with the same
    groups share a clause); None when the reference is withheld.
    Groups withheld, unreliable, not stated or unknown are never named."""
    rows = reliable_rows(inputs.rates, inputs.area_code, outcome, "ethnic_group")
    reference = DEFAULT_REFERENCE["ethnic_group"]
    ref = one_row(rows, reference)
    if ref is None:
        return None
    higher, lower = [], []
    for _, row in rows.iterrows():
        if row["group"] in (reference, NOT_STATED, UNKNOWN):
            continue
        direction = direction_of(row, ref)
        if direction:
            (higher if direction > 0 else lower).append(str(row["group"]))
    return frames.order_groups("ethnic_group", higher), frames.order_groups("ethnic_group", lower)


def ethnic_message(inputs: AppendixInputs, outcomes: list[str]) -> str:
    """One sentence on which ethnic groups' babies were clearly more (or less) often born early or
    small than White mothers' babies; outcomes with the same groups share a clause."""
    reference = group_phrase("ethnic_group", [DEFAULT_REFERENCE["ethnic_group"]])
    found: dict[object, list[str]] = {}
    for outcome in outcomes:
        gaps = ethnic_gaps(inputs, outcome)
        key = None if gaps is None else (tuple(gaps[0]), tuple(gaps[1]))
        found.setdefault(key, []).append(outcome)
    gaps, others = [], []
    for key, ids in found.items():
        shorts = [who_short(o) for o in ids]
        if key is None:
            others.append(f"there were too few births to compare groups for babies {_or(shorts)}")
        elif not key[0] and not key[1]:
            others.append(f"no group clearly differed for babies {_or(shorts)}")
        else:
            higher, lower = key
            parts = [
                f"babies of {group_phrase('ethnic_group', list(groups))} {often_all(how, ids)}"
                for groups, how in ((higher, "more"), (lower, "less"))
                if groups
            ]
            gaps.append(", and ".join(parts))
    if not gaps:
        if len(found) == 1 and next(iter(found)) is not None:
            ids = next(iter(found.values()))
            doing = _or([were(outcome_words(o)[0]) + outcome_words(o)[0] for o in ids])
            return (
                f"There was no clear gap between babies of {reference} and of other ethnic groups "
                f"in how often they {doing}" + see("ethnicity") + "."
            )
        return cap("; ".join(others)) + see("ethnicity") + "."
    return (
        f"Compared with babies of {reference}, " + "; ".join(gaps + others) + see("ethnicity") + "."
    )


# ---------------------------------------------------------------------------------------------
# (e) what is new since the last release, and how to read the words
# ---------------------------------------------------------------------------------------------


def _years(rates: pd.DataFrame, area_code: str) -> set[int]:
    mask = (rates["area_code"].astype("string") == str(area_code)) & (
        rates["dimension"].astype("string") == "year"
    )
    years = pd.to_numeric(rates.loc[mask.fillna(False).astype(bool), "group"], errors="coerce")
    return {int(y) for y in years.dropna()}


def _level_word(rates: pd.DataFrame, area_code: str, outcome: str) -> str | None:
    row = one_row(reliable_rows(rates, area_code, outcome, "overall"), "All")
    return None if row is None else comparison_word(row.get("comparison"))


def new_message(inputs: AppendixInputs, previous: PreviousRelease | None) -> str | None:
    """What is new since the last release: the years added and each outcome whose comparison with
    the benchmark changed; None without a previous release (or when the area was not in it)."""
    if previous is None or previous.rates.empty:
        return None
    old = previous.rates
    if not (old["area_code"].astype("string") == str(inputs.area_code)).any():
        return None
    added = sorted(_years(inputs.rates, inputs.area_code) - _years(old, inputs.area_code))
    bench = frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
    same_benchmark = frames.benchmark_label_of(old, area_code=inputs.area_code) == bench
    changes = []
    for outcome in inputs.outcomes if same_benchmark else []:
        now = _level_word(inputs.rates, inputs.area_code, outcome)
        then = _level_word(old, inputs.area_code, outcome)
        if now and then and now != then:
            words = {"more": "higher than in", "fewer": "lower than in", "similar": "similar to"}
            changes.append(
                f"the share of babies {who_short(outcome)} is now {words[now]} "
                f"{markdown_escape(bench)} (it was {then.replace('more', 'higher').replace('fewer', 'lower')} before)"
            )
    parts = []
    if added:
        parts.append(f"this release adds births in {join_words([str(y) for y in added])}")
    revised = revised_count(previous.changes, inputs.area_code)
    if revised is not None:
        parts.append(
            "no earlier figure was revised"
            if revised == 0
            else f"{revised} earlier figure{'s were' if revised > 1 else ' was'} revised "
            "(marked [r] in the workbook)"
        )
    parts += changes
    if not changes:
        parts.append(
            f"the comparison with {markdown_escape(bench)} has not changed"
            if same_benchmark
            else f"it compares with {markdown_escape(bench)}, not {markdown_escape(frames.benchmark_label_of(old, area_code=inputs.area_code))}"
        )
    label = markdown_escape(previous.label)
    return f"Since the last release ({label}), {join_words(parts)}{see('trends')}."


def revised_count(changes: pd.DataFrame | None, area_code: str) -> int | None:
    """How many of the area's published rates (values) the changes table marks revised; None
    without a changes table."""
    if changes is None:
        return None
    rows = (
        (changes["change"] == "revised")
        & (changes["table"] == "rates")
        & (changes["figure"] == "value")
        & (changes["area_code"].astype(str) == str(area_code))
    )
    return int(rows.sum())


def reading_message() -> str:
    """How to read the words: more, fewer, rose, fell and gap only when chance alone is unlikely."""
    return (
        "We say more, fewer, rose, fell or gap only when a difference is too big to be put "
        "down to chance; similar or no clear gap means it could be chance" + see("methods") + "."
    )


# ---------------------------------------------------------------------------------------------
# the messages, always 5 to 8
# ---------------------------------------------------------------------------------------------


def merged_topics(n_outcomes: int, n_fixed: int) -> set[int]:
    """The topics (0 level, 1 trend, 2 deprivation, 3 ethnic groups) given as one sentence for
    all outcomes rather than one per outcome: trend first, then deprivation, ethnic groups and,
    with four or more outcomes, the levels, until the count is at most ``MAX_MESSAGES``."""
    merged: set[int] = set()
    for topic in (1, 2, 3, 0):
        if sum(1 if t in merged else n_outcomes for t in range(4)) + n_fixed <= MAX_MESSAGES:
            break
        merged.add(topic)
    return merged


def message_list(inputs: AppendixInputs, previous: PreviousRelease | None = None) -> list[str]:
    """The key messages as Markdown sentences, in order: level against the benchmark, trend,
    deprivation gap, ethnic groups (each per outcome, or one sentence for all outcomes when that
    keeps the count at most 8: ``merged_topics``), what is new since ``previous``, and how to read
    the words. One to three outcomes always give 5 to 8 messages."""
    outcomes = lead_outcomes(inputs.outcomes)
    maternity = [o for o in inputs.outcomes if labels.outcome_words(o).group == "maternity"]
    if not outcomes and not maternity:
        return ["No key messages can be given: the published tables hold no outcome for this area."]
    area = inputs.rates["area_code"].astype("string") == str(inputs.area_code)
    inputs = replace(inputs, rates=inputs.rates.loc[area.fillna(False).astype(bool)])
    fixed = [
        m
        for m in (
            maternity_message(inputs, maternity),
            new_message(inputs, previous),
            reading_message(),
        )
        if m
    ]
    merged = merged_topics(len(outcomes), len(fixed))
    topics = [
        lambda os: (
            [level_message(inputs, o) for o in os] if len(os) == 1 else [_merged_levels(inputs, os)]
        ),
        lambda os: [trend_message(inputs, os)],
        lambda os: [deprivation_message(inputs, os)],
        lambda os: [ethnic_message(inputs, os)],
    ]
    messages = []
    for topic, make in enumerate(topics):
        if topic in merged:
            messages += make(outcomes)
        else:
            messages += [m for o in outcomes for m in make([o])]
    return messages + fixed


def lead_outcomes(outcomes: list[str]) -> list[str]:
    """The outcomes the key messages take one by one: infant mortality first when published
    (``LEAD_MORTALITY``), then the modelled birth outcomes (preterm birth and low birth weight in
    the demo; every birth outcome when none is modelled), in config order. The other outcomes are
    in the annex, the maternity indicators in one message of their own."""
    lead = [o for o in outcomes if o == LEAD_MORTALITY]
    births = [o for o in outcomes if labels.outcome_words(o).group == "birth_outcomes"]
    modelled = [o for o in births if labels.outcome_words(o).modelled]
    return lead + (modelled or births)


def maternity_message(inputs: AppendixInputs, outcomes: list[str]) -> str | None:
    """One sentence on the maternity indicators against the benchmark (its comparison words):
    ``Mothers in <area> were more often delivered by emergency caesarean than in England; there was
    no clear difference in how often mothers were smoking when they gave birth``; None without any."""
    if not outcomes:
        return None
    found: dict[str | None, list[str]] = {}
    for outcome in outcomes:
        row = one_row(reliable_rows(inputs.rates, inputs.area_code, outcome, "overall"), "All")
        word = None if row is None else comparison_word(row.get("comparison"))
        if row is not None and word is None:
            word = "not compared"  # a rate with no England (benchmark) figure to set it against
        found.setdefault(word, []).append(outcome)
    bench = markdown_escape(frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code))
    area = markdown_escape(inputs.area_name)
    clauses = []
    for word, how in (("more", "more"), ("fewer", "less")):
        if found.get(word):
            subject = "they" if clauses else f"mothers in {area}"
            clauses.append(f"{subject} {often_all(how, found[word])} than in {bench}")
    if found.get("similar"):
        doing = _or([were(outcome_words(o)[0]) + outcome_words(o)[0] for o in found["similar"]])
        clauses.append(f"there was no clear difference from {bench} in how often mothers {doing}")
    if found.get("not compared"):
        shares = []
        for o in found["not compared"]:
            rows = reliable_rows(inputs.rates, inputs.area_code, o, "overall")
            short = outcome_words(o)[0]
            shares.append(f"{whole_percent(value_of(one_row(rows, 'All')))} {were(short)}{short}")
        # the benchmark's name (England, a region) as a word before "figure"
        name = "benchmark" if bench == "the benchmark" else bench
        these = "this" if len(shares) == 1 else "these"
        clauses.append(
            f"of mothers in {area}, {join_words(shares)}; there is no {name} figure to compare "
            f"{these} with"
        )
    if found.get(None):
        clauses.append(
            f"there were too few mothers to compare for mothers {_or([who_short(o) for o in found[None]])}"
        )
    return cap("; ".join(clauses)) + see("maternity") + "."


def _merged_levels(inputs: AppendixInputs, outcomes: list[str]) -> str:
    """The level messages of many outcomes (four or more) as one sentence."""
    parts = [level_message(inputs, o) for o in outcomes]
    link = see("trends")
    bodies = [p.removesuffix(link + ".") for p in parts]
    place = f" in {markdown_escape(inputs.area_name)}"
    when = f" in {inputs.period}" if inputs.period else ""
    bodies[1:] = [b.replace(place, "", 1).replace(when, "", 1) for b in bodies[1:]]
    return "; ".join(bodies[:1] + [lower_first(b) for b in bodies[1:]]) + link + "."


def key_messages(inputs: AppendixInputs, previous: PreviousRelease | None = None) -> Section:
    """The 'Key messages' section: 5 to 8 plain sentences (``message_list``) as a Markdown list."""
    return Section("Key messages", 2, [Sentences(message_list(inputs, previous), markdown=True)])


def comparisons_note(inputs: AppendixInputs, section: str) -> Sentences:
    """How many comparisons ``section`` makes and how to read one flagged result among many
    (``comparisons.comparisons_note``)."""
    return comparisons.comparisons_note(inputs, section)
