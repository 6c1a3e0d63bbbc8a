"""The Slurm test cluster itself (conftest.py): slurmrestd answers JWT requests for a student, a REST submit runs as
the student with a (fake) GPU in their folder, the served OpenAPI is the v0.0.38 contract the backend is written
against, quotas reach slurmctld, and the fault helpers stop, kill and restart what the fault tests need."""

from __future__ import annotations

import json
import pwd
import time
from pathlib import Path
from typing import Any

import pytest
import requests

S1 = "classlab-s1"
API = "/slurm/v0.0.38"
STORED_SPEC = Path(__file__).with_name("openapi-v0.0.38.json")
#: The job_properties fields the Slurm backend sends; their schema must not change under it.
SUBMIT_FIELDS = (
    "name",
    "partition",
    "gres",
    "time_limit",
    "current_working_directory",
    "standard_output",
    "standard_error",
    "environment",
    "comment",
    "wckey",
    "account",
)
ENDED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL"}


def api(cluster, user: str, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One slurmrestd call as USER with a freshly minted token; the answer's errors[] must be empty."""
    headers = cluster.rest_headers(user)
    answer = requests.request(method, cluster.rest_url + path, headers=headers, json=body, timeout=30)
    assert answer.status_code == 200, f"{method} {path}: HTTP {answer.status_code} {answer.text[:500]}"
    data = answer.json()
    assert data.get("errors", []) == [], data["errors"]
    return data


def submit(cluster, user: str, folder: Path, script: str, **job: Any) -> int:
    body = {
        "script": script,
        "job": {
            "name": "classlab-smoke",
            "partition": cluster.partition,
            "gres": "gpu:1",
            "time_limit": 2,
            "current_working_directory": str(folder),
            "standard_output": f"{folder}/%j.out",
            "standard_error": f"{folder}/%j.err",
            # Mandatory in 22.05 ("environment must be set"), and an object in v0.0.38.
            "environment": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            **job,
        },
    }
    return int(api(cluster, user, "POST", f"{API}/job/submit", body)["job_id"])


def wait_job(cluster, user: str, job_id: int, until: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = api(cluster, user, "GET", f"{API}/job/{job_id}")["jobs"][0]
        if job["job_state"] in until:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['job_state']} ({job['state_reason']})"
        time.sleep(0.2)


def test_rest_ping_with_a_token_minted_for_a_student(slurm_cluster):
    data = api(slurm_cluster, S1, "GET", f"{API}/ping")
    assert data["pings"][0]["ping"] == "UP"
    assert data["meta"]["Slurm"]["release"].startswith("22.05.")
    assert requests.get(f"{slurm_cluster.rest_url}{API}/ping", timeout=10).status_code == 401  # no token


def test_a_rest_submit_runs_as_the_student_with_a_gpu_in_their_folder(slurm_cluster, user_folder):
    folder = user_folder(S1, mode=0o700)
    script = "#!/bin/bash\necho uid=$(id -u) gpu=$CUDA_VISIBLE_DEVICES cwd=$(pwd)\n"
    job_id = submit(slurm_cluster, S1, folder, script, comment="smoke")
    job = wait_job(slurm_cluster, S1, job_id, ENDED)
    assert job["job_state"] == "COMPLETED", job
    assert job["user_name"] == S1 and job["partition"] == "gpu" and job["tres_per_node"] == "gres:gpu:1"
    assert job["standard_output"] == f"{folder}/%j.out"  # comes back unexpanded: the client substitutes the id
    out = folder / f"{job_id}.out"
    uid = pwd.getpwnam(S1).pw_uid
    assert out.stat().st_uid == uid
    fields = dict(word.split("=", 1) for word in out.read_text().split())
    assert fields["uid"] == str(uid) and fields["gpu"] in ("0", "1") and fields["cwd"] == str(folder)


def test_the_served_openapi_is_the_v0038_contract(slurm_cluster):
    answer = requests.get(f"{slurm_cluster.rest_url}/openapi", headers=slurm_cluster.rest_headers(S1), timeout=30)
    assert answer.status_code == 200
    served, stored = answer.json(), json.loads(STORED_SPEC.read_text())
    assert f"{API}/job/submit" in served["paths"]
    # The same slurmctld API (the served spec adds /slurmdb/v0.0.38/* with accounting on), the same methods.
    slurm_paths = [{p for p in spec["paths"] if p.startswith("/slurm/")} for spec in (served, stored)]
    assert slurm_paths[0] == slurm_paths[1]
    for path, operations in stored["paths"].items():
        assert served["paths"][path].keys() == operations.keys(), path
    request = served["paths"][f"{API}/job/submit"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/v0.0.38_job_submission"}
    served_schemas, stored_schemas = served["components"]["schemas"], stored["components"]["schemas"]
    assert served_schemas["v0.0.38_job_submission"] == stored_schemas["v0.0.38_job_submission"]
    served_job = served_schemas["v0.0.38_job_properties"]["properties"]
    stored_job = stored_schemas["v0.0.38_job_properties"]["properties"]
    for field in SUBMIT_FIELDS:
        assert served_job[field] == stored_job[field], field
    assert served_job["environment"]["type"] == "object" and served_job["time_limit"]["type"] == "integer"


def test_a_students_gpu_quota_is_what_slurmctld_enforces(slurm_cluster):
    limit, used = slurm_cluster.gpu_quota(S1)
    assert limit == slurm_cluster.gpu_minutes and used >= 0  # the session set it (and reset the usage)
    assert f"{S1}|gres/gpu={limit}" in slurm_cluster.sacctmgr(
        "list", "assoc", f"user={S1}", "account=students", "format=user,grptresmins"
    )
    try:
        slurm_cluster.set_quota(S1, 42)
        assert slurm_cluster.gpu_quota(S1) == (42, 0)
        slurm_cluster.reset_usage(S1)
        assert slurm_cluster.gpu_quota(S1) == (42, 0)  # a usage reset leaves the limit alone
    finally:
        slurm_cluster.set_quota(S1, slurm_cluster.gpu_minutes)


def test_a_stopped_daemon_is_started_again(slurm_cluster):
    before = slurm_cluster.daemon_pid("slurmrestd")
    assert before is not None and slurm_cluster.ping()
    slurm_cluster.stop_daemon("slurmrestd")
    try:
        assert slurm_cluster.daemon_pid("slurmrestd") is None and not slurm_cluster.ping()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{slurm_cluster.rest_url}/openapi", timeout=5)
    finally:
        slurm_cluster.start()
    assert slurm_cluster.daemon_pid("slurmrestd") not in (None, before) and slurm_cluster.ping()
    assert api(slurm_cluster, S1, "GET", f"{API}/ping")["pings"][0]["ping"] == "UP"


def test_a_dead_node_ends_its_batch_job_node_fail_and_comes_back(slurm_cluster, user_folder):
    folder = user_folder(S1)
    job_id = submit(slurm_cluster, S1, folder, "#!/bin/bash\necho working\nsleep 300\n", time_limit=10)
    wait_job(slurm_cluster, S1, job_id, {"RUNNING"})
    deadline = time.monotonic() + 30
    while "working" not in (folder / f"{job_id}.out").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    started = time.monotonic()
    killed = slurm_cluster.kill_node()
    try:
        assert len(killed) >= 3  # slurmd, the batch step, the job's shell (and its sleep)
        # SlurmdTimeout=10: noticed in 30-50 s (the ping agent retries a refused connection for MessageTimeout,
        # 10 s, then SlurmdTimeout must pass), not 300 s; JobRequeue=0: the job fails, it is not requeued.
        job = wait_job(slurm_cluster, S1, job_id, ENDED, timeout=120)
        assert job["job_state"] == "NODE_FAIL", job
        assert time.monotonic() - started < 90
    finally:
        slurm_cluster.start()
    assert slurm_cluster.ping()
    job_id = submit(slurm_cluster, S1, folder, "#!/bin/bash\necho back\n")
    assert wait_job(slurm_cluster, S1, job_id, ENDED)["job_state"] == "COMPLETED"


def test_a_requeue_field_in_a_v0038_submit_means_requeue_even_when_false(slurm_cluster, user_folder):
    """slurmrestd 22.05 quirk: any "requeue" in a v0.0.38 job (false too) gives the job Requeue=1, so after a node
    failure it is requeued instead of failing NODE_FAIL. Leave the field out: slurm.conf's JobRequeue=0 applies."""
    folder = user_folder(S1)
    # Kept pending by a start time in an hour ("hold": true also works, but answers with an error 2042 "Job is in
    # held state, pending scheduler release" beside the job id).
    later = {"begin_time": "now+3600"}
    held = {
        "absent": submit(slurm_cluster, S1, folder, "#!/bin/bash\ntrue\n", **later),
        "false": submit(slurm_cluster, S1, folder, "#!/bin/bash\ntrue\n", **later, requeue=False),
    }
    try:
        requeue = {
            case: api(slurm_cluster, S1, "GET", f"{API}/job/{job_id}")["jobs"][0]["requeue"]
            for case, job_id in held.items()
        }
        assert requeue == {"absent": False, "false": True}
    finally:
        for job_id in held.values():
            api(slurm_cluster, S1, "DELETE", f"{API}/job/{job_id}")
