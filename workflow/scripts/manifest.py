"""Snakemake script: the release's input files and settings -> its provenance manifest.json."""

from birthgaps.core.manifest import manifest_step
from birthgaps.core.runner import run_step


def main(smk):
    params = smk.params
    manifest_step(
        {role: list(smk.input[role]) for role in params.roles},
        smk.output[0],
        configfiles=list(smk.input.configfiles),
        config_hash=params.config_hash,
        release=params.release,
        release_label=params.release_label,
        code=params.version,
        lock_sha256=params.lock,
        project=params.project,
    )


run_step(snakemake, main)  # noqa: F821
