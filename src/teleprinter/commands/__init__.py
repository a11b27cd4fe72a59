"""CLI subcommands: each module adds its parser and turns arguments into library calls."""
