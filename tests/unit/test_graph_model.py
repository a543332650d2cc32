"""The graph model as data: loaded and checked, mappings follow it, its page is current."""

from __future__ import annotations

import re

import pytest

from graph.errors import ModelError
from graph.model import MODEL_FILE, NodeLabel, RelType, graph_model, parse_graph_model
from graph.model_doc import DOC_FILE, main, render_graph_model
from graph.vocabulary import PARTNERS, VOCABULARY_FILE, parse_vocabulary
from ingest.mapping import ENTITY_PROPERTIES, LINK_RULES, MAPPINGS_DIR, load_mappings
from ingest.queries import SOURCE_LISTS


def test_model_names_every_entity_label_and_ingest_link_type() -> None:
    model = graph_model()
    assert NodeLabel.PERSON in model.entities
    assert NodeLabel.ALERT not in model.entities
    assert RelType.OWNERSHIP in model.links
    assert RelType.MEMBER_OF_CLUSTER not in model.links
    assert model.links[RelType.OWNERSHIP].targets == (
        NodeLabel.COMPANY,
        NodeLabel.ADDRESS,
        NodeLabel.VEHICLE,
    )


def test_ingest_rules_are_the_model() -> None:
    model = graph_model()
    assert {lb: frozenset(k.properties) for lb, k in model.entities.items()} == ENTITY_PROPERTIES
    assert {rel: rule.properties for rel, rule in LINK_RULES.items()} == {
        rel: frozenset(k.properties) for rel, k in model.links.items()
    }
    assert model.provenance.per_source == SOURCE_LISTS


def test_every_mapping_uses_only_what_the_model_allows() -> None:
    model = graph_model()
    mappings = load_mappings(MAPPINGS_DIR)
    assert len(mappings) >= 20
    for mapping in mappings.values():
        for entity in mapping.entities:
            allowed = set(model.entities[entity.label].properties)
            assert {p for p, _, _ in entity.properties} <= allowed, (mapping.source, entity.name)


def _model_text(**replace: str) -> str:
    text = MODEL_FILE.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("  Vehicle:\n    id: token `VEH-...`\n", "", "entities"),
        ("  SPONSOR:\n", "  SPONSORED:\n", "links"),
        (
            "    properties: [birth_year, sex]\n",
            "    properties: [birth_year, sex]\n    colour: x\n",
            "entities.Person.colour",
        ),
        (
            "    to: [Company]\n    properties: [since]\n",
            "    to: [Delivery]\n    properties: [since]\n",
            "links.DIRECTORSHIP",
        ),
    ],
)
def test_a_broken_model_is_refused_naming_the_key(old: str, new: str, key: str) -> None:
    with pytest.raises(ModelError) as info:
        parse_graph_model(_model_text(**{old: new}), source="model.yaml")
    message = str(info.value)
    assert message.startswith(f"model.yaml: key '{key}")


def test_the_graph_model_page_is_generated_and_current() -> None:
    assert DOC_FILE.read_text(encoding="utf-8") == render_graph_model(), (
        "docs/graph-model.md is stale: run `make docs`"
    )
    assert main(["--check"]) == 0


def test_the_page_follows_a_changed_model() -> None:
    changed = parse_graph_model(
        _model_text(**{"properties: [share]": "properties: [share, percentage]"})
    )
    page = render_graph_model(changed)
    assert (
        "| `OWNERSHIP` | Person/Company -> Company/Address/Vehicle | `share`, `percentage` |"
        in page
    )
    assert page != DOC_FILE.read_text(encoding="utf-8")


def test_vocabulary_file_is_checked_naming_key_and_rule() -> None:
    text = VOCABULARY_FILE.read_text(encoding="utf-8")
    assert parse_vocabulary(text).token_kinds["person"] == "PRS"
    broken = text.replace("default_legal_basis: WPG,", "default_legal_basis: NOPE,", 1)
    with pytest.raises(ModelError, match="default legal basis is not a legal basis"):
        parse_vocabulary(broken, source="v.yaml")
    with pytest.raises(ModelError) as info:
        parse_vocabulary(text.replace("retention_years: 5}", "retention_years: 5, colour: x}", 1))
    assert "key 'legal_bases.WPG.colour': unknown key" in str(info.value)
    with pytest.raises(ModelError, match="may deliver under an unknown legal basis"):
        parse_vocabulary(text.replace("legal_bases: [WPG]", "legal_bases: [WPG, GDPR]", 1))
    with pytest.raises(ModelError, match="prefix must be three capital letters"):
        parse_vocabulary(text.replace("person: PRS", "person: prs"))


def test_the_documented_partner_bases_are_the_vocabulary() -> None:
    doc = (VOCABULARY_FILE.parents[2] / "docs" / "delivery-format.md").read_text("utf-8")
    rows = re.findall(r"^\| `([A-Z]+)` \| [^|]+ \| `([A-Z-]+)` \| ([^|]+) \|$", doc, re.M)
    documented = {
        code: (default, re.findall(r"`([A-Z-]+)`", bases)) for code, default, bases in rows
    }
    assert documented == {
        code: (p.default_legal_basis, list(p.legal_bases)) for code, p in PARTNERS.items()
    }
