"""``teleprinter completion SHELL``: print the shell code that makes Tab complete commands and options.

The completion itself is argcomplete's: the printed function runs ``teleprinter`` with
``_ARGCOMPLETE`` set, and ``cli.main`` hands the parser to ``argcomplete.autocomplete``,
which answers from the same parser ``--help`` describes (choices such as ``--provider``
included) and exits before anything else runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from teleprinter.commands.common import command_parser

SHELLS = ("bash", "zsh", "fish")


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "completion",
        help="print the shell code for Tab completion (bash, zsh, fish)",
        description="Print the code that makes Tab complete teleprinter's commands, options and their values. "
        "Load it from your shell's start-up file to keep it.",
        examples=(
            'eval "$(teleprinter completion bash)"  # bash: add the line to ~/.bashrc',
            'eval "$(teleprinter completion zsh)"  # zsh: add the line to ~/.zshrc',
            "teleprinter completion fish > ~/.config/fish/completions/teleprinter.fish",
        ),
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to print the code for")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    sys.stdout.write(shellcode(["teleprinter"], shell=args.shell))
    return 0
