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


def scaled(base, per_input_mb):
    """A resource that grows with the job's input: ``base`` plus ``per_input_mb`` per MB of input
    files, rounded (mem_mb and runtime of the rules that read record-level data; docs/cluster.md).
    """
    return lambda wildcards, input: round(base + per_input_mb * input.size_mb)
