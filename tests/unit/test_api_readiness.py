"""Waiting for a served API: ready after a while, never ready, or a server that died starting."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from api.readiness import wait_until_ready

Answers = Callable[..., list[str]]


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Make ``httpx.get`` answer ``statuses`` in turn, the last one from then on (None: the
    connection fails); returns the list of URLs asked."""

    def install(*statuses: int | None) -> list[str]:
        asked: list[str] = []
        queue = list(statuses)

        def get(url: str, *, timeout: float) -> httpx.Response:
            asked.append(url)
            status = queue.pop(0) if len(queue) > 1 else queue[0]
            if status is None:
                raise httpx.ConnectError("refused")
            return httpx.Response(status)

        monkeypatch.setattr(httpx, "get", get)
        return asked

    return install


def test_ready_once_the_server_answers_200(answers: Answers) -> None:
    asked = answers(None, 503, 200)
    assert wait_until_ready("http://127.0.0.1:1", timeout=5, interval=0)
    assert asked == ["http://127.0.0.1:1/ready"] * 3


def test_not_ready_when_the_time_runs_out(answers: Answers) -> None:
    answers(503)
    assert not wait_until_ready("http://127.0.0.1:1", timeout=0.05, interval=0.01)


def test_not_ready_when_the_server_is_gone(answers: Answers) -> None:
    asked = answers(None)
    assert not wait_until_ready("http://127.0.0.1:1", timeout=5, alive=lambda: False)
    assert asked == []
