"""The only place that reads the environment: ``.env`` file, real environment variables, CLI flags.

Precedence: CLI flags > real environment > ``.env`` file > defaults. Every value keeps a note
of where it came from, so ``doctor`` and error messages can say which setting to fix.
Validation collects every problem before raising, so one run shows the whole list.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from teleprinter import secrets
from teleprinter.errors import ConfigError

AZURE_VARIABLES = (
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
    "AZURE_OPENAI_API_VERSION",
)
OPENAI_KEY = "OPENAI_API_KEY"
OPENAI_BASE_URL = "OPENAI_BASE_URL"
PROVIDER = "TELEPRINTER_PROVIDER"
MODEL = "TELEPRINTER_MODEL"
TIMEOUT = "TELEPRINTER_TIMEOUT"
RETRIES = "TELEPRINTER_RETRIES"
KEEP_ALIVE = "TELEPRINTER_KEEP_ALIVE"

DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 2
MAX_RETRIES = 10
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_KEEP_ALIVE = 300.0

_API_VERSION = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-[a-z]+)?$")
SETTINGS_HINT = "set it in .env, the environment or a flag; `teleprinter doctor` checks each setting"


@dataclass(slots=True)
class Settings:
    """Resolved settings; ``values`` holds every variable seen, ``sources`` where each came from."""

    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    env_file: Path | None = None
    """The ``.env`` file that was read, if any."""

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else default

    def source(self, name: str) -> str:
        """Where ``name`` came from: ``environment``, a ``.env`` path, a ``--flag``, or ``unset``."""
        return self.sources.get(name, "unset")

    def with_overrides(self, overrides: Mapping[str, tuple[str | None, str]]) -> Settings:
        """A copy with ``{name: (value, source)}`` applied where ``value`` is not ``None`` (CLI flags)."""
        merged = Settings(dict(self.values), dict(self.sources), self.env_file)
        for name, (value, source) in overrides.items():
            if value is not None:
                merged.values[name] = value
                merged.sources[name] = source
                if secrets.is_secret_name(name):
                    secrets.register(value)
                secrets.register_url(value)
        return merged


def read_env_file(path: Path) -> dict[str, str]:
    """``.env`` values without touching ``os.environ`` (python-dotenv)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path)
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start})",
            "save it as UTF-8, or point --env-file at another file",
        ) from None
    return {key: value for key, value in values.items() if value is not None}


def load_settings(
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge ``.env`` (``env_file`` or ``./.env``) under the real environment.

    An ``env_file`` that was named but does not exist is a :class:`ConfigError`: the user
    asked for it, so silently running without it would hide the mistake.
    """
    settings = Settings()
    path = Path(env_file) if env_file else Path.cwd() / ".env"
    if env_file and not path.is_file():
        raise ConfigError(f"env file {path} not found", "check the --env-file path")
    found = read_env_file(path)
    if found:
        settings.env_file = path
    for key, value in found.items():
        settings.values[key] = value.strip()
        settings.sources[key] = str(path)
    for key, value in (os.environ if environ is None else environ).items():
        settings.values[key] = value.strip()
        settings.sources[key] = "environment"
    secrets.register_settings(settings.values)
    return settings


def terminal_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables the renderer needs to decide on colour and terminal type."""
    env = os.environ if environ is None else environ
    return {key: env[key] for key in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "TERM_PROGRAM") if key in env}


def keep_alive(settings: Settings, flag: float | None = None) -> float:
    """Seconds the local model worker stays warm after an answer: ``--keep-alive``, else
    ``TELEPRINTER_KEEP_ALIVE``, else 300; 0 means no worker (the model loads in the process).

    Raises :class:`ConfigError` when ``TELEPRINTER_KEEP_ALIVE`` is not a number of seconds >= 0.
    """
    if flag is not None:
        return flag
    value = settings.get(KEEP_ALIVE)
    if value is None:
        return DEFAULT_KEEP_ALIVE
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ConfigError(f"{KEEP_ALIVE} {value!r} is not a number of seconds (0 or more)", SETTINGS_HINT)
    return seconds


