"""Regression models on the cell table (docs/models.md).

Enters: the cell table (``cells.parquet``), the deaths by marker (``death_marker_cells.parquet``),
the published rates table (``rates.csv``) and the config's ``models:``, ``areas`` and
``disclosure:`` blocks. Leaves: the published model tables (odds ratios, risk ratios, interaction
test, stratified estimates, excess explained, fit summaries, the share of deaths that were preterm
or of low birth weight; ``published/tables/*.csv``) and why an empty one is empty
(``empty_tables.json``).

Modules in data-flow order: ``options`` (the ``models:`` block) and ``published`` (rates.csv
as the models read it); ``frame`` (levels, collapsed cells, design matrices) and ``population``
(complete cases, sparse-level rule, references); ``fitting`` (grouped GLMs); ``analysis`` (one
outcome in one population); the table builders ``ratios``, ``interaction``, ``stratified``,
``excess``, ``summaries``; ``areas`` (every area, then ``ALL``); ``protect`` (disclosure
control); ``markers`` (deaths by marker, protected, with the collider-bias caution of ``notes``); ``release`` (the models rule's one call,
:func:`~birthgaps.models.release.fit_area_models`).
``notes`` and ``tables`` hold the words and the columns the others share.
"""
