"""The local model worker: one process per user that keeps the embedded model loaded between answers.

``teleprinter ask`` on the local provider connects to the worker's Unix socket (starting the
worker when none runs), sends the prompt and the llama.cpp arguments, and renders the pieces
that come back, without importing LangChain or llama_cpp itself. The worker loads each model
once, serves concurrent clients one generation at a time, stops a generation whose client went
away, and exits (removing its socket) after ``--keep-alive`` seconds without work.

Modules: :mod:`paths` (private directory, socket, lock), :mod:`protocol` (JSON lines),
:mod:`server` (the worker process), :mod:`client` (connect or start), :mod:`source`
(worker messages -> :mod:`teleprinter.events`).
"""
