#!/usr/bin/env python3
"""A live HLS stream for the video tests: runs ffmpeg's live encoder (make_media.py live) and serves its folder.

    python3 scripts/live_hls_server.py [--port 0] [--dir DIR]

Prints one line ``LIVE http://127.0.0.1:<port>/index.m3u8`` once the playlist holds two segments, then serves until
killed (SIGTERM/SIGINT; ffmpeg dies with it). Every response has ``Access-Control-Allow-Origin: *`` (JupyterLab's
page is another origin) and the HLS MIME types; playlists are ``no-cache``. No directory listings.

Control endpoints (never affected by an outage):
    POST /control/outage?seconds=5   answer 503 to every other request for that long (ffmpeg keeps encoding)
    POST /control/end                stop the encoder and end the stream (#EXT-X-ENDLIST), as a finished broadcast
    GET  /control/status             {"outage_seconds_left": …, "ended": …}
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Optional
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from make_media import live_command  # noqa: E402

MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".aac": "audio/aac",
    ".vtt": "text/vtt; charset=utf-8",
}


class Stream:
    """The ffmpeg live encoder, and the server's outage/ended state."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.playlist = outdir / "index.m3u8"
        self.outage_until = 0.0
        self.ended = False
        self.lock = threading.Lock()
        # ffmpeg's errors go to a file, never a pipe nobody reads (a full pipe would stall the encoder).
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            live_command(outdir),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=_die_with_parent,
        )

    def wait_until_ready(self, timeout: float = 30) -> None:
        """Return once the playlist lists two segments; exit with ffmpeg's error if it stopped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                error = self.log.read().decode(errors="replace")
                sys.exit(f"live_hls_server.py: ffmpeg stopped ({self.process.returncode}): {error.strip()}")
            if self.playlist.exists() and self.playlist.read_text().count("#EXTINF") >= 2:
                return
            time.sleep(0.1)
        sys.exit(f"live_hls_server.py: no live playlist after {timeout:.0f} s")

    def outage(self, seconds: float) -> None:
        with self.lock:
            self.outage_until = time.monotonic() + seconds

    def outage_left(self) -> float:
        with self.lock:
            return max(0.0, self.outage_until - time.monotonic())

    def end(self) -> None:
        """Stop encoding; the playlist keeps its last segments and says the stream is over."""
        with self.lock:
            if self.ended:
                return
            self.ended = True
        self.stop()
        text = self.playlist.read_text()
        if "#EXT-X-ENDLIST" not in text:
            tmp = self.playlist.with_suffix(".tmp")
            tmp.write_text(text.rstrip("\n") + "\n#EXT-X-ENDLIST\n")
            os.replace(tmp, self.playlist)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """In the ffmpeg child (Linux): get SIGTERM when this server dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Handler(SimpleHTTPRequestHandler):
    stream: Stream
    verbose = False
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
        path = urlsplit(self.path).path
        if path.endswith(".m3u8") or path.startswith("/control/"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def reply(self, status: int, body: Optional[dict[str, object]] = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def in_outage(self) -> bool:
        left = self.stream.outage_left()
        if left > 0:
            self.reply(503, {"error": "outage", "seconds_left": round(left, 1)})
        return left > 0

    def list_directory(self, path: str | os.PathLike[str]) -> None:  # type: ignore[override]
        self.reply(404, {"error": "no listings"})
        return None

    def do_OPTIONS(self) -> None:
        self.reply(204)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/control/status":
            self.reply(200, {"outage_seconds_left": round(self.stream.outage_left(), 1), "ended": self.stream.ended})
        elif not self.in_outage():
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self.in_outage():
            super().do_HEAD()

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/control/outage":
            try:
                seconds = float(parse_qs(url.query).get("seconds", ["5"])[0])
            except ValueError:
                seconds = -1
            if not 0 <= seconds <= 600:
                self.reply(400, {"error": "seconds must be a number from 0 to 600"})
                return
            self.stream.outage(seconds)
            self.reply(200, {"outage_seconds": seconds})
        elif url.path == "/control/end":
            self.stream.end()
            self.reply(200, {"ended": True})
        else:
            self.reply(404, {"error": "unknown control"})


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--dir", type=Path, help="where the stream is written (default: a temporary folder)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    outdir: Path = args.dir or Path(tempfile.mkdtemp(prefix="classlab-live-"))
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*"):
        if old.is_file():
            old.unlink()
    stream = Stream(outdir)

    def stop(signum: int, frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        stream.wait_until_ready()
        handler_class = type("LiveHandler", (Handler,), {"stream": stream, "verbose": args.verbose})
        handler = partial(handler_class, directory=str(outdir))
        with ThreadingHTTPServer((args.host, args.port), handler) as server:
            server.daemon_threads = True
            host, port = server.server_address[:2]
            print(f"LIVE http://{host}:{port}/index.m3u8", flush=True)
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stream.stop()
        if args.dir is None:
            shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
