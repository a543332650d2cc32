"""The graph's model: node labels and relationship types, as allow-listed enums.

Labels and relationship types are never taken from input (Cypher cannot parameterise them);
code that needs one in a query picks it from these enums. What each entity label holds and
what each link type joins is data, ``graph/data/graph-model.yaml``, loaded and checked here
(:func:`graph_model`); ``docs/graph-model.md`` is generated from it (``graph.model_doc``).
Regions, typologies and the code lists are the vocabulary (:mod:`graph.vocabulary`).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.errors import ModelError
from graph.validation import explain

__all__ = [
    "ENTITY_LABEL",
    "MODEL_FILE",
    "NON_ENTITY_LABELS",
    "RESULT_REL_TYPES",
    "EntityKind",
    "GraphModel",
    "LinkKind",
    "NodeLabel",
    "RecordKind",
    "RelType",
    "graph_model",
    "parse_graph_model",
]

#: Extra label on every entity node (not on Delivery or analysis results), indexed on ``id``.
ENTITY_LABEL = "Entity"


class NodeLabel(StrEnum):
    """Node labels. Entity labels follow FollowTheMoney's schema names where one fits."""

    PERSON = "Person"
    COMPANY = "Company"
    ADDRESS = "Address"
    VEHICLE = "Vehicle"
    PHONE = "Phone"
    BANK_ACCOUNT = "BankAccount"
    CLUB = "Club"
    INCIDENT = "Incident"
    INVESTIGATION = "Investigation"
    PERMIT_APPLICATION = "PermitApplication"
    DELIVERY = "Delivery"
    ANALYSIS_RUN = "AnalysisRun"
    CLUSTER = "Cluster"
    CLUSTER_EVENT = "ClusterEvent"
    ALERT = "Alert"
    ALERT_STATUS = "AlertStatus"
    WRITER_LOCK = "WriterLock"
    #: The API's audit chain head, signed (``docs/decisions/066``); ``id`` is the chain id.
    AUDIT_CHECKPOINT = "AuditCheckpoint"
    #: Counts the changes to stored results made outside an analysis run (alert statuses), so
    #: that the API's caches see them (``docs/decisions/074``).
    RESULTS_VERSION = "ResultsVersion"
    #: A one-time sign-in link that has been used (``api.session``, decision 078); ``id`` is the
    #: link's ``jti``. Kept until the link would have expired, so no link signs in twice.
    LOGIN_TICKET = "LoginTicket"
    CASE = "Case"
    CASE_EVENT = "CaseEvent"
    CASE_NOTE = "CaseNote"
    CASE_SEQUENCE = "CaseSequence"
    CASE_READ = "CaseRead"
    #: A municipality's Bibob request to its RIEC (``graph.cases.bibob``).
    BIBOB_REQUEST = "BibobRequest"
    INTERVENTION = "Intervention"


class RelType(StrEnum):
    """Relationship types between entities (FollowTheMoney's link names where one fits)."""

    LIVES_AT = "LIVES_AT"
    REGISTERED_AT = "REGISTERED_AT"
    DIRECTORSHIP = "DIRECTORSHIP"
    OWNERSHIP = "OWNERSHIP"
    EMPLOYMENT = "EMPLOYMENT"
    MEMBERSHIP = "MEMBERSHIP"
    USES = "USES"
    HOLDS = "HOLDS"
    RENTS = "RENTS"
    INVOLVED_IN = "INVOLVED_IN"
    SUBJECT_OF = "SUBJECT_OF"
    APPLIED_FOR = "APPLIED_FOR"
    CONCERNS = "CONCERNS"
    ASSOCIATE = "ASSOCIATE"
    SHIPMENT = "SHIPMENT"
    SPONSOR = "SPONSOR"
    MEMBER_OF_CLUSTER = "MEMBER_OF"
    ABOUT = "ABOUT"


# --- the graph model as data (graph/data/graph-model.yaml) -----------------------------------

MODEL_FILE: Final = Path(__file__).parent / "data" / "graph-model.yaml"

#: Node labels that are not entities (deliveries and analysis results).
NON_ENTITY_LABELS: Final = frozenset(
    {
        NodeLabel.DELIVERY,
        NodeLabel.ANALYSIS_RUN,
        NodeLabel.CLUSTER,
        NodeLabel.CLUSTER_EVENT,
        NodeLabel.ALERT,
        NodeLabel.ALERT_STATUS,
        NodeLabel.WRITER_LOCK,
        NodeLabel.AUDIT_CHECKPOINT,
        NodeLabel.RESULTS_VERSION,
        NodeLabel.LOGIN_TICKET,
        NodeLabel.CASE,
        NodeLabel.CASE_EVENT,
        NodeLabel.CASE_NOTE,
        NodeLabel.CASE_SEQUENCE,
        NodeLabel.CASE_READ,
        NodeLabel.BIBOB_REQUEST,
        NodeLabel.INTERVENTION,
    }
)
#: Relationship types written by the analysis, not by ingest.
RESULT_REL_TYPES: Final = frozenset({RelType.MEMBER_OF_CLUSTER, RelType.ABOUT})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EntityKind(_Strict):
    """One entity label: what its id is, what a mapping may set, what ingest derives."""

    label: NodeLabel
    id: str
    properties: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    note: str | None = None


