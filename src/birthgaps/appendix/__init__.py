"""Appendix stage: the published (disclosure-controlled) tables enter; charts (PNG, SVG, alt text), the
sentences and tables of each area's appendix, its HTML and PDF leave. Never reads record-level data.

Layers inside: ``frames`` (rows of the published tables) and ``wording`` (labels, formats) → ``findings``
(sentences) → ``charts_style`` → ``charts_*`` (one chart family each) → ``figures`` (an area's set).
"""
