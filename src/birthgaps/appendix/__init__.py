"""appendix: the last stage, what a reader sees. In: the published (disclosure-controlled) tables
and the charts saved from them. Out: each area's charts, its appendix notebook rendered to HTML
and PDF, and the release's index page. ``inputs`` reads and checks the tables; ``tables``,
``indicator_tables``, ``model_tables`` and ``headlines`` turn them into display frames and
sentences (notes from ``notes``); ``sections`` groups them into ``blocks.Section``s that a notebook
template shows; ``notebook`` executes and renders the template, ``pdf`` prints it, ``index`` links
the areas.

Charts: ``frames`` (rows of the published tables) and ``wording`` (labels, formats) → ``findings``
(sentences) → ``charts_style`` → ``charts_*`` (one chart family each) → ``figures`` (an area's set).
"""