def worker_directory(environ: Mapping[str, str] | None = None, uid: int | None = None) -> Path:
    """The private directory of the local model worker's socket, lock and log.

    ``$XDG_RUNTIME_DIR/teleprinter`` when ``XDG_RUNTIME_DIR`` is an absolute directory owned by
    this user and closed to others (mode 0700, as the XDG spec requires); otherwise
    ``worker-UID`` under the user cache directory (platformdirs). The caller creates it 0700
    (:func:`teleprinter.worker.paths.private_directory`).
    """
    env = os.environ if environ is None else environ
    uid = os.geteuid() if uid is None else uid
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        try:
            info = os.stat(runtime)
        except OSError:
            info = None
        if info is not None and info.st_uid == uid and info.st_mode & 0o077 == 0 and os.path.isdir(runtime):
            return Path(runtime) / "teleprinter"
    import platformdirs

    return Path(platformdirs.user_cache_dir("teleprinter")) / f"worker-{uid}"


def completion_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a shell's completion function started this process (argcomplete sets ``_ARGCOMPLETE``)."""
    return "_ARGCOMPLETE" in (os.environ if environ is None else environ)


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingStatus:
    """One setting as ``doctor`` shows it: value (masked when secret), origin, and what is wrong."""

    name: str
    shown: str
    source: str
    problem: str | None = None
    required: bool = True

    @property
    def present(self) -> bool:
        return self.source != "unset"


def shown_value(name: str, value: str | None) -> str:
    """The value as it may be printed: secrets masked, missing ones said so."""
    if value is None:
        return "(not set)"
    return secrets.mask(value) if secrets.is_secret_name(name) else (secrets.mask_url(value) or "(empty)")


def is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.hostname)


def is_api_version(value: str) -> bool:
    """Date-like Azure API versions: ``2024-10-21``, ``2024-10-01-preview``."""
    match = _API_VERSION.match(value)
    return bool(match) and 1 <= int(match[2]) <= 12 and 1 <= int(match[3]) <= 31  # type: ignore[index]


def _problem(name: str, value: str | None, kind: str) -> str | None:
    if value is None:
        return f"{name} is missing"
    if not value:
        return f"{name} is empty"
    if kind == "key" and any(ch.isspace() for ch in value):
        return f"{name} contains spaces (it looks pasted wrong)"
    if kind == "url" and not is_url(value):
        return f"{name} {value!r} is not a URL (expected https://HOST/...)"
    if kind == "azure-endpoint":
        if not is_url(value):
            return f"{name} {value!r} is not a URL (expected https://NAME.openai.azure.com/)"
        if "/openai/deployments" in value:
            return f"{name} must be the resource URL only (https://NAME.openai.azure.com/), not a deployment URL"
    if kind == "version" and not is_api_version(value):
        return f"{name} {value!r} is not a date-like API version (e.g. 2024-10-21 or 2024-10-01-preview)"
    if kind == "name" and (any(ch.isspace() for ch in value) or "/" in value):
        return f"{name} {value!r} is not a deployment name (no spaces or slashes)"
    return None


def _status(settings: Settings, name: str, kind: str, required: bool = True) -> SettingStatus:
    value = settings.values.get(name)
    problem = _problem(name, value, kind) if required or value is not None else None
    return SettingStatus(name, shown_value(name, value), settings.source(name), problem, required)


_AZURE_KINDS = {
    "AZURE_OPENAI_API_KEY": "key",
    "AZURE_OPENAI_ENDPOINT": "azure-endpoint",
    "AZURE_OPENAI_DEPLOYMENT_NAME": "name",
    "AZURE_OPENAI_API_VERSION": "version",
}


