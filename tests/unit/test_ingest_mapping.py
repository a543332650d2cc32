"""Mappings load and check themselves; each malformed mapping fails naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import NodeLabel, RelType
from ingest.errors import MappingError
from ingest.mapping import MAPPINGS_DIR, load_mapping, load_mappings

GOOD = """
source: {name}
partners: [POL]
columns:
  nummer: {{type: string, required: true}}
  persoon: {{type: token, kind: person}}
entities:
  incident: {{label: Incident, key: nummer}}
  person: {{label: Person, key: persoon, optional: true}}
links:
  - {{type: INVOLVED_IN, from: person, to: incident, properties: {{role: {{const: suspect}}}}}}
"""


def _write(tmp_path: Path, text: str, name: str = "test_source") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.format(name=name), encoding="utf-8")
    return path


def test_every_shipped_mapping_loads() -> None:
    mappings = load_mappings()
    assert len(mappings) == len(list(MAPPINGS_DIR.glob("*.yaml")))
    assert "pol_incidenten" in mappings
    assert mappings["pol_incidenten"].delimiter == ";"


def test_shipped_mappings_match_the_documented_partner_files() -> None:
    # docs/delivery-format.md "Partner files": every `source` named there has a mapping.
    doc = (MAPPINGS_DIR.parents[1] / "docs" / "delivery-format.md").read_text(encoding="utf-8")
    import re

    documented = set(re.findall(r"source `([a-z_]+)`", doc))
    assert documented, "the partner files section lists sources"
    assert documented <= set(load_mappings())


def test_good_mapping_transforms_a_row(tmp_path: Path) -> None:
    from tests.ingest_fixtures import person

    mapping = load_mapping(_write(tmp_path, GOOD))
    result = mapping.transform({"nummer": "PL-1", "persoon": person(1)}, None)
    assert result.violation is None
    assert result.nodes[0] == (NodeLabel.INCIDENT, "PL-1", {})
    assert result.links == [
        (
            RelType.INVOLVED_IN,
            NodeLabel.PERSON,
            person(1),
            NodeLabel.INCIDENT,
            "PL-1",
            {"role": "suspect"},
        )
    ]
    # An optional entity with an empty key yields no node and no link.
    result = mapping.transform({"nummer": "PL-1", "persoon": ""}, None)
    assert len(result.nodes) == 1
    assert result.links == []


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("key: persoon,", "key: naam,", "entities.person.key"),  # unknown column
        ("label: Incident", "label: Incidentje", "entities.incident.label"),  # unknown kind
        ("{label: Incident, key: nummer}", "{label: Incident}", "entities.incident.key"),
        ("type: INVOLVED_IN", "type: KNOWS", "links[0].type"),  # unknown link type
        ("from: person, to: incident", "from: incident, to: person", "links[0].from"),
        ("{role: {const: suspect}}", "{colour: {const: red}}", "links[0].properties.colour"),
        ("type: token, kind: person", "type: token", "columns.persoon.kind"),
        ("type: string, required", "type: text, required", "columns.nummer.type"),
        ("partners: [POL]", "partners: [XYZ]", "partners"),
        ("partners: [POL]\n", "partners: [POL]\nextra: 1\n", "(document).extra"),
    ],
)
def test_malformed_mapping_names_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD.format(name="x").replace("{{", "{")
    text = GOOD.replace(
        old.replace("{", "{{").replace("}", "}}"), new.replace("{", "{{").replace("}", "}}")
    )
    path = _write(tmp_path, text)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert str(path) in str(info.value)
    assert key in str(info.value)


def test_source_must_equal_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other_name.yaml"
    path.write_text(GOOD.format(name="test_source"), encoding="utf-8")
    with pytest.raises(MappingError, match="source"):
        load_mapping(path)


def test_row_with_bad_value_is_a_violation_naming_column_and_rule(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, GOOD))
    result = mapping.transform({"nummer": "PL-1", "persoon": "VEH-" + "A" * 26}, None)
    assert result.violation == ("persoon", "token_kind")
    result = mapping.transform({"nummer": "", "persoon": ""}, None)
    assert result.violation == ("nummer", "required")


def test_link_when_condition_decides_per_row() -> None:
    # kvk_functionarissen: a director is not a shareholder, a shareholder not a director.
    from tests.ingest_fixtures import person

    mapping = load_mappings()["kvk_functionarissen"]
    base = dict.fromkeys(mapping.columns)
    director = mapping.transform(
        base | {"kvk_nummer": "12345678", "persoon_token": person(1), "functie": "bestuurder"},
        None,
    )
    assert director.violation is None, director.violation
    assert {link[0] for link in director.links} == {RelType.DIRECTORSHIP}
    owner = mapping.transform(
        base | {"kvk_nummer": "12345678", "persoon_token": person(1), "functie": "aandeelhouder"},
        None,
    )
    assert owner.violation is None, owner.violation
    assert {link[0] for link in owner.links} == {RelType.OWNERSHIP}


def test_a_column_of_a_later_format_version_may_be_absent_but_never_required(
    tmp_path: Path,
) -> None:
    later = GOOD.replace(
        "persoon: {{type: token, kind: person}}",
        "persoon: {{type: token, kind: person}}\n  aantal: {{type: integer, min: 1, added_in: 2}}",
    )
    mapping = load_mapping(_write(tmp_path, later))
    assert mapping.required_columns == ["nummer", "persoon"]
    assert list(mapping.columns) == ["nummer", "persoon", "aantal"]
    both = later.replace("added_in: 2}}", "added_in: 2, required: true}}")
    with pytest.raises(MappingError, match="cannot be required"):
        load_mapping(_write(tmp_path, both, name="other_source"))


@pytest.mark.parametrize(
    ("column", "prop"),
    [
        ("dag: {{type: date}}", "type: dag"),  # a date into a text property
        ("dag: {{type: string}}", "date: dag"),  # text into a date property
    ],
)
def test_dates_go_only_to_the_models_date_properties(
    tmp_path: Path, column: str, prop: str
) -> None:
    # The subgraph reads send the model's dates as text and read them back as dates
    # (decision 087): a date stored under another name, or text under a date's, is refused.
    text = GOOD.replace(
        "  persoon: {{type: token, kind: person}}\n",
        f"  persoon: {{{{type: token, kind: person}}}}\n  {column}\n",
    ).replace(
        "incident: {{label: Incident, key: nummer}}",
        f"incident: {{{{label: Incident, key: nummer, properties: {{{{{prop}}}}}}}}}",
    )
    path = _write(tmp_path, text)
    with pytest.raises(MappingError, match="date property") as info:
        load_mapping(path)
    assert "entities.incident.properties" in str(info.value)
    good = (
        text.replace("type: date}", "type: date, required: true}")
        .replace("type: string}", "type: date}")
        .replace("type: dag", "date: dag")
    )
    assert load_mapping(_write(tmp_path, good, name="good_source")).source == "good_source"
