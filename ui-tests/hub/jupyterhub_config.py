"""JupyterHub configuration for the hub browser tests (never use it in production).

A real multi-user hub on loopback ports the harness chose: four users with a shared password, a `teachers` group,
local single-user servers running JupyterLab with every ClassLab package from the repository's .venv, and a service
token the tests use to read groups through the Hub REST API, and the ClassLab help relay, grader (`classlab-grader`,
holding the class's hidden tests) and GPU queues as managed services: `classlab-gpu` (one CPU slot, for student1,
student2 and teacher) and `classlab-gpu-slurm` (the class's jobs on the single-node Slurm test cluster of
scripts/slurm-single-node.sh, for student3 only). State lives in the per-run dir start-hub.sh made.
"""

import os
import site
import socket
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (injected by traitlets)

here = Path(__file__).resolve().parent
repo = here.parent.parent
state = Path(os.environ["CLASSLAB_HUB_STATE"])

# --- Network: proxy (public), proxy API and hub, all loopback-only on the harness's free ports -----------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{os.environ['CLASSLAB_HUB_PORT']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ['CLASSLAB_HUB_INTERNAL_PORT']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['CLASSLAB_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [str(repo / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

# --- Fresh state every run: a stale server record in an old database makes start-up hang ~60 s ------------------
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- Users: a fixed password for the allowed users, no admins, teachers as a Hub group -------------------------
# SharedPasswordAuthenticator is what JupyterHub >= 5.3 offers for a fixed password (DummyAuthenticator.password
# is deprecated there and logs a warning on every start).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["CLASSLAB_HUB_PASSWORD"]
# student3's GPU jobs go to the Slurm service (see "GPU queue on Slurm" below); everyone else's to classlab-gpu.
c.Authenticator.allowed_users = {"student1", "student2", "student3", "teacher"}
c.Authenticator.admin_users = set()
c.JupyterHub.load_groups = {"teachers": {"users": ["teacher"]}}

# The tests' own client: read-only access to groups through the REST API.
c.JupyterHub.services = [{"name": "classlab-tests", "api_token": os.environ["CLASSLAB_HUB_API_TOKEN"]}]

# --- ClassLab help relay as a managed service (help_backend = "remote" in singleuser/jupyter_server_config.py) ----
# The same lines an admin puts in a production jupyterhub_config.py (README: "Help in a JupyterHub").
with socket.socket() as s:  # a free loopback port for the service (the proxy sends /services/classlab-help/ there)
    s.bind(("127.0.0.1", 0))
    help_port = s.getsockname()[1]
c.JupyterHub.services.append(
    {
        "name": "classlab-help",
        "url": f"http://127.0.0.1:{help_port}",
        "command": [
            sys.executable,
            "-m",
            "classlab_bridge.help.service_app",
            "--teachers-group=teachers",
            f"--state-file={state / 'classlab-help-state.json'}",  # open requests survive a restart of the service
        ],
        "display": False,
    }
)
# --- ClassLab GPU queue as a managed service (gpu_backend = "remote"): one CPU slot shared by the class -------------
# The same lines an admin puts in a production jupyterhub_config.py (README: "GPU in a JupyterHub").
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    gpu_port = s.getsockname()[1]
c.JupyterHub.services.append(
    {
        "name": "classlab-gpu",
        "url": f"http://127.0.0.1:{gpu_port}",
        "command": [
            sys.executable,
            "-m",
            "classlab_bridge.gpu.service_app",
            "--teachers-group=teachers",
            "--GpuServiceApp.cpu_slots=1",
            f"--data-dir={state / 'classlab-gpu'}",  # the queue's ledger, job records and scratch folders
        ],
        "display": False,
    }
)

# --- ClassLab grader as a managed service (grader_backend = "remote"): the class's hidden tests and results ----------
# The same lines an admin puts in a production jupyterhub_config.py (server-ext-bridge/classlab_bridge/grader/HUB.md).
# Sandboxes run under uids of their own (the service runs as root here), with the system's Python when this venv's
# lives under /root (grader/sandbox.py default_python): nothing more to set.
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    grader_port = s.getsockname()[1]
c.JupyterHub.services.append(
    {
        "name": "classlab-grader",
        "url": f"http://127.0.0.1:{grader_port}",
        "command": [
            sys.executable,
            "-m",
            "classlab_bridge.grader.service_app",
            "--teachers-group=teachers",
            "--pool-size=1",  # one sandbox started ahead on this 2-core test machine
            f"--data-dir={state / 'classlab-grader'}",  # specs (hidden tests), submissions and results
        ],
        "display": False,
    }
)

