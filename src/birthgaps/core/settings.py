"""Configuration: a YAML file in, the validated config with every schema default filled out (and the previous
release's file paths)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import jsonschema
import yaml

from birthgaps.core.catalogue import MODEL_OUTPUTS
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import registry

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


def _key_path(error: jsonschema.ValidationError) -> str:
    """Dotted config key of a schema error, e.g. ``models.reference.ethnic_group``."""
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _fills_itself(schema: dict) -> bool:
    """An optional object block that can be made whole from defaults alone (no required key)."""
    return (
        schema.get("type") == "object"
        and not schema.get("required")
        and any(
            "default" in sub or _fills_itself(sub) for sub in schema.get("properties", {}).values()
        )
    )


def fill_defaults(instance: dict, schema: dict) -> dict:
    """Set every key the schema gives a ``default`` and the instance lacks, at every depth (in place).

    An absent optional block whose keys all have defaults is added whole (e.g. ``statistics``), so code
    reads ``config["statistics"]["trend"]["points"]`` and never codes a default again.
    """
    for key, sub in schema.get("properties", {}).items():
        if key not in instance:
            if "default" in sub:
                instance[key] = copy.deepcopy(sub["default"])
            elif _fills_itself(sub):
                instance[key] = {}
        if isinstance(instance.get(key), dict):
            fill_defaults(instance[key], sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in schema.get("properties", {}) and isinstance(value, dict):
                fill_defaults(value, extra)
    return instance


@functools.cache
def _schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def schema_defaults(*path: str) -> dict:
    """The defaults the config schema gives the block at ``path`` (``"*"`` for any entry of a mapping,
    e.g. ``("releases", "*")``): a new dict, for callers that hold no loaded config (tests, tools)."""
    schema = _schema()
    for key in path:
        schema = schema["additionalProperties"] if key == "*" else schema["properties"][key]
    return fill_defaults({}, schema)


#: Named disclosure rule sets: thresholds that fill any key the config does not give.
DISCLOSURE_RULE_SETS: dict[str, dict[str, int]] = {
    "nhs_england": {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5},
    "ons_births": {"suppress_min": 1, "suppress_max": 2, "rounding_base": 1},
}


def resolve_disclosure(config: dict) -> dict:
    """Fill ``disclosure`` from its named rule set (the schema's default names one); ``custom`` needs every key."""
    rules = config["disclosure"]
    name = rules["rule_set"]
    if name == "custom":
        missing = [k for k in ("suppress_min", "suppress_max", "rounding_base") if k not in rules]
        if missing:
            raise InputError(
                f"a custom disclosure rule set needs {', '.join(missing)}", key="disclosure"
            )
    else:
        for key, value in DISCLOSURE_RULE_SETS[name].items():
            rules.setdefault(key, value)
    if rules["suppress_max"] < rules["suppress_min"] - 1:
        raise InputError("suppress_max is below suppress_min", key="disclosure.suppress_max")
    return rules


def default_disclosure() -> dict:
    """The disclosure rules a config gets when it names none: the schema's default rule set, resolved."""
    return resolve_disclosure({"disclosure": schema_defaults("disclosure")})


def validate_config(config: dict, schema_path: str | Path = SCHEMA_PATH) -> dict:
    """Validate against the JSON Schema, check cross-key rules and fill every schema default (once, here);
    return config."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = "; ".join(f"`{_key_path(e)}`: {e.message}" for e in errors[:5])
        raise InputError(
            f"the config does not match its schema: {lines}",
            key=_key_path(errors[0]),
            hint="see config/README.md for every key and its allowed values",
        )
    release = config["release"]
    if release not in config["releases"]:
        raise InputError(
            f"release `{release}` is not listed under `releases`",
            key="release",
            hint=f"choose one of: {', '.join(config['releases'])}",
        )
    fill_defaults(config, schema)
    declared = registry(config)
    if "outcomes" not in config["models"]:
        config["models"]["outcomes"] = [o.id for o in declared.values() if o.modelled]
    missing = [o for o in config["models"]["outcomes"] if o not in declared]
    if missing:
        raise InputError(
            f"models are asked for outcomes not in `outcomes`: {', '.join(missing)}",
            key="models.outcomes",
        )
    d = config["definitions"]
    if d["very_preterm_weeks"] > d["preterm_weeks"] or d["very_lbw_grams"] > d["lbw_grams"]:
        raise InputError(
            "the very preterm / very LBW thresholds exceed the main ones", key="definitions"
        )
    spec = config["releases"][release]
    if spec.get("synthetic") and "synthetic" not in config:
        raise InputError(
            "a synthetic release needs the `synthetic` settings block", key="synthetic"
        )
    resolve_disclosure(config)
    return config


def load_config(path: str | Path) -> dict:
    """Read a YAML config file and validate it."""
    path = Path(path)
    if not path.exists():
        raise InputError("the config file does not exist", file=str(path))
    return validate_config(yaml.safe_load(path.read_text()) or {})


#: What a release that follows another reads of it (docs/disclosure.md, "Across releases"): the
#: published exclusion flow and rates with their exact counts, the protected yearly counts of its
#: trends (with theirs), its cells and its published model tables (carried over for an area whose
#: data barely changed), and its published trends (the changes table compares them). The restricted files never leave this machine.
PREVIOUS_FILES = {
    "flow": "published/tables/exclusion_flow.csv",
    "flow_restricted": "restricted/exclusion_flow.csv",
    "rates": "published/tables/rates.csv",
    "rates_unrounded": "restricted/rates_unrounded.parquet",
    "trend_counts": "restricted/trend_counts.parquet",
    "trends": "published/tables/trends.csv",
    "cells": "restricted/cells.parquet",
    **{f"model_{name}": f"published/tables/{name}.csv" for name in MODEL_OUTPUTS.values()},
    "model_death_markers": "published/tables/death_markers.csv",
}


def previous_files(config: dict) -> dict[str, str]:
    """Paths of the previous release's files the protection reads, or {} when there is none."""
    previous = config["releases"][config["release"]].get("previous")
    if not previous:
        return {}
    return {name: f"results/{previous}/{path}" for name, path in PREVIOUS_FILES.items()}


def previous_label(config: dict) -> str:
    """The label of the release this one follows (``releases.<name>.previous``; its own label when
    the config still lists it, else its name), or "" when there is none."""
    previous = config["releases"][config["release"]].get("previous")
    if not previous:
        return ""
    return str((config["releases"].get(previous) or {}).get("label") or previous)


def publication_settings(config: dict) -> dict:
    """Who publishes the release and how to reach them (config ``publication``: producer, contact,
    email, url), each key the config does not give filled from the schema's placeholder defaults;
    for the workbook's cover and any page that names the producer."""
    return {**schema_defaults("publication"), **(config.get("publication") or {})}


def deaths_complete_to(config: dict) -> str:
    """The date up to which the release's linked deaths are complete (ISO), the follow-up end of the
    mortality outcomes: ``releases.<name>.deaths_complete_to``, else 31 December of the last year."""
    spec = config["releases"][config["release"]]
    given = spec.get("deaths_complete_to")
    return str(given) if given else f"{max(spec['years'])}-12-31"


def outcome_params(config: dict) -> list[dict]:
    """The enabled outcomes' declarations as plain dicts, for rule ``params`` (a change re-runs)."""
    return [o.as_params() for o in registry(config).values()]
