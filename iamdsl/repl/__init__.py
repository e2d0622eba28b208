"""The interactive REPL (`iamdsl`, `iamdsl repl FILE…`).

Stage: the interactive shell.  `session.py` holds all the logic and no
terminal code: `Session.execute(line) -> Output` answers queries, applies
what-if changes and runs the meta-commands registered in `commands.py`
(`save.py` places changes in the files).  The prompt_toolkit pieces (app,
completer, lexer, validator, key bindings, toolbar) only wire it to a terminal.
"""

__all__ = ["Change", "Output", "Session"]


def __getattr__(name: str):
    # Lazy, so that `pygmentize -l iamdsl` (which imports iamdsl.repl.lexer) stays light.
    if name in __all__:
        from iamdsl.repl import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
