"""Mode (a) end to end: the ClassLab Slurm token service gives a student's server a short-lived token for that
student only, and the server's SlurmQueue runs the student's cell as the student with it.

What is FAKED here: the Hub's answer about a token (``HubAuth.user_for_token``: a dict of server tokens below); the
real Hub is in ui-tests/hub. What is REAL: the token service app (HTTP, refusals, the cluster key), slurmrestd,
slurmctld and the job."""

from __future__ import annotations

import base64
import json
import pwd
from pathlib import Path
from typing import Any

import pytest
from classlab_bridge.gpu.queue import GpuUser
from classlab_bridge.gpu.slurm import jwt
from classlab_bridge.gpu.slurm.queue import SlurmQueue
from classlab_bridge.gpu.slurm.rest import SlurmRest, SlurmRestError
from classlab_bridge.gpu.slurm.token_service import SlurmTokenServiceApp
from classlab_bridge.gpu.slurm.tokens import HubTokens, TokenError
from slurm_helpers import JOB_ENV, JOB_PYTHON, S1, S2, bundle, follow, notebook_folder, states, text_of
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

SERVER_TOKENS = {"s1-server": S1, "s2-server": S2, "root-server": "root", "ghost-server": "no-such-login-x"}


class FakeHubAuth:
    """Who owns a server token, as the Hub would answer (every token here holds access to the service)."""

    access_scopes = {"access:services!service=classlab-slurm-token"}

    async def user_for_token(self, token: str, sync: bool = False) -> dict[str, Any] | None:
        name = SERVER_TOKENS.get(token)
        return {"kind": "user", "name": name, "scopes": list(self.access_scopes)} if name else None

    def check_scopes(self, required: set[str], model: dict[str, Any]) -> set[str]:
        return required & set(model.get("scopes", []))


@pytest.fixture
def token_service(slurm_cluster, jp_asyncio_loop):
    app = SlurmTokenServiceApp(key_file=slurm_cluster.jwt_key_path, lifespan=120, prefix="/services/tokens/")

    async def start() -> tuple[HTTPServer, int]:
        sock, port = bind_unused_port()
        server = HTTPServer(app.build(hub_auth=FakeHubAuth()))
        server.add_sockets([sock])
        return server, port

    server, port = jp_asyncio_loop.run_until_complete(start())
    yield f"http://127.0.0.1:{port}/services/tokens/"
    server.stop()


async def test_a_server_gets_a_short_token_for_its_own_user_only(token_service):
    tokens = HubTokens(token_service, "s1-server")
    token = await tokens.token(S1)
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sun"] == S1 and claims["exp"] - claims["iat"] == 120
    assert jwt.expires(token) == claims["exp"]
    # Asking for someone else with one's own server token gets one's own name back, which the client refuses.
    with pytest.raises(TokenError, match="not 'classlab-s2'"):
        await HubTokens(token_service, "s1-server").token(S2)


@pytest.mark.parametrize(
    ("server_token", "status", "words"),
    [("root-server", 403, "No Slurm token"), ("ghost-server", 403, "no account"), ("forged", 403, "JupyterHub token")],
)
async def test_system_unknown_and_unauthenticated_callers_get_nothing(token_service, server_token, status, words):
    with pytest.raises(HTTPClientError) as refused:
        await AsyncHTTPClient().fetch(
            token_service + "api/slurm/token", headers={"Authorization": f"token {server_token}"}
        )
    assert refused.value.code == status
    assert words in json.loads(refused.value.response.body)["error"]["message"]


async def test_slurmrestd_refuses_a_students_token_for_another_user(slurm_cluster, token_service):
    tokens = HubTokens(token_service, "s1-server")
    s1_token = await tokens.token(S1)

    class Borrowed(HubTokens):
        async def token(self, user: str) -> str:
            return s1_token  # student 1's token, sent as student 2

        def forget(self, user: str) -> None:
            pass

    rest = SlurmRest(slurm_cluster.rest_url, Borrowed(token_service, "s1-server"), "v0.0.38")
    with pytest.raises(SlurmRestError) as refused:
        await rest.jobs(S2)
    assert refused.value.kind == "auth"


async def test_a_students_server_runs_a_cell_as_the_student_with_a_token_from_the_service(
    slurm_cluster, token_service, shared
):
    queue = SlurmQueue(
        data_dir=shared / "queue",
        rest=SlurmRest(slurm_cluster.rest_url, HubTokens(token_service, "s1-server")),
        mode="user",
        job_root=shared / "jobs",
        partition=slurm_cluster.partition,
        python=JOB_PYTHON,
        job_env=JOB_ENV,
        poll_interval=0.3,
    )
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    try:
        job = await queue.submit(user, bundle(folder, "import os\nprint('uid', os.getuid())"))
        events = await follow(queue, user, job["id"])
        assert states(events)[-1] == "succeeded"
        _, outputs = await queue.get(user, job["id"])
        assert text_of(outputs).strip() == f"uid {pwd.getpwnam(S1).pw_uid}"
        assert Path(shared / "jobs" / job["id"] / "slurm.out").exists()
    finally:
        await queue.close()
