"""Which Redis the relay talks to: a checked URL, TLS and ACL credentials, the key prefix.

``redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]`` or ``rediss://…`` (TLS: the server's certificate
is checked against ``ca_file`` or the system's CAs). A malformed URL is a :class:`ConfigError`
(exit 2); a server that cannot be reached, refuses the credentials or presents an untrusted
certificate is a :class:`RelayError` (exit 1). Every message shows the URL with its password
masked (:func:`teleprinter.secrets.mask_url`).

``redis`` (redis-py) is an optional extra: it is imported only by :func:`connect`, and its
absence is a :class:`ConfigError` saying how to install it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from teleprinter.config import DEFAULT_REDIS_PREFIX, RedisConfig
from teleprinter.errors import ConfigError, TeleprinterError
from teleprinter.secrets import mask_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

SCHEMES = ("redis", "rediss")
CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a TCP connection (and the TLS handshake) before calling a server unreachable."""
INSTALL_HINT = "install the Redis extra: pip install 'teleprinter[redis]'"


class RelayError(TeleprinterError):
    """Redis could not be used: unreachable, credentials refused, certificate untrusted."""


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """A checked Redis location; ``shown`` is the URL as it may be printed (password masked)."""

    url: str
    prefix: str = DEFAULT_REDIS_PREFIX
    ca_file: str | None = None
    username: str | None = None
    password: str | None = None

    @property
    def shown(self) -> str:
        return mask_url(self.url)

    @property
    def tls(self) -> bool:
        return self.url.lower().startswith("rediss://")

    def key(self, name: str) -> str:
        """The stream key for ``name`` under the configured prefix."""
        return self.prefix + name


def parse_target(
    url: str,
    *,
    prefix: str = DEFAULT_REDIS_PREFIX,
    ca_file: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> RedisTarget:
    """``url`` checked: scheme, host, port 1-65535, database number; raises :class:`ConfigError`."""
    shown = mask_url(url)
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError as error:
        raise ConfigError(f"bad Redis URL {shown}: {error}", _URL_HINT) from None
    if parsed.scheme.lower() not in SCHEMES:
        raise ConfigError(f"bad Redis URL {shown}: the scheme must be redis:// or rediss://", _URL_HINT)
    if not parsed.hostname:
        raise ConfigError(f"bad Redis URL {shown}: no host", _URL_HINT)
    if port == 0:
        raise ConfigError(f"bad Redis URL {shown}: port 0", _URL_HINT)
    database = parsed.path.strip("/")
    if database and not database.isdigit():
        raise ConfigError(f"bad Redis URL {shown}: the path must be a database number, e.g. /0", _URL_HINT)
    if ca_file is not None and parsed.scheme.lower() != "rediss":
        raise ConfigError(f"a CA file was given but {shown} does not use TLS", "use a rediss:// URL")
    return RedisTarget(url, prefix, ca_file, username, password)


def target_from_config(config: RedisConfig) -> RedisTarget:
    """The target the CLI's settings describe (see :func:`teleprinter.config.redis_config`)."""
    return parse_target(
        config.url, prefix=config.prefix, ca_file=config.ca_file, username=config.username, password=config.password
    )


_URL_HINT = "expected redis://[USER:PASSWORD@]HOST[:PORT][/DB] or rediss://… for TLS"


def connect(target: RedisTarget, **options: Any) -> Redis:
    """A redis-py asyncio client for ``target`` (no connection is made until the first command)."""
    try:
        from redis.asyncio import Redis
    except ImportError:
        raise ConfigError("the Redis relay needs redis-py", INSTALL_HINT) from None
    kwargs: dict[str, Any] = {"socket_connect_timeout": CONNECT_TIMEOUT, "decode_responses": True, **options}
    if target.username:
        kwargs["username"] = target.username
    if target.password:
        kwargs["password"] = target.password
    if target.tls and target.ca_file:
        kwargs["ssl_ca_certs"] = target.ca_file
    client: Redis = Redis.from_url(target.url, **kwargs)
    return client


def describe(error: BaseException, target: RedisTarget) -> str:
    """One line for a redis-py error, naming the server (password masked) and the likely cause."""
    from teleprinter.secrets import redact

    name = type(error).__name__
    text = str(error).strip().splitlines()[0] if str(error).strip() else name
    lowered = text.lower()
    if name == "NoPermissionError" or lowered.startswith("noperm"):
        cause = f"access denied ({text}); check --key-prefix against the ACL user's key patterns"
    elif "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        cause = f"TLS failed ({text}); check --redis-ca or the server's certificate"
    elif name == "AuthenticationError" or "wrongpass" in lowered or "noauth" in lowered or "auth" in lowered:
        cause = f"authentication failed ({text}); check the username and password"
    elif name in ("ConnectionError", "TimeoutError", "OSError", "ConnectionRefusedError"):
        cause = f"cannot connect ({text})"
    else:
        cause = f"{name}: {text}"
    try:
        in_url = urlparse(target.url).password
    except ValueError:
        in_url = None
    hidden = [secret for secret in (target.password, in_url) if secret and len(secret) >= 4]
    return redact(f"Redis at {target.shown}: {cause}", extra=hidden)


async def check(client: Redis, target: RedisTarget) -> None:
    """PING the server; any failure becomes one :class:`RelayError` line."""
    try:
        await client.ping()
    except Exception as error:
        raise RelayError(describe(error, target)) from None

