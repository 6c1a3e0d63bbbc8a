"""Slurm ``auth/jwt`` tokens: HS256 over ``{"iat", "exp", "sun"}`` with the cluster's key, which is what
``scontrol token`` makes. Whoever holds the key can sign for any user, root included, so only trusted code (the Hub
side) ever reads it; a student's server gets only short-lived tokens for its own user (tokens.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Optional


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(key: bytes, user: str, lifespan: int, now: Optional[float] = None) -> str:
    """A token for ``user`` valid ``lifespan`` seconds from ``now``."""
    if not key:
        raise ValueError("the Slurm JWT key is empty")
    if not user or lifespan < 1:
        raise ValueError("a Slurm token needs a user name and a lifespan of at least one second")
    issued = int(time.time() if now is None else now)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(
        json.dumps({"exp": issued + lifespan, "iat": issued, "sun": user}, separators=(",", ":")).encode()
    )
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def expires(token: str) -> Optional[int]:
    """The ``exp`` claim of a token (not verified: for knowing when to ask for a new one), or None."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return exp if isinstance(exp, int) else None
