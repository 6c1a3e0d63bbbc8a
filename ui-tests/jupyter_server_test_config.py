"""Jupyter server configuration for the browser tests (never use it in production).

Galata's test configuration, plus: a real token (so the bridge sees an authenticated user), the loopback port the
harness chose, and root allowed because CI machines run as root.
"""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 (injected by traitlets)
configure_jupyter_server(c)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ["CLASSLAB_UI_PORT"])
c.IdentityProvider.token = os.environ["CLASSLAB_UI_TOKEN"]
c.ServerApp.allow_root = True
