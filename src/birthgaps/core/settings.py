"""Configuration: JSON Schema validation and the preflight checks run before any job starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

from birthgaps.core.catalogue import MODEL_OUTPUTS
from birthgaps.core.errors import InputError
from birthgaps.ingest.readers import header_columns
from birthgaps.ingest.sources import release_files, release_source, source_missing_columns

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


def _key_path(error: jsonschema.ValidationError) -> str:
    """Dotted config key of a schema error, e.g. ``models.reference.ethnic_group``."""
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


#: Named disclosure rule sets: thresholds that fill any key the config does not give.
DISCLOSURE_RULE_SETS: dict[str, dict[str, int]] = {
    "nhs_england": {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5},
    "ons_births": {"suppress_min": 1, "suppress_max": 2, "rounding_base": 1},
}


def resolve_disclosure(config: dict) -> dict:
    """Fill ``disclosure`` from its named rule set (default NHS England); ``custom`` needs every key."""
    rules = config.setdefault("disclosure", {})
    name = rules.setdefault("rule_set", "nhs_england")
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


def validate_config(config: dict, schema_path: str | Path = SCHEMA_PATH) -> dict:
    """Validate against the JSON Schema, fill defaults and check cross-key rules; return config."""
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
    missing = [o for o in config["models"]["outcomes"] if o not in config["outcomes"]]
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
    config.setdefault("column_map", {})
    spec.setdefault("synthetic", False)
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
#: data barely changed). The restricted files never leave this machine.
PREVIOUS_FILES = {
    "flow": "published/tables/exclusion_flow.csv",
    "flow_restricted": "restricted/exclusion_flow.csv",
    "rates": "published/tables/rates.csv",
    "rates_unrounded": "restricted/rates_unrounded.parquet",
    "trend_counts": "restricted/trend_counts.parquet",
    "cells": "restricted/cells.parquet",
    **{f"model_{name}": f"published/tables/{name}.csv" for name in MODEL_OUTPUTS.values()},
}


def previous_files(config: dict) -> dict[str, str]:
    """Paths of the previous release's files the protection reads, or {} when there is none."""
    previous = config["releases"][config["release"]].get("previous")
    if not previous:
        return {}
    return {name: f"results/{previous}/{path}" for name, path in PREVIOUS_FILES.items()}


def check_previous(config: dict) -> None:
    """A release that names the release it follows needs that release's outputs on this machine."""
    release = config["release"]
    previous = config["releases"][release].get("previous")
    if not previous:
        return
    key = f"releases.{release}.previous"
    if previous == release:
        raise InputError("a release cannot follow itself", key=key)
    for path in previous_files(config).values():
        if not Path(path).exists():
            raise InputError(
                f"the previous release {previous!r} has not been run here: a file is missing",
                file=path,
                key=key,
                hint=f"run the pipeline for release {previous} first (config `release: "
                f"{previous}`), or remove `previous` if this release does not follow another",
            )


def preflight(config: dict, *, warn: bool = True) -> None:
    """Check, before any job runs, the release's source mapping, the previous release's outputs
    (when it follows one) and that a real release's extract file(s) exist, agree in their columns
    and carry every column the source needs; with ``warn``, warn about extracts git would commit."""
    release = config["release"]
    spec = config["releases"][release]
    source = release_source(config)
    check_previous(config)
    if spec.get("synthetic"):
        return
    files = release_files(spec)
    for i, path in enumerate(files):
        if not Path(path).exists():
            suffix = f"[{i}]" if len(files) > 1 else ""
            raise InputError(
                "the extract file does not exist",
                file=path,
                key=f"releases.{release}.extract{suffix}",
            )
    if spec.get("imd_lookup") and not Path(spec["imd_lookup"]).exists():
        raise InputError(
            "the imd lookup file does not exist",
            file=spec["imd_lookup"],
            key=f"releases.{release}.imd_lookup",
        )
    first: list[str] | None = None
    for path in files:
        if warn:
            warn_if_not_ignored(path)
        columns = header_columns(path, source["reader"], rule="preflight")
        if first is not None and set(columns) != set(first):
            differ = sorted(set(columns) ^ set(first))
            raise InputError(
                f"the columns differ from those of the first file ({Path(files[0]).name})",
                file=path,
                column=", ".join(differ),
                rule="preflight",
                hint="give every file of a release the same columns",
                check="columns_differ",
            )
        missing = source_missing_columns(columns, source)
        if missing:
            from birthgaps.ingest.extract import missing_columns_hints

            raise InputError(
                f"required columns are missing: {', '.join(missing)}",
                file=path,
                column=", ".join(missing),
                rule="preflight",
                hint="; ".join(missing_columns_hints(path, columns, source)) + " (docs/sources.md)",
                check="columns_missing",
            )
        first = first or columns


def git_exposure(path: str | Path) -> str | None:
    """The git work tree that holds ``path`` when git does not ignore it there (so a `git add`
    would commit patient-level data); None when ignored, outside a work tree or without git."""
    folder = Path(path).resolve().parent
    try:
        root = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if root.returncode != 0:
            return None
        ignored = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", str(Path(path).resolve())],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return root.stdout.strip() if ignored.returncode == 1 else None


def warn_if_not_ignored(path: str | Path) -> None:
    """Warn on stderr (not a stop) when an extract lies in a git work tree and is not ignored."""
    tree = git_exposure(path)
    if tree:
        print(
            f"birthgaps: warning: the extract {path} lies inside the git work tree {tree} and is "
            "not git-ignored, so `git add` would put patient-level data in the repository. "
            "What to do: keep extracts under data/ (ignored by the project's .gitignore), "
            "outside the repository, or add the file to .gitignore",
            file=sys.stderr,
        )
