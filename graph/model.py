"""The graph's model: node labels and relationship types, as allow-listed enums.

Labels and relationship types are never taken from input (Cypher cannot parameterise them);
code that needs one in a query picks it from these enums. ``docs/graph-model.md`` describes
each label's key and properties and each relationship's direction. Regions, typologies and the
code lists are the vocabulary (:mod:`graph.vocabulary`).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ENTITY_LABEL", "NodeLabel", "RelType"]

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
