"""Where the Slurm backend gets its JWTs (``gpu_slurm_token``), one source per identity mode (SLURM.md):

- ``key``: minted here from the cluster's HS256 key (mode b: the Hub service, signing only for its service account;
  or a trusted single-user server on a cluster the school runs for one person). The key can sign for anyone, so it
  must never be readable by a student's server.
- ``hub``: asked of the ClassLab token service (token_service.py, a JupyterHub service holding the key) with this
  server's ``$JUPYTERHUB_API_TOKEN``; it answers a short-lived token for the server's own user only (mode a).
- ``env``: a token the user got themselves (``scontrol token``) in ``$SLURM_JWT``.

A source hands out a cached token until it is close to expiry; ``forget`` drops it after slurmrestd refused it.
"""

from __future__ import annotations

import json
import os
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Optional

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from . import jwt

#: A cached token is renewed once less than this share of its life is left.
RENEW_FRACTION = 0.25


class TokenError(Exception):
    """No token could be had; ``message`` says why in words an admin can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenSource(ABC):
    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, float, float]] = {}  # user -> (token, issued, expires)

    async def token(self, user: str) -> str:
        cached = self._cache.get(user)
        now = time.time()
        if cached is not None:
            token, issued, exp = cached
            if now < exp - (exp - issued) * RENEW_FRACTION:
                return token
        token, exp = await self._fetch(user)
        self._cache[user] = (token, now, exp)
        return token

    def forget(self, user: str) -> None:
        self._cache.pop(user, None)

    @abstractmethod
    async def _fetch(self, user: str) -> tuple[str, float]:
        """A fresh (token, expiry time) for ``user``."""


class KeyTokens(TokenSource):
    """Signs tokens with the cluster key (``jwt_hs256.key``), for ``allowed`` users only (None: any)."""

    def __init__(self, key_path: Path, lifespan: int = 600, allowed: Optional[set[str]] = None) -> None:
        super().__init__()
        self.key_path = key_path
        self.lifespan = lifespan
        self.allowed = allowed

    async def _fetch(self, user: str) -> tuple[str, float]:
        if self.allowed is not None and user not in self.allowed:
            raise TokenError(f"No Slurm token is signed for {user!r} here.")
        try:
            key = self.key_path.read_bytes()
        except OSError as e:
            raise TokenError(f"The Slurm JWT key {self.key_path} cannot be read ({e.strerror}).") from None
        now = time.time()
        return jwt.mint(key, user, self.lifespan, now), now + self.lifespan


class EnvTokens(TokenSource):
    """The token in ``$SLURM_JWT`` (or ``variable``), for whoever it was made for."""

    def __init__(self, variable: str = "SLURM_JWT") -> None:
        super().__init__()
        self.variable = variable

    async def _fetch(self, user: str) -> tuple[str, float]:
        token = os.environ.get(self.variable, "")
        if not token:
            raise TokenError(f"${self.variable} holds no Slurm token (make one with 'scontrol token').")
        return token, float(jwt.expires(token) or time.time() + 60)


class HubTokens(TokenSource):
    """Short-lived tokens for this server's user from the ClassLab token service (``GET {url}api/slurm/token``)."""

    def __init__(self, url: str, api_token: str, timeout: float = 10.0) -> None:
        super().__init__()
        self.url = url if url.endswith("/") else url + "/"
        self.api_token = api_token
        self.timeout = timeout

    async def _fetch(self, user: str) -> tuple[str, float]:
        if not self.url or not self.api_token:
            raise TokenError(
                "The Slurm token service is not configured (gpu_slurm_token_url and $JUPYTERHUB_API_TOKEN)."
            )
        request = HTTPRequest(
            self.url + "api/slurm/token",
            headers={"Authorization": f"token {self.api_token}"},
            request_timeout=self.timeout,
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
        except HTTPClientError as e:
            detail = ""
            if e.response is not None and e.response.body:
                try:
                    detail = json.loads(e.response.body)["error"]["message"]
                except (ValueError, KeyError, TypeError):
                    detail = ""
            raise TokenError(f"The Slurm token service refused ({e.code}). {detail}".strip()) from None
        except OSError as e:
            raise TokenError(f"The Slurm token service cannot be reached ({e}).") from None
        body = json.loads(response.body)
        if body.get("user") != user:
            raise TokenError(f"The Slurm token service gave a token for {body.get('user')!r}, not {user!r}.")
        return str(body["token"]), float(body["expires"])
