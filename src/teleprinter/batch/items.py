"""The prompts of a batch: one per line, or JSON lines with ``prompt`` and an optional ``id``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from teleprinter.errors import ConfigError
from teleprinter.textfile import read_user_text


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One prompt of the batch; ``id`` names its output file and prefixes its lines."""

    id: str
    prompt: str


def parse_prompts(text: str, source: str = "prompts") -> list[BatchItem]:
    """Prompts one per line, or JSON lines with ``prompt`` and optional ``id``.

    A file whose first non-empty line is a JSON object is read as JSON lines; otherwise each
    non-empty line is a prompt whose id is its line number (zero-padded so files sort).
    """
    lines = text.splitlines()
    numbered = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    if not numbered:
        raise ConfigError(f"{source} holds no prompt", "write one prompt per line")
    if numbered[0][1].lstrip().startswith("{"):
        items = [_json_item(number, line, source) for number, line in numbered]
    else:
        width = len(str(len(lines)))
        items = [BatchItem(f"{number:0{width}d}", line.strip()) for number, line in numbered]
    _check_unique(items, source)
    return items


def _json_item(number: int, line: str, source: str) -> BatchItem:
    try:
        record = json.loads(line)
    except ValueError as error:
        raise ConfigError(f"{source} line {number} is not JSON: {error.args[0]}") from error
    if not isinstance(record, dict) or not isinstance(record.get("prompt"), str) or not record["prompt"].strip():
        raise ConfigError(f"{source} line {number} has no \"prompt\" text", 'write {"prompt": "...", "id": "..."}')
    raw_id = record.get("id", number)
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise ConfigError(f"{source} line {number}: \"id\" must be a string or a number")
    return BatchItem(_safe_id(str(raw_id), number, source), record["prompt"])


def _safe_id(raw: str, number: int, source: str) -> str:
    """Ids become file names: no path separators, no hidden or special names."""
    if not raw or raw in (".", "..") or raw.startswith(".") or any(c in raw for c in "/\\\0\n\r") or len(raw) > 200:
        raise ConfigError(f"{source} line {number}: id {raw!r} cannot be a file name", "use letters, digits, - and _")
    return raw


def _check_unique(items: Sequence[BatchItem], source: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ConfigError(f"{source}: the id {item.id!r} is used twice", "give every prompt its own id")
        seen.add(item.id)


def read_prompts(path: str | Path) -> list[BatchItem]:
    return parse_prompts(read_user_text(path, "prompt file"), str(path))
