"""Several named users on one benchmark server (a helper, not a benchmark: loaded by the server, not by run.py).

A plain token-authenticated Jupyter server has no user names: each request without a login cookie is a new
"Anonymous" user. The help benchmark needs a student who asks and two helpers who join, each a user of their own,
so that the relay sees an owner and two helpers as in a class. ``BenchUsers`` maps extra tokens to fixed user
names (``c.BenchUsers.user_tokens = {token: name}``); the server's own token keeps working as before. Without
JupyterHub every user of the bridge counts as a teacher, which may join any request as a helper.
"""

from __future__ import annotations

from typing import Any, Optional

from jupyter_server.auth.identity import IdentityProvider, User
from traitlets import Dict


class BenchUsers(IdentityProvider):
    user_tokens = Dict(config=True, help="Extra tokens, each naming the user it logs in.")

    async def get_user_token(self, handler: Any) -> Optional[User]:
        name = self.user_tokens.get(self.get_token(handler) or "")
        if name:
            return User(username=name, name=name, display_name=name.capitalize())
        return await super().get_user_token(handler)
