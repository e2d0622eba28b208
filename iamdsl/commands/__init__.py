"""The subcommands of `iamdsl`, one module each.

Each module has `register(subparsers)`, which adds its parser and sets
`run` to a function `(args) -> exit code`.  cli.py only wires them up.
"""

from iamdsl.commands import check, query

COMMANDS = (check, query)
