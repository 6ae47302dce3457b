"""The config's ``models:`` block read once: the defaults of its optional keys and their checks.

A ``models:`` mapping enters :func:`model_settings`; a :class:`Settings` (or an InputError)
leaves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from birthgaps.core.errors import InputError
from birthgaps.core.settings import schema_defaults

#: The schema's defaults of ``models:`` and ``models.interaction`` (the one place they are written),
#: for callers that hold a hand-built ``models:`` mapping rather than a loaded config.
SCHEMA_DEFAULTS = schema_defaults("models")
INTERACTION_DEFAULTS = schema_defaults("models", "interaction")
DEFAULT_P_THRESHOLD: float = INTERACTION_DEFAULTS["p_threshold"]
STRATIFIED_CHOICES: tuple[str, ...] = ("always", "when_significant")
#: Conditional defaults, which a JSON Schema ``default`` cannot say: the interaction and the excess
#: explained apply by default only when the model has these terms (an explicit setting that does
#: not fit the model stops the run instead), so they are not filled at load.
DEFAULT_INTERACTION_TERMS: tuple[str, str] = ("imd_quintile", "ethnic_group")
DEFAULT_EXCESS_EXPOSURE = "ethnic_group"
#: What a fitted model does when a configured reference level is too sparse (fewer than
#: ``min_events`` events or non-events), absent, or withheld in the published rates table
#: (docs/models.md, "Sparse reference levels"): ``nearest`` uses the nearest usable level instead
#: (ordered terms) or the usable level with most births (ethnic group); ``none`` blanks that term's
#: rows only. Either way the other terms keep their estimates.
REFERENCE_FALLBACKS: tuple[str, ...] = ("nearest", "none")
DEFAULT_REFERENCE_FALLBACK: str = SCHEMA_DEFAULTS["reference_fallback"]


DEFAULT_EXPLAINED_BY: tuple[str, ...] = ("imd_quintile",)


def check_excess(
    terms: Sequence[str], exposure: str, explained_by: Sequence[str], *, explicit: bool
) -> bool:
    """Whether the excess-explained comparison applies; an explicit bad setting is an InputError."""
    ok = (
        exposure in terms
        and len(explained_by) > 0
        and all(t in terms for t in explained_by)
        and exposure not in explained_by
    )
    if not ok and explicit:
        raise InputError(
            f"excess explained needs an exposure ({exposure!r}) and explaining terms "
            f"({list(explained_by)}) that are different terms of the adjusted model",
            key="models.excess_explained",
            hint=f"choose among {list(terms)}",
        )
    return ok


@dataclass
class Settings:
    """The config's ``models:`` block with the defaults of its optional keys filled in."""

    outcomes: list[str]
    exposures: list[str]
    adjust_for: list[str]
    reference: dict[str, Any]
    min_events: int
    pair: tuple[str, str] | None
    p_threshold: float
    fallback: str
    stratified: str
    exposure: str | None
    explained_by: list[str]


def model_settings(model_config: dict) -> Settings:
    """Read ``models:``; an interaction or excess setting that does not fit the model stops the run."""
    if "outcomes" not in model_config:
        # its default (the enabled outcomes declared ``modelled: true``) needs the whole config:
        # core.settings.validate_config fills it; a bare ``models:`` mapping cannot
        raise InputError(
            "models.outcomes is not set: the models need the outcomes they fit",
            key="models.outcomes",
            hint="pass the models: block of a validated config (core.settings.validate_config "
            "fills it with the enabled outcomes declared `modelled: true`), or list them",
        )
    exposures = list(model_config["exposures"])
    model_config = {**SCHEMA_DEFAULTS, **model_config}
    adjust_for = list(model_config["adjust_for"])
    terms = list(dict.fromkeys([*exposures, *adjust_for]))
    inter = {**INTERACTION_DEFAULTS, **(model_config.get("interaction") or {})}
    stratified = str(inter["stratified"])
    fallback = str(model_config["reference_fallback"])
    if fallback not in REFERENCE_FALLBACKS:
        raise InputError(
            f"models.reference_fallback must be one of {list(REFERENCE_FALLBACKS)}",
            key="models.reference_fallback",
        )
    if stratified not in STRATIFIED_CHOICES:
        raise InputError(
            f"models.interaction.stratified must be one of {list(STRATIFIED_CHOICES)}",
            key="models.interaction.stratified",
        )
    pair: tuple[str, str] | None = None
    if "terms" in inter:
        given = [str(t) for t in inter["terms"]]
        if len(given) != 2 or given[0] == given[1] or any(t not in terms for t in given):
            raise InputError(
                f"the interaction needs two different terms of the adjusted model, got {given}",
                key="models.interaction.terms",
                hint=f"choose two of {terms}",
            )
        pair = (given[0], given[1])
    elif all(t in terms for t in DEFAULT_INTERACTION_TERMS):
        pair = DEFAULT_INTERACTION_TERMS
    excess = model_config.get("excess_explained") or {}
    exposure = str(excess.get("exposure", DEFAULT_EXCESS_EXPOSURE))
    explained_by = [str(t) for t in excess.get("explained_by", DEFAULT_EXPLAINED_BY)]
    if not check_excess(terms, exposure, explained_by, explicit=bool(excess)):
        exposure_or_none = None
    else:
        exposure_or_none = exposure
    return Settings(
        outcomes=list(model_config["outcomes"]),
        exposures=exposures,
        adjust_for=adjust_for,
        reference=dict(model_config["reference"]),
        min_events=int(model_config["min_events"]),
        pair=pair,
        p_threshold=float(inter["p_threshold"]),
        fallback=fallback,
        stratified=stratified,
        exposure=exposure_or_none,
        explained_by=explained_by,
    )
