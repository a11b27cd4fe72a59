"""A scan of everything the test run wrote under pytest's temporary directory for test secrets.

Tests that hand teleprinter a key (in the environment, a flag, ``.env``) declare it with
:func:`secret`; when the session ends, every file under the run's ``basetemp`` is searched for
each declared value and the run fails naming the file (issue 17: nothing secret at rest).
Files a test writes *as input* holding a key on purpose are left out: ``.env`` files (``*.env``)
and anything under a directory named ``inputs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

DECLARED: set[str] = set()
INPUT_DIRECTORY = "inputs"
LARGEST = 4_000_000
"""Bytes; larger files are not read (no test writes one; a model file would be one)."""


def secret(value: str) -> str:
    """Declare ``value`` a secret the scan must not find at rest; returns it for assignment."""
    DECLARED.add(value)
    return value


def is_input(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.name == ".env" or path.name.endswith(".env") or INPUT_DIRECTORY in parts[:-1]


def written_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not is_input(path, root) and path.stat().st_size <= LARGEST:
            yield path


def leaks(root: Path, secrets: Iterable[str] = ()) -> dict[str, list[str]]:
    """``{relative path: [secrets found]}`` for every written file under ``root`` holding one."""
    values = [value.encode() for value in {*DECLARED, *secrets}]
    found: dict[str, list[str]] = {}
    for path in written_files(root):
        try:
            data = path.read_bytes()
        except OSError:  # a socket, a file removed meanwhile
            continue
        hits = [value.decode() for value in values if value in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found
