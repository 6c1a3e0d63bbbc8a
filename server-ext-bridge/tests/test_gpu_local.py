"""The local GPU queue with real jobs: nbclient and a real ipykernel in runner processes, on the CPU (no GPU here).

Time is real for processes and, where a test says so, a controllable clock for limits and the quota ledger, so that
accounting can be checked to the second without waiting for it.
"""

import asyncio
import json
import re
import time
from pathlib import Path

import psutil
import pytest
from classlab_bridge.gpu.joblog import EVENTS
from classlab_bridge.gpu.local import LocalQueue
from classlab_bridge.gpu.queue import GpuError, GpuUser, JobBundle, JobCell

ANN, BEN, CAT = GpuUser("ann"), GpuUser("ben"), GpuUser("cat")
TEACHER = GpuUser("teach", teacher=True)
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WAIT = 60  # generous upper bounds; the happy path takes a second or two per job


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def workdir(tmp_path):
    d = tmp_path / "lesson"
    d.mkdir()
    (d / "data.txt").write_text("41\n")
    return d


@pytest.fixture
def make_queue(tmp_path, jp_asyncio_loop):
    made = []

    def make(**kw):
        kw.setdefault("data_dir", tmp_path / "gpu")
        kw.setdefault("poll_interval", 0.05)
        kw.setdefault("environ", {"PATH": str(tmp_path)})  # no nvidia-smi: the CPU, like this machine
        queue = LocalQueue(**kw)
        made.append(queue)
        return queue

    yield make
    for queue in made:
        jp_asyncio_loop.run_until_complete(queue.close(stop_running=True))


def job(workdir, *cells, kernel="python3", time_limit=None):
    """Cells as (source, target) pairs; a plain string is a target."""
    specs = [(c, True) if isinstance(c, str) else c for c in cells]
    return JobBundle(
        "lesson/nb.ipynb",
        kernel,
        [JobCell(f"c{i}", src, target) for i, (src, target) in enumerate(specs)],
        workdir,
        time_limit=time_limit,
    )


async def wait_for(check, timeout=WAIT, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_state(queue, user, job_id, *states):
    async def check():
        j, _ = await queue.get(user, job_id)
        return j if j["state"] in states else None

    return await wait_for(check, what=f"{job_id} in {states}")


async def wait_output(queue, user, job_id, text):
    async def check():
        _, outputs = await queue.get(user, job_id)
        return any(text in o.get("text", "") for outs in outputs.values() for o in outs)

    await wait_for(check, what=f"output {text!r}")


def gone(pid):
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def wait_gone(*pids):
    async def check():
        return all(gone(p) for p in pids)

    await wait_for(check, timeout=10, what=f"processes {pids} gone")


async def test_outputs_stream_while_the_cell_runs_and_come_back_as_notebook_outputs(make_queue, workdir):
    pytest.importorskip("numpy")
    queue = make_queue()
    assert (await queue.info())["device"] == "cpu"
    bundle = job(
        workdir,
        (
            "import os, time\nimport numpy as np\nprint('setup output is not sent back')\n"
            "x = int(open('data.txt').read())",
            False,
        ),
        "print('first', x + 1, repr(os.environ['CUDA_VISIBLE_DEVICES']), os.getcwd())\ntime.sleep(2)\nprint('second')",
        "from IPython.display import Image, display\nimport base64\n"
        f"display(Image(data=base64.b64decode('{PNG}')))\n"
        "h = display('draft', display_id=True)\nh.update('final')\nnp.arange(4).sum()",
    )
    j = await queue.submit(ANN, bundle)
    assert j["user"] == "ann" and j["targets"] == ["c1", "c2"] and j["state"] in ("queued", "running")
    arrived = {}
    events = []
    async for event in queue.events(ANN, j["id"]):
        events.append(event)
        text = event.get("output", {}).get("text", "")
        for word in ("first", "second"):
            if word in text:
                arrived.setdefault(word, time.monotonic())
    ended = time.monotonic()
    # The first print reached us while the cell still slept, not at its end.
    assert arrived["second"] - arrived["first"] > 1.5 and ended - arrived["first"] > 1.5
    assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})
    assert events[-1]["type"] == "state" and events[-1]["job"]["state"] == "succeeded"

    final, outputs = await queue.get(ANN, j["id"])
    assert final["state"] == "succeeded" and final["device"] == "cpu" and final["error"] is None
    assert final["elapsed_seconds"] > 2 and final["started"] and final["ended"]
    assert set(outputs) == {"c1", "c2"}  # the setup cell's output is dropped
    assert outputs["c1"] == [{"output_type": "stream", "name": "stdout", "text": f"first 42 '' {workdir}\nsecond\n"}]
    kinds = [o["output_type"] for o in outputs["c2"]]
    assert kinds == ["display_data", "display_data", "execute_result"]
    assert outputs["c2"][0]["data"]["image/png"].strip() == PNG
    assert outputs["c2"][1]["data"]["text/plain"] == "'final'"  # update_display_data applied
    assert outputs["c2"][2]["data"]["text/plain"] in ("6", "np.int64(6)")

    # Replay after a seq gives only what came later, and ends at the terminal state.
    later = [e async for e in queue.events(ANN, j["id"], after=events[-2]["seq"])]
    assert later == [events[-1]]
    # Not another student's; a teacher may read it.
    with pytest.raises(GpuError) as e:
        await queue.get(BEN, j["id"])
    assert e.value.status == 404
    assert (await queue.get(TEACHER, j["id"]))[0]["id"] == j["id"]
    assert [x["id"] for x in await queue.list(ANN)] == [j["id"]]
    assert await queue.list(BEN, all_users=True) == []
    assert len(await queue.list(TEACHER, all_users=True)) == 1


