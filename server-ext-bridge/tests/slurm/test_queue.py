"""SlurmQueue against the real single-node Slurm (slurmctld, slurmd, slurmdbd, slurmrestd from Debian; conftest.py
brings it up). The GPUs are fake (gres on /dev/null, nothing physical can run here): Slurm schedules and accounts
them like real ones and sets CUDA_VISIBLE_DEVICES, but the cells run on the CPU."""

from __future__ import annotations

import asyncio
import pwd
import time

import pytest
from classlab_bridge.gpu.queue import GpuError, GpuUser
from slurm_helpers import S1, S2, SVC, bundle, follow, make_queue, notebook_folder, states, text_of, wait_for


async def test_a_cell_runs_on_slurm_as_the_student_and_its_output_streams_back(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    source = (
        "import os, time\n"
        "print('uid', os.getuid(), 'gpu', os.environ.get('CUDA_VISIBLE_DEVICES'))\n"
        "print('data', open('data.txt').read().strip())\n"
        "for i in range(3):\n"
        "    print('step', i, flush=True); time.sleep(0.5)\n"
    )
    try:
        job = await queue.submit(user, bundle(folder, source))
        assert job["state"] == "queued" and job["backend"] == "slurm" and job["backend_job_id"].isdigit()
        events = await follow(queue, user, job["id"])
        assert states(events)[0] == "queued" and states(events)[-2:] == ["running", "succeeded"]
        running = next(e["job"] for e in events if e["type"] == "state" and e["job"]["state"] == "running")
        assert running["device"] in ("cuda:0", "cuda:1")
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs))
        final, outputs = await queue.get(user, job["id"])
        text = text_of(outputs)
        assert f"uid {pwd.getpwnam(S1).pw_uid} gpu " in text and "data 42" in text and "step 2" in text
        assert final["elapsed_seconds"] > 1 and final["ended"]
        quota = await queue.quota(user)
        assert quota["limit_seconds"] == slurm_cluster.gpu_minutes * 60 and quota.get("source") == "slurm"
    finally:
        await queue.close()


async def test_a_failing_cell_fails_with_its_error_and_an_empty_one_is_refused(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    try:
        with pytest.raises(GpuError) as empty:
            await queue.submit(user, bundle(folder, "   "))
        assert empty.value.code == "bad_request"
        job = await queue.submit(user, bundle(folder, "print('before')\n1/0"))
        await follow(queue, user, job["id"])
        final, outputs = await queue.get(user, job["id"])
        assert final["state"] == "failed" and final["error"]["ename"] == "ZeroDivisionError"
        assert "before" in text_of(outputs) and "ZeroDivisionError" in final["reason"]
    finally:
        await queue.close()


async def test_cancel_stops_a_running_job(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S2)
    folder = notebook_folder(shared, S2)
    try:
        job = await queue.submit(user, bundle(folder, "import time\nprint('started', flush=True)\ntime.sleep(300)"))
        await wait_for(queue, user, job["id"], lambda j, o: "started" in text_of(o), timeout=90)
        other = await queue.submit(GpuUser(S1), bundle(notebook_folder(shared, S1), "print(1)"))
        with pytest.raises(GpuError) as hidden:
            await queue.cancel(GpuUser(S1), job["id"])
        assert hidden.value.status == 404
        cancelled = await queue.cancel(user, job["id"])
        assert cancelled["state"] == "cancelled" and cancelled["reason"] == "Cancelled by you."
        slurm_id = int(job["backend_job_id"])
        deadline = time.monotonic() + 30
        while (await queue.rest.job(S2, slurm_id)).state != "CANCELLED":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.3)
        await follow(queue, GpuUser(S1), other["id"])
    finally:
        await queue.close()


