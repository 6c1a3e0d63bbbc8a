"""Reading a help-room WebSocket in tests (the in-process relay and the Hub service alike)."""

from __future__ import annotations

import asyncio


async def read(ws, timeout=5.0):
    """The next message; fails the test if the server closed the socket instead."""
    message = await asyncio.wait_for(ws.read_message(), timeout)
    assert message is not None, f"closed: {ws.close_code} {ws.close_reason}"
    return message


async def closed(ws, timeout=5.0):
    """Reads until the server closes the socket; its close code and reason."""
    while await asyncio.wait_for(ws.read_message(), timeout) is not None:
        pass
    return ws.close_code, ws.close_reason