async def test_an_error_in_a_target_cell_fails_the_job_with_its_traceback(make_queue, workdir):
    queue = make_queue()
    j = await queue.submit(ANN, job(workdir, "print('before')\n1 / 0", "print('never runs')"))
    final = await wait_state(queue, ANN, j["id"], "failed")
    err = final["error"]
    assert (err["cell_id"], err["ename"], err["in_context"]) == ("c0", "ZeroDivisionError", False)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err["traceback"]))  # tracebacks come coloured, as in Lab
    assert "1 / 0" in plain
    assert "ZeroDivisionError" in final["reason"]
    _, outputs = await queue.get(ANN, j["id"])
    assert [o["output_type"] for o in outputs["c0"]] == ["stream", "error"]
    assert "c1" not in outputs


async def test_a_failing_context_cell_fails_the_job_in_context(make_queue, workdir):
    queue = make_queue()
    j = await queue.submit(ANN, job(workdir, ("import no_such_module_here", False), "print('target')"))
    final = await wait_state(queue, ANN, j["id"], "failed")
    assert final["error"]["in_context"] is True and final["error"]["cell_id"] == "c0"
    assert final["error"]["ename"] == "ModuleNotFoundError"
    assert "setup cell" in final["reason"]
    assert (await queue.get(ANN, j["id"]))[1] == {}


async def test_pytorch_on_the_cpu(make_queue, workdir):
    pytest.importorskip("torch")
    queue = make_queue()
    j = await queue.submit(
        ANN,
        job(workdir, "import torch\nprint(torch.cuda.is_available(), torch.ones(2, 3).sum().item())"),
    )
    await wait_state(queue, ANN, j["id"], "succeeded")
    _, outputs = await queue.get(ANN, j["id"])
    assert outputs["c0"][0]["text"] == "False 6.0\n"


