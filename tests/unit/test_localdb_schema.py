"""The declared schema list: complete for the vocabulary, valid Cypher identifiers only."""

from __future__ import annotations

import pytest

from graph.errors import SchemaError
from graph.model import ENTITY_LABEL, NodeLabel
from graph.schema import SCHEMA, SchemaItem, SchemaKind, schema_names


def test_every_label_has_a_unique_id_constraint() -> None:
    unique = {i.label for i in SCHEMA if i.kind is SchemaKind.UNIQUE and i.properties == ("id",)}
    assert unique == {label.value for label in NodeLabel}


def test_entity_id_and_lookup_indexes_are_declared() -> None:
    indexes = {(i.label, i.properties) for i in SCHEMA if i.kind is SchemaKind.RANGE_INDEX}
    for expected in [
        (ENTITY_LABEL, ("id",)),
        ("Incident", ("type",)),
        ("Incident", ("date",)),
        ("Address", ("region",)),
        ("Alert", ("created_at",)),
    ]:
        assert expected in indexes


def test_names_are_unique() -> None:
    assert len(schema_names()) == len(SCHEMA)


def test_duplicate_names_are_refused() -> None:
    item = SchemaItem("person_id_unique", SchemaKind.UNIQUE, "Person", ("id",))
    with pytest.raises(SchemaError, match="used twice: person_id_unique"):
        schema_names([item, item])


def test_statements_are_idempotent_ddl() -> None:
    unique = SchemaItem("person_id_unique", SchemaKind.UNIQUE, "Person", ("id",))
    assert unique.cypher() == (
        "CREATE CONSTRAINT person_id_unique IF NOT EXISTS FOR (n:`Person`) REQUIRE n.`id` IS UNIQUE"
    )
    composite = SchemaItem(
        "incident_type_date", SchemaKind.RANGE_INDEX, "Incident", ("type", "date")
    )
    assert composite.cypher() == (
        "CREATE INDEX incident_type_date IF NOT EXISTS FOR (n:`Incident`) ON (n.`type`, n.`date`)"
    )
    text = SchemaItem("company_name_text", SchemaKind.TEXT_INDEX, "Company", ("name",))
    assert text.cypher().startswith("CREATE TEXT INDEX company_name_text IF NOT EXISTS")
    assert all("IF NOT EXISTS" in item.cypher() for item in SCHEMA)


@pytest.mark.parametrize(
    ("name", "label", "props", "message"),
    [
        ("x", "Robber", ("id",), "not in graph.model.NodeLabel"),
        ("x", "Person", ("id`) DETACH DELETE n //",), "not a plain identifier"),
        ("drop index", "Person", ("id",), "not a plain identifier"),
        ("x", "Person", (), "no properties"),
    ],
)
def test_malformed_items_are_refused(
    name: str, label: str, props: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SchemaError, match=message):
        SchemaItem(name, SchemaKind.RANGE_INDEX, label, props)
