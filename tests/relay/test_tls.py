"""The relay over TLS (``rediss://``) with an ACL user, against redis-server with a throwaway CA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.redis_server import RedisServer, Tls

PASSWORD = "tls-acl-pass-1234"
ANSWER = "".join(f"Encrypted line {n}.\n" for n in range(20))


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[RedisServer, Tls]]:
    tls = Tls.make(tmp_path / "pki")
    users = ("default off", f"teller on >{PASSWORD} ~team-a:* +@all")  # ACL: only keys under team-a:
    server = RedisServer(tmp_path / "redis", tls=tls, users=users).start()
    yield server, tls
    server.stop()


def _ask(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> object:
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    args = ["ask", "q", "--provider", "replay", "--replay", str(answer), "--speed", "max", "--stream-key", "s1", *extra]
    return run_cli(args, env=env)


def test_publish_and_watch_over_tls_with_an_acl_user_and_a_key_prefix(
    tls_server: tuple[RedisServer, Tls], tmp_path: Path
) -> None:
    server, tls = tls_server
    url = f"rediss://teller:{PASSWORD}@127.0.0.1:{server.port}/0"
    env = cli_env(TELEPRINTER_REDIS_URL=url, TELEPRINTER_REDIS_CA=str(tls.ca), TELEPRINTER_REDIS_PREFIX="team-a:")
    asked = _ask(tmp_path, "--publish", env=env)
    assert (asked.returncode, asked.stdout, asked.stderr) == (0, ANSWER, "")  # type: ignore[attr-defined]
    flags = ["--redis-ca", str(tls.ca), "--key-prefix", "team-a:"]
    watched = run_cli(["watch", "s1", *flags], env=cli_env(TELEPRINTER_REDIS_URL=url))
    assert (watched.returncode, watched.stdout, watched.stderr) == (0, ANSWER, "")
    outside = run_cli(["watch", "s1", *flags[:2], "--key-prefix", "team-b:"], env=cli_env(TELEPRINTER_REDIS_URL=url))
    assert outside.returncode == 1 and "--key-prefix" in outside.stderr and len(outside.stderr.splitlines()) == 1


def test_a_wrong_password_or_an_untrusted_certificate_is_one_line(
    tls_server: tuple[RedisServer, Tls], tmp_path: Path
) -> None:
    server, tls = tls_server
    good = f"rediss://teller:{PASSWORD}@127.0.0.1:{server.port}/0"
    wrong = good.replace(PASSWORD, "wrong-password-5678")
    cases = {
        "authentication failed": cli_env(TELEPRINTER_REDIS_URL=wrong, TELEPRINTER_REDIS_CA=str(tls.ca)),
        "TLS failed": cli_env(TELEPRINTER_REDIS_URL=good),  # the system's CAs do not know the test CA
    }
    for expected, env in cases.items():
        for done in (_ask(tmp_path, "--publish", env=env), run_cli(["watch", "s1"], env=env)):
            lines = done.stderr.splitlines()  # type: ignore[attr-defined]
            assert done.returncode == 1 and len(lines) == 1 and expected in lines[0], lines  # type: ignore[attr-defined]
            assert PASSWORD not in done.stderr and "wrong-password" not in done.stderr  # type: ignore[attr-defined]
            assert done.stdout == ""  # type: ignore[attr-defined]
