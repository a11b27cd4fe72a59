"""The only place that reads the environment: ``.env`` file, real environment variables, CLI flags.

Precedence: CLI flags > real environment > ``.env`` file > defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

AZURE_VARIABLES = (
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
    "AZURE_OPENAI_API_VERSION",
)


@dataclass(slots=True)
class Settings:
    """Resolved settings; ``values`` holds every variable seen, ``sources`` where each came from."""

    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        return value if value not in (None, "") else default


def read_env_file(path: Path) -> dict[str, str]:
    """``.env`` values without touching ``os.environ`` (python-dotenv)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def load_settings(
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge ``.env`` (``env_file`` or ``./.env``) under the real environment."""
    settings = Settings()
    path = Path(env_file) if env_file else Path.cwd() / ".env"
    for key, value in read_env_file(path).items():
        settings.values[key] = value
        settings.sources[key] = str(path)
    for key, value in (os.environ if environ is None else environ).items():
        settings.values[key] = value
        settings.sources[key] = "environment"
    return settings


def terminal_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables the renderer needs to decide on colour and terminal type."""
    env = os.environ if environ is None else environ
    return {key: env[key] for key in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "TERM_PROGRAM") if key in env}
