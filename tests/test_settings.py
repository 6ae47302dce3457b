"""One source of settings: the config schema's defaults are applied once, when the config is loaded, and the
stages do not code them again (issue 10, item 3)."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
import yaml

from birthgaps.core.settings import (
    SCHEMA_PATH,
    default_disclosure,
    fill_defaults,
    load_config,
    resolve_disclosure,
    schema_defaults,
    validate_config,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "birthgaps"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
#: Every module of the package.
SCANNED = sorted(PACKAGE.rglob("*.py"))
#: ``.get(key, literal)`` calls that are not a config default coded again, with the reason.
NOT_CONFIG_DEFAULTS = {
    # a lookup file entry given by local path only has no url to take the file's suffix from
    ("ingest/lookup_fetch.py", "url"),
    # conditional defaults a JSON Schema default cannot say: the excess explained applies by default
    # only when the model has these terms; an explicit setting that does not fit stops the run
    ("models/options.py", "exposure"),
    ("models/options.py", "explained_by"),
    # a notebook cell's "source" (nbformat), not the config's source mapping
    ("appendix/notebook.py", "source"),
    ("publish/scan_formats.py", "source"),
}


def _schema_defaults(
    schema: dict, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], object]]:
    """(path, default) of every key the schema gives a default, ``*`` for any entry of a mapping."""
    found = []
    for key, sub in schema.get("properties", {}).items():
        if "default" in sub:
            found.append(((*path, key), sub["default"]))
        found += _schema_defaults(sub, (*path, key))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        found += _schema_defaults(extra, (*path, "*"))
    return found


def _lookup(config: dict, path: tuple[str, ...]) -> list[tuple[dict, str]]:
    """(mapping, key) for each place the path reaches in the config (``*`` fans out)."""
    places = [config]
    for key in path[:-1]:
        nxt = []
        for place in places:
            if key == "*":
                nxt += [v for v in place.values() if isinstance(v, dict)]
            elif isinstance(place.get(key), dict):
                nxt.append(place[key])
        places = nxt
    return [(place, path[-1]) for place in places]


def _without_defaults(config: dict) -> dict:
    """The config with every key that has a schema default removed (an older, shorter config)."""
    out = copy.deepcopy(config)
    for path, _ in sorted(_schema_defaults(SCHEMA), key=lambda item: -len(item[0])):
        for place, key in _lookup(out, path):
            place.pop(key, None)
    for key in ("statistics", "validation", "deprivation"):
        out.pop(key, None)
    return out


def test_the_schema_gives_defaults():
    assert len(_schema_defaults(SCHEMA)) >= 20


def test_loading_the_demo_config_fills_every_schema_default():
    config = load_config(ROOT / "config" / "config.yaml")
    for path, _ in _schema_defaults(SCHEMA):
        parent = _lookup(config, path)
        if path[0] in ("lookups", "synthetic") and path[0] not in config:
            continue  # a block with required keys is not made up from defaults
        assert parent, f"{'.'.join(path)}: its block is missing after loading"
        for place, key in parent:
            assert key in place, f"{'.'.join(path)} is not filled at load"


def test_a_config_without_the_optional_keys_loads_to_the_schema_defaults():
    raw = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    short = validate_config(_without_defaults(raw))
    for path, default in _schema_defaults(SCHEMA):
        for place, key in _lookup(short, path):
            assert place[key] == default, f"{'.'.join(path)}: {place[key]!r} is not {default!r}"
    assert short["disclosure"] == default_disclosure()
    assert short["statistics"]["trend"] == {"points": 5, "threshold": 9.5495}


def test_given_values_are_kept_and_defaults_only_fill_gaps():
    schema = {
        "properties": {
            "a": {"type": "object", "properties": {"b": {"default": 1}, "c": {"default": 2}}}
        }
    }
    assert fill_defaults({"a": {"b": 5}}, schema) == {"a": {"b": 5, "c": 2}}
    assert fill_defaults({}, schema) == {"a": {"b": 1, "c": 2}}


def test_schema_defaults_of_a_block():
    assert schema_defaults("releases", "*")["source"] == "canonical"
    assert schema_defaults("definitions")["weight_for_gestation"]["method"] == "tukey_log"
    assert (
        default_disclosure()["rule_set"]
        == SCHEMA["properties"]["disclosure"]["properties"]["rule_set"]["default"]
    )


def _schema_keys(schema: dict) -> set[str]:
    keys = set()
    for key, sub in schema.get("properties", {}).items():
        keys |= {key} | _schema_keys(sub)
    if isinstance(schema.get("additionalProperties"), dict):
        keys |= _schema_keys(schema["additionalProperties"])
    return keys


def _literal_defaults(path: Path) -> list[tuple[str, int]]:
    """(key, line) of every ``x.get("key", <literal>)`` whose key is a config key of the schema."""
    keys = _schema_keys(SCHEMA)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in keys
        ):
            default = node.args[1]
            literal = isinstance(default, (ast.Constant, ast.Dict, ast.List, ast.Tuple)) or (
                isinstance(default, ast.Name) and default.id.startswith("DEFAULT")
            )
            if literal and not (isinstance(default, ast.Constant) and default.value is None):
                found.append((node.args[0].value, node.lineno))
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_config_default_is_coded_again(path):
    name = str(path.relative_to(PACKAGE))
    wrong = [
        f"{name}:{line}: .get({key!r}, <literal>)"
        for key, line in _literal_defaults(path)
        if (name, key) not in NOT_CONFIG_DEFAULTS
    ]
    assert not wrong, "a config default coded again (the schema fills it at load):\n" + "\n".join(
        wrong
    )


def test_the_trend_reason_states_the_runs_own_disclosure_rule():
    """A published method statement follows the resolved rule set, not NHS England's wording."""
    from birthgaps.stats.trend_table import SUPPRESSED_POINT, suppressed_point

    ons = resolve_disclosure({"disclosure": {"rule_set": "ons_births"}})
    assert "(1 to 2)" in suppressed_point(ons) and "1 to 7" not in suppressed_point(ons)
    assert SUPPRESSED_POINT == (
        "a yearly count is suppressed (1 to 7) or below the small-number threshold"
    )
