"""The production compose file: N API replicas behind the reverse proxy, each with its own name
and audit volume, reached only through the proxy (decisions 058 and 074). Docker does not run
here; this checks the file's structure and its agreement with deploy/Caddyfile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # merge keys (<<) resolved
    assert isinstance(data, dict)
    return data


def _replicas(services: dict[str, Any]) -> dict[str, Any]:
    return {
        name: service
        for name, service in services.items()
        if service.get("command", [])[:2] == ["knooppunt", "serve"]
    }


def _named_volumes(service: dict[str, Any]) -> list[tuple[str, str]]:
    """``(volume, mount point)`` of the service's named volumes (not bind mounts)."""
    found = []
    for entry in service.get("volumes", []):
        source, target = str(entry).split(":")[:2]
        if not source.startswith((".", "/", "$")):
            found.append((source, target))
    return found


def test_two_api_replicas_each_with_its_own_name_and_audit_volume() -> None:
    services = _compose()["services"]
    replicas = _replicas(services)
    assert sorted(replicas) == ["api1", "api2"]
    names = [service["environment"]["KNOOPPUNT_REPLICA"] for service in replicas.values()]
    assert names == sorted(set(names)) == ["api1", "api2"]
    owners: dict[str, list[str]] = {}
    for name, service in services.items():
        for volume, _ in _named_volumes(service):
            owners.setdefault(volume, []).append(name)
    for name, service in replicas.items():
        env = service["environment"]
        audit_dir = str(Path(env["KNOOPPUNT_AUDIT_LOG"]).parent)
        mounts = [(v, t) for v, t in _named_volumes(service) if audit_dir.startswith(t)]
        assert len(mounts) == 1, f"{name}: its audit directory is on no volume of its own"
        assert owners[mounts[0][0]] == [name], f"{name}: its audit volume is shared"
        assert int(env["KNOOPPUNT_API_WORKERS"].split(":-")[-1].rstrip("}")) >= 1
        assert "ports" not in service, f"{name}: a replica is reached only through the proxy"
        wanted = {"jwt_secret", "audit_key", "metrics_token", "session_secret"}
        assert set(service["secrets"]) >= wanted
        assert service["read_only"] is True
        assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_the_proxy_alone_publishes_the_api_and_balances_every_replica() -> None:
    services = _compose()["services"]
    published = [
        name for name, s in services.items() if any(":8000" in p for p in s.get("ports", []))
    ]
    assert published == ["proxy"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("${CADDY_IMAGE:-caddy:2.")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == set(_replicas(services))
    # Dropping every capability needs the one the image's caddy binary carries back.
    assert proxy["cap_drop"] == ["ALL"]
    assert proxy["cap_add"] == ["NET_BIND_SERVICE"]
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    upstreams = re.search(r"^\s*to\s+(.+)$", caddyfile, flags=re.MULTILINE)
    assert upstreams is not None
    assert upstreams.group(1).split() == [f"{name}:8000" for name in sorted(_replicas(services))]
    assert re.search(r"^\s*health_uri /ready$", caddyfile, flags=re.MULTILINE)
    assert re.search(r"^:8000 \{$", caddyfile, flags=re.MULTILINE)
    # Large JSON (a cluster graph) leaves the proxy compressed when the browser accepts it.
    assert re.search(r"^\s*encode zstd gzip$", caddyfile, flags=re.MULTILINE)


def test_every_volume_secret_and_dependency_is_declared() -> None:
    data = _compose()
    services = data["services"]
    declared_volumes = set(data["volumes"])
    used = {v for service in services.values() for v, _ in _named_volumes(service)}
    assert used == declared_volumes
    declared_secrets = set(data["secrets"])
    for name, service in services.items():
        assert set(service.get("secrets", [])) <= declared_secrets, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    # Extension fields are the only other top-level keys the Compose specification allows here.
    allowed = {"name", "services", "networks", "volumes", "secrets", "configs", "include"}
    assert {key for key in data if not key.startswith("x-")} <= allowed
