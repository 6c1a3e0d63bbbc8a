"""ClassLab's auto-grader: formats, release, repair, sandboxed running and judging (PROTOCOL.md)."""
