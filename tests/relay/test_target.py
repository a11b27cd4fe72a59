"""Relay settings without a server: URLs checked, credentials from config, passwords masked everywhere."""

from __future__ import annotations

import pytest

from teleprinter import secrets
from teleprinter.config import Settings, redis_config
from teleprinter.doctor import check_redis
from teleprinter.errors import ConfigError
from teleprinter.relay.target import parse_target


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://user:pw@host:1/0", "redis://user:****@host:1/0"),
        ("rediss://:only-a-password@host", "rediss://:****@host"),
        ("redis://host:6379", "redis://host:6379"),
        ("redis://user@host", "redis://user@host"),
        ("redis://u:p@ss:w@rd@host", "redis://u:****@host"),
    ],
)
def test_mask_url_hides_the_password_and_keeps_the_rest(url: str, shown: str) -> None:
    assert secrets.mask_url(url) == shown


def settings(**values: str) -> Settings:
    return Settings(dict(values), {name: "environment" for name in values})


def test_the_url_and_prefix_come_from_settings_and_flags_win() -> None:
    env = settings(TELEPRINTER_REDIS_URL="rediss://a:longpassword1@h:6380/2", TELEPRINTER_REDIS_PREFIX="team:")
    config = redis_config(env)
    assert (config.url, config.prefix, config.password_on_command_line) == (env.values["TELEPRINTER_REDIS_URL"],
                                                                           "team:", False)
    assert "longpassword1" not in secrets.redact("failed with longpassword1")  # registered as a secret
    flagged = redis_config(env, url="redis://b:pw@h/0", url_flag="--publish", prefix="x:")
    assert (flagged.url_source, flagged.prefix, flagged.password_on_command_line) == ("--publish", "x:", True)
    target = parse_target(config.url, prefix=config.prefix)
    assert target.tls and target.key("run") == "team:run"
    with pytest.raises(ConfigError, match="TELEPRINTER_REDIS_URL"):
        redis_config(settings())


def test_a_ca_file_needs_a_tls_url() -> None:
    with pytest.raises(ConfigError, match="rediss://"):
        parse_target("redis://host", ca_file="/tmp/ca.pem")


def test_doctor_shows_the_relay_url_masked_or_what_is_wrong_with_it() -> None:
    assert check_redis(settings()) == []
    [ok] = check_redis(settings(TELEPRINTER_REDIS_URL="rediss://u:doctor-secret-9@h:6380/0"))
    assert ok.status == "ok" and "u:****@h" in ok.detail and "doctor-secret" not in ok.detail
    [bad] = check_redis(settings(TELEPRINTER_REDIS_URL="http://u:doctor-secret-9@h"))
    assert bad.status == "fail" and "doctor-secret" not in bad.detail
