"""Cleaning as the older tests see it: the live births of ``clean_births`` with one flag column per
built-in birth outcome (computed by the registry, as the cells rule does)."""

from __future__ import annotations

import copy

import pandas as pd

from birthgaps.clean import cleaning
from birthgaps.clean.cells import outcome_flag_frame

BIRTH_OUTCOMES = ["preterm", "very_preterm", "lbw", "very_lbw", "term_lbw"]


def clean_births(*args, **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``cleaning.clean_births``, then live births only, with the built-in birth outcome flags."""
    births, flow = cleaning.clean_births(*args, **kwargs)
    flags = outcome_flag_frame(births, BIRTH_OUTCOMES, definitions=kwargs.get("definitions"))
    live = births.join(flags).loc[births["live"]].reset_index(drop=True)
    return live, flow


def birth_outcomes_only(config: dict) -> dict:
    """A copy of ``config`` with the three birth outcomes of releases before issue 12, for tests whose
    extracts carry no maternity columns or linked deaths."""
    config = copy.deepcopy(config)
    config["outcomes"] = ["preterm", "lbw", "term_lbw"]
    config["models"]["outcomes"] = ["preterm", "lbw"]
    return config
