"""What ``teleprinter run TARGET [INPUT]`` streams: a Runnable named on the command line, and its input.

TARGET is ``path/to/file.py:NAME`` or ``package.module:NAME`` (as ``uvicorn`` names an app); NAME
is a LangChain ``Runnable`` (a chat model, a chain, a compiled LangGraph graph) or a zero-argument
factory returning one. INPUT is a JSON value or a plain string; a string given to a chat model,
or to a graph whose state has ``messages``, becomes one human message.

Every problem is a :class:`~teleprinter.errors.ConfigError` naming what to fix (the CLI exits 2).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from teleprinter.errors import ConfigError

TARGET_FORM = "FILE.py:NAME or package.module:NAME"
GRAPH_HINT = "pip install 'teleprinter[graph]'"


def load_target(spec: str, cwd: str | Path = ".") -> Any:
    """The Runnable ``spec`` names; a module target is looked up with ``cwd`` first on ``sys.path``.

    Raises :class:`ConfigError` when the spec is malformed, the module cannot be imported (its
    own error in the message), the name is missing, or the object is not a Runnable.
    """
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name.isidentifier():
        raise ConfigError(f"TARGET {spec!r} is not {TARGET_FORM}", "e.g. teleprinter run examples/agent.py:graph")
    module = _import_file(Path(where)) if where.endswith(".py") else _import_module(where, Path(cwd))
    if not hasattr(module, name):
        found = sorted(n for n, v in vars(module).items() if not n.startswith("_") and _is_runnable(v))
        hint = f"Runnables there: {', '.join(found)}" if found else "define it, or name another"
        raise ConfigError(f"{where} has no {name!r}", hint)
    return _runnable(getattr(module, name), spec)


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise ConfigError(f"TARGET file not found: {path}")
    module_name = f"_teleprinter_target_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    directory = str(path.resolve().parent)
    sys.path.insert(0, directory)  # its sibling modules import as when it runs as a script
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(module_name, None)
        raise _import_error(str(path), error) from error
    finally:
        if directory in sys.path:
            sys.path.remove(directory)
    return module


def _import_module(name: str, cwd: Path) -> ModuleType:
    directory = str(cwd.resolve())
    sys.path.insert(0, directory)
    try:
        return importlib.import_module(name)
    except BaseException as error:
        raise _import_error(name, error) from error
    finally:
        if directory in sys.path:
            sys.path.remove(directory)


def _import_error(where: str, error: BaseException) -> ConfigError:
    if isinstance(error, KeyboardInterrupt):
        raise error
    missing = getattr(error, "name", None) if isinstance(error, ImportError) else None
    if missing and str(missing).split(".")[0] == "langgraph":
        return ConfigError(f"cannot import {where}: it needs langgraph", GRAPH_HINT)
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return ConfigError(f"cannot import {where}: {type(error).__name__}" + (f": {text}" if text else ""))


def _is_runnable(value: Any) -> bool:
    from langchain_core.runnables import Runnable

    return isinstance(value, Runnable)


def _runnable(value: Any, spec: str) -> Any:
    if _is_runnable(value):
        return value
    if callable(value) and _takes_no_arguments(value):
        try:
            made = value()
        except Exception as error:
            raise ConfigError(f"{spec}() failed: {type(error).__name__}: {error}") from error
        if _is_runnable(made):
            return made
        raise ConfigError(f"{spec}() returned a {type(made).__name__}, not a LangChain Runnable")
    raise ConfigError(
        f"{spec} is a {type(value).__name__}, not a LangChain Runnable",
        "name a chat model, chain or compiled graph, or a zero-argument function returning one",
    )


def _takes_no_arguments(value: Any) -> bool:
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in signature.parameters.values()
    )


def parse_input(text: str, runnable: Any) -> Any:
    """INPUT for ``runnable``: JSON when it looks like JSON, else the plain string; wrapped as needed.

    Text starting with ``{`` or ``[`` must be valid JSON; an object for a graph must fit its
    input schema. Raises :class:`ConfigError` naming the problem.
    """
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            value: Any = json.loads(stripped)
        except ValueError as error:
            hint = "quote it for the shell, or pass plain text"
            raise ConfigError(f"INPUT is not valid JSON: {error}", hint) from error
    else:
        try:
            value = json.loads(stripped)
        except ValueError:
            value = text
    if isinstance(value, str):
        return _wrapped(value, runnable)
    if isinstance(value, dict):
        _check_fits(value, runnable)
    return value


def _wrapped(text: str, runnable: Any) -> Any:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import HumanMessage

    if isinstance(runnable, BaseChatModel):
        return [HumanMessage(text)]
    if "messages" in _input_properties(runnable):
        return {"messages": [HumanMessage(text)]}
    return text


def _input_properties(runnable: Any) -> dict[str, Any]:
    """The input keys a Runnable declares; a LangGraph graph's state channels when pydantic cannot
    build its schema (a ``typing.TypedDict`` state on Python < 3.12)."""
    try:
        schema = runnable.get_input_jsonschema()
    except Exception:
        channels = getattr(runnable, "channels", None)
        if isinstance(channels, dict):
            return {key: {} for key in channels if not key.startswith("__") and ":" not in key}
        return {}  # a Runnable whose schema cannot be built takes what it is given
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return properties if isinstance(properties, dict) else {}


def _check_fits(value: dict[str, Any], runnable: Any) -> None:
    from langchain_core.language_models import BaseLanguageModel

    if isinstance(runnable, BaseLanguageModel):
        raise ConfigError("INPUT for a chat model is text or a JSON list of messages, not a JSON object")
    properties = _input_properties(runnable)
    if properties and not set(value) & set(properties):
        raise ConfigError(
            f"INPUT has none of the target's input keys ({', '.join(sorted(value)) or 'no keys'})",
            f"it takes: {', '.join(sorted(properties))}",
        )