# --- ClassLab GPU queue on Slurm as a second managed service, for student3 (hub/tests/gpu-slurm.spec.ts) -----------
# The class's jobs go to the single-node Slurm test cluster (scripts/slurm-single-node.sh with the knobs of
# server-ext-bridge/tests/slurm/conftest.py), all as the cluster account classlab-svc with the student's name in the
# job's comment; the quota is this service's own ledger (gpu/slurm/SLURM.md, mode b). The Hub starts without Slurm:
# until gpu-slurm.spec.ts brings the cluster up, the service answers `reachable: false`.
SLURM_BASE = Path("/tmp/classlab-slurm")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    gpu_slurm_port = s.getsockname()[1]
# The accounts jobs run as cannot execute this venv's Python (its interpreter lives under /root): the system's
# Python of the same version, with the repository's bridge and this venv's packages on its path.
JOB_PYTHON = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
JOB_PYTHONPATH = os.pathsep.join([str(repo / "server-ext-bridge"), *site.getsitepackages()])
c.JupyterHub.services.append(
    {
        "name": "classlab-gpu-slurm",
        "url": f"http://127.0.0.1:{gpu_slurm_port}",
        "command": [
            sys.executable,
            "-m",
            "classlab_bridge.gpu.service_app",
            "--backend=slurm",
            "--teachers-group=teachers",
            "--GpuServiceApp.slurm_mode=service",
            "--GpuServiceApp.slurm_service_user=classlab-svc",
            "--GpuServiceApp.slurm_token=key",
            "--GpuServiceApp.slurm_key_file=/etc/slurm/jwt_hs256.key",
            # On the cluster's "shared filesystem" (the compute node is this machine), one folder per hub run; as
            # root the queue gives each job's folder to classlab-svc. gpu-slurm.spec.ts removes it at the end.
            f"--GpuServiceApp.slurm_job_root={SLURM_BASE / 'shared' / ('hub-' + os.environ['CLASSLAB_HUB_PORT'])}",
            f"--GpuServiceApp.slurm_python={JOB_PYTHON}",
            f"--GpuServiceApp.slurm_job_env=PYTHONPATH={JOB_PYTHONPATH}",
            "--GpuServiceApp.slurm_poll_interval=0.5",
            # The ledger, records and upload scratch: in the run's dir, off the shared filesystem.
            f"--data-dir={state / 'classlab-gpu-slurm'}",
        ],
        "display": False,
    }
)
GPU_SLURM_URL = f"http://127.0.0.1:{gpu_slurm_port}/services/classlab-gpu-slurm/"


def gpu_service_url(spawner) -> str:
    """CLASSLAB_GPU_SERVICE_URL of a user's server: the Slurm service for student3; for the others empty, so that
    their bridge asks the Hub where its default service classlab-gpu is (gpu_service_name)."""
    return GPU_SLURM_URL if spawner.user.name == "student3" else ""


# Every user may call the services and find them; each server's own token gets those scopes too (the bridge forwards
# with it; the services ask the Hub whose token it is).
HELP_SCOPES = ["access:services!service=classlab-help", "read:services!service=classlab-help"]
GPU_SCOPES = [
    "access:services!service=classlab-gpu",
    "read:services!service=classlab-gpu",
    "access:services!service=classlab-gpu-slurm",
    "read:services!service=classlab-gpu-slurm",
]
GRADER_SCOPES = ["access:services!service=classlab-grader", "read:services!service=classlab-grader"]
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    *HELP_SCOPES,
    *GPU_SCOPES,
    *GRADER_SCOPES,
]
c.JupyterHub.load_roles = [
    {
        "name": "classlab-tests",
        "description": "Browser tests: read Hub groups",
        "scopes": ["list:groups", "read:groups"],
        "services": ["classlab-tests"],
    },
    {"name": "user", "scopes": ["self", *HELP_SCOPES, *GPU_SCOPES, *GRADER_SCOPES]},
]

# --- Single-user servers: local processes as root (no system users), JupyterLab with ClassLab from .venv --------
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
c.Spawner.cmd = [str(repo / ".venv" / "bin" / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    # Highest-priority config dir: news/update checks off, app exposed to the tests. The per-user
    # JUPYTER_CONFIG_DIR stays the default ~/.jupyter, i.e. inside the per-run home above.
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(here / "singleuser"), str(here.parent / "jupyter-config")]),
    "JUPYTER_PREFER_ENV_PATH": "1",
    # Which GPU service the user's bridge forwards to (gpu_backend = "remote"): a callable of the spawner.
    "CLASSLAB_GPU_SERVICE_URL": gpu_service_url,
}
# Two servers starting at once on 2 cores take 10-15 s (mostly Python imports): leave room for a busy machine
# without hiding a real hang. On shutdown a server stops within 1-2 s of SIGINT; don't wait 10 s for a stuck one.
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.LocalProcessSpawner.interrupt_timeout = 5
c.LocalProcessSpawner.term_timeout = 5
