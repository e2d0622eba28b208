"""The interactive REPL (`iamdsl`, `iamdsl repl FILE…`).

Stage: the interactive shell.  `session.py` holds all the logic and no
terminal code: `Session.execute(line) -> Output` answers queries, applies
what-if changes and runs the meta-commands registered in `commands.py`
(`save.py` places changes in the files).  The prompt_toolkit pieces (app,
completer, lexer, validator, key bindings, toolbar) only wire it to a terminal.
"""

from iamdsl.repl.session import Change, Output, Session

__all__ = ["Change", "Output", "Session"]
