"""The Slurm backend's parts that need no cluster: tokens, the v0.0.38 adapter's reading of Slurm's JSON (a response
recorded from slurmrestd 22.05), path mapping and the plain-words reasons. The cluster tests are in tests/slurm/."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from classlab_bridge.gpu.slurm import jwt
from classlab_bridge.gpu.slurm.queue import PathMap
from classlab_bridge.gpu.slurm.rest import V0038
from classlab_bridge.gpu.slurm.token_service import SlurmTokenServiceApp
from classlab_bridge.gpu.slurm.tokens import KeyTokens, TokenError

DATA = Path(__file__).parent / "data"


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_token_is_hs256_over_iat_exp_and_the_user_name():
    token = jwt.mint(b"k" * 32, "student1", 600, now=1_000_000)
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    assert _claims(token) == {"exp": 1_000_600, "iat": 1_000_000, "sun": "student1"}
    expected = hmac.new(b"k" * 32, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()
    assert jwt.expires(token) == 1_000_600 and jwt.expires("not a token") is None


def test_minting_refuses_an_empty_key_or_user():
    with pytest.raises(ValueError):
        jwt.mint(b"", "student1", 600)
    with pytest.raises(ValueError):
        jwt.mint(b"key", "", 600)


async def test_key_tokens_sign_only_for_allowed_users_and_are_reused(tmp_path):
    key = tmp_path / "jwt.key"
    key.write_bytes(b"s" * 32)
    tokens = KeyTokens(key, lifespan=600, allowed={"classlab-svc"})
    first = await tokens.token("classlab-svc")
    assert await tokens.token("classlab-svc") == first  # cached until near its expiry
    tokens.forget("classlab-svc")
    assert _claims(await tokens.token("classlab-svc"))["sun"] == "classlab-svc"
    with pytest.raises(TokenError, match="student1"):
        await tokens.token("student1")
    with pytest.raises(TokenError, match="cannot be read"):
        await KeyTokens(tmp_path / "missing.key").token("anyone")


def test_the_v0038_adapter_reads_a_recorded_job():
    raw = json.loads((DATA / "slurm-rest-job-9.json").read_text())["jobs"][0]
    job = V0038.job(raw)
    assert (job.id, job.state, job.partition, job.gpus, job.time_limit_minutes) == (9, "COMPLETED", "gpu", 1, 5)
    assert job.terminal and job.start_time == 1795443970 and job.end_time == 1795443973 and job.exit_code == 0


def test_gpu_indexes_come_from_gres_detail():
    job = V0038.job(
        {"job_id": 3, "job_state": "RUNNING", "tres_per_node": "gres:gpu:2", "gres_detail": ["gpu:2(IDX:0-1)"]}
    )
    assert job.gpus == 2 and job.gpu_indexes == [0, 1] and not job.terminal


def test_usage_and_limit_from_slurmdbd_records():
    jobs = [
        {"tres": {"allocated": [{"type": "gres", "name": "gpu", "count": 1}]}, "time": {"elapsed": 90, "end": 1000}},
        {"tres": {"allocated": [{"type": "cpu", "name": "", "count": 4}]}, "time": {"elapsed": 600, "end": 1000}},
        {"tres": {"allocated": [{"type": "gres", "name": "gpu", "count": 2}]}, "time": {"elapsed": 30, "end": 1000}},
    ]
    assert V0038.db_gpu_minutes(jobs) == pytest.approx(2.5)
    running = {"tres": {"allocated": [{"type": "gres", "name": "gpu", "count": 1}]}, "time": {"elapsed": 50, "end": 0}}
    assert V0038.db_gpu_minutes([running]) == 0  # counted by the queue from its own records
    assocs = [
        {
            "user": "other",
            "account": "students",
            "max": {"tres": {"group": {"minutes": [{"type": "gres", "name": "gpu", "count": 5}]}}},
        },
        {
            "user": "s1",
            "account": "students",
            "max": {"tres": {"group": {"minutes": [{"type": "gres", "name": "gpu", "count": 600}]}}},
        },
    ]
    assert V0038.gpu_limit_minutes(assocs, "s1", "students") == 600
    assert V0038.gpu_limit_minutes(assocs, "s1", "teachers") is None


def test_paths_map_by_the_longest_prefix():
    m = PathMap("/home=/cluster/home, /home/shared=/data")
    assert m(Path("/home/s1/lesson")) == "/cluster/home/s1/lesson"
    assert m(Path("/home/shared/x")) == "/data/x"
    assert m(Path("/homework")) == "/homework"  # a prefix of the name, not of the path
    with pytest.raises(ValueError):
        PathMap("relative=/x")


@pytest.mark.parametrize(
    ("user", "refused"),
    [
        ("root", "No Slurm token"),
        ("slurm", "No Slurm token"),
        ("nobody", "No Slurm token"),
        ("no-such-user-x", "no account"),
    ],
)
def test_the_token_service_refuses_system_and_unknown_accounts(user, refused):
    assert refused in SlurmTokenServiceApp().refusal(user)


def test_the_token_service_refuses_accounts_below_min_uid():
    app = SlurmTokenServiceApp(min_uid=1000)
    assert "system account" in app.refusal("daemon")
    app = SlurmTokenServiceApp(allowed_users=["s1"])
    assert "not on this course" in app.refusal("s2")
    app = SlurmTokenServiceApp(require_posix_account=False)
    assert "allowed_users" in app.refusal("s1")
    assert SlurmTokenServiceApp(require_posix_account=False, allowed_users=["s1"]).refusal("s1") == ""