class LinkKind(_Strict):
    """One link type: the labels it may join and the properties a mapping may set."""

    type: RelType
    sources: tuple[NodeLabel, ...] = Field(alias="from")
    targets: tuple[NodeLabel, ...] = Field(alias="to")
    properties: tuple[str, ...] = ()
    note: str | None = None


class Provenance(_Strict):
    """The provenance properties the writer sets on every entity and link; ``dates`` are the
    summary's dates, each with its per-source list ``src_<name>``."""

    per_source: tuple[str, ...]
    summary: tuple[str, ...]
    dates: tuple[str, ...] = ()


class RecordKind(_Strict):
    """A node label that is no entity (a case record): its id, properties and links."""

    label: NodeLabel
    id: str
    properties: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    note: str | None = None


class GraphModel(_Strict):
    """Entity kinds and link kinds, keyed by label and type; the case records."""

    entities: dict[NodeLabel, EntityKind]
    links: dict[RelType, LinkKind]
    provenance: Provenance
    #: Properties of entities and links stored as dates (not the provenance's own).
    dates: tuple[str, ...] = ()
    records: dict[NodeLabel, RecordKind] = Field(default_factory=dict)

    @property
    def date_properties(self) -> frozenset[str]:
        """Every property of an entity or link that holds one date."""
        return frozenset((*self.dates, *self.provenance.dates))

    @property
    def date_list_properties(self) -> frozenset[str]:
        """Every property of an entity or link that holds a list of dates (per source)."""
        return frozenset(f"src_{name}" for name in self.provenance.dates)


def _with_names(raw: object, key: str) -> object:
    if not isinstance(raw, dict):
        return raw
    return {
        name: {key: name, **spec} if isinstance(spec, dict) else spec for name, spec in raw.items()
    }


def parse_graph_model(text: str, *, source: str = "graph-model.yaml") -> GraphModel:
    """Parse and check a graph model; a :class:`~graph.errors.ModelError` names key and rule
    (:mod:`graph.validation`'s format).

    The model must describe every entity label of :class:`NodeLabel` and every ingest link
    type of :class:`RelType`, and nothing else.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ModelError(f"{source}: not valid YAML") from e
    if not isinstance(raw, dict):
        raise ModelError(f"{source}: key '': must be a mapping with entities, links and provenance")
    raw = {
        **raw,
        "entities": _with_names(raw.get("entities"), "label"),
        "links": _with_names(raw.get("links"), "type"),
        "records": _with_names(raw.get("records") or {}, "label"),
    }
    try:
        model = GraphModel.model_validate(raw)
    except ValidationError as e:
        raise ModelError(explain(e, source=source, model=GraphModel)) from None
    _check_complete(model, source)
    return model


def _check_complete(model: GraphModel, source: str) -> None:
    entities = set(NodeLabel) - NON_ENTITY_LABELS
    if set(model.entities) != entities:
        missing = sorted(entities - set(model.entities))
        extra = sorted(set(model.entities) - entities)
        raise ModelError(
            f"{source}: key 'entities': must name every entity label once (missing {missing}, "
            f"not entities {extra})"
        )
    links = set(RelType) - RESULT_REL_TYPES
    if set(model.links) != links:
        absent = sorted(str(t) for t in links - set(model.links))
        unknown = sorted(str(t) for t in set(model.links) - links)
        raise ModelError(
            f"{source}: key 'links': must name every ingest link type once (missing {absent}, "
            f"not ingest links {unknown})"
        )
    if not set(model.records) <= NON_ENTITY_LABELS:
        raise ModelError(f"{source}: key 'records': may name non-entity labels only")
    for kind in model.links.values():
        wrong = sorted(set(kind.sources + kind.targets) - entities)
        if wrong:
            raise ModelError(f"{source}: key 'links.{kind.type}': may join entity labels only")
    prov = model.provenance
    if not set(prov.dates) <= set(prov.summary) or not model.date_list_properties <= set(
        prov.per_source
    ):
        raise ModelError(
            f"{source}: key 'provenance.dates': must name summary properties whose "
            "src_<name> is a per-source list"
        )
    settable = {p for kind in model.entities.values() for p in kind.properties}
    settable |= {p for link in model.links.values() for p in link.properties}
    if not set(model.dates) <= settable:
        raise ModelError(f"{source}: key 'dates': may name properties of entities or links only")


@lru_cache(maxsize=1)
def graph_model() -> GraphModel:
    """The product's graph model (``graph/data/graph-model.yaml``), loaded once."""
    return parse_graph_model(MODEL_FILE.read_text(encoding="utf-8"), source=str(MODEL_FILE))
