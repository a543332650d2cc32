"""The application: the ``knooppunt`` command and ``make demo``, apart from the core.

The layers (``docs/decisions/059``): ``graph`` is the core (model, vocabulary, queries,
analysis, pages); ``ingest`` loads partner deliveries into it and ``api`` serves it; this package
assembles their commands into one entry point (:mod:`knooppunt.cli`) and runs the demo
(:mod:`knooppunt.demo`). Nothing in ``graph``, ``ingest`` or ``api`` imports it.
"""
