"""Model output is untrusted: neutralise control characters before they reach a terminal.

A token may carry ESC/CSI/OSC sequences (title or clipboard writes, colours, cursor moves),
BEL, backspace or carriage return. On a terminal each control character becomes a visible
Unicode "control picture" (ESC shows as ``␛``, so ``␛[31m`` is printed, not executed);
carriage returns are dropped. The mapping is per character, so a sequence split across
tokens is neutralised just the same. Newlines and tabs pass through (tabs are expanded by
cells when a row is laid out).
"""

from __future__ import annotations


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {code: chr(0x2400 + code) for code in range(0x20)}
    del table[ord("\n")]
    del table[ord("\t")]
    table[ord("\r")] = None
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls: some terminals execute U+009B as CSI
        table[code] = "\ufffd"
    for code in (0x2028, 0x2029):  # line/paragraph separators would break row accounting
        table[code] = " "
    return table


CONTROL_TABLE = _table()


def sanitize(text: str) -> str:
    """``text`` with every control character made visible (or dropped, for ``\\r``)."""
    if text.isprintable():
        return text
    return text.translate(CONTROL_TABLE)
