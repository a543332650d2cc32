"""The declared schema on a real Neo4j: applied idempotently and enforced."""

from __future__ import annotations

import neo4j
import pytest
from neo4j.exceptions import ConstraintError

from graph.queries import SHOW_CONSTRAINT_NAMES, SHOW_INDEX_NAMES
from graph.schema import SCHEMA, SchemaKind, apply_schema
from graph.settings import Settings


def test_every_declared_item_exists(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    db = neo4j_settings.neo4j_database
    constraints = set(neo4j_driver.execute_query(SHOW_CONSTRAINT_NAMES, database_=db).records[0][0])
    indexes = set(neo4j_driver.execute_query(SHOW_INDEX_NAMES, database_=db).records[0][0])
    for item in SCHEMA:
        assert item.name in (constraints if item.kind is SchemaKind.UNIQUE else indexes), item.name


def test_applying_again_creates_nothing(
    neo4j_driver: neo4j.Driver, neo4j_settings: Settings
) -> None:
    assert apply_schema(neo4j_driver, database=neo4j_settings.neo4j_database) == 0


def test_duplicate_id_is_refused(empty_db: neo4j.Driver, neo4j_settings: Settings) -> None:
    db = neo4j_settings.neo4j_database
    create = "CREATE (:Person:Entity {id: $id})"
    empty_db.execute_query(create, {"id": "PRS-1"}, database_=db)
    with pytest.raises(ConstraintError):
        empty_db.execute_query(create, {"id": "PRS-1"}, database_=db)


def test_empty_db_keeps_schema_and_removes_data(
    empty_db: neo4j.Driver, neo4j_settings: Settings
) -> None:
    db = neo4j_settings.neo4j_database
    nodes = empty_db.execute_query("MATCH (n) RETURN count(n) AS c", database_=db).records
    assert nodes[0]["c"] == 0
    constraints = empty_db.execute_query(SHOW_CONSTRAINT_NAMES, database_=db).records[0][0]
    assert "person_id_unique" in constraints