async def test_three_jobs_on_two_gpus_the_third_waits_its_turn(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    s1, s2 = GpuUser(S1), GpuUser(S2)
    f1, f2 = notebook_folder(shared, S1), notebook_folder(shared, S2)
    hold = "import time\nprint('go', flush=True)\ntime.sleep(12)\nprint('done')"
    try:
        a = await queue.submit(s1, bundle(f1, hold))
        b = await queue.submit(s2, bundle(f2, hold))
        for user, job in ((s1, a), (s2, b)):
            await wait_for(queue, user, job["id"], lambda j, o: j["state"] == "running", timeout=60)
        c = await queue.submit(s1, bundle(f1, "print('third')"))
        waiting = await wait_for(queue, s1, c["id"], lambda j, o: j["position"] >= 1, timeout=30)
        assert waiting["state"] == "queued" and waiting["position"] == 1
        assert waiting["reason"] == "Waiting for a free GPU."
        ends = [await follow(queue, u, j["id"]) for u, j in ((s1, a), (s2, b), (s1, c))]
        assert [states(e)[-1] for e in ends] == ["succeeded"] * 3
        finals = [(await queue.get(u, j["id"]))[0] for u, j in ((s1, a), (s2, b), (s1, c))]
        assert finals[2]["started"] >= min(finals[0]["ended"], finals[1]["ended"])
        assert {f["device"] for f in finals[:2]} == {"cuda:0", "cuda:1"}
    finally:
        await queue.close()


async def test_slurm_holds_a_job_the_quota_cannot_cover_and_says_why(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S2)
    folder = notebook_folder(shared, S2)
    slurm_cluster.set_quota(S2, 1)  # 1 GPU-minute left; the job asks for 5
    try:
        job = await queue.submit(user, bundle(folder, "print(1)", time_limit=300))
        held = await wait_for(queue, user, job["id"], lambda j, o: (j["reason"] or "").startswith("Held"), timeout=30)
        assert held["state"] == "queued"
        assert "GPU time left is less than this job's time limit (5 min)" in held["reason"]
        quota = await queue.quota(user)
        assert quota["limit_seconds"] == 60
        assert (await queue.cancel(user, job["id"]))["state"] == "cancelled"
    finally:
        slurm_cluster.set_quota(S2, slurm_cluster.gpu_minutes)
        await queue.close()


async def test_service_mode_runs_as_the_service_account_and_keeps_its_own_ledger(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared, mode="service", quota_seconds=20.0)
    student = GpuUser("pupil-7")  # a Hub name with no cluster account: the service account runs the job
    upload = shared / "upload"
    upload.mkdir(mode=0o700)
    (upload / "data.txt").write_text("7\n")
    try:
        source = "import os\nprint('uid', os.getuid(), 'data', open('data.txt').read().strip())"
        job = await queue.submit(student, bundle(upload, source, scratch=True))
        assert not upload.exists()  # moved to the shared job folder
        await follow(queue, student, job["id"])
        final, outputs = await queue.get(student, job["id"])
        assert final["state"] == "succeeded", final
        assert f"uid {pwd.getpwnam(SVC).pw_uid} data 7" in text_of(outputs)
        slurm_job = await queue.rest.job(SVC, int(job["backend_job_id"]))
        assert slurm_job is not None and slurm_job.user == SVC and "user=pupil-7" in slurm_job.comment
        used = (await queue.quota(student))["used_seconds"]
        assert used == pytest.approx(final["elapsed_seconds"], abs=0.01) and used > 0

        # The rest of its 20 s: a job that would run longer is cancelled when the ledger says the time is used up.
        long = await queue.submit(student, bundle(shared / "jobs", "import time\ntime.sleep(120)"))
        await follow(queue, student, long["id"], timeout=120)
        ended, _ = await queue.get(student, long["id"])
        assert ended["state"] == "quota_exhausted" and "ran out" in ended["reason"]
        with pytest.raises(GpuError) as refused:
            await queue.submit(student, bundle(shared / "jobs", "print(1)"))
        assert (refused.value.status, refused.value.code) == (403, "quota_exhausted")
    finally:
        await queue.close()


async def test_a_restarted_bridge_reattaches_to_its_running_job(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    source = "import time\nfor i in range(8):\n    print('tick', i, flush=True); time.sleep(0.5)"
    job = await queue.submit(user, bundle(folder, source))
    await wait_for(queue, user, job["id"], lambda j, o: "tick 1" in text_of(o), timeout=90)
    await queue.close()  # the server stops; the job runs on in Slurm
    again = make_queue(slurm_cluster, shared)
    try:
        events = await follow(again, user, job["id"])
        assert states(events)[-1] == "succeeded"
        _, outputs = await again.get(user, job["id"])
        ticks = [line for line in text_of(outputs).splitlines() if line.startswith("tick")]
        assert ticks == [f"tick {i}" for i in range(8)]
    finally:
        await again.close()


async def test_slurmrestd_down_is_said_plainly_and_jobs_are_picked_up_again(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    source = "import time\nprint('a', flush=True)\ntime.sleep(5)\nprint('b')"
    try:
        job = await queue.submit(user, bundle(folder, source))
        await wait_for(queue, user, job["id"], lambda j, o: "a" in text_of(o), timeout=90)
        slurm_cluster.stop_daemon("slurmrestd")
        try:
            await asyncio.sleep(1.5)
            info = await queue.info()
            assert info["reachable"] is False and "cannot be reached" in info["message"]
            with pytest.raises(GpuError) as refused:
                await queue.submit(user, bundle(folder, "print(2)"))
            assert (refused.value.status, refused.value.code) == (502, "gpu_service_unavailable")
            assert (await queue.get(user, job["id"]))[0]["state"] == "running"
        finally:
            slurm_cluster.start()
        events = await follow(queue, user, job["id"])
        assert states(events)[-1] == "succeeded"
        assert (await queue.info())["reachable"] is True
        assert text_of((await queue.get(user, job["id"]))[1]).split() == ["a", "b"]
    finally:
        await queue.close()


async def test_a_job_runs_on_while_slurmctld_restarts(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S2)
    folder = notebook_folder(shared, S2)
    source = "import time\nfor i in range(6):\n    print('t', i, flush=True); time.sleep(1)"
    try:
        job = await queue.submit(user, bundle(folder, source))
        await wait_for(queue, user, job["id"], lambda j, o: "t 0" in text_of(o), timeout=90)
        slurm_cluster.stop_daemon("slurmctld")
        await asyncio.sleep(2)
        slurm_cluster.start()
        events = await follow(queue, user, job["id"])
        assert states(events)[-1] == "succeeded"
        assert len(text_of((await queue.get(user, job["id"]))[1]).splitlines()) == 6
    finally:
        await queue.close()


async def test_a_dead_node_fails_the_job_with_a_clear_message_and_keeps_its_output(slurm_cluster, shared):
    queue = make_queue(slurm_cluster, shared)
    user = GpuUser(S1)
    folder = notebook_folder(shared, S1)
    try:
        job = await queue.submit(user, bundle(folder, "import time\nprint('working', flush=True)\ntime.sleep(300)"))
        await wait_for(queue, user, job["id"], lambda j, o: "working" in text_of(o), timeout=90)
        slurm_cluster.kill_node()  # slurmd and the job's slurmstepd, as when the computer dies
        try:
            await follow(queue, user, job["id"], timeout=150)
            final, outputs = await queue.get(user, job["id"])
            assert final["state"] == "failed" and "stopped working" in final["reason"]
            assert "working" in text_of(outputs)
        finally:
            slurm_cluster.start()
    finally:
        await queue.close()
