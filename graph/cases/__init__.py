"""Cases: the RIEC case process as records in Neo4j (issue 14; ``docs/cases.md``).

- :mod:`graph.cases.model`: the code lists (``graph/data/cases.yaml``), the reference format,
  the state machine and the errors;
- :mod:`graph.cases.records`: what a case, its events and notes hold;
- :mod:`graph.cases.queries`: the Cypher;
- :mod:`graph.cases.ops`: reads and writes as plans, run by the API (``run_async``) and
  ``knooppunt case`` (``run_sync``) alike.
"""
