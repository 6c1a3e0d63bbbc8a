"""The local GPU queue's pure parts: fair-share order, quota periods, GPU detection, syntax checks, the event file."""

import json
import logging
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from classlab_bridge.gpu import fairshare, ledger
from classlab_bridge.gpu.devices import detect_gpus
from classlab_bridge.gpu.joblog import MAX_SKIP, Tail, append, replay_outputs, reserve
from classlab_bridge.gpu.queue import GpuError, JobBundle, JobCell
from classlab_bridge.gpu.validate import check_cells, syntax_error, time_limit

W = fairshare.Waiting


def order(planned):
    return [p.job_id for p in planned]


def test_round_robin_across_users_fifo_within_a_user():
    # Submitted A1 A2 A3 B1 C1 while A's first job runs on the only slot.
    waiting = [W("A2", "A", 2, 10), W("A3", "A", 3, 10), W("B1", "B", 4, 10), W("C1", "C", 5, 10)]
    planned = fairshare.plan(waiting, [fairshare.Running("A", 5)], {"A": 1}, slots=1, max_running=1)
    assert order(planned) == ["B1", "C1", "A2", "A3"]
    assert [p.position for p in planned] == [1, 2, 3, 4]
    # One slot, each job 10 s, the running one ends in 5 s.
    assert [p.start_in for p in planned] == [5, 15, 25, 35]


def test_the_user_who_started_least_recently_goes_first():
    waiting = [W("A2", "A", 1, 1), W("B2", "B", 2, 1), W("C2", "C", 3, 1)]
    # C started longest ago, then A, then B.
    planned = fairshare.plan(waiting, [], {"A": 7, "B": 9, "C": 3}, slots=1, max_running=1)
    assert order(planned) == ["C2", "A2", "B2"]
    assert planned[0].start_in == 0


def test_a_user_at_their_running_limit_waits_while_others_use_free_slots():
    waiting = [W("A2", "A", 1, 10), W("B1", "B", 2, 10)]
    planned = fairshare.plan(waiting, [fairshare.Running("A", 4)], {"A": 1}, slots=2, max_running=1)
    assert order(planned) == ["B1", "A2"]
    assert [p.start_in for p in planned] == [0, 4]  # A2 starts when A1 ends, not when a slot frees
    two = fairshare.plan(waiting, [fairshare.Running("A", 4)], {"A": 1}, slots=3, max_running=2)
    assert [p.start_in for p in two] == [0, 0]


def test_no_slot_means_an_order_but_no_estimate():
    planned = fairshare.plan([W("A1", "A", 1, 1), W("B1", "B", 2, 1)], [], {}, slots=0, max_running=1)
    assert order(planned) == ["A1", "B1"] and all(p.start_in is None for p in planned)


def test_expected_durations_follow_recent_jobs_within_the_limit():
    assert fairshare.median_duration([]) is None
    assert fairshare.median_duration([10, 30, 20]) == 20
    assert fairshare.expected_duration(1800, None) == 1800
    assert fairshare.expected_duration(1800, 20) == 20
    assert fairshare.expected_duration(10, 20) == 10
    assert fairshare.expected_remaining(5, 1800, 20) == 15
    assert fairshare.expected_remaining(25, 1800, 20) == 1775  # outlived the median: until its limit
    assert fairshare.expected_remaining(2000, 1800, None) == 0


def ts(*args):
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def test_quota_periods_and_their_resets_in_utc():
    t = ts(2026, 11, 25, 15, 30)  # a Wednesday
    assert ledger.period_key(t, "none") == "term" and ledger.period_resets(t, "none") is None
    assert ledger.period_key(t, "day") == "2026-11-25"
    assert ledger.iso(ledger.period_resets(t, "day")) == "2026-11-26T00:00:00Z"
    assert ledger.period_key(t, "week") == "2026-W48"
    assert ledger.iso(ledger.period_resets(t, "week")) == "2026-11-30T00:00:00Z"  # next Monday
    assert ledger.period_key(t, "month") == "2026-11"
    assert ledger.iso(ledger.period_resets(ts(2026, 12, 31, 23, 59), "month")) == "2027-01-01T00:00:00Z"
    with pytest.raises(ValueError):
        ledger.check_period("year")


