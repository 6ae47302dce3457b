"""core: what every stage shares, with no stage of its own to depend on. In: the YAML config and the code
lists; out: the validated config with its defaults, error types, codes, disclosure rules, method statements,
identifier patterns, provenance labels and the Snakemake script runner."""
