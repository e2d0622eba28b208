"""Executable permission specs: `expect` lines, run against the engine."""
