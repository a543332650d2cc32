"""Analysis of the entity graph: clusters, typologies, key players, history and alerts.

Pure functions on compact arrays and per-cluster NetworkX graphs (``projection``,
``clustering``, ``keyplayers``, ``scoring``, ``identity``, ``alerts``, ``pipeline``), with
Neo4j only at the edges (``export``, ``writeback``, ``runner``). See ``docs/analysis.md``.
"""