async def test_a_detected_gpu_is_the_job_s_cuda_visible_devices(make_queue, workdir, tmp_path):
    # The only fake in these tests: an nvidia-smi on PATH, because no physical GPU is here.
    from test_gpu_units import fake_nvidia_smi

    path = fake_nvidia_smi(tmp_path, "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)\nGPU 1: NVIDIA H100 (UUID: GPU-b)")
    queue = make_queue(environ={"PATH": path})
    info = await queue.info()
    assert (info["device"], info["slots"]) == ("cuda", 2)
    assert info["gpus"] == [{"index": 0, "name": "NVIDIA H100 80GB HBM3"}, {"index": 1, "name": "NVIDIA H100"}]
    j = await queue.submit(ANN, job(workdir, "import os\nprint(os.environ['CUDA_VISIBLE_DEVICES'])"))
    final = await wait_state(queue, ANN, j["id"], "succeeded")
    assert final["device"] == "cuda:0"
    assert (await queue.get(ANN, j["id"]))[1]["c0"][0]["text"] == "0\n"


SLEEP = "import time\nprint('started', flush=True)\ntime.sleep(60)"


async def test_fair_share_round_robin_with_one_slot(make_queue, workdir):
    queue = make_queue(max_queued_per_user=3)
    a1 = await queue.submit(ANN, job(workdir, SLEEP))
    assert a1["state"] == "running"
    a2 = await queue.submit(ANN, job(workdir, SLEEP))
    a3 = await queue.submit(ANN, job(workdir, SLEEP))
    b1 = await queue.submit(BEN, job(workdir, SLEEP))
    c1 = await queue.submit(CAT, job(workdir, SLEEP))
    with pytest.raises(GpuError) as e:
        await queue.submit(ANN, job(workdir, SLEEP))
    assert (e.value.status, e.value.code) == (429, "too_many_jobs")

    async def places():
        listed = {j["id"]: j for j in await queue.list(TEACHER, all_users=True)}
        return {n: listed[j["id"]]["position"] for n, j in [("A2", a2), ("A3", a3), ("B1", b1), ("C1", c1)]}

    assert await places() == {"B1": 1, "C1": 2, "A2": 3, "A3": 4}
    waiting = (await queue.get(ANN, a2["id"]))[0]
    # No job has finished yet, so there is no run time to estimate from: unknown, not A1's whole time limit.
    assert "your running GPU job" in waiting["reason"] and waiting["estimate_seconds"] is None
    # Each start happens when the slot frees: B1, C1, then A2 (ann started least recently by then), then A3.
    started = []
    current = a1
    for name, nxt, owner in [("B1", b1, BEN), ("C1", c1, CAT), ("A2", a2, ANN), ("A3", a3, ANN)]:
        await queue.cancel(TEACHER, current["id"])
        await wait_state(queue, owner, nxt["id"], "running")
        started.append(name)
        current = nxt
    assert started == ["B1", "C1", "A2", "A3"]
    # A queued job is removed from the queue when cancelled.
    a4 = await queue.submit(ANN, job(workdir, SLEEP))
    cancelled = await queue.cancel(ANN, a4["id"])
    assert cancelled["state"] == "cancelled" and cancelled["reason"] == "Cancelled by you."
    assert (await queue.cancel(ANN, a4["id"]))["state"] == "cancelled"  # unchanged


async def test_the_wait_is_estimated_from_finished_jobs_and_unknown_before_any(make_queue, workdir):
    clock = Clock()
    queue = make_queue(clock=clock)
    a1 = await queue.submit(ANN, job(workdir, SLEEP))
    b1 = await queue.submit(BEN, job(workdir, "pass"))
    assert (a1["state"], b1["state"], b1["position"], b1["estimate_seconds"]) == ("running", "queued", 1, None)
    await queue.cancel(ANN, a1["id"])  # a cancelled job's run time says nothing of others'
    await wait_state(queue, BEN, b1["id"], "running")
    clock.advance(30)  # B1 runs 30 s by the queue's clock
    await wait_state(queue, BEN, b1["id"], "succeeded")
    c1 = await queue.submit(CAT, job(workdir, SLEEP))
    d1 = await queue.submit(ANN, job(workdir, "pass"))
    assert (c1["state"], d1["state"]) == ("running", "queued")
    assert d1["estimate_seconds"] == 30  # C1 is expected to run as long as the median finished job
    clock.advance(12)
    assert (await queue.get(ANN, d1["id"]))[0]["estimate_seconds"] == 18
    await queue.cancel(CAT, c1["id"])


