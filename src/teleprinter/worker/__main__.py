"""``python -m teleprinter.worker --dir DIR --keep-alive SECONDS``: the worker process's entry point.

Started by :mod:`teleprinter.worker.client` (never by hand); like ``cli.py`` it is a process
entry point, so it alone here turns the result into an exit status. It imports neither
LangChain nor the CLI: a cold start pays for llama_cpp and the model, nothing else.
"""

import argparse

from teleprinter.worker.server import main

parser = argparse.ArgumentParser(prog="python -m teleprinter.worker")
parser.add_argument("--dir", required=True, help="the worker's private directory")
parser.add_argument("--keep-alive", type=float, required=True, help="seconds to stay after the last answer")
arguments = parser.parse_args()
raise SystemExit(main(arguments.dir, arguments.keep_alive))
