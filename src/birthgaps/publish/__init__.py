"""publish: the stage that releases the tables. In: the staged tree of published tables, workbook,
figures and appendices (and, for the disclosure scan's comparison, the restricted births). Out: the
release's workbook and data dictionary, the disclosure scan's findings (none, or the run stops), and
the published tree swapped in with its checksum manifest; for tests and benchmarks, the attack suite.

Workbook: ``notes`` and ``presentation`` → ``workbook``; ``dictionary`` beside it; ``steps`` (the rule). Scan: ``scan_rules``
(what is a breach) → ``scan_text``, ``scan_formats`` (one reader per file format) → ``scan`` (the
tree). Then ``publication`` swaps the tree in. Attack suite: ``attack_view`` (the attacker's view) →
``attack_bounds`` → ``attack_inversions``, ``attack_differencing``, ``attack_programs`` → ``audit``.
"""