def provider_settings(settings: Settings, provider: str) -> list[SettingStatus]:
    """Every setting ``provider`` reads, checked; ``doctor`` prints these, errors list the problems."""
    if provider == "azure":
        statuses = [_status(settings, name, kind) for name, kind in _AZURE_KINDS.items()]
    elif provider == "openai":
        statuses = [_status(settings, OPENAI_KEY, "key"), _status(settings, OPENAI_BASE_URL, "url", required=False)]
    elif provider == "openai-compatible":
        statuses = [
            _status(settings, OPENAI_BASE_URL, "url"),
            _status(settings, MODEL, "text"),
            _status(settings, OPENAI_KEY, "key", required=False),
        ]
    else:
        return []
    return [*statuses, *_network_statuses(settings)]


def _network_statuses(settings: Settings) -> list[SettingStatus]:
    out = []
    for name, check in ((TIMEOUT, _timeout_problem), (RETRIES, _retries_problem)):
        value = settings.values.get(name)
        problem = check(value) if value is not None else None
        out.append(SettingStatus(name, shown_value(name, value), settings.source(name), problem, required=False))
    return out


def _timeout_problem(value: str) -> str | None:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    return None if seconds > 0 else f"{TIMEOUT} {value!r} is not a positive number of seconds"


def _retries_problem(value: str) -> str | None:
    ok = value.isdigit() and int(value) <= MAX_RETRIES
    return None if ok else f"{RETRIES} {value!r} is not a whole number from 0 to {MAX_RETRIES}"


def check_settings(settings: Settings, provider: str) -> None:
    """Raise one :class:`ConfigError` naming every missing or malformed setting of ``provider``."""
    problems = [status.problem for status in provider_settings(settings, provider) if status.problem]
    if problems:
        raise ConfigError(f"{provider} settings: " + "; ".join(problems), SETTINGS_HINT)


# --- typed views --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Network:
    """How long to wait for data and how often to retry before the first token."""

    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES


@dataclass(frozen=True, slots=True)
class AzureConfig:
    api_key: str
    endpoint: str
    deployment: str
    api_version: str
    network: Network


@dataclass(frozen=True, slots=True)
class OpenAIConfig:
    api_key: str | None
    model: str
    base_url: str | None
    network: Network


def network(settings: Settings) -> Network:
    timeout, retries = settings.get(TIMEOUT), settings.get(RETRIES)
    return Network(
        float(timeout) if timeout and not _timeout_problem(timeout) else DEFAULT_TIMEOUT,
        int(retries) if retries and not _retries_problem(retries) else DEFAULT_RETRIES,
    )


def azure_config(settings: Settings) -> AzureConfig:
    """The four seed variables, validated together."""
    check_settings(settings, "azure")
    key, endpoint, deployment, version = (settings.values[name] for name in AZURE_VARIABLES)
    return AzureConfig(key, endpoint, deployment, version, network(settings))


def openai_config(settings: Settings, provider: str = "openai") -> OpenAIConfig:
    """OpenAI (``provider="openai"``) or any OpenAI-compatible server (``"openai-compatible"``)."""
    check_settings(settings, provider)
    default_model = DEFAULT_OPENAI_MODEL if provider == "openai" else ""
    return OpenAIConfig(
        api_key=settings.get(OPENAI_KEY),
        model=settings.get(MODEL, default_model) or default_model,
        base_url=settings.get(OPENAI_BASE_URL),
        network=network(settings),
    )


def flag_overrides(
    provider: str,
    *,
    model: str | None = None,
    deployment: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
) -> dict[str, tuple[str | None, str]]:
    """CLI flags as setting overrides for :meth:`Settings.with_overrides` (flags win over both files)."""
    overrides: dict[str, tuple[str | None, str]] = {
        TIMEOUT: (None if timeout is None else repr(float(timeout)), "--timeout"),
        RETRIES: (None if retries is None else str(retries), "--retries"),
    }
    if provider == "azure":
        chosen = deployment or model
        overrides["AZURE_OPENAI_DEPLOYMENT_NAME"] = (chosen, "--deployment" if deployment else "--model")
    elif provider in ("openai", "openai-compatible"):
        overrides[MODEL] = (model, "--model")
        overrides[OPENAI_BASE_URL] = (base_url, "--base-url")
    return overrides


