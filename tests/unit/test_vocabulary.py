"""The shared vocabulary: the token pattern follows the token kinds."""

from __future__ import annotations

from graph.vocabulary import TOKEN_KINDS, TOKEN_PATTERN

_BODY = "A" * 26


def test_every_token_kind_prefix_is_a_well_formed_token() -> None:
    for prefix in TOKEN_KINDS.values():
        assert TOKEN_PATTERN.fullmatch(f"{prefix}-{_BODY}")


def test_a_prefix_that_is_no_token_kind_is_refused() -> None:
    assert "XYZ" not in TOKEN_KINDS.values()
    assert not TOKEN_PATTERN.fullmatch(f"XYZ-{_BODY}")
    assert not TOKEN_PATTERN.fullmatch(f"PRS-{_BODY[:-1]}")
