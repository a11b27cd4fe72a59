"""One small exception hierarchy; each error carries a message a user can act on."""

from __future__ import annotations


class TeleprinterError(Exception):
    """Base of every error teleprinter raises on purpose; ``hint`` says what to do about it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(TeleprinterError):
    """A setting is missing or malformed."""


class ProviderError(TeleprinterError):
    """A model provider failed: network, authentication, the model itself."""


class ReplayError(ConfigError):
    """A replay file could not be read or parsed: bad input, so a usage error."""
