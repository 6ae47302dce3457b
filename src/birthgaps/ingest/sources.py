"""Source mappings: how a raw extract (its reader, column names, codes and formats) reaches the
canonical layout. A source is a preset in ``config/sources/<name>.yaml`` or an inline mapping in the
config; a new source is added by writing such a mapping, not code (docs/sources.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import yaml

from birthgaps.core.codes import CANONICAL_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from birthgaps.core.errors import InputError
from birthgaps.core.settings import schema_defaults

# Ethnicity labels are read by birthgaps.ingest.ethnicity_labels; the names stay importable from here.
from birthgaps.ingest.ethnicity_labels import (  # noqa: F401
    ETHNIC_CODES,
    ETHNIC_LABELS,
    ethnic_code_for_label,
    ethnic_codes_from_labels,
    normalise_label,
)

PRESETS_DIR = Path(__file__).resolve().parents[3] / "config" / "sources"
DEFAULT_SOURCE = schema_defaults("releases", "*")["source"]

#: Pseudo-column a source may map for gestation in one column: text such as ``38+4``
#: (``weeks_plus_days_text``) or whole days (``days``).
GESTATION_TEXT = "gestation"
#: Gestation formats that read the one pseudo-column ``gestation``.
GESTATION_ONE_COLUMN = ("weeks_plus_days_text", "days")
#: Pseudo-columns a source maps for birth weight in two columns, pounds and ounces.
WEIGHT_LB, WEIGHT_OZ = "birth_weight_lb", "birth_weight_oz"

#: Gestation written as text: "38+4", "38", "38w 4d", "38 weeks 4 days".
GESTATION_PATTERN = r"(?i)^(?P<weeks>[0-9]{1,2})\s*(?:(?:\+|w|wk|wks|weeks?)\s*(?:(?P<days>[0-9])\s*(?:d|days?)?)?)?$"
#: Birth weight in pounds and ounces: "7lb 4oz", "7 lbs 4.5 oz", "7lb", "7-04".
LB_OZ_PATTERN = (
    r"(?i)^(?P<lb>[0-9]{1,2})\s*(?:(?:lbs?|pounds?)\s*(?:(?P<oz>[0-9]{1,2}(?:\.[0-9]+)?)\s*"
    r"(?:oz|ozs|ounces?)?)?|-\s*(?P<oz_>[0-9]{1,2}(?:\.[0-9]+)?))$"
)

#: Grams in one unit of a birth weight written as a number (exact, international avoirdupois).
GRAMS_PER_UNIT: dict[str, str] = {
    "g": "1",
    "kg": "1000",
    "lb": "453.59237",
    "oz": "28.349523125",
}
#: Birth weight units a source may declare (docs/sources.md, "Units"): a number in one of
#: GRAMS_PER_UNIT, pounds and ounces as text (``7lb 4oz``), or pounds and ounces in two columns.
WEIGHT_UNITS: list[str] = [*GRAMS_PER_UNIT, "lb_oz", "lb_oz_columns"]

#: Reader settings used when a source leaves them out.
READER_DEFAULTS: dict[str, Any] = {
    "format": "auto",
    "encoding": "utf-8-sig",
    "sheet": None,
    "header_row": 1,
    "thousands": ",",
    "delimiter": ",",
    "na_values": [""],
}

#: Spreadsheet and database markers read as missing in every column, in any case, on top of a
#: source's ``reader.na_values`` (docs/sources.md).
MISSING_MARKERS: tuple[str, ...] = (
    "#N/A",
    "N/A",
    "NULL",
    "#NULL!",
    "#VALUE!",
    "#REF!",
    "#DIV/0!",
    "#NAME?",
    "#NUM!",
)

SOURCE_DEFAULTS: dict[str, Any] = {
    "description": "",
    "reader": READER_DEFAULTS,
    "columns": {},
    "recodes": {},
    "gestation": {"format": "weeks_days_columns"},
    "birth_weight": {"unit": "g"},
    "ethnicity": {"format": "codes", "labels": {}},
    "date_format": "%Y-%m-%d",
    "id": {"key": "baby_id"},
    "constants": {},
    "area": {"from": "column"},
    "booking_gestation": {"format": "days"},
}

#: How a source writes ``booking_gestation_days``: whole days, completed weeks, or ``10+3`` text.
BOOKING_FORMATS = ("days", "weeks", "weeks_plus_days_text")

#: Record keys (``id.key``): the file's own id, file position + id, file position + row number.
ID_KEYS = ("baby_id", "file_and_id", "file_and_row")
#: Where ``area_code`` comes from (``area.from``): the file, the mother's LSOA through the ONS
#: lookup, or the file checked against that lookup (birthgaps.ingest.residence).
AREA_FROM = ("column", "lsoa", "column_checked")
#: Canonical columns a source may set to one value for every record (never an identifying one,
#: a maternity or a death).
CONSTANT_COLUMNS = [
    c
    for c in CANONICAL_COLUMNS
    if c
    not in (
        "baby_id",
        "birth_date",
        "mother_lsoa",
        "maternity_id",
        "death_date",
        "age_at_death_days",
    )
]

#: JSON Schema of a source mapping (presets and inline mappings alike).
SOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "preset": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "reader": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "format": {"enum": ["auto", "csv", "xlsx", "parquet"]},
                "encoding": {"enum": ["utf-8", "utf-8-sig", "cp1252", "auto"]},
                "sheet": {"type": ["string", "integer", "null"]},
                "header_row": {"type": "integer", "minimum": 1, "maximum": 1000},
                "thousands": {"type": ["string", "null"], "maxLength": 1},
                "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
                "na_values": {"type": "array", "items": {"type": "string"}},
            },
        },
        "columns": {
            "type": "object",
            "additionalProperties": {
                "enum": [*CANONICAL_COLUMNS, GESTATION_TEXT, WEIGHT_LB, WEIGHT_OZ]
            },
        },
        "recodes": {
            "type": "object",
            "propertyNames": {"enum": CANONICAL_COLUMNS},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": ["string", "integer", "null"]},
            },
        },
        "gestation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "format": {
                    "enum": ["weeks_days_columns", "weeks_plus_days_text", "weeks_only", "days"]
                }
            },
        },
        "birth_weight": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"unit": {"enum": WEIGHT_UNITS}},
        },
        "ethnicity": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "format": {"enum": ["codes", "labels"]},
                "labels": {"type": "object", "additionalProperties": {"enum": ETHNIC_CODES}},
            },
        },
        "date_format": {"type": "string", "minLength": 2, "pattern": "%"},
        "id": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"key": {"enum": list(ID_KEYS)}},
        },
        "constants": {
            "type": "object",
            "propertyNames": {"enum": CONSTANT_COLUMNS},
            "additionalProperties": {"type": ["string", "integer"]},
        },
        "area": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"from": {"enum": list(AREA_FROM)}},
        },
        "booking_gestation": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"format": {"enum": list(BOOKING_FORMATS)}},
        },
    },
}

#: Values every source understands without a recode (compared case-insensitively).
BUILTIN_RECODES: dict[str, dict[str, str | None]] = {
    "birth_outcome": {
        "live": "live",
        "live birth": "live",
        "livebirth": "live",
        "still": "still",
        "stillbirth": "still",
        "still birth": "still",
    },
    "smoking_at_delivery": {
        **dict.fromkeys(["y", "yes", "1", "true", "smoker", "current smoker"], "true"),
        **dict.fromkeys(
            ["n", "no", "0", "false", "non-smoker", "non smoker", "not smoking"], "false"
        ),
        **dict.fromkeys(["u", "unknown", "not known", "not stated", "9"], None),
    },
    "baby_sex": {
        "m": "M",
        "male": "M",
        "f": "F",
        "female": "F",
        "u": "U",
        "unknown": "U",
        "not known": "U",
        "indeterminate": "U",
    },
}

# --------------------------------------------------------------------------------------------
# Loading and checking source mappings
# --------------------------------------------------------------------------------------------


def _merge(base: dict, override: dict) -> dict:
    """Recursive merge of mappings: keys of ``override`` win, nested mappings merge."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "columns":
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def preset_path(name: str, presets_dir: str | Path = PRESETS_DIR) -> Path:
    """File of a named preset, or the file itself when ``name`` is a path to a YAML file."""
    if name.endswith((".yaml", ".yml")):
        return Path(name)
    return Path(presets_dir) / f"{name}.yaml"