def settings_for(options: Any, provider: str) -> Settings:
    """The settings a provider runs with: ``options.settings`` (or freshly loaded) under its flags.

    ``options`` is a :class:`teleprinter.providers.ModelOptions`; library callers may leave its
    ``settings`` empty and get ``.env`` plus the environment, as the CLI does.
    """
    base = options.settings if isinstance(options.settings, Settings) else load_settings()
    overrides = flag_overrides(
        provider,
        model=options.model,
        deployment=options.deployment,
        base_url=options.base_url,
        timeout=options.timeout,
        retries=options.retries,
    )
    return base.with_overrides(overrides)


# --- the Redis relay ------------------------------------------------------------------------------

REDIS_URL = "TELEPRINTER_REDIS_URL"
REDIS_PREFIX = "TELEPRINTER_REDIS_PREFIX"
REDIS_CA = "TELEPRINTER_REDIS_CA"
REDIS_USERNAME = "TELEPRINTER_REDIS_USERNAME"
REDIS_PASSWORD = "TELEPRINTER_REDIS_PASSWORD"
DEFAULT_REDIS_PREFIX = "teleprinter:"


@dataclass(frozen=True, slots=True)
class RedisConfig:
    """Where the relay connects and how: the URL (``redis://`` or ``rediss://``), the CA file for TLS
    (``None``: the system's CAs), ACL credentials given apart from the URL, and the key prefix.

    ``url_source`` says where the URL came from (``--flag``, ``environment``, a ``.env`` path):
    a password on the command line is visible to other users in the process list.
    """

    url: str
    url_source: str
    prefix: str = DEFAULT_REDIS_PREFIX
    ca_file: str | None = None
    username: str | None = None
    password: str | None = None

    on_command_line: bool = False

    @property
    def password_on_command_line(self) -> bool:
        """True when the URL came from the command line (a flag or ``watch URL``) with a password in it."""
        try:
            return self.on_command_line and urlparse(self.url).password is not None
        except ValueError:
            return False


def redis_config(
    settings: Settings,
    *,
    url: str | None = None,
    url_flag: str = "--publish",
    ca_file: str | None = None,
    prefix: str | None = None,
) -> RedisConfig:
    """The relay settings: flags win over ``TELEPRINTER_REDIS_*`` from the environment or ``.env``.

    Raises :class:`ConfigError` when no URL is given anywhere. The password (in the URL or in
    ``TELEPRINTER_REDIS_PASSWORD``) is registered as a secret, so every message masks it.
    """
    chosen = url or settings.get(REDIS_URL)
    if not chosen:
        raise ConfigError(
            f"no Redis URL given (pass it to {url_flag} or set {REDIS_URL})",
            "e.g. redis://localhost:6379/0, or rediss://user@host:6380/0 for TLS",
        )
    source = url_flag if url else settings.source(REDIS_URL)
    with contextlib.suppress(ValueError):  # a malformed URL is reported by the relay, masked
        secrets.register(urlparse(chosen).password)
    password = settings.get(REDIS_PASSWORD)
    secrets.register(password)
    chosen_prefix = prefix if prefix is not None else settings.get(REDIS_PREFIX, DEFAULT_REDIS_PREFIX)
    return RedisConfig(
        url=chosen,
        url_source=source,
        prefix=chosen_prefix if chosen_prefix is not None else DEFAULT_REDIS_PREFIX,
        ca_file=ca_file or settings.get(REDIS_CA),
        username=settings.get(REDIS_USERNAME),
        password=password,
        on_command_line=bool(url),
    )
