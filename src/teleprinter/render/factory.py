"""Pick the renderer for a stream: a pipe gets exact text, a terminal the live Markdown view.

A pipe or file gets :class:`~teleprinter.render.pipe.PipeRenderer` (the answer text exactly as
it arrived, no escape codes); a terminal that cannot move the cursor (``TERM=dumb``) gets plain
text with control characters neutralised; any other terminal gets
:class:`~teleprinter.render.agent.AgentRenderer`. Each is imported only when picked: the
terminal renderer brings markdown-it-py and wcwidth, which a pipe never needs (issue 14:
``ask`` on the warm model worker imports while the worker evaluates the prompt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

from teleprinter.render.options import DisplayOptions
from teleprinter.render.terminal import Capabilities, detect, is_tty

if TYPE_CHECKING:
    from teleprinter.render.console import Renderer


def make_renderer(
    stream: IO[str],
    *,
    prefix: str = "",
    markdown: bool | None = None,
    color: str = "auto",
    status_stream: IO[str] | None = None,
    model_name: str = "",
    capabilities: Capabilities | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: IO[str] | None = None,
    display: DisplayOptions | None = None,
) -> Renderer:
    """The right renderer for ``stream`` (see the module docstring).

    ``environ`` holds the terminal variables (``config.terminal_environment()``); ``stdin``,
    when it is the same terminal, lets detection ask whether synchronized output is supported.
    The status line is drawn only when ``status_stream`` is given and is a terminal.
    ``display`` says how reasoning, tool calls and graph progress are shown
    (:mod:`teleprinter.render.agent` on a terminal, :mod:`teleprinter.render.pipe` elsewhere).
    """
    from teleprinter.render.pipe import PipeRenderer

    caps = capabilities or detect(stream, environ or {}, color=color, stdin=stdin)
    if not caps.is_tty:
        return PipeRenderer(stream, prefix, options=display, side=status_stream)
    if not caps.cursor:
        from teleprinter.render.sanitize import sanitize

        return PipeRenderer(stream, prefix, options=display, side=status_stream, sanitize=sanitize)
    from teleprinter.render.agent import AgentRenderer

    return AgentRenderer(
        stream,
        caps,
        display=display,
        prefix=prefix,
        markdown=True if markdown is None else markdown,
        status_stream=status_stream if status_stream is not None and is_tty(status_stream) else None,
        model_name=model_name,
    )
