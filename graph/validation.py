"""One way to say why input at an edge is invalid: file, key and rule, never the value.

Manifests, mappings, token claims and settings are validated with pydantic models; their
:class:`~pydantic.ValidationError` is turned into :class:`Problem` objects here, and from them
into one message. Pydantic's own text repeats the input (``input_value=...``) and some of its
messages interpolate it; a delivery's values may be personal data and a setting's value a
secret, so the rule is rebuilt from the error's type and context, and a rule that would still
hold the input is replaced by the bare rule name.

Examples
--------
>>> from pydantic import BaseModel, ConfigDict, ValidationError
>>> class Claims(BaseModel):
...     model_config = ConfigDict(extra="forbid", frozen=True)
...     sub: str
>>> try:
...     Claims.model_validate({"sub": 7, "name": "Jan Jansen"})
... except ValidationError as e:
...     print(explain(e, source="token", model=Claims))
token: key 'sub': must be a string; token: key 'name': unknown key (allowed: sub)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Any, Final, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

__all__ = [
    "DOCUMENT",
    "Problem",
    "describe",
    "explain",
    "problems",
    "refuse_unless",
    "rule_error",
]

#: The key of a problem with the document as a whole (its root is not an object, say).
DOCUMENT: Final = "(document)"

#: How many problems one message lists; the rest are counted.
_LIMIT: Final = 10

#: Error types of pydantic itself (anything else was raised by our own validators).
_BUILTIN_TYPES: Final = frozenset(get_args(ErrorType))

_PHRASES: Final[dict[str, str]] = {
    "missing": "required key missing",
    "extra_forbidden": "unknown key",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "too_short": "must hold at least {min_length} item(s)",
    "too_long": "must hold at most {max_length} item(s)",
    "string_too_short": "must hold at least {min_length} character(s)",
    "string_too_long": "must hold at most {max_length} character(s)",
    "string_pattern_mismatch": "must match {pattern}",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "date_type": "must be an ISO date (YYYY-MM-DD)",
    "date_parsing": "must be an ISO date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be an ISO date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "must be an ISO date (YYYY-MM-DD)",
    "datetime_type": "must be an ISO date and time",
    "datetime_parsing": "must be an ISO date and time",
    "json_invalid": "not valid JSON",
    "json_type": "must be JSON text",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where (``key``, a dotted path) and which ``rule``."""

    key: str
    rule: str


def rule_error(rule: str, name: str = "rule") -> PydanticCustomError:
    """The error a validator of ours raises: ``rule`` is shown as it is, so never put the
    value in it."""
    return PydanticCustomError(name, rule)


def refuse_unless(test: Callable[[Any], bool], text: str) -> AfterValidator:
    """A validator (for ``Annotated[...]``) that refuses a value failing ``test`` with ``text``.

    >>> from typing import Annotated
    >>> from pydantic import TypeAdapter
    >>> Small = Annotated[int, refuse_unless(lambda n: n < 10, "must be below 10")]
    >>> TypeAdapter(Small).validate_python(3)
    3
    """

    def check(value: Any) -> Any:
        if not test(value):
            raise rule_error(text)
        return value

    return AfterValidator(check)


def _dotted(loc: Sequence[int | str], root: str | None) -> str:
    if not loc:
        return root or DOCUMENT
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def _unwrap(annotation: Any) -> Any:
    """``X`` for ``X | None``; anything else as it is."""
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        if len(members) == 1:
            return members[0]
    return annotation


def _step(current: Any, part: int | str) -> Any:
    """The annotation one ``loc`` step below ``current``, or ``None`` when it cannot be told."""
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        for name, info in current.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin, args = get_origin(current), get_args(current)
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    if origin in (list, tuple, frozenset, set, Sequence) and args:
        return args[0]
    return None


def _allowed(model: type[BaseModel] | None, parent: Sequence[int | str]) -> list[str] | None:
    """The keys the model at ``parent`` accepts (aliases where the document uses them)."""
    current: Any = model
    for part in parent:
        current = _step(current, part)
    current = _unwrap(current)
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return None
    return sorted(info.alias or name for name, info in current.model_fields.items())


def _holds_input(rule: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return False
    text = str(value).strip()
    return bool(text) and text in rule


def _rule(item: ErrorDetails, model: type[BaseModel] | None) -> str:
    kind = item["type"]
    context = {k: v for k, v in (item.get("ctx") or {}).items() if k != "input"}
    if kind not in _BUILTIN_TYPES:
        return item["msg"]  # one of ours (:func:`rule_error`): fixed text, no value in it
    if kind in ("value_error", "assertion_error"):
        rule = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    elif kind in _PHRASES:
        try:
            rule = _PHRASES[kind].format(**context)
        except (KeyError, IndexError):
            rule = _PHRASES[kind].split(" {", 1)[0]
    else:
        rule = f"breaks rule {kind!r}"
    if kind == "extra_forbidden":
        allowed = _allowed(model, item["loc"][:-1])
        if allowed:
            rule += f" (allowed: {', '.join(allowed)})"
    elif _holds_input(rule, item.get("input")):
        rule = f"breaks rule {kind!r}"  # an interpolated text that would repeat the value
    return rule


def problems(
    error: ValidationError, *, model: type[BaseModel] | None = None, root: str | None = None
) -> list[Problem]:
    """The problems of ``error``, by dotted key and rule, without any input value.

    ``model`` (the model that was validated) lets an unknown key name the keys allowed there;
    ``root`` names the document itself, so that an unknown top-level key reads
    ``(document).extra`` rather than a bare ``extra``.
    """
    out: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        key = _dotted(loc, root)
        if root and len(loc) == 1 and item["type"] == "extra_forbidden":
            key = f"{root}.{loc[0]}"
        out.append(Problem(key=key, rule=_rule(item, model)))
    return out


def describe(source: str, found: Iterable[Problem], *, noun: str = "key") -> str:
    """One message: ``<source>: <noun> '<key>': <rule>`` per problem, ``; ``-separated."""
    listed = list(found)
    parts = [f"{source}: {noun} {p.key!r}: {p.rule}" for p in listed[:_LIMIT]]
    if len(listed) > _LIMIT:
        parts.append(f"and {len(listed) - _LIMIT} more problem(s)")
    return "; ".join(parts)


def explain(
    error: ValidationError,
    *,
    source: str,
    model: type[BaseModel] | None = None,
    root: str | None = None,
    noun: str = "key",
) -> str:
    """:func:`describe` of the :func:`problems` of ``error``: the message to raise."""
    return describe(source, problems(error, model=model, root=root), noun=noun)
