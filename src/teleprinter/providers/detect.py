"""Which provider a run uses, and why: flags first, then ``TELEPRINTER_PROVIDER``, then what is configured.

Auto-detection follows the seed: Azure OpenAI when its four ``AZURE_OPENAI_*`` variables are
set, else OpenAI when ``OPENAI_API_KEY`` is set, else the embedded local model. The reason is
kept as text so ``doctor`` and ``--debug`` can say it in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from teleprinter.config import AZURE_VARIABLES, OPENAI_KEY, PROVIDER, Settings
from teleprinter.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Detection:
    """The chosen provider, the reason in words, and anything that looks half-configured."""

    name: str
    reason: str
    warning: str | None = None


def choose_provider(
    settings: Settings,
    *,
    flag: str | None = None,
    replay: str | None = None,
    base_url: str | None = None,
    known: tuple[str, ...] = (),
) -> Detection:
    """The provider for this run; ``known`` (the registry's names) validates ``TELEPRINTER_PROVIDER``."""
    if flag:
        return Detection(flag, "--provider was given")
    if replay:
        return Detection("replay", "--replay was given")
    if base_url:
        return Detection("openai-compatible", "--base-url was given")
    named = settings.get(PROVIDER)
    if named:
        if known and named not in known:
            raise ConfigError(
                f"{PROVIDER}={named!r} (from {settings.source(PROVIDER)}) is not a provider",
                f"choose one of: {', '.join(known)}",
            )
        return Detection(named, f"{PROVIDER}={named} (from {settings.source(PROVIDER)})")
    return detect(settings)


def detect(settings: Settings) -> Detection:
    """Auto-detection from what is configured."""
    azure_set = [name for name in AZURE_VARIABLES if settings.get(name)]
    if len(azure_set) == len(AZURE_VARIABLES):
        return Detection("azure", f"all four AZURE_OPENAI_* settings are set ({_origins(settings, azure_set)})")
    warning = None
    if azure_set:
        missing = [name for name in AZURE_VARIABLES if name not in azure_set]
        warning = f"Azure OpenAI is half-configured: {', '.join(missing)} not set, so Azure is not used"
    if settings.get(OPENAI_KEY):
        return Detection("openai", f"{OPENAI_KEY} is set (from {settings.source(OPENAI_KEY)})", warning)
    return Detection("local", "no AZURE_OPENAI_* or OPENAI_API_KEY settings: the embedded model", warning)


def _origins(settings: Settings, names: list[str]) -> str:
    origins = sorted({settings.source(name) for name in names})
    return "from " + " and ".join(origins)
