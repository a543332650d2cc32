"""The shape of a mapping file (``ingest/mappings/<source>.yaml``), as pydantic models.

These models check what a mapping document may say, key by key: unknown keys, wrong types,
unknown column types, code lists, partner codes, and the shorthands (``postcode: postcode`` for
``{type: postcode}``, ``key: nummer`` for ``key: [nummer]``, a single ``when`` for a list of
one). What the document means against the graph model (labels, their properties, link rules,
columns named by entities) is checked by :mod:`ingest.mapping` when it builds the specs.
Errors are formatted by :mod:`graph.validation`: file, key, rule, never a value.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from graph.validation import refuse_unless, rule_error
from graph.vocabulary import PARTNERS, TOKEN_KINDS
from ingest.validate import CODELISTS, COLUMN_TYPES

__all__ = [
    "ColumnDocument",
    "ConditionDocument",
    "CsvDocument",
    "EntityDocument",
    "LinkDocument",
    "MappingDocument",
    "PropertyDocument",
]


def _one_or_many(value: Any) -> Any:
    """``x`` as ``[x]``; a list (or anything else, for pydantic to judge) as it is."""
    return [value] if isinstance(value, str | dict) else value


def _none_as(empty: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: empty if value is None else value)


def _texts(value: Any) -> Any:
    """Code values and map entries as text (YAML reads ``01`` or ``true`` otherwise)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return value


PartnerCode = Annotated[
    str, refuse_unless(PARTNERS.__contains__, "unknown partner code (see docs/delivery-format.md)")
]
Texts = Annotated[tuple[str, ...], BeforeValidator(_one_or_many)]
Conditions = Annotated[tuple["ConditionDocument", ...], _none_as(()), BeforeValidator(_one_or_many)]
Properties = Annotated[dict[str, "PropertyDocument"], _none_as({})]


class ColumnDocument(BaseModel):
    """One column: its type and constraints (``columns.<name>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Annotated[
        str,
        refuse_unless(
            COLUMN_TYPES.__contains__, f"unknown column type (one of {sorted(COLUMN_TYPES)})"
        ),
    ]
    required: bool = False
    format: Texts = ()
    kind: str | None = Field(default=None, validate_default=True)
    codelist: (
        Annotated[
            str, refuse_unless(CODELISTS.__contains__, f"unknown code list ({sorted(CODELISTS)})")
        ]
        | None
    ) = None
    values: Annotated[tuple[str, ...] | None, BeforeValidator(_texts)] = Field(
        default=None, validate_default=True
    )
    map: Annotated[dict[str, str] | None, BeforeValidator(_texts)] = None
    min: float | None = None
    max: float | None = None
    pattern: Annotated[str | None, BeforeValidator(lambda v: v if v is None else str(v))] = None
    #: The format version that added this column (2, 3, ...): a file of an earlier version may
    #: leave it out of its header (``docs/delivery-format.md``, "Format versions").
    added_in: int | None = Field(default=None, ge=2)

    @field_validator("added_in")
    @classmethod
    def _added_in(cls, added_in: int | None, info: ValidationInfo) -> int | None:
        if added_in is not None and info.data.get("required"):
            raise rule_error("a column added by a later format version cannot be required")
        return added_in

    @field_validator("kind")
    @classmethod
    def _kind(cls, kind: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("type") == "token" and kind not in TOKEN_KINDS:
            raise rule_error(f"token columns need a kind ({sorted(TOKEN_KINDS)})")
        return kind

    @field_validator("values")
    @classmethod
    def _values(cls, values: tuple[str, ...] | None, info: ValidationInfo) -> Any:
        code = info.data.get("type") == "code"
        if code and values is None and "codelist" in info.data and info.data["codelist"] is None:
            raise rule_error("code columns need a codelist or values")
        return values

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, pattern: str | None, info: ValidationInfo) -> str | None:
        if pattern is None:
            return None
        if info.data.get("type") != "string":
            raise rule_error("only string columns take a pattern")
        try:
            re.compile(pattern)
        except re.error as e:
            raise rule_error(f"not a regular expression ({e.msg})") from None
        return pattern


class PropertyDocument(BaseModel):
    """Where a property comes from: a column (``date: datum``) or a constant (``{const: x}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    const: Any = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"column": value}
        if isinstance(value, dict) and "const" not in value:
            raise rule_error("a constant is written {const: value}")
        if not isinstance(value, dict):
            raise rule_error("must be a column name or {const: value}")
        return value


class ConditionDocument(BaseModel):
    """``when``: the entity or link applies only when a column has one of some values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    in_: Annotated[tuple[str, ...] | None, BeforeValidator(_texts)] = Field(None, alias="in")
    equals: Annotated[str | None, BeforeValidator(lambda v: v if v is None else str(v))] = None
    prefix: str | None = None

    @property
    def values(self) -> frozenset[str] | None:
        """The values that satisfy the condition (``in`` or ``equals``), if it names any."""
        if self.in_ is not None:
            return frozenset(self.in_)
        return None if self.equals is None else frozenset({self.equals})


class EntityDocument(BaseModel):
    """One entity a row yields (``entities.<name>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    key: Annotated[Texts, Field(min_length=1)]
    separator: Annotated[str, BeforeValidator(str)] = "-"
    properties: Properties = Field(default_factory=dict)
    optional: bool = False
    when: Conditions = ()


class LinkDocument(BaseModel):
    """One link a row yields between two of its entities (``links[i]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    from_: str = Field(alias="from")
    to: str
    properties: Properties = Field(default_factory=dict)
    when: Conditions = ()


class CsvDocument(BaseModel):
    """How a CSV file of the source is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: Annotated[str, BeforeValidator(str)] = ","


def _shorthand_columns(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {str(n): {"type": c} if isinstance(c, str) else c for n, c in value.items()}


def _named(value: Any) -> Any:
    return {str(n): e for n, e in value.items()} if isinstance(value, dict) else value


class MappingDocument(BaseModel):
    """A whole mapping file; validate with ``context={"stem": path.stem}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    description: str | None = None
    partners: Annotated[list[PartnerCode], Field(min_length=1)]
    csv: Annotated[CsvDocument, _none_as({})] = CsvDocument()
    columns: Annotated[
        dict[str, ColumnDocument], BeforeValidator(_shorthand_columns), Field(min_length=1)
    ]
    entities: Annotated[dict[str, EntityDocument], BeforeValidator(_named), Field(min_length=1)]
    links: Annotated[list[LinkDocument], _none_as([])] = Field(default_factory=list)

    @field_validator("source")
    @classmethod
    def _source(cls, source: str, info: ValidationInfo) -> str:
        stem = (info.context or {}).get("stem")
        if stem is not None and source != stem:
            raise rule_error("must equal the file name without .yaml")
        return source
