"""The ClassLab Slurm token service: a JupyterHub managed service that holds the cluster's JWT key and gives each
student's server a short-lived token for that student's own cluster account, and nobody else's (mode a, SLURM.md).

``python -m classlab_bridge.gpu.slurm.token_service --key-file=/etc/slurm/jwt_hs256.key``, proxied at
``/services/classlab-slurm-token/``. ``GET {prefix}api/slurm/token`` with ``Authorization: token <the server's
$JUPYTERHUB_API_TOKEN>`` answers ``{"user", "token", "expires"}`` for the user the Hub says owns the token (a name
in the request is never read). Refused (403): root, ``slurm`` and the names in ``denied_users``; names not in
``allowed_users`` when that is set; names without a POSIX account here whose uid is at least ``min_uid`` (unless
``require_posix_account`` is off, for clusters whose accounts this host cannot see). Every token given out is
logged (Hub user → cluster user, expiry) for the admin's audit.

The key signs for anyone: only this service (and slurmctld/slurmdbd) may read it. Run it as its own account with the
key readable by that account alone.
"""

from __future__ import annotations

import pwd
import time
from pathlib import Path
from typing import Any

from traitlets import Bool, Integer, List, Unicode

from ...apibase import APIError
from ...hubservice import HubIdentities, HubServiceApp, ServiceAPIHandler, make_service_app
from . import jwt

ALWAYS_DENIED = frozenset({"root", "slurm", "munge", "nobody"})


class TokenError(APIError):
    """A refused token request (403 for whom no token is given, 503 when the key cannot be read)."""


class TokenHandler(ServiceAPIHandler):
    error_class = TokenError
    who: str

    def initialize(self, identities: HubIdentities[str], app: SlurmTokenServiceApp) -> None:
        self.identities = identities
        self.app = app

    def get(self) -> None:
        user = self.who
        refusal = self.app.refusal(user)
        if refusal:
            self.app.log.warning("Slurm token refused for Hub user %r: %s", user, refusal)
            return self.fail(TokenError(403, "forbidden", refusal))
        try:
            key = Path(self.app.key_file).read_bytes()
        except OSError as e:
            self.app.log.error("Slurm JWT key %s cannot be read: %s", self.app.key_file, e)
            return self.fail(TokenError(503, "unavailable", "The Slurm token service cannot read the cluster key."))
        now = time.time()
        token = jwt.mint(key, user, self.app.lifespan, now)
        expires = int(now) + self.app.lifespan
        self.app.log.info("Slurm token for Hub user %r as cluster user %r, expires %d", user, user, expires)
        self.reply({"user": user, "token": token, "expires": expires})


class SlurmTokenServiceApp(HubServiceApp):
    name = "classlab-slurm-token"
    description = "ClassLab: short-lived Slurm tokens, each for its own student only"
    default_port = 10103

    key_file = Unicode("/etc/slurm/jwt_hs256.key", config=True, help="The cluster's HS256 JWT key.")
    lifespan = Integer(600, min=60, max=86400, config=True, help="Seconds a token lives.")
    allowed_users = List(
        Unicode(), config=True, help="Only these users get tokens (the course roster); empty: any user that passes."
    )
    denied_users = List(Unicode(), config=True, help="Users who never get tokens (root, slurm and munge always).")
    min_uid = Integer(1000, config=True, help="The lowest POSIX uid that gets a token.")
    require_posix_account = Bool(
        True,
        config=True,
        help="Refuse users without a POSIX account on this host (uid >= min_uid). Turn off only when the cluster's "
        "accounts are not visible here; allowed_users is then required.",
    )

    aliases = {
        "key-file": "SlurmTokenServiceApp.key_file",
        "lifespan": "SlurmTokenServiceApp.lifespan",
        "min-uid": "SlurmTokenServiceApp.min_uid",
    }

    def refusal(self, user: str) -> str:
        """Why ``user`` gets no token, or '' when they do."""
        if user in ALWAYS_DENIED or user in self.denied_users:
            return f"No Slurm token is given for {user!r}."
        if self.allowed_users and user not in self.allowed_users:
            return f"{user!r} is not on this course's list of GPU users."
        if self.require_posix_account:
            try:
                uid = pwd.getpwnam(user).pw_uid
            except KeyError:
                return f"{user!r} has no account on the cluster."
            if uid < self.min_uid:
                return f"{user!r} is a system account (uid {uid}); no Slurm token is given for it."
        elif not self.allowed_users:
            return "The token service needs allowed_users when require_posix_account is off."
        return ""

    def build(self, hub_auth: Any = None) -> Any:
        identities = self.hub_identities(lambda model: str(model["name"]), hub_auth)
        kw = {"identities": identities, "app": self}
        return make_service_app(self.name, self.prefix, "slurm", [("token", TokenHandler, kw)])

    async def setup(self) -> None:
        self.listen(self.build())


main = SlurmTokenServiceApp.launch_instance

if __name__ == "__main__":
    main()
