"""Where the Neo4j server is and how to reach it: the one place that builds a driver.

With ``NEO4J_URI`` set, the configured server is used (docker compose, a cluster through
``neo4j://``, Aura through ``neo4j+s://``) with ``NEO4J_USER``/``NEO4J_PASSWORD``. Otherwise the
project's local instance (``KNOOPPUNT_INSTANCE`` or the ``instance`` argument) is used, with the
port and password recorded when it was first started. Create the driver once per process and
pass it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph.errors import ConfigurationError, Neo4jUnavailableError
from graph.localdb.instance import InstancePaths, load_state, read_password
from graph.settings import NEO4J_POOL_SIZE, Settings

__all__ = ["POOL_SIZE", "ConnectionInfo", "connect", "connect_async", "connection_info"]

_USER_AGENT = "knooppunt/0.1"

#: Connections one driver keeps at most (:data:`graph.settings.NEO4J_POOL_SIZE`).
POOL_SIZE = NEO4J_POOL_SIZE

# Queries read optional properties (an alert's `growth`, a status's `changed_at`) that a young
# database may never have written; Neo4j then sends an UNRECOGNIZED warning on every call, which
# the driver logs per request. Those warnings are expected, and logging them costs latency.
_QUIET_CATEGORIES = [neo4j.NotificationDisabledCategory.UNRECOGNIZED]


@dataclass(frozen=True)
class ConnectionInfo:
    """Address and credentials of the Neo4j server to use."""

    uri: str
    user: str
    password: str = field(repr=False)
    database: str
    #: The local instance's name, or ``None`` for a server given by ``NEO4J_URI``.
    instance: str | None = None

    @property
    def external(self) -> bool:
        return self.instance is None


def connection_info(settings: Settings, instance: str | None = None) -> ConnectionInfo:
    """The server to talk to: ``NEO4J_URI`` if configured, else the local ``instance``."""
    if settings.neo4j_uri:
        if settings.neo4j_password is None:
            raise ConfigurationError(
                f"NEO4J_URI is set ({settings.neo4j_uri}) but NEO4J_PASSWORD is not"
            )
        return ConnectionInfo(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
        )
    name = instance or settings.instance
    paths = InstancePaths(name=name, root=settings.instance_dir(name))
    state = load_state(paths)
    if state is None:
        raise Neo4jUnavailableError(
            f"local Neo4j instance '{name}' has never been started: run "
            f"`knooppunt db start --instance {name}` (or set NEO4J_URI)"
        )
    return ConnectionInfo(
        uri=state.bolt_uri,
        user="neo4j",
        password=read_password(paths),
        database=settings.neo4j_database,
        instance=name,
    )


def _hint(info: ConnectionInfo) -> str:
    if info.instance is not None:
        return f"start it with `knooppunt db start --instance {info.instance}`"
    return "check NEO4J_URI and that the server runs"


def connect(
    settings: Settings, instance: str | None = None, *, verify: bool = True
) -> neo4j.Driver:
    """A driver for the configured server; checks that it answers unless ``verify=False``.

    Raises :class:`Neo4jUnavailableError` when the server does not answer and
    :class:`ConfigurationError` when it refuses the credentials.
    """
    info = connection_info(settings, instance)
    driver = neo4j.GraphDatabase.driver(
        info.uri,
        auth=(info.user, info.password),
        user_agent=_USER_AGENT,
        notifications_disabled_categories=_QUIET_CATEGORIES,
        max_connection_pool_size=POOL_SIZE,
    )
    if verify:
        try:
            driver.verify_connectivity()
        except AuthError as e:
            driver.close()
            raise ConfigurationError(f"Neo4j at {info.uri} refused the credentials") from e
        except (ServiceUnavailable, OSError) as e:
            driver.close()
            raise Neo4jUnavailableError(
                f"Neo4j does not answer at {info.uri}: {_hint(info)}"
            ) from e
    return driver


def connect_async(settings: Settings, instance: str | None = None) -> neo4j.AsyncDriver:
    """An async driver for the configured server (not verified: await ``verify_connectivity``).

    The API's driver: connecting and waiting for a pooled connection are bounded by the
    settings' short timeouts (the driver's defaults are 30 s and 60 s), so that a Neo4j that
    restarts or hangs gives a fast error, well inside the request's deadline (decision 067).
    The async driver is not thread-safe: use it from one event loop.
    """
    info = connection_info(settings, instance)
    return neo4j.AsyncGraphDatabase.driver(
        info.uri,
        auth=(info.user, info.password),
        user_agent=_USER_AGENT,
        notifications_disabled_categories=_QUIET_CATEGORIES,
        max_connection_pool_size=POOL_SIZE,
        connection_timeout=settings.neo4j_connection_timeout_s,
        connection_acquisition_timeout=settings.neo4j_acquisition_timeout_s,
    )
