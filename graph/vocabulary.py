"""The shared vocabulary: partners, legal bases, incident types, involvement roles, token
kinds (and the token pattern derived from them), regions and cluster typologies.

The lists are data, ``graph/data/vocabulary.yaml``, loaded and checked here once at import.
Every layer (generator, ingest, analysis, API, notebooks) reads them from this module, the
core. ``docs/delivery-format.md`` documents the same lists for partners. Changing a code is an
interface change for every partner's deliveries.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graph.errors import ModelError
from graph.validation import explain

__all__ = [
    "INCIDENT_TYPES",
    "INVOLVEMENT_ROLES",
    "LEGAL_BASES",
    "LIEC",
    "ORGANISATIONS",
    "PARTNERS",
    "REGIONS",
    "TOKEN_KINDS",
    "TOKEN_PATTERN",
    "TYPOLOGIES",
    "VOCABULARY_FILE",
    "LegalBasis",
    "Partner",
    "Vocabulary",
    "parse_vocabulary",
]

VOCABULARY_FILE: Final = Path(__file__).parent / "data" / "vocabulary.yaml"

_CODE = r"^[A-Z][A-Z-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Partner(_Strict):
    """A covenant partner (or the public company register) that delivers data."""

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    default_legal_basis: str
    #: The legal bases this partner may deliver under (the default among them).
    legal_bases: tuple[str, ...] = Field(min_length=1)


class LegalBasis(_Strict):
    """A legal basis for sharing, with the retention period it allows (illustrative)."""

    code: str = Field(pattern=_CODE)
    description: str = Field(min_length=1)
    retention_years: int = Field(ge=1, le=30)


class Vocabulary(_Strict):
    """The whole vocabulary file."""

    partners: dict[str, Partner]
    legal_bases: dict[str, LegalBasis]
    incident_types: tuple[str, ...] = Field(min_length=1)
    involvement_roles: tuple[str, ...] = Field(min_length=1)
    token_kinds: dict[str, str]
    regions: tuple[str, ...] = Field(min_length=1)
    typologies: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        for code, partner in self.partners.items():
            if partner.default_legal_basis not in self.legal_bases:
                raise ValueError(f"partner {code}: its default legal basis is not a legal basis")
            if partner.default_legal_basis not in partner.legal_bases:
                raise ValueError(f"partner {code}: its default legal basis is not among its bases")
            if set(partner.legal_bases) - set(self.legal_bases):
                raise ValueError(f"partner {code}: it may deliver under an unknown legal basis")
        for kind, prefix in self.token_kinds.items():
            if not re.fullmatch(r"[A-Z]{3}", prefix):
                raise ValueError(f"token kind {kind}: the prefix must be three capital letters")
        if len(set(self.token_kinds.values())) != len(self.token_kinds):
            raise ValueError("token kinds: every prefix once")
        for name in ("incident_types", "involvement_roles", "regions", "typologies"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: every value once")
        return self


def _with_codes(raw: object) -> object:
    if not isinstance(raw, dict):
        return raw
    return {
        code: {"code": code, **spec} if isinstance(spec, dict) else spec
        for code, spec in raw.items()
    }


def parse_vocabulary(text: str, *, source: str = "vocabulary.yaml") -> Vocabulary:
    """Parse and check a vocabulary file; a :class:`~graph.errors.ModelError` names the key and
    the rule broken."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ModelError(f"{source}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{source}: key '': must be a mapping of the vocabulary's lists")
    raw = {**raw, "partners": _with_codes(raw.get("partners"))}
    raw["legal_bases"] = _with_codes(raw.get("legal_bases"))
    try:
        return Vocabulary.model_validate(raw)
    except ValidationError as e:
        raise ModelError(explain(e, source=source, model=Vocabulary)) from None


_VOCABULARY: Final = parse_vocabulary(
    VOCABULARY_FILE.read_text(encoding="utf-8"), source=str(VOCABULARY_FILE)
)

PARTNERS: Final = MappingProxyType(dict(_VOCABULARY.partners))
LEGAL_BASES: Final = MappingProxyType(dict(_VOCABULARY.legal_bases))
#: Incident and registration types (police, KMar, customs, inspectorate, municipal enforcement).
INCIDENT_TYPES: Final = frozenset(_VOCABULARY.incident_types)
#: Role of a person or company in an incident or investigation.
INVOLVEMENT_ROLES: Final = frozenset(_VOCABULARY.involvement_roles)
#: Token kinds and their visible prefixes (the pseudonymiser's output format).
TOKEN_KINDS: Final = MappingProxyType(dict(_VOCABULARY.token_kinds))
#: A well-formed token: a kind prefix, a dash, 26 characters of RFC 4648 base32 (128 bits).
TOKEN_PATTERN: Final = re.compile(
    "^(" + "|".join(re.escape(prefix) for prefix in TOKEN_KINDS.values()) + ")-[A-Z2-7]{26}$"
)
#: The RIECs' own region names, in the order of the police units RE01..RE10.
REGIONS: Final[tuple[str, ...]] = _VOCABULARY.regions
#: Cluster typologies, shared by the ground truth, the analysis and the API.
TYPOLOGIES: Final[tuple[str, ...]] = _VOCABULARY.typologies
#: The national centre's organisation name (a token's ``org`` claim; no region of its own).
LIEC: Final = "LIEC"
#: Every organisation: the ten RIECs (by region) and the LIEC.
ORGANISATIONS: Final[tuple[str, ...]] = (*REGIONS, LIEC)
