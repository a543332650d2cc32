"""The application log: structlog in front of the standard library's logging.

:func:`configure_logging` is called once by a long-running process (``knooppunt serve``). It
routes every logger, the project's structlog loggers and the libraries' standard ones (uvicorn,
the Neo4j driver), through one handler on stderr that writes either one JSON object per line
(production, a log collector) or a readable line (a terminal). What is logged is chosen where it
is logged; the rule for the whole project is in ``docs/operations.md``: never a token, a secret,
a request path or query value, or any identifier of a person or company.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

from graph.settings import Settings

__all__ = ["configure_logging", "get_logger", "uses_json"]

#: Libraries whose own handlers are dropped so that their records reach ours.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "neo4j")

#: What every record carries, from structlog and from the standard library alike.
_SHARED: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _route_structlog_to_stdlib() -> None:
    """structlog's loggers hand their events to the standard library's logging, so that one
    handler (set by :func:`configure_logging`, or pytest's ``caplog``) sees everything; without
    a handler, INFO events are dropped as the standard library drops them."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger named like a standard one (``knooppunt.api``)."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger


def uses_json(settings: Settings, stream: TextIO) -> bool:
    """Whether the log is JSON: as configured, or (``auto``) unless ``stream`` is a terminal."""
    if settings.log_format == "auto":
        return not stream.isatty()
    return settings.log_format == "json"


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (default stderr) at ``settings.log_level``."""
    out = stream if stream is not None else sys.stderr
    as_json = uses_json(settings, out)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    final: list[structlog.typing.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta
    ]
    if as_json:
        final.append(structlog.processors.format_exc_info)
    final.append(renderer)
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_SHARED, processors=final)
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)

    level = getattr(logging, settings.log_level.upper())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        library.setLevel(level)
    # The driver's INFO and DEBUG records describe connections and queries at length.
    logging.getLogger("neo4j").setLevel(max(level, logging.WARNING))
    _route_structlog_to_stdlib()


if not structlog.is_configured():
    _route_structlog_to_stdlib()
