"""The waitress server ``claimgraph serve`` runs, with the limits a public server needs.

waitress reads requests asynchronously and hands only complete ones to its
threads, so a slow or idle client costs a connection, not a thread; what runs out
is the connection limit (waitress's default 100: a hundred idle sockets stopped the
server answering anyone). So:

- ``connection_limit`` is raised (1000) and the process's open-file limit with it;
- idle connections are closed after ``channel_timeout`` (20 s; waitress: 120 s);
- a request whose headers have not all arrived ``header_timeout`` seconds after
  its first byte, or whose body has not arrived ``body_timeout`` seconds after it,
  is cut off (waitress has no such deadline: a client sending one header byte every
  few seconds held its connection for ever);
- a request naming both Content-Length and Transfer-Encoding is refused with 400
  (request smuggling through a proxy that reads the other one);
- a body whose declared Content-Length is over the route's limit (the app's
  ``BODY_LIMITS``, else ``MAX_CONTENT_LENGTH``) is refused with 413 before waitress
  reads it, instead of after it has been spooled to disk; ``max_request_body_size``
  bounds chunked bodies.

``LIMITS`` is the one table of these settings: ``serve`` options, config keys
(``CLAIMGRAPH_<KEY>``) and defaults all come from it.
"""

from __future__ import annotations

import errno
import logging
import resource
import time
import types
from dataclasses import dataclass
from typing import Callable

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import BaseWSGIServer, create_server
from waitress.utilities import RequestEntityTooLarge

log = logging.getLogger("claimgraph.server")


@dataclass(frozen=True)
class Limit:
    name: str  # the waitress adjustment or our own setting; option --name-with-dashes
    default: float | int
    help: str
    kind: type = int

    @property
    def config_key(self) -> str:
        return self.name.upper()


LIMITS = (
    Limit("threads", 8, "Request threads in the server."),
    Limit("connection_limit", 1000, "Open connections at most; more wait in the listen backlog."),
    Limit("channel_timeout", 20, "Seconds an idle connection (no request under way) is kept open.", float),
    Limit("header_timeout", 10, "Seconds a request's headers may take to arrive, from its first byte.", float),
    Limit("body_timeout", 120, "Seconds a request's body may take to arrive, from its first byte.", float),
    Limit("cleanup_interval", 2, "Seconds between checks for connections to close.", float),
    Limit("max_request_body_size", 0, "Bytes of request body at most, chunked or declared (0: the "
          "largest route limit, LOAD_MAX_BYTES; each route keeps its own, lower one)."),
    Limit("backlog", 1024, "Connections the system queues before they are accepted."),
)
BY_NAME = {limit.name: limit for limit in LIMITS}
_OWN = {"header_timeout", "body_timeout"}  # ours; the rest are waitress adjustments


def resolve(options: dict, config: dict) -> dict:
    """Each limit from the command line, else the app's config (``CLAIMGRAPH_<KEY>``), else its default."""
    resolved = {}
    for limit in LIMITS:
        value = options.get(limit.name)
        if value is None:
            value = config.get(limit.config_key, limit.default)
        try:
            resolved[limit.name] = limit.kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{limit.config_key} must be a number, not {value!r}") from None
    if not resolved["max_request_body_size"]:
        # waitress refuses bodies of this size and more; the routes' own limits are checked first.
        largest = max([*config.get("BODY_LIMITS", {}).values(), config.get("MAX_CONTENT_LENGTH") or 0])
        resolved["max_request_body_size"] = largest + 1
    return resolved


class PortInUse(OSError):
    """The address to listen on is taken (by another server, or an earlier run)."""