def fake_nvidia_smi(tmp_path: Path, listing: str, code: int = 0) -> str:
    """A stand-in ``nvidia-smi`` on PATH. This is the only fake in the GPU tests: no physical GPU is here."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "nvidia-smi"
    exe.write_text(f"#!/bin/sh\ncat <<'EOF'\n{listing}\nEOF\nexit {code}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return f"{bin_dir}:/usr/bin:/bin"


H100 = (
    "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)\n"
    "  MIG 1g.10gb     Device  0: (UUID: MIG-bbbb)\n"
    "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-cccc)"
)


def test_gpus_from_nvidia_smi(tmp_path):
    gpus = detect_gpus({"PATH": fake_nvidia_smi(tmp_path, H100)})
    assert [(g.index, g.name, g.visible_id) for g in gpus] == [
        (0, "NVIDIA H100 80GB HBM3", "0"),
        (1, "NVIDIA A100-SXM4-40GB", "1"),
    ]


def test_no_gpu_when_nvidia_smi_is_missing_or_fails(tmp_path):
    assert detect_gpus({"PATH": str(tmp_path)}) == []
    assert detect_gpus({"PATH": fake_nvidia_smi(tmp_path, "NVIDIA-SMI has failed", code=9)}) == []
    # This machine has no GPU: the real detection finds none.
    if not os.environ.get("CUDA_VISIBLE_DEVICES"):
        import shutil

        if shutil.which("nvidia-smi") is None:
            assert detect_gpus() == []


def test_cuda_visible_devices_wins_and_names_come_from_nvidia_smi(tmp_path):
    path = fake_nvidia_smi(tmp_path, H100)
    gpus = detect_gpus({"PATH": path, "CUDA_VISIBLE_DEVICES": "1"})
    assert [(g.index, g.name, g.visible_id) for g in gpus] == [(0, "NVIDIA A100-SXM4-40GB", "1")]
    by_uuid = detect_gpus({"PATH": path, "CUDA_VISIBLE_DEVICES": "GPU-aaaa,7"})
    assert [(g.name, g.visible_id) for g in by_uuid] == [("NVIDIA H100 80GB HBM3", "GPU-aaaa"), ("GPU 7", "7")]
    assert detect_gpus({"PATH": path, "CUDA_VISIBLE_DEVICES": ""}) == []
    assert detect_gpus({"PATH": path, "CUDA_VISIBLE_DEVICES": "-1"}) == []


def test_python_syntax_with_ipython_magics_and_top_level_await():
    assert syntax_error("%time x = 1\n!ls\nimport numpy as np\nx?\n") is None
    assert syntax_error("%%bash\necho 'not python ('\n") is None
    assert syntax_error("await something()\n") is None
    assert syntax_error("x = 1\nif x\n    pass\n") == (2, "expected ':'")


def cells(*specs):
    return [JobCell(f"cell-{i}", src, target) for i, (src, target) in enumerate(specs)]


def test_cell_checks_name_the_cell_and_line(tmp_path):
    bundle = JobBundle("nb.ipynb", "python3", cells(("import os", False), ("print(1", True)), tmp_path)
    with pytest.raises(GpuError) as e:
        check_cells(bundle, python=True)
    assert (e.value.status, e.value.code) == (400, "syntax_error")
    assert "Cell 2 (id cell-1)" in e.value.message and "line 1" in e.value.message
    check_cells(bundle, python=False)  # other languages are not parsed
    for bad in (cells(("x = 1", False)), cells(("x = 1", False), ("  \n", True))):
        with pytest.raises(GpuError) as e:
            check_cells(JobBundle("nb.ipynb", "python3", bad, tmp_path), python=True)
        assert e.value.code == "bad_request"


def test_time_limits():
    assert time_limit(None, 1800, 7200) == 1800
    assert time_limit(60, 1800, 7200) == 60
    for bad in (0, 7201, "60", True):
        with pytest.raises(GpuError):
            time_limit(bad, 1800, 7200)


def test_event_file_replay_like_a_notebook(tmp_path):
    path = tmp_path / "events.jsonl"

    def out(cell, output, **kw):
        append(path, {"type": "output", "cell_id": cell, "output": output, **kw})

    text = {"output_type": "stream", "name": "stdout"}
    out("a", {**text, "text": "1\n"})
    out("a", {**text, "text": "2\n"})
    out("a", {"output_type": "display_data", "data": {"text/plain": "old"}, "metadata": {}}, display_id="d")
    append(path, {"type": "update", "cell_id": "a", "display_id": "d", "output": {"data": {"text/plain": "new"}}})
    out("b", {**text, "text": "gone"})
    append(path, {"type": "clear", "cell_id": "b", "wait": True})
    out("b", {**text, "text": "after wait"})
    append(path, {"type": "state", "job": {"state": "running"}})
    outputs = replay_outputs(path)
    assert outputs["a"][0]["text"] == "1\n2\n"
    assert outputs["a"][1]["data"] == {"text/plain": "new"}
    assert outputs["b"] == [{**text, "text": "after wait"}]


def test_a_partial_line_from_a_killed_writer_costs_one_seq_and_nothing_else(tmp_path):
    path = tmp_path / "events.jsonl"
    append(path, {"type": "state", "job": {"state": "running"}})
    with open(path, "ab") as f:
        f.write(b'{"type": "output", "cell_id": "a", "outp')  # the writer died here
    tail = Tail(path)
    assert [seq for seq, _ in tail.read()] == [1]  # the partial line waits
    append(path, {"type": "state", "job": {"state": "interrupted"}})
    assert [(seq, e and e["job"]["state"]) for seq, e in tail.read()] == [(2, None), (3, "interrupted")]


def test_a_skip_line_reserves_seqs_for_events_never_written(tmp_path):
    path = tmp_path / "events.jsonl"
    append(path, {"type": "state", "job": {"state": "queued"}})
    with open(path, "ab") as f:
        f.write(b'{"type": "sta')  # a killed writer's partial line: it still counts, once completed
    assert reserve(path, 10) == (4, 13)  # line 2 the partial one, line 3 the skip line
    append(path, {"type": "state", "job": {"state": "running"}})
    assert [(seq, e and e["type"]) for seq, e in Tail(path).read()] == [
        (1, "state"),
        (2, None),
        (3, "skip"),
        (14, "state"),
    ]
    assert reserve(path, 5) == (16, 20)
    # A skip line the queue did not mean (a job's forged one) moves only that job's numbers, forward, within a bound.
    for n in (MAX_SKIP + 1, -3, True, "9"):
        append(path, {"type": "skip", "n": n})
    append(path, {"type": "output", "cell_id": "a", "output": {}})
    assert [seq for seq, _ in Tail(path).read()][-5:] == [21, 22, 23, 24, 25]
    with pytest.raises(ValueError):
        reserve(path, MAX_SKIP + 1)


def test_records_and_ledger_survive_reopening(tmp_path):
    from classlab_bridge.gpu.store import JobRecord, JobStore

    store = JobStore(tmp_path / "queue.sqlite")
    for i in range(4):
        rec = JobRecord(f"j{i}", "ann", "nb.ipynb", "python3", ["c"], str(tmp_path), "queued", 100.0 + i, 60)
        store.insert(rec)
    store.update("j0", state="running", started=110.0, dispatch_no=store.next_dispatch_no())
    assert store.last_starts() == {"ann": 1}
    store.finish("j0", ("ann", "term", 12.5), state="succeeded", ended=122.5, charged=12.5)
    store.finish("j1", None, state="cancelled", ended=123.0, charged=0.0)
    store.close()

    again = JobStore(tmp_path / "queue.sqlite")
    assert again.used("ann", "term") == 12.5 and again.used("ann", "2026-11") == 0
    assert again.get("j0").state == "succeeded" and again.get("j0").targets == ["c"]
    assert [r.id for r in again.in_states(["queued"])] == ["j2", "j3"]
    assert [r.id for r in again.recent("ann", 2)] == ["j3", "j2"]
    assert again.recent_durations(["succeeded"]) == [12.5]
    # Files of ended jobs beyond the newest two may go; queued ones never.
    assert again.ended_beyond("ann", 2, ["succeeded", "cancelled"]) == ["j0", "j1"]
    assert again.ended_beyond("ann", 4, ["succeeded", "cancelled"]) == []


class _Answer:
    def __init__(self, code: int, body: dict) -> None:
        self.code = code
        self.body = json.dumps(body).encode()


class _Client:
    """A HubServiceClient stand-in answering every call with one response."""

    def __init__(self, answer: _Answer) -> None:
        self.answer = answer
        self.log = logging.getLogger("test")

    async def call(self, *args, **kwargs):
        return self.answer


@pytest.mark.parametrize(
    ("code", "status"), [("isolation_unavailable", 503), ("cluster_refused", 502), ("gpu_service_unavailable", 502)]
)
async def test_the_remote_queue_passes_on_why_the_services_queue_refused(code, status):
    from classlab_bridge.gpu.remote import RemoteQueue

    said = f"the service's own words for {code}"
    queue = RemoteQueue(_Client(_Answer(status, {"error": {"code": code, "message": said}})), max_bundle_bytes=1)
    with pytest.raises(GpuError) as refused:
        await queue._call("jobs")
    assert (refused.value.status, refused.value.code, refused.value.message) == (status, code, said)


async def test_the_remote_queue_hides_a_broken_services_500():
    from classlab_bridge.gpu.remote import RemoteQueue

    queue = RemoteQueue(_Client(_Answer(500, {"error": {"code": "500", "message": "Traceback …"}})), max_bundle_bytes=1)
    with pytest.raises(GpuError) as refused:
        await queue._call("jobs")
    assert (refused.value.status, refused.value.code) == (502, "gpu_service_unavailable")