async def test_per_user_concurrency_limit_leaves_free_slots_to_others(make_queue, workdir):
    queue = make_queue(cpu_slots=2)
    a1 = await queue.submit(ANN, job(workdir, SLEEP))
    a2 = await queue.submit(ANN, job(workdir, SLEEP))
    assert (a1["state"], a2["state"]) == ("running", "queued")
    assert a2["position"] == 1 and "your running GPU job" in a2["reason"]
    b1 = await queue.submit(BEN, job(workdir, SLEEP))
    assert b1["state"] == "running"
    await queue.cancel(ANN, a1["id"])
    await wait_state(queue, ANN, a2["id"], "running")


async def test_cancel_kills_the_runner_and_the_kernel_even_when_it_ignores_sigterm(make_queue, workdir):
    clock = Clock()
    queue = make_queue(clock=clock, kill_grace=1.0)
    j = await queue.submit(
        ANN, job(workdir, "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + SLEEP)
    )
    await wait_output(queue, ANN, j["id"], "started")
    record = queue.store.get(j["id"])
    runner, kernel = record.pgid, record.kernel_pgid
    assert runner and kernel and not gone(runner) and not gone(kernel)
    clock.advance(3.25)
    cancelled = await queue.cancel(ANN, j["id"])
    assert cancelled["state"] == "cancelled" and cancelled["elapsed_seconds"] == 3.25
    await wait_gone(runner, kernel)
    assert (await queue.get(ANN, j["id"]))[1]["c0"][0]["text"] == "started\n"  # outputs kept
    assert (await queue.quota(ANN))["used_seconds"] == 3.25


async def test_a_job_past_its_time_limit_is_stopped(make_queue, workdir):
    clock = Clock()
    queue = make_queue(clock=clock)
    j = await queue.submit(ANN, job(workdir, SLEEP, time_limit=5))
    assert j["time_limit_seconds"] == 5
    await wait_output(queue, ANN, j["id"], "started")
    kernel = queue.store.get(j["id"]).kernel_pgid
    clock.advance(4.5)
    assert (await queue.get(ANN, j["id"]))[0]["state"] == "running"
    clock.advance(2)
    final = await wait_state(queue, ANN, j["id"], "timed_out")
    assert final["elapsed_seconds"] == 5 and "time limit" in final["reason"]
    await wait_gone(kernel)
    assert (await queue.quota(ANN))["used_seconds"] == 5


async def test_quota_is_counted_to_the_second_and_stops_a_job_when_it_runs_out(make_queue, workdir):
    clock = Clock()
    queue = make_queue(clock=clock, quota_seconds=20, quota_period="day")
    first = await queue.submit(ANN, job(workdir, SLEEP))
    await wait_output(queue, ANN, first["id"], "started")
    clock.advance(7)
    q = await queue.quota(ANN)
    assert (q["used_seconds"], q["running_seconds"], q["remaining_seconds"]) == (7, 7, 13)
    assert q["period"] == "day" and q["resets"] == "2027-01-16T00:00:00Z"  # the fake clock's next midnight, UTC
    clock.advance(5)
    await queue.cancel(ANN, first["id"])
    assert (await queue.quota(ANN))["used_seconds"] == 12
    assert (await queue.quota(BEN))["used_seconds"] == 0

    second = await queue.submit(ANN, job(workdir, SLEEP))
    running = await wait_state(queue, ANN, second["id"], "running")
    assert "runs out" in running["reason"]
    third = await queue.submit(ANN, job(workdir, SLEEP))
    assert third["state"] == "queued"
    await wait_output(queue, ANN, second["id"], "started")
    clock.advance(8.5)  # 12 + 8.5 > 20: it ran out half a second ago
    final = await wait_state(queue, ANN, second["id"], "quota_exhausted")
    assert final["elapsed_seconds"] == 8
    # The job waiting behind it never starts.
    never = await wait_state(queue, ANN, third["id"], "quota_exhausted")
    assert never["started"] is None and never["elapsed_seconds"] == 0
    assert "before this job could start" in never["reason"]
    q = await queue.quota(ANN)
    assert (q["used_seconds"], q["remaining_seconds"], q["running_seconds"]) == (20, 0, 0)
    with pytest.raises(GpuError) as e:
        await queue.submit(ANN, job(workdir, "print(1)"))
    assert (e.value.status, e.value.code) == (403, "quota_exhausted")
    assert "20 of 20 seconds" in e.value.message and "2027-01-16T00:00:00Z" in e.value.message
    # The next day brings a fresh budget.
    clock.advance(24 * 3600)
    assert (await queue.quota(ANN))["remaining_seconds"] == 20


async def test_a_job_printing_100_mb_is_capped_and_goes_on(make_queue, workdir):
    queue = make_queue()
    j = await queue.submit(
        ANN,
        job(workdir, "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\nprint('the end')"),
    )
    final = await wait_state(queue, ANN, j["id"], "succeeded")
    assert final["output_truncated"] is True
    events_file = queue.data_dir / "jobs" / j["id"] / EVENTS
    assert events_file.stat().st_size < 2.2 * 1024 * 1024
    _, outputs = await queue.get(ANN, j["id"])
    texts = [o["text"] for o in outputs["c0"]]
    assert texts[-1] == "\n[ClassLab] Output stopped at 2 MiB; the job goes on.\n"
    assert 2 * 1024 * 1024 - 1024 < len(texts[0]) < 2 * 1024 * 1024 and "the end" not in texts[0]


async def test_restart_keeps_queued_jobs_and_interrupts_running_ones(make_queue, workdir):
    first = make_queue()
    running = await first.submit(ANN, job(workdir, "print('partial', flush=True)\nimport time\ntime.sleep(60)"))
    waiting = await first.submit(BEN, job(workdir, "print('ran after the restart')"))
    assert (running["state"], waiting["state"]) == ("running", "queued")
    await wait_output(first, ANN, running["id"], "partial")
    record = first.store.get(running["id"])
    runner, kernel = record.pgid, record.kernel_pgid
    await first.close()  # as a crash would: the runner and its kernel live on
    assert not gone(runner) and not gone(kernel)

    second = make_queue()
    interrupted, outputs = await second.get(ANN, running["id"])
    assert interrupted["state"] == "interrupted" and "restarted" in interrupted["reason"]
    assert outputs["c0"][0]["text"] == "partial\n"
    await wait_gone(runner, kernel)
    events = [e async for e in second.events(ANN, running["id"])]
    assert events[-1]["job"]["state"] == "interrupted"
    # The queued job kept its place and starts on the freed slot.
    await wait_state(second, BEN, waiting["id"], "succeeded")
    assert (await second.get(BEN, waiting["id"]))[1]["c0"][0]["text"] == "ran after the restart\n"


async def test_bad_jobs_are_refused_with_a_clear_error_and_nothing_queued(make_queue, workdir):
    queue = make_queue()

    async def refused(bundle):
        with pytest.raises(GpuError) as e:
            await queue.submit(ANN, bundle)
        return e.value

    err = await refused(job(workdir, ("import os", False), "x = 1\nfor i in range(3)\n    print(i)"))
    assert (err.status, err.code) == (400, "syntax_error")
    assert "id c1" in err.message and "line 2" in err.message
    err = await refused(job(workdir, "print(1)", kernel="no-such-kernel"))
    assert (err.status, err.code) == (404, "no_such_kernel") and "no-such-kernel" in err.message
    assert (await refused(job(workdir, "   "))).code == "bad_request"
    assert (await refused(job(workdir, ("x = 1", False)))).code == "bad_request"
    assert (await refused(job(workdir, "x = 1", time_limit=99999))).code == "bad_request"
    assert (await refused(job(workdir / "gone", "x = 1"))).code == "bad_request"
    assert await queue.list(ANN) == []
    # Magics are fine.
    ok = await queue.submit(ANN, job(workdir, "%time x = 1\n!echo shell"))
    await queue.cancel(ANN, ok["id"])


async def test_old_jobs_keep_their_records_but_not_their_files(make_queue, workdir):
    queue = make_queue(cpu_slots=0, max_jobs_listed=2)
    ids = []
    for _ in range(3):
        j = await queue.submit(ANN, job(workdir, "print(1)"))
        await queue.cancel(ANN, j["id"])
        ids.append(j["id"])
    jobs = queue.data_dir / "jobs"
    assert [(jobs / i).exists() for i in ids] == [False, True, True]
    oldest, outputs = await queue.get(ANN, ids[0])
    assert oldest["state"] == "cancelled" and outputs == {}
    assert [e["job"]["state"] async for e in queue.events(ANN, ids[0])] == ["cancelled"]


def test_job_files_hold_what_the_runner_needs(tmp_path, jp_asyncio_loop):
    async def go():
        queue = LocalQueue(data_dir=tmp_path / "gpu", cpu_slots=0, environ={"PATH": str(tmp_path)})
        j = await queue.submit(ANN, job(tmp_path, ("import os", False), "print(1)"))
        spec = json.loads((tmp_path / "gpu" / "jobs" / j["id"] / "job.json").read_text())
        await queue.close()
        return j, spec

    j, spec = jp_asyncio_loop.run_until_complete(go())
    assert j["state"] == "queued" and j["position"] == 1 and j["estimate_seconds"] is None
    assert spec["kernel"] == "python3" and spec["max_output_bytes"] == 2 * 1024 * 1024
    assert [c["target"] for c in spec["cells"]] == [False, True]
    assert Path(tmp_path / "gpu" / "queue.sqlite").exists()


async def next_event(stream, timeout=5.0):
    return await asyncio.wait_for(stream.__anext__(), timeout)


async def nothing_within(stream, seconds):
    try:
        event = await asyncio.wait_for(stream.__anext__(), seconds)
    except asyncio.TimeoutError:
        return True
    raise AssertionError(f"unexpected event {event}")


def lines_of(queue, job_id):
    return [json.loads(line) for line in (queue.data_dir / "jobs" / job_id / EVENTS).read_text().splitlines()]


async def test_a_waiting_job_s_new_place_is_sent_live_and_not_written(make_queue, workdir):
    queue = make_queue(cpu_slots=0)  # nothing starts: places change only when a job ahead is cancelled
    jobs = [await queue.submit(u, job(workdir, "print(1)")) for u in (ANN, BEN, CAT, TEACHER)]
    a1, b1, c1, t1 = jobs
    assert [j["position"] for j in jobs] == [1, 2, 3, 4]
    stream = queue.events(CAT, c1["id"])
    first = await next_event(stream)
    assert (first["seq"], first["job"]["state"], first["job"]["position"]) == (1, "queued", 3)
    started = time.monotonic()
    await queue.cancel(ANN, a1["id"])
    moved = await next_event(stream, timeout=2)
    assert time.monotonic() - started < 1.5  # a connected client sees its new place at once
    assert moved["type"] == "state" and moved["job"]["position"] == 2 and moved["seq"] > first["seq"]
    await stream.aclose()
    # Connecting again: whoever already holds the latest gets nothing new; anyone else gets the current place at once.
    assert await nothing_within(queue.events(CAT, c1["id"], after=moved["seq"]), 1.3)
    assert await next_event(queue.events(CAT, c1["id"], after=1), timeout=0.5) == moved
    assert [e async for e in _take(queue.events(TEACHER, c1["id"]), 2)] == [first, moved]
    # The new place was never written: one state line per waiting job, plus one line reserving live seqs for the
    # watched one; a job nobody watched has its queued line only.
    assert [e["type"] for e in lines_of(queue, c1["id"])] == ["state", "skip"]
    assert [e["type"] for e in lines_of(queue, t1["id"])] == ["state"]
    ahead = await next_event(queue.events(TEACHER, t1["id"]), timeout=0.5)  # its line still says 4th
    assert ahead["job"]["position"] == 4
    assert (await next_event(queue.events(TEACHER, t1["id"], after=1), timeout=0.5))["job"]["position"] == 3

    # After a restart the live seqs given out before are not given again: a client holding one gets its place anew.
    await queue.close()
    again = make_queue(cpu_slots=0)
    fresh = await next_event(again.events(CAT, c1["id"], after=moved["seq"]), timeout=2)
    assert fresh["seq"] > moved["seq"] and fresh["job"]["position"] == 2
    stream = again.events(CAT, c1["id"], after=fresh["seq"])
    await again.cancel(BEN, b1["id"])
    up = await next_event(stream, timeout=2)
    assert up["job"]["position"] == 1 and up["seq"] > fresh["seq"]
    await again.cancel(CAT, c1["id"])
    end = await next_event(stream, timeout=2)
    assert end["job"]["state"] == "cancelled" and end["seq"] > up["seq"]
    assert await _rest(stream) == []


async def _take(stream, n):
    for _ in range(n):
        yield await next_event(stream)
    await stream.aclose()


async def _rest(stream):
    return [e async for e in stream]


async def test_live_places_then_the_start_and_outputs_keep_seqs_increasing(make_queue, workdir):
    queue = make_queue()
    a1 = await queue.submit(ANN, job(workdir, SLEEP))
    b1 = await queue.submit(BEN, job(workdir, SLEEP))
    c1 = await queue.submit(CAT, job(workdir, "print('c ran')"))
    assert (a1["state"], b1["position"], c1["position"]) == ("running", 1, 2)
    stream = queue.events(CAT, c1["id"])
    queued = await next_event(stream)
    await queue.cancel(BEN, b1["id"])
    moved = await next_event(stream, timeout=2)
    assert moved["job"]["position"] == 1 and "ahead" not in moved["job"]["reason"]
    await queue.cancel(ANN, a1["id"])
    rest = [e async for e in stream]
    seqs = [queued["seq"], moved["seq"]] + [e["seq"] for e in rest]
    assert seqs == sorted(set(seqs))
    assert [e["job"]["state"] for e in rest if e["type"] == "state"] == ["running", "succeeded"]
    assert "".join(e["output"]["text"] for e in rest if e["type"] == "output") == "c ran\n"
    # A replay from the start is the file's: queued, then the start, outputs and end (places are not kept).
    replay = [e async for e in queue.events(CAT, c1["id"])]
    assert replay[0] == queued and replay[1:] == rest


async def test_outputs_and_the_end_arrive_at_once_not_at_the_next_poll_and_idle_costs_nothing(make_queue, workdir):
    queue = make_queue(poll_interval=30)  # only limits wait for the poll: outputs ring, the runner's exit is seen
    await queue.info()
    ticks = []
    tick = queue._tick
    queue._tick = lambda: ticks.append(time.monotonic()) or tick()
    await asyncio.sleep(1.0)
    assert len(ticks) <= 1  # nothing runs: the watcher sleeps
    j = await queue.submit(ANN, job(workdir, "import time\nprint('a', flush=True)\ntime.sleep(1)\nprint('b')"))
    seen = {}
    async for event in queue.events(ANN, j["id"]):
        if event["type"] == "output":
            seen[event["output"]["text"]] = time.monotonic()
        elif event["job"]["state"] in ("succeeded", "failed"):
            seen["end"] = time.monotonic()
    assert 0.9 < seen["b\n"] - seen["a\n"] < 1.6
    assert seen["end"] - seen["b\n"] < 3  # kernel shutdown and the runner's exit, no 30 s poll
    assert (await queue.get(ANN, j["id"]))[0]["state"] == "succeeded"
    before = len(ticks)
    await asyncio.sleep(1.0)
    assert len(ticks) - before <= 1