def listen(host: str, port: int, backlog: int):
    """A listening socket on ``host:port`` for several request processes to accept
    from (``serve --workers``); ``PortInUse`` when the port is taken."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(exc.errno, _in_use(host, port)) from None
        raise
    sock.listen(backlog)
    return sock


def _in_use(host: str, port: int) -> str:
    return f"{host}:{port} is already in use (another server is listening there); stop it or choose another --port"


def make_server(app, *, host: str, port: int, url_prefix: str = "",
                body_limit: Callable[[str, str], int | None] | None = None, sockets=None, **limits):
    """A waitress server for ``app`` with ``limits`` (names from ``LIMITS``; defaults
    for the rest); ``body_limit(method, path)`` is a route's body limit in bytes.
    ``sockets``: listening sockets bound already (``serve --workers``), instead of
    ``host`` and ``port``. Raises ``PortInUse`` when the port is taken: nothing is served then."""
    settings = {limit.name: limits.get(limit.name) or limit.default for limit in LIMITS}
    settings["max_request_body_size"] = settings["max_request_body_size"] or 1 << 30  # waitress's own default
    own = {name: settings.pop(name) for name in _OWN}
    _raise_open_file_limit(int(settings["connection_limit"]))
    parser = type("LimitedParser", (_LimitedParser,), {"body_limit": staticmethod(body_limit),
                                                       "url_prefix": url_prefix.rstrip("/")})
    channel = type("LimitedChannel", (HTTPChannel,), {"parser_class": parser})
    channels: dict = {}
    try:
        where = {"sockets": list(sockets)} if sockets else {"host": host, "port": port}
        server = create_server(app, map=channels, url_prefix=url_prefix, ident="claimgraph", **where, **settings)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(exc.errno, _in_use(host, port)) from None
        raise
    for listener in [s for s in channels.values() if isinstance(s, BaseWSGIServer)]:
        listener.channel_class = channel
        listener.maintenance = types.MethodType(_maintenance(own["header_timeout"], own["body_timeout"]), listener)
    return server


class _LimitedParser(HTTPRequestParser):
    body_limit: Callable[[str, str], int | None] | None = None
    url_prefix = ""

    def __init__(self, adj):
        super().__init__(adj)
        self.first_byte = time.monotonic()  # the channel makes a parser when a request's first bytes come
        self._too_large: int | None = None

    def parse_header(self, header_plus):
        super().parse_header(header_plus)
        if "CONTENT_LENGTH" in self.headers and (self.chunked or "TRANSFER_ENCODING" in self.headers):
            raise ParsingError("a request may not carry both Content-Length and Transfer-Encoding")
        if self.body_limit is not None and self.content_length > 0:
            path = self.path
            if self.url_prefix and path.startswith(self.url_prefix):
                path = path[len(self.url_prefix):] or "/"
            limit = self.body_limit(self.command, path)
            if limit is not None and self.content_length > limit:
                self._too_large = limit

    def received(self, data):
        consumed = super().received(data)
        if self._too_large is not None and not self.error:
            # Refused on its declared length, before a byte of the body is read.
            self.error = RequestEntityTooLarge(f"the request body is over the {self._too_large}-byte limit")
            self.completed = True
        return consumed


def _maintenance(header_timeout: float, body_timeout: float):
    """waitress's idle-connection sweep, plus deadlines for requests still arriving."""
    def maintenance(self, now):
        BaseWSGIServer.maintenance(self, now)
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            partial = channel.request
            if partial is None or partial.completed or not isinstance(partial, _LimitedParser):
                continue
            waited = clock - partial.first_byte
            if waited > (body_timeout if partial.headers_finished else header_timeout):
                log.debug("closing a connection from %s: its request took over %.0f s to arrive",
                         channel.addr[0] if channel.addr else "?", waited)
                channel.will_close = True
    return maintenance


def _raise_open_file_limit(connections: int) -> None:
    """Each connection is an open file; leave room for the store's own files."""
    wanted = connections + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        if new < wanted:
            log.warning("open-file limit %d allows about %d connections, under connection_limit %d",
                        new, new - 512, connections)


def flask_body_limit(app) -> Callable[[str, str], int | None]:
    """The body limit of the route a method and path go to, as web/security.py applies it."""
    def limit(method: str, path: str) -> int | None:
        adapter = app.url_map.bind("localhost")
        try:
            endpoint, _ = adapter.match(path, method=method)
        except Exception:  # no such route (404/405 follow): the general limit
            endpoint = None
        return app.config.get("BODY_LIMITS", {}).get(endpoint, app.config.get("MAX_CONTENT_LENGTH"))
    return limit
