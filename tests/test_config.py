"""Settings: precedence (flag > environment > .env), validation that lists every problem, masked secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from teleprinter import secrets
from teleprinter.cli import build_parser
from teleprinter.commands.common import model_options
from teleprinter.config import (
    AZURE_VARIABLES,
    azure_config,
    is_api_version,
    load_settings,
    openai_config,
    provider_settings,
    settings_for,
)
from teleprinter.errors import ConfigError
from teleprinter.providers import ModelOptions, provider_names
from teleprinter.providers.detect import choose_provider
from tests.secret_scan import secret

KEY = secret("sk-live-abcdefghijklmnopqrstuvwxyz-7Q2Z")
GOOD = {
    "AZURE_OPENAI_API_KEY": KEY,
    "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com/",
    "AZURE_OPENAI_DEPLOYMENT_NAME": "gpt-4o",
    "AZURE_OPENAI_API_VERSION": "2024-10-21",
}


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No provider settings from the machine, no .env from the repository, an empty secrets registry."""
    import os

    for name in list(os.environ):
        if name.startswith(("AZURE_OPENAI", "OPENAI_", "TELEPRINTER_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    secrets.forget_all()
    yield
    secrets.forget_all()


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


# --- precedence ---------------------------------------------------------------------------------


def test_flag_beats_environment_beats_dotenv(tmp_path: Path) -> None:
    dotenv = write_env(tmp_path / ".env", {**GOOD, "AZURE_OPENAI_DEPLOYMENT_NAME": "from-dotenv"})
    settings = load_settings(dotenv, environ={"AZURE_OPENAI_DEPLOYMENT_NAME": "from-env"})
    assert azure_config(settings).deployment == "from-env"
    assert settings.source("AZURE_OPENAI_DEPLOYMENT_NAME") == "environment"
    assert settings.source("AZURE_OPENAI_API_KEY") == str(dotenv)
    flagged = settings_for(ModelOptions(provider="azure", settings=settings, deployment="from-flag"), "azure")
    assert azure_config(flagged).deployment == "from-flag"
    assert flagged.source("AZURE_OPENAI_DEPLOYMENT_NAME") == "--deployment"


def test_model_flag_names_the_azure_deployment_when_no_deployment_flag(tmp_path: Path) -> None:
    settings = load_settings(environ=GOOD)
    flagged = settings_for(ModelOptions(provider="azure", settings=settings, model="gpt-4o-mini"), "azure")
    assert azure_config(flagged).deployment == "gpt-4o-mini"


def test_dotenv_is_read_from_the_current_directory(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", GOOD)
    settings = load_settings(environ={})
    assert settings.env_file == tmp_path / ".env"
    assert azure_config(settings).endpoint == GOOD["AZURE_OPENAI_ENDPOINT"]


def test_env_file_flag_replaces_the_current_directory_file(tmp_path: Path) -> None:
    write_env(tmp_path / ".env", {"AZURE_OPENAI_DEPLOYMENT_NAME": "cwd"})
    other = write_env(tmp_path / "prod.env", {"AZURE_OPENAI_DEPLOYMENT_NAME": "prod"})
    assert load_settings(other, environ={}).get("AZURE_OPENAI_DEPLOYMENT_NAME") == "prod"


def test_a_named_env_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.env", environ={})


def test_timeout_and_retries_come_from_flags_over_the_environment() -> None:
    settings = load_settings(environ={**GOOD, "TELEPRINTER_TIMEOUT": "5", "TELEPRINTER_RETRIES": "4"})
    assert azure_config(settings).network.timeout == 5.0
    assert azure_config(settings).network.retries == 4
    flagged = settings_for(ModelOptions(provider="azure", settings=settings, timeout=0.5, retries=0), "azure")
    assert (azure_config(flagged).network.timeout, azure_config(flagged).network.retries) == (0.5, 0)


# --- validation ---------------------------------------------------------------------------------


def test_every_missing_setting_is_listed_in_one_message() -> None:
    with pytest.raises(ConfigError) as caught:
        azure_config(load_settings(environ={}))
    for name in AZURE_VARIABLES:
        assert f"{name} is missing" in caught.value.message


def test_every_malformed_setting_is_listed_in_one_message() -> None:
    bad = {
        "AZURE_OPENAI_API_KEY": "",
        "AZURE_OPENAI_ENDPOINT": "example.openai.azure.com",
        "AZURE_OPENAI_DEPLOYMENT_NAME": "gpt 4o",
        "AZURE_OPENAI_API_VERSION": "October 2024",
        "TELEPRINTER_TIMEOUT": "soon",
        "TELEPRINTER_RETRIES": "-1",
    }
    with pytest.raises(ConfigError) as caught:
        azure_config(load_settings(environ=bad))
    message = caught.value.message
    assert "AZURE_OPENAI_API_KEY is empty" in message
    assert "AZURE_OPENAI_ENDPOINT 'example.openai.azure.com' is not a URL" in message
    assert "AZURE_OPENAI_DEPLOYMENT_NAME 'gpt 4o'" in message
    assert "AZURE_OPENAI_API_VERSION 'October 2024' is not a date-like API version" in message
    assert "TELEPRINTER_TIMEOUT 'soon'" in message and "TELEPRINTER_RETRIES '-1'" in message
    assert "\n" not in str(caught.value)


def test_a_deployment_url_is_not_taken_as_the_endpoint() -> None:
    url = "https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
    with pytest.raises(ConfigError, match="resource URL only"):
        azure_config(load_settings(environ={**GOOD, "AZURE_OPENAI_ENDPOINT": url}))


@pytest.mark.parametrize("version", ["2024-10-21", "2024-10-01-preview", "2025-04-01-preview", "2023-05-15"])
def test_date_like_api_versions_pass(version: str) -> None:
    assert is_api_version(version)


@pytest.mark.parametrize("version", ["2024", "latest", "v1", "2024-13-01", "2024-10-21 ", "21-10-2024", "2024-10-01-"])
def test_other_api_versions_fail(version: str) -> None:
    assert not is_api_version(version)


def test_a_key_with_spaces_is_reported_without_printing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        azure_config(load_settings(environ={**GOOD, "AZURE_OPENAI_API_KEY": "sk-abc def-ghijklmnopqrstu"}))
    assert "AZURE_OPENAI_API_KEY contains spaces" in str(caught.value)
    assert "ghijklmnop" not in str(caught.value)


def test_openai_compatible_needs_a_base_url_and_a_model() -> None:
    with pytest.raises(ConfigError) as caught:
        openai_config(load_settings(environ={}), "openai-compatible")
    assert "OPENAI_BASE_URL is missing" in caught.value.message
    assert "TELEPRINTER_MODEL is missing" in caught.value.message


def test_openai_needs_a_key_and_defaults_the_model() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is missing"):
        openai_config(load_settings(environ={}))
    assert openai_config(load_settings(environ={"OPENAI_API_KEY": KEY})).model == "gpt-4o-mini"


# --- secrets ------------------------------------------------------------------------------------


def test_mask_keeps_only_the_last_four_characters() -> None:
    assert secrets.mask(KEY) == "****7Q2Z"
    assert secrets.mask("short-key") == "****"
    assert secrets.mask("") == "(empty)"


def test_settings_show_secrets_masked() -> None:
    statuses = {status.name: status for status in provider_settings(load_settings(environ=GOOD), "azure")}
    assert statuses["AZURE_OPENAI_API_KEY"].shown == "****7Q2Z"
    assert statuses["AZURE_OPENAI_ENDPOINT"].shown == GOOD["AZURE_OPENAI_ENDPOINT"]


def test_loading_settings_registers_keys_for_redaction() -> None:
    load_settings(environ={"SOME_SERVICE_TOKEN": "tok-1234567890abcdef", "AZURE_OPENAI_API_KEY": KEY, "HOME": "/h"})
    text = f"request failed with {KEY} and tok-1234567890abcdef at /h"
    assert secrets.redact(text) == "request failed with ****7Q2Z and ****cdef at /h"


def test_flag_secrets_are_registered_too() -> None:
    settings = load_settings(environ={})
    settings.with_overrides({"OPENAI_API_KEY": ("sk-from-a-flag-0000WXYZ", "--api-key")})
    assert "sk-from-a-flag" not in secrets.redact("key sk-from-a-flag-0000WXYZ")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://team:s3cret-pass@redis.local:6379/0", "redis://team:****@redis.local:6379/0"),
        ("rediss://:onlypass@10.0.0.5", "rediss://:****@10.0.0.5"),
        ("redis://u:p%40ss@h/1", "redis://u:****@h/1"),
        ("redis://u:with@at@h:1", "redis://u:****@h:1"),
        ("redis://nopass@h", "redis://nopass@h"),
        ("https://example.com:443/v1", "https://example.com:443/v1"),
        (
            "connect to redis://a:bb@h and https://x:yy@z/p failed",
            "connect to redis://a:****@h and https://x:****@z/p failed",
        ),
        ("no url here: a:b@c", "no url here: a:b@c"),
    ],
)
def test_url_passwords_are_masked_user_host_and_path_stay(url: str, shown: str) -> None:
    assert secrets.mask_url(url) == shown
    assert secrets.redact(url) == shown


def test_a_url_settings_password_is_registered_and_scrubbed_anywhere() -> None:
    settings = load_settings(environ={"TELEPRINTER_REDIS_URL": "rediss://team:Pa%24%24word-0123@r.example:6380"})
    assert secrets.url_password(settings.values["TELEPRINTER_REDIS_URL"]) == "Pa%24%24word-0123"
    assert secrets.redact("AUTH failed for Pa$$word-0123") == "AUTH failed for ****0123"
    assert secrets.redact("raw Pa%24%24word-0123") == "raw ****0123"
    statuses = provider_settings(settings, "openai")  # not a provider setting: shown through shown_value below
    assert all("Pa%24" not in status.shown for status in statuses)
    from teleprinter.config import shown_value

    assert shown_value("TELEPRINTER_REDIS_URL", settings.values["TELEPRINTER_REDIS_URL"]) == (
        "rediss://team:****@r.example:6380"
    )
    settings.with_overrides({"TELEPRINTER_REDIS_URL": ("redis://x:flag-password-99@h", "--redis-url")})
    assert secrets.redact("flag-password-99") == "****d-99"


def test_debug_logging_filter_masks_secrets(caplog: pytest.LogCaptureFixture) -> None:
    load_settings(environ={"AZURE_OPENAI_API_KEY": KEY})
    logger = logging.getLogger("teleprinter.test")
    caplog.handler.addFilter(secrets.RedactingFilter())
    with caplog.at_level(logging.DEBUG):
        logger.debug("headers: %s", {"api-key": KEY})
    assert KEY not in caplog.text and "****7Q2Z" in caplog.text


# --- provider choice ----------------------------------------------------------------------------


def test_auto_detection_order() -> None:
    assert choose_provider(load_settings(environ=GOOD)).name == "azure"
    assert choose_provider(load_settings(environ={"OPENAI_API_KEY": KEY})).name == "openai"
    assert choose_provider(load_settings(environ={**GOOD, "OPENAI_API_KEY": KEY})).name == "azure"
    assert choose_provider(load_settings(environ={})).name == "local"


def test_half_configured_azure_falls_back_with_a_warning() -> None:
    partial = {name: value for name, value in GOOD.items() if name != "AZURE_OPENAI_API_VERSION"}
    detection = choose_provider(load_settings(environ=partial))
    assert detection.name == "local"
    assert detection.warning is not None and "AZURE_OPENAI_API_VERSION" in detection.warning


def test_flags_and_teleprinter_provider_win_over_detection() -> None:
    settings = load_settings(environ={**GOOD, "TELEPRINTER_PROVIDER": "openai"})
    assert choose_provider(settings).name == "openai"
    assert choose_provider(settings, flag="local").name == "local"
    assert choose_provider(settings, replay="x.jsonl").name == "replay"
    assert choose_provider(settings, base_url="http://127.0.0.1:8080/v1").name == "openai-compatible"


def test_unknown_teleprinter_provider_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TELEPRINTER_PROVIDER='nope'"):
        choose_provider(load_settings(environ={"TELEPRINTER_PROVIDER": "nope"}), known=tuple(provider_names()))


def test_cli_arguments_resolve_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser()
    assert model_options(parser.parse_args(["ask", "x"])).provider == "local"
    assert model_options(parser.parse_args(["ask", "--replay", "r.txt", "x"])).provider == "replay"
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    options = model_options(parser.parse_args(["ask", "--deployment", "d2", "--timeout", "3", "x"]))
    assert options.provider == "azure"
    assert azure_config(settings_for(options, "azure")).deployment == "d2"
    assert azure_config(settings_for(options, "azure")).network.timeout == 3.0


def test_recorded_files_never_hold_a_key(tmp_path: Path) -> None:
    import io
    from uuid import uuid4

    from teleprinter.chat.transcript import TranscriptWriter
    from teleprinter.events import RunFailed
    from teleprinter.sinks.record import Recorder

    load_settings(environ={"AZURE_OPENAI_API_KEY": KEY})
    recording = io.StringIO()
    Recorder(recording, redact=secrets.redact).handle(RunFailed(uuid4(), RuntimeError(f"denied for {KEY}")))
    transcript = TranscriptWriter(tmp_path / "chat.jsonl")
    transcript.write({"type": "turn", "index": 0, "user": "hi", "assistant": "", "error": f"denied for {KEY}"})
    transcript.close()
    for text in (recording.getvalue(), (tmp_path / "chat.jsonl").read_text()):
        assert KEY not in text and "****7Q2Z" in text


def test_an_env_file_that_is_not_utf8_is_a_config_error_naming_it(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"AZURE_OPENAI_API_KEY=k\n\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"\.env is not UTF-8 text \(byte 0xff at offset 23\)"):
        load_settings(env, environ={})
