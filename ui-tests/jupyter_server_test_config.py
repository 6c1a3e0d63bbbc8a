"""Jupyter server configuration for the browser tests (never use it in production).

Galata's test configuration, plus: a real token (so the bridge sees an authenticated user), the loopback port the
harness chose, and root allowed because CI machines run as root. With jupyter-collaboration installed
(.venv-collab), its Y store lives in the run's state dir, not in the current directory.
"""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821 (injected by traitlets)
configure_jupyter_server(c)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ["CLASSLAB_UI_PORT"])
c.IdentityProvider.token = os.environ["CLASSLAB_UI_TOKEN"]
c.ServerApp.allow_root = True
# jupyter-collaboration's document history (a SQLite file, by default in the current directory).
c.SQLiteYStore.db_path = os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "ystore.db")

# GPU queue (tests/gpu.spec.ts): no GPU even on a machine that has one (jobs run on the CPU, and the UI says so),
# and one slot, so a second job waits in line while the first runs; its records under the test's own data dir.
os.environ["CUDA_VISIBLE_DEVICES"] = ""
c.ClassLabBridgeApp.gpu_backend = "local"
c.ClassLabBridgeApp.gpu_cpu_slots = 1
