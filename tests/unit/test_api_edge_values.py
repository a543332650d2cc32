"""Edge values of every date, datetime and cursor parameter are answered as problems (400,
422 or the offline 503), never a 500; out-of-range ones are 400 naming the parameter."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.auth import mint_token
from api.params import FIRST_DAY, LAST_DAY
from graph.settings import Settings
from tests.api_offline import offline_settings

_EDGE_YEARS = st.one_of(st.integers(1, 3), st.integers(1898, 1901), st.integers(9997, 9999))
_OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def _instants(draw: st.DrawFn) -> datetime:
    year = draw(st.one_of(_EDGE_YEARS, st.integers(1, 9999)))
    base = datetime(year, draw(st.integers(1, 12)), draw(st.integers(1, 28)), tzinfo=UTC)
    naive = base.replace(hour=draw(st.integers(0, 23)), minute=draw(st.integers(0, 59)))
    return (
        naive.replace(tzinfo=draw(_OFFSETS)) if draw(st.booleans()) else naive.replace(tzinfo=None)
    )


_DAYS = st.one_of(_EDGE_YEARS, st.integers(1, 9999)).flatmap(
    lambda y: st.dates(date(y, 1, 1), date(y, 12, 31))
)


def _in_range(moment: datetime) -> bool:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return FIRST_DAY <= aware.astimezone(UTC).date() <= LAST_DAY
    except OverflowError:
        return False


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    app_settings = offline_settings(Path(tmp_path_factory.mktemp("edge")) / "audit.log")
    driver = neo4j.AsyncGraphDatabase.driver(
        str(app_settings.neo4j_uri), auth=("neo4j", "unused"), connection_timeout=1
    )
    with TestClient(create_app(app_settings, driver=driver)) as test_client:
        yield test_client, app_settings


def _get(
    client: tuple[TestClient, Settings], path: str, role: str = "analyst", **params: str
) -> tuple[int, dict[str, object]]:
    test_client, app_settings = client
    token = mint_token(app_settings, subject="edge", org="Limburg", role=role)
    response = test_client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code != 500, (path, params, response.text)
    assert (
        response.headers["content-type"].startswith("application/problem+json")
        or response.status_code == 200
    )
    return response.status_code, response.json()


_PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _cursor(moment: datetime) -> str:
    raw = json.dumps([moment.isoformat(), "AL-0123456789ab"]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: Every datetime parameter: (path, role, parameter, how the instant is sent).
_INSTANT_PARAMETERS = [
    ("/alerts", "analyst", "since", datetime.isoformat),
    ("/alerts", "analyst", "cursor", _cursor),
    ("/audit", "privacy-officer", "since", datetime.isoformat),
]


@pytest.mark.parametrize(("path", "role", "name", "send"), _INSTANT_PARAMETERS)
@_PROPERTY
@given(moment=_instants())
def test_instant_parameters(
    client: tuple[TestClient, Settings],
    path: str,
    role: str,
    name: str,
    send: Callable[[datetime], str],
    moment: datetime,
) -> None:
    status, body = _get(client, path, role=role, **{name: send(moment)})
    if not _in_range(moment):
        assert status == 400
        assert str(body["detail"]).startswith(f"{name}: out of the supported range")


@_PROPERTY
@given(first=st.one_of(st.none(), _DAYS), last=st.one_of(st.none(), _DAYS))
def test_trends_from_to(
    client: tuple[TestClient, Settings], first: date | None, last: date | None
) -> None:
    params = {k: v.isoformat() for k, v in (("from", first), ("to", last)) if v is not None}
    status, body = _get(client, "/trends", **params)
    for name, day in (("to", last), ("from", first)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            assert status == 400
            assert str(body["detail"]).startswith(f"{name}: out of the supported range") or (
                name == "from" and last is not None and not FIRST_DAY <= last <= LAST_DAY
            )
            return


def test_the_probes_of_the_issue(client: tuple[TestClient, Settings]) -> None:
    assert _get(client, "/trends", to="0001-06-01")[0] == 400
    assert _get(client, "/alerts", since="0001-01-01T00:00:00+05:00")[0] == 400
    raw = json.dumps(["2025-01-01T00:00:00+23:59", "AL-0123456789ab"]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert _get(client, "/alerts", cursor=cursor)[0] != 500
