"""Analysis of the entity graph: clusters, typologies, key players, history and alerts.

Pure functions on compact arrays and per-cluster NetworkX graphs (``graphs``, ``projection``,
``clustering``, ``cores``, ``describe``, ``keyplayers``, ``scoring``, ``identity``, ``alerts``,
``pipeline``), with Neo4j only at the edges (``export``, ``writeback``, ``runner``). See
``docs/analysis.md``.

Entry points, from the outside in: ``runner.analyse_database`` (Neo4j in and out: one run),
``pipeline.analyse_facts`` (raw facts: projection and analysis) and
``pipeline.analyse_projection`` (a projected graph: clusters, scores, alerts). ``knooppunt
analyse`` (``cli.analyse``) is the command that calls ``analyse_database``.
"""
