"""Video: time to first frame (HLS VOD and mp4 from the Jupyter server), JS heap with 20 video cells, live latency.

Media are made here with Debian's ffmpeg by scripts/make_media.py (an 8 s mp4 and the same length of HLS VOD, fMP4
2 s segments), served by one isolated JupyterLab through the bridge's authenticated ``classlab/media/`` handler, and
driven by ``video.mjs`` in headless Chromium. Anchors in the same run and page: a plain ``<video src=…mp4>`` for the
first frame, the same notebook without video metadata (20 plain link cells) for the heap. The live stream comes from
scripts/live_hls_server.py (1 s segments). Targets (issue 4): first frame ≤ 500 ms, live latency ≤ 3× the playlist's
target duration; they are reported, never asserted. A part that cannot run is a "skipped: <reason>" row.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Optional

from _chromium import CHROMIUM, CHROMIUM_ARGS, run_driver
from _servers import REPO, Server, start_server

ROUNDS = int(os.environ.get("CLASSLAB_BENCH_VIDEO_ROUNDS", "7"))
HEAP_ROUNDS = int(os.environ.get("CLASSLAB_BENCH_VIDEO_HEAP_ROUNDS", "2"))
LIVE_SECONDS = float(os.environ.get("CLASSLAB_BENCH_VIDEO_LIVE_SECONDS", "10"))
LIVE_SAMPLES = 5
VIDEO_CELLS = 20
CLIP_SECONDS = 8
MEDIA = "media"
HLS = f"{MEDIA}/hls/index.m3u8"
MP4 = f"{MEDIA}/clip.mp4"
SECTION_TTFF = "Video: play to first frame, media from the Jupyter server on loopback"
SECTION_HEAP = f"Video: JS heap with {VIDEO_CELLS} video cells, after scrolling down and back"
SECTION_LIVE = "Video: live latency against the playlist's target duration"


def _skip(err: BaseException | str) -> str:
    text = str(err).strip()
    reason = text.splitlines()[0] if text else type(err).__name__
    return f"skipped: {reason[:300]}"


def _notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _video_cell(cell_id: str, spec: Optional[dict[str, Any]], title: str, src: str) -> dict[str, Any]:
    """A video cell as `classlab-video:insert` writes it (a plain link); without `spec`, only the link (the anchor)."""
    metadata = {"classlab": {"video": {**spec, "title": title}}} if spec else {}
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata, "source": f"[▶ {title}]({src})"}


def _code_cell(cell_id: str, i: int) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "execution_count": i,
        "source": f"for i in range({i % 5 + 2}):\n    print(i)",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "".join(f"{k}\n" for k in range(i % 5 + 2))}],
    }


def one_video(spec: dict[str, Any], src: str) -> dict[str, Any]:
    """The video cell first (on screen when the notebook opens), then a practice cell."""
    return _notebook([_video_cell("video", spec, "Lecture", src), _code_cell("practice", 1)])


def many_videos(with_video: bool) -> dict[str, Any]:
    """A lesson of 20 parts: heading, video cell (or its plain link), practice code with output."""
    cells: list[dict[str, Any]] = []
    for i in range(VIDEO_CELLS):
        cells.append({"cell_type": "markdown", "id": f"h{i}", "metadata": {}, "source": f"## Part {i + 1}"})
        spec = {"kind": "hls", "src": HLS} if with_video else None
        cells.append(_video_cell(f"v{i}", spec, f"Part {i + 1}", HLS))
        cells.append(_code_cell(f"c{i}", i))
    return _notebook(cells)


def make_media(root: Path) -> None:
    """clip.mp4 and hls/ under root/media with scripts/make_media.py (Debian's ffmpeg)."""
    script = REPO / "scripts" / "make_media.py"
    for args in (["mp4", str(root / MP4)], ["hls", str(root / MEDIA / "hls")]):
        proc = subprocess.run(
            [sys.executable, str(script), *args, "--seconds", str(CLIP_SECONDS)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            raise RuntimeError((proc.stderr or proc.stdout or f"make_media.py {args[0]} failed").strip())


class LiveStream:
    """scripts/live_hls_server.py, started here in its own process group and stopped by `stop()`."""

    def __init__(self, outdir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "scripts" / "live_hls_server.py"), "--dir", str(outdir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.url = self._wait_for_url(60)

    def _wait_for_url(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not sel.select(timeout=0.5):
                    if self.proc.poll() is not None:
                        break
                    continue
                line = self.proc.stdout.readline()
                if line.startswith("LIVE "):
                    return line.split(None, 1)[1].strip()
                if not line and self.proc.poll() is not None:
                    break
        self.stop()
        error = self.proc.stderr.read().strip() if self.proc.stderr else ""
        raise RuntimeError(f"live_hls_server.py printed no LIVE url: {error or 'timeout'}")

    def playlist(self) -> str:
        with urllib.request.urlopen(self.url, timeout=10) as resp:
            return resp.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _drive(server: Server, request: dict[str, Any]) -> dict[str, Any]:
    request = {
        "chromium": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "base": server.base_url,
        "token": server.token,
        "timeout_ms": 30_000,
        **request,
    }
    return run_driver("video.mjs", request)


def _ms(samples: list[dict[str, Any]]) -> list[float]:
    return [s["ms"] for s in samples]


def ttff_rows(result: Any) -> list[dict[str, Any]]:
    if not isinstance(result, dict) or "error" in result:
        reason = result["error"] if isinstance(result, dict) else "not measured"
        return [{"section": SECTION_TTFF, "source": "all", "first frame ms (median)": _skip(reason)}]
    anchor = statistics.median(_ms(result["anchor"]))
    rows: list[dict[str, Any]] = [
        {
            "section": SECTION_TTFF,
            "source": "plain <video src=mp4> (anchor)",
            "first frame ms (median)": round(anchor, 1),
            "min": round(min(_ms(result["anchor"])), 1),
            "max": round(max(_ms(result["anchor"])), 1),
            "/ anchor": 1.0,
            "target ≤ 500 ms": "",
            "data": result["anchor"],
        }
    ]

    def row(name: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
        median = statistics.median(_ms(samples))
        return {
            "section": SECTION_TTFF,
            "source": name,
            "first frame ms (median)": round(median, 1),
            "min": round(min(_ms(samples)), 1),
            "max": round(max(_ms(samples)), 1),
            "/ anchor": round(median / anchor, 2),
            "target ≤ 500 ms": "yes" if median <= 500 else "no",
            "data": samples,
        }

    rows.append(row("HLS VOD, video cell, cold (first HLS player: loads hls.js)", [result["hls_cold"]]))
    rows.append(row("HLS VOD, video cell, warm", result["hls"]))
    rows.append(row("mp4, video cell", result["mp4"]))
    early = sum(s.get("media_created_before_play", False) for s in [result["hls_cold"], *result["hls"], *result["mp4"]])
    rows.append(
        {
            "section": SECTION_TTFF,
            "note": f"From play() to the first `requestVideoFrameCallback` of the <video> (a presented frame): for a "
            "video cell the player's own `play()` (what its Space key calls), called the moment the player widget "
            "enters the DOM after `docmanager:open` (a MutationObserver callback), so creating the media pipeline "
            "(hls.js attach, playlist, init segment, "
            "first fragment; the first time also the hls.js chunk) is inside the interval; for the anchor "
            "`video.play()` right after setting `src` on a fresh `<video controls preload=metadata>` in the same "
            f"page. {ROUNDS} rounds interleaved (order rotated), after one cold HLS round; browser cache off "
            "(CDP `Network.setCacheDisabled`), so every round fetches from the server. Unmuted, with "
            f"`--autoplay-policy=no-user-gesture-required` standing in for the user's click. {CLIP_SECONDS} s clips "
            "(320×180 test pattern, H.264/AAC), HLS as fMP4 in 2 s segments. Rounds whose player had already started "
            f"its pipeline before play() (its own IntersectionObserver came first): {early}.",
        }
    )
    return rows


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def heap_rows(result: Any) -> list[dict[str, Any]]:
    if not isinstance(result, dict) or "error" in result:
        reason = result["error"] if isinstance(result, dict) else "not measured"
        return [{"section": SECTION_HEAP, "notebook": "all", "JS heap MB (after GC)": _skip(reason)}]
    anchor = _median(result["plain"], "heap_used")
    rows: list[dict[str, Any]] = []
    for kind, name in (("plain", "20 plain link cells (anchor)"), ("video", f"{VIDEO_CELLS} HLS video cells")):
        runs = result[kind]
        used = _median(runs, "heap_used")
        backing = [r["backing_storage"] for r in runs if r.get("backing_storage") is not None]
        rows.append(
            {
                "section": SECTION_HEAP,
                "notebook": name,
                "JS heap MB (after GC)": round(used / 2**20, 1),
                "/ anchor": round(used / anchor, 2),
                "ArrayBuffer backing MB": round(statistics.median(backing) / 2**20, 1) if backing else "n/a",
                "max <video>": max(r["max"]["videos"] for r in runs),
                "max players": max(r["max"]["players"] for r in runs),
                "max hls.js": max(r["max"]["hls"] for r in runs),
                "max MSE-attached": max(r["max"]["mse_videos"] for r in runs),
                "players at the end": runs[-1]["final"]["players"],
                "workers at the end": max(r["workers"] for r in runs),
                "data": runs,
            }
        )
    first = result["video"][0]
    rows.append(
        {
            "section": SECTION_HEAP,
            "note": f"A fresh page per notebook and round ({HEAP_ROUNDS} rounds each, alternating), viewport "
            f"1280×800: open the notebook ({first['cells']} cells, {first['video_cells']} video cells, "
            f"{first['scroll_height']} px tall), scroll its cells down by half a viewport at a time to the end and "
            f"back to the top ({first['steps']} steps, two animation frames and 150 ms each, counting media holders "
            "after each step), wait 1 s, two CDP `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage` "
            "(usedSize: the page's V8 heap; ArrayBuffer backing stores apart). Nothing plays. 'max' columns are the "
            "most at any step: `<video>` elements in the page, players in video cells, players holding an hls.js "
            "instance (read from the player's private `_hls`), videos with a MediaSource (`blob:`) source; "
            "workers: Web Workers of the page at the end (hls.js's transmuxer runs in one per instance). The "
            "notebook's windowing mode is JupyterLab's default (contentVisibility: cells stay in the DOM).",
        }
    )
    return rows


def live_rows(result: Any, target: Optional[float], url: str) -> list[dict[str, Any]]:
    if not isinstance(result, dict) or "error" in result:
        reason = result["error"] if isinstance(result, dict) else str(result)
        return [{"section": SECTION_LIVE, "measure": "all", "latency s (median)": _skip(reason)}]
    samples = result["samples"]
    target = target or next((s["target_duration_s"] for s in samples if s.get("target_duration_s")), None)
    rows: list[dict[str, Any]] = []
    measures = (
        ("wall_minus_pdt_s", "wall clock − EXT-X-PROGRAM-DATE-TIME of the playing position"),
        ("player_latency_s", "player's shown latency (hls.js `latency`: live edge − position)"),
        ("seekable_end_minus_current_s", "seekable.end − currentTime (+ target duration)"),
    )
    for key, name in measures:
        # The approximation adds one target duration: the last segment is still being played out at the edge.
        extra = target if key == "seekable_end_minus_current_s" and target else 0.0
        values = [s[key] + extra for s in samples if s.get(key) is not None]
        if not values:
            rows.append({"section": SECTION_LIVE, "measure": name, "latency s (median)": "skipped: not available"})
            continue
        latency = statistics.median(values)
        rows.append(
            {
                "section": SECTION_LIVE,
                "measure": name,
                "latency s (median)": round(latency, 2),
                "min": round(min(values), 2),
                "max": round(max(values), 2),
                "target duration s (anchor)": target if target else "n/a",
                "latency / target": round(latency / target, 2) if target else "n/a",
                "target ≤ 3×": ("yes" if latency <= 3 * target else "no") if target else "n/a",
                "data": values,
            }
        )
    shown = [s["shown"] for s in samples if s.get("shown")]
    rows.append(
        {
            "section": SECTION_LIVE,
            "note": f"scripts/live_hls_server.py ({url.split('/index')[0]}, another origin than JupyterLab, CORS "
            "on): ffmpeg's real-time test pattern as fMP4 HLS, 1 s segments, 6 in the sliding playlist, with "
            "program date times. Its video cell (absolute URL) is played with the player's `play()`; "
            f"first frame after {round(result['first_frame_ms'])} ms; after {LIVE_SECONDS:.0f} s of playback, "
            f"{len(samples)} samples 1 s apart. The first row is the real end-to-end latency (the encoder stamps "
            "each segment's wall-clock start, hls.js `playingDate` maps the position to it, read through the "
            "player's private `_hls`); the player shows the second"
            + (f" (e.g. “{shown[-1]}”)" if shown else "")
            + "; the third is the approximation without program date times. Target duration from the playlist's "
            f"`#EXT-X-TARGETDURATION`; player state at the end: {result.get('state', {}).get('state')}.",
        }
    )
    return rows


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="classlab-bench-video-") as tmp:
        state = Path(tmp) / "lab"
        root = state / "root"
        root.mkdir(parents=True)
        try:
            if shutil.which("ffmpeg") is None:
                raise RuntimeError("ffmpeg not found (bash scripts/install-test-deps.sh)")
            make_media(root)
        except Exception as err:
            reason = _skip(f"no media: {err}")
            return [
                {"section": SECTION_TTFF, "source": "all", "first frame ms (median)": reason},
                {"section": SECTION_HEAP, "notebook": "all", "JS heap MB (after GC)": reason},
                {"section": SECTION_LIVE, "measure": "all", "latency s (median)": reason},
            ]
        (root / "ttff-hls.ipynb").write_text(json.dumps(one_video({"kind": "hls", "src": HLS}, HLS)))
        (root / "ttff-mp4.ipynb").write_text(json.dumps(one_video({"kind": "file", "src": MP4}, MP4)))
        (root / "heap-video.ipynb").write_text(json.dumps(many_videos(True)))
        (root / "heap-plain.ipynb").write_text(json.dumps(many_videos(False)))

        server = start_server("video", state)
        try:
            try:
                result = _drive(
                    server,
                    {
                        "ttff": {
                            "hls": "ttff-hls.ipynb",
                            "mp4": "ttff-mp4.ipynb",
                            "anchor_url": f"/classlab/media/{MP4}",
                            "rounds": ROUNDS,
                        },
                        "heap": {"video": "heap-video.ipynb", "plain": "heap-plain.ipynb", "rounds": HEAP_ROUNDS},
                    },
                )
                browser = result.get("browser")
                rows += ttff_rows(result.get("ttff"))
                rows += heap_rows(result.get("heap"))
            except Exception as err:
                browser = None
                rows += ttff_rows({"error": str(err)})
                rows += heap_rows({"error": str(err)})
            rows += _live(server, Path(tmp) / "live")
        finally:
            server.stop()
    if browser:
        rows.append({"section": SECTION_TTFF, "note": f"Chromium {browser}, headless, software rendering."})
    return rows


def _live(server: Server, outdir: Path) -> list[dict[str, Any]]:
    stream: Optional[LiveStream] = None
    try:
        stream = LiveStream(outdir)
        playlist = stream.playlist()
        match = re.search(r"#EXT-X-TARGETDURATION:(\d+(?:\.\d+)?)", playlist)
        target = float(match.group(1)) if match else None
        spec = {"kind": "hls", "src": stream.url}
        (server.state / "root" / "live.ipynb").write_text(json.dumps(one_video(spec, stream.url)))
        result = _drive(server, {"live": {"notebook": "live.ipynb", "seconds": LIVE_SECONDS, "samples": LIVE_SAMPLES}})
        return live_rows(result.get("live"), target, stream.url)
    except Exception as err:
        return live_rows({"error": str(err) or type(err).__name__}, None, "")
    finally:
        if stream is not None:
            stream.stop()
