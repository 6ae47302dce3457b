# Helpers the rule files share.


def shipped(path):
    """A file that ships with birthgaps: the path in the working directory when it exists there,
    else the same path in the project folder."""
    return path if Path(path).exists() else str(Path(workflow.basedir) / path)


def deaths_inputs(spec):
    """The release's deaths extract and its source's preset files (ingest inputs); none without one."""
    deaths = spec.get("deaths")
    if not deaths:
        return {}
    return {
        "deaths": deaths["extract"],
        "deaths_presets": source_preset_files(deaths.get("source") or "canonical"),
    }


def scaled(base, per_input_mb, of=None):
    """A resource that grows with the job's input: ``base`` plus ``per_input_mb`` per MB of its
    input files (or of the one input named ``of``), rounded: mem_mb and runtime of the rules whose
    cost follows the record-level data (docs/cluster.md)."""
    if of is None:
        return lambda wildcards, input: round(base + per_input_mb * input.size_mb)
    return lambda wildcards, input: round(
        base + per_input_mb * Path(input[of]).stat().st_size / 2**20
    )


def run_configfiles():
    """The run's config files, named relative to the working directory when they lie in it: an
    input named by its absolute path would make a copied or moved run folder look changed."""
    here = Path.cwd().resolve()
    named = []
    for given in workflow.configfiles:
        path = Path(given).resolve()
        named.append(str(path.relative_to(here)) if path.is_relative_to(here) else str(given))
    return named


def manifest_inputs(config, spec, imd_lookup, area_lookup):
    """The files the provenance manifest checksums, by role (birthgaps.core.manifest): the
    extracts, the source presets, the lookups and the shipped reference data."""
    deaths = deaths_inputs(spec)
    comparators = config["comparators"]
    inputs = {
        "births_extract": release_files(spec),
        "source_presets": sorted(
            set(source_preset_files(spec["source"])) | set(deaths.get("deaths_presets", []))
        ),
        "deaths_extract": [deaths["deaths"]] if deaths else [],
        "imd_lookup": [imd_lookup],
        "area_lookup": (
            [area_lookup["spec"]["path"]] if area_lookup and area_lookup["spec"].get("path") else []
        ),
        "reference": [
            shipped(comparators["reference"]),
            shipped(comparators["regions"]),
            *(
                [comparators["fingertips"]["snapshot"]]
                if comparators["fingertips"]["snapshot"]
                else []
            ),
        ],
    }
    return {role: files for role, files in inputs.items() if files}