def _check_schema(mapping: dict, key: str) -> None:
    """Validate a source mapping against SOURCE_SCHEMA; the error names the config key."""
    validator = jsonschema.Draft202012Validator(SOURCE_SCHEMA)
    errors = sorted(validator.iter_errors(mapping), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join([key, *(str(p) for p in first.absolute_path)])
        lines = "; ".join(
            f"`{'.'.join([key, *(str(p) for p in e.absolute_path)])}`: {e.message}"
            for e in errors[:5]
        )
        raise InputError(
            f"the source mapping is not valid: {lines}",
            key=where,
            hint="see docs/sources.md for the keys of a source mapping",
        )


def _load_preset(name: str, key: str, presets_dir: str | Path, seen: tuple[str, ...]) -> dict:
    """Read a preset file (following its own ``preset:`` base, if any) and validate it."""
    path = preset_path(name, presets_dir)
    if name in seen:
        raise InputError(f"source presets refer to each other in a loop: {name}", key=key)
    if not path.exists():
        known = sorted(p.stem for p in Path(presets_dir).glob("*.yaml"))
        raise InputError(
            f"unknown source preset `{name}`",
            file=str(path),
            key=key,
            hint=f"use one of: {', '.join(known)}, a YAML file path, or an inline mapping",
        )
    try:
        mapping = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise InputError("the source preset is not valid YAML", file=str(path), key=key) from exc
    if not isinstance(mapping, dict):
        raise InputError("a source preset must be a mapping of keys", file=str(path), key=key)
    return _resolve(mapping, key, presets_dir, (*seen, name))


def _resolve(mapping: dict, key: str, presets_dir: str | Path, seen: tuple[str, ...]) -> dict:
    """Validate a mapping and lay it over its base preset (``preset:``), or over the defaults."""
    _check_schema(mapping, key)
    base_name = mapping.get("preset")
    base = _load_preset(base_name, key, presets_dir, seen) if base_name else SOURCE_DEFAULTS
    merged = _merge(base, {k: v for k, v in mapping.items() if k != "preset"})
    if base_name and "columns" in mapping:
        # an override maps a canonical column from a new raw name: the base's name for it goes
        retargeted = set(mapping["columns"].values())
        kept = {k: v for k, v in base.get("columns", {}).items() if v not in retargeted}
        merged["columns"] = {**kept, **mapping["columns"]}
    if base_name and mapping.get("constants"):
        # a constant set over a preset replaces the preset's column for it
        own = set((mapping.get("columns") or {}).values())
        merged["columns"] = {
            k: v for k, v in merged["columns"].items() if v not in mapping["constants"] or v in own
        }
    return merged


def load_source(
    source: str | dict | None = None,
    *,
    key: str = "source",
    presets_dir: str | Path = PRESETS_DIR,
    column_map: dict[str, str] | None = None,
) -> dict:
    """A complete, checked source mapping from a preset name, a YAML path or an inline mapping.

    ``column_map`` (the older top-level config key) is laid over the source's own column map.
    """
    if source is None:
        source = DEFAULT_SOURCE
    if isinstance(source, str):
        resolved = _load_preset(source, key, presets_dir, ())
        resolved["name"] = Path(source).stem
    elif isinstance(source, dict):
        resolved = _resolve(source, key, presets_dir, ())
        resolved["name"] = source.get("name") or source.get("preset") or "inline"
    else:
        raise InputError("a source is a preset name or a mapping", key=key)
    if column_map:
        retargeted = set(column_map.values())
        kept = {k: v for k, v in resolved["columns"].items() if v not in retargeted}
        resolved["columns"] = {**kept, **column_map}
    _check_consistency(resolved, key)
    return resolved


def _check_consistency(source: dict, key: str) -> None:
    """Cross-key rules: one raw column per canonical column; the gestation format fits the map."""
    targets = list(source["columns"].values())
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise InputError(
            f"several raw columns are mapped to the same canonical column: {', '.join(repeated)}",
            key=f"{key}.columns",
        )
    one_column = source["gestation"]["format"] in GESTATION_ONE_COLUMN
    if not one_column and GESTATION_TEXT in targets:
        raise InputError(
            "a column is mapped to `gestation` but gestation.format is neither "
            "weeks_plus_days_text nor days",
            key=f"{key}.gestation.format",
        )
    two_columns = source["birth_weight"]["unit"] == "lb_oz_columns"
    if not two_columns and {WEIGHT_LB, WEIGHT_OZ} & set(targets):
        raise InputError(
            f"columns are mapped to {WEIGHT_LB}/{WEIGHT_OZ} but birth_weight.unit is not "
            "lb_oz_columns",
            key=f"{key}.birth_weight.unit",
        )
    both = sorted(set(targets) & set(source["constants"]))
    if both:
        raise InputError(
            f"a column is mapped and also set as a constant: {', '.join(both)}",
            key=f"{key}.constants",
            hint="keep either the column mapping or the constant",
        )
    if source["area"]["from"] == "lsoa" and "area_code" in source["constants"]:
        raise InputError(
            "area_code is set as a constant and also derived from the LSOA (area.from: lsoa)",
            key=f"{key}.area.from",
            hint="keep either the constant or the derivation",
        )
    if source["id"]["key"] == "file_and_row" and "baby_id" in targets:
        raise InputError(
            "a column is mapped to baby_id but id.key is file_and_row (ids from row numbers)",
            key=f"{key}.id.key",
            hint="use id.key: file_and_id to keep the file's ids, or drop the baby_id mapping",
        )


def generated_columns(source: dict) -> list[str]:
    """Canonical columns the file need not carry: constants, row-number ids, the derived area."""
    out = list(source["constants"])
    if source["id"]["key"] == "file_and_row":
        out.append("baby_id")
    if source["area"]["from"] == "lsoa":
        out.append("area_code")
    return out


def expected_columns(source: dict) -> list[str]:
    """Canonical (or pseudo-) columns the file must provide, after renaming, for this source."""
    gestation = source["gestation"]["format"]
    generated = generated_columns(source)
    wanted = [c for c in REQUIRED_COLUMNS if c not in generated]
    if gestation in GESTATION_ONE_COLUMN:
        wanted = [c for c in wanted if c not in ("gestation_weeks", "gestation_days")]
        at = wanted.index("birth_weight_g") if "birth_weight_g" in wanted else len(wanted)
        wanted.insert(at, GESTATION_TEXT)
    elif gestation == "weeks_only" and "gestation_days" in wanted:
        wanted.remove("gestation_days")
    if source["birth_weight"]["unit"] == "lb_oz_columns":
        at = wanted.index("birth_weight_g")
        wanted[at : at + 1] = [WEIGHT_LB, WEIGHT_OZ]
    return wanted


def optional_present(columns: list[str], source: dict) -> list[str]:
    """Optional canonical columns (``codes.OPTIONAL_COLUMNS``) a file provides, under the source's
    name for them or their own, or as a source constant; in canonical order."""
    renamed = {source["columns"].get(c, c) for c in columns} | set(source["constants"])
    return [c for c in OPTIONAL_COLUMNS if c in renamed]


def raw_name(canonical: str, source: dict) -> str:
    """The raw column name a source expects for a canonical column (itself when not mapped)."""
    for raw, target in source["columns"].items():
        if target == canonical:
            return raw
    return canonical


def source_missing_columns(columns: list[str], source: dict) -> list[str]:
    """Expected columns absent from a header; each named as the file should have it."""
    renamed = {source["columns"].get(c, c) for c in columns}
    missing = [c for c in expected_columns(source) if c not in renamed]
    return [c if raw_name(c, source) == c else f"{raw_name(c, source)} (-> {c})" for c in missing]


# --------------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------------


def release_files(spec: dict) -> list[str]:
    """The extract file(s) of a release, in order: ``extract`` may be a string or a list."""
    extract = spec["extract"]
    return [extract] if isinstance(extract, str) else [str(e) for e in extract]


def release_source(config: dict, release: str | None = None) -> dict:
    """The complete source mapping of a release (``releases.<name>.source``, default canonical)."""
    release = release or config["release"]
    spec = config["releases"][release]
    return load_source(
        spec["source"],
        key=f"releases.{release}.source",
        column_map=config.get("column_map") or None,
    )


def source_preset_files(
    source: str | dict | None, presets_dir: str | Path = PRESETS_DIR
) -> list[str]:
    """Preset files a source reads (for Snakemake ``input:``, so that editing a preset re-runs)."""
    if source is None:
        name = DEFAULT_SOURCE
    else:
        name = source if isinstance(source, str) else source.get("preset")
    files: list[str] = []
    while name and str(preset_path(name, presets_dir)) not in files:
        path = preset_path(name, presets_dir)
        files.append(str(path))
        if not path.exists():
            break
        name = (yaml.safe_load(path.read_text()) or {}).get("preset")
    return files


# --------------------------------------------------------------------------------------------
# The inverse: canonical births written in a source's layout (fixtures, demos, round trips)
# --------------------------------------------------------------------------------------------


def to_layout(births: pd.DataFrame, source: str | dict | None = None) -> pd.DataFrame:
    """Canonical births as text in a source's raw layout (its names, codes and formats).

    The inverse of ingest for fixtures, demonstrations and round-trip checks of a new mapping:
    a recoded value is written as the first raw value mapped to it, ethnicity as NHS labels when
    the source reads labels, gestation as ``38+4`` text, weeks only or total days, weights in g or
    kg, dates in ``date_format``.
    """
    from birthgaps.core.codes import ETHNIC_CATEGORY_LABELS

    source = load_source(source)
    out = pd.DataFrame(index=births.index)
    written = [
        c
        for c in CANONICAL_COLUMNS
        if c in REQUIRED_COLUMNS or (c in births.columns and births[c].notna().any())
    ]
    for column in written:
        values = births[column]
        if column in ("birth_date", "death_date"):
            text = values.dt.strftime(source["date_format"]).astype("string")
        else:
            text = values.astype("string")
        inverse: dict[str, str] = {}
        for raw, value in source["recodes"].get(column, {}).items():
            if value is not None:
                inverse.setdefault(str(value), str(raw))
        if column == "mother_ethnic_category" and source["ethnicity"]["format"] == "labels":
            inverse = {**ETHNIC_CATEGORY_LABELS, **inverse}
        if inverse:
            text = text.map(lambda v, table=inverse: table.get(v, v) if isinstance(v, str) else v)
            text = text.astype("string")
        out[column] = text
    gestation = source["gestation"]["format"]
    if gestation == "weeks_plus_days_text":
        weeks, days = out.pop("gestation_weeks"), out.pop("gestation_days")
        text = (weeks + "+" + days).fillna(weeks)
        out.insert(3, GESTATION_TEXT, text.astype("string"))
    elif gestation == "days":
        out = out.drop(columns=["gestation_weeks", "gestation_days"])
        total = births["gestation_weeks"] * 7 + births["gestation_days"].fillna(0)
        out.insert(3, GESTATION_TEXT, total.astype("Int64").astype("string"))
    elif gestation == "weeks_only":
        out = out.drop(columns="gestation_days")
    if "booking_gestation_days" in out.columns:
        out["booking_gestation_days"] = _booking_text(
            births["booking_gestation_days"], source["booking_gestation"]["format"]
        )
    unit = source["birth_weight"]["unit"]
    if unit == "kg":
        grams = births["birth_weight_g"].astype("Int64")
        kilograms = (
            (grams // 1000).astype("string") + "." + (grams % 1000).astype("string").str.zfill(3)
        )
        out["birth_weight_g"] = kilograms
    elif unit != "g":
        raise InputError(
            f"to_layout writes birth weights in g or kg only, not {unit} (no exact inverse)",
            key="source.birth_weight.unit",
        )
    out = out.drop(columns=[c for c in generated_columns(source) if c in out.columns])
    return out.rename(columns={v: k for k, v in source["columns"].items()})


def _booking_text(days: pd.Series, form: str) -> pd.Series:
    """Booking gestation in days written in a source's ``booking_gestation.format`` (exact only)."""
    days = days.astype("Int64")
    if form == "weeks_plus_days_text":
        # a negative booking (dirt) with a minus on the whole weeks+days (-0+1), as ingest reads it
        size = days.abs()
        sign = days.lt(0).map({True: "-", False: ""}).astype("string")
        text = sign + (size // 7).astype("string") + "+" + (size % 7).astype("string")
        return text.astype("string")
    if form == "weeks":
        raise InputError(
            "to_layout writes booking gestation in days or weeks+days only (no exact inverse)",
            key="source.booking_gestation.format",
        )
    return days.astype("string")
