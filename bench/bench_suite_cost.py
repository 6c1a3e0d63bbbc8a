"""The suite's cost: JS shipped, JupyterLab time-to-ready and server RSS, with vs. without ClassLab.

Three measurements in one run, each against its own anchor measured in the same run (ratios, no thresholds):

1. JS shipped: every .js file under extensions/<name>/classlab_<name>/labextension/static, raw and gzip -9 bytes.
2. Time-to-ready in headless Chromium: navigation start -> a visible ``.jp-LauncherCard`` and
   ``window.jupyterapp.started`` resolved; fresh browser context per run; variants interleaved round by round.
3. Server RSS with vs. without the classlab_bridge server extension (``jupyter server``, no kernel).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
from _chromium import CHROMIUM, CHROMIUM_ARGS
from _servers import REPO, Server, spawn_server, start_server

EXTENSIONS = ["slides", "video", "help", "gpu", "grader"]
# Measured runs per variant; the environment may raise them for a quieter median (or lower them for a quick try).
TTR_ROUNDS = int(os.environ.get("CLASSLAB_BENCH_TTR_ROUNDS", "7"))
TTR_WARMUP = 1  # discarded first round: server-side first-request costs, Chromium's own warm-up
RSS_STARTS = int(os.environ.get("CLASSLAB_BENCH_RSS_STARTS", "3"))

SEC_JS = "JS shipped per extension (labextension/static/*.js)"
SEC_TTR = "JupyterLab time-to-ready, headless Chromium"
SEC_RSS = "Single-user server (jupyter server) with vs. without classlab_bridge"


def run() -> list[dict[str, Any]]:
    rows = js_shipped()
    with tempfile.TemporaryDirectory(prefix="classlab-bench-") as tmp:
        rows += time_to_ready(Path(tmp) / "ttr")
        rows += server_rss(Path(tmp) / "rss")
    return rows


# --- 1. JS shipped -------------------------------------------------------------------------------------------


def build_mode(labextension: Path) -> str:
    """production / development, from what @jupyter/builder leaves behind (it writes no explicit marker).

    Production builds (`build:prod`, what `make build` runs) emit third-party-licenses.json and no source maps;
    development builds write build_log.json next to static/ and emit .js.map files.
    """
    static = labextension / "static"
    if (labextension / "build_log.json").exists() or any(static.glob("*.js.map")):
        return "development"
    if (static / "third-party-licenses.json").exists():
        return "production"
    return "unknown"


def js_shipped() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    total_raw = total_gz = total_files = 0
    modes = set()
    for name in EXTENSIONS:
        labext = REPO / "extensions" / name / f"classlab_{name}" / "labextension"
        files = sorted((labext / "static").glob("*.js"))
        if not files:
            raise RuntimeError(f"no built JS under {labext / 'static'}: run `make build` first")
        # Each file is its own HTTP response, so the gzip figure is the sum of per-file gzips.
        raw = sum(f.stat().st_size for f in files)
        gz = sum(len(gzip.compress(f.read_bytes(), compresslevel=9)) for f in files)
        mode = build_mode(labext)
        modes.add(mode)
        rows.append(
            {
                "section": SEC_JS,
                "extension": f"@classlab/{name}",
                "files": len(files),
                "raw bytes": raw,
                "gzip -9 bytes": gz,
                "build": mode,
            }
        )
        total_raw, total_gz, total_files = total_raw + raw, total_gz + gz, total_files + len(files)
    rows.append(
        {
            "section": SEC_JS,
            "extension": "**total**",
            "files": total_files,
            "raw bytes": total_raw,
            "gzip -9 bytes": total_gz,
            "build": "/".join(sorted(modes)),
        }
    )
    rows.append(
        {
            "section": SEC_JS,
            "note": "Build mode is inferred from the build output (production: third-party-licenses.json, "
            "no source maps; `make build` runs `lerna run build:prod`). gzip -9 is Python's gzip per file, "
            "summed (each file is a separate response).",
        }
    )
    return rows


# --- 2. Time-to-ready ----------------------------------------------------------------------------------------

# name -> (spawn_server options, what the variant means)
TTR_VARIANTS: dict[str, tuple[dict[str, bool], str]] = {
    "with": ({"bridge": True}, "ClassLab as installed: five labextensions + classlab_bridge"),
    "without": (
        {"bridge": False, "page_config_disable_classlab": True, "hide_classlab_labextensions": True},
        "anchor: the same server with the five @classlab labextensions left out of `LabApp.labextensions_path` "
        "(and listed in page_config `disabledExtensions`) and `jpserver_extensions.classlab_bridge = false`: "
        "no ClassLab asset is ever requested",
    ),
    "disabled": (
        {"bridge": False, "page_config_disable_classlab": True},
        "extra: only `disabledExtensions` in labconfig/page_config.json + bridge off (how an admin would "
        "usually switch ClassLab off); JupyterLab 4.6 still fetches each disabled federated extension's "
        "remoteEntry.js and code chunk, it only skips their styles and activating their plugins",
    ),
}


def time_to_ready(state: Path) -> list[dict[str, Any]]:
    with ExitStack() as stack:
        # One server per variant, started once (in parallel: start-up is not what is measured here) and kept up
        # for all rounds; only the browser side is cold each run.
        servers: dict[str, Server] = {}
        spawn_times: dict[str, float] = {}
        for name, (opts, _) in TTR_VARIANTS.items():
            servers[name], spawn_times[name] = spawn_server(f"ttr-{name}", state / name, **opts)
            stack.callback(servers[name].stop)
        for name, server in servers.items():
            server.wait_ready(spawn_times[name])
        for name, server in servers.items():
            expect = 200 if TTR_VARIANTS[name][0]["bridge"] else 404
            status, _ = server.get("/classlab/api/info")
            if status != expect:
                raise RuntimeError(f"ttr-{name}: /classlab/api/info answered {status}, expected {expect}")

        request = {
            "chromium": CHROMIUM,
            "args": CHROMIUM_ARGS,
            "rounds": TTR_ROUNDS,
            "warmup": TTR_WARMUP,
            "timeout_ms": 60_000,
            "targets": [{"name": name, "url": server.url("/lab")} for name, server in servers.items()],
        }
        proc = subprocess.run(
            ["node", str(Path(__file__).with_name("ttr.mjs"))],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            cwd=REPO,  # node resolves playwright-core from the repo's node_modules
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"ttr.mjs failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        result = json.loads(proc.stdout)

    runs = [r for r in result["runs"] if not r["warmup"]]
    by_name = {name: [r for r in runs if r["name"] == name] for name in TTR_VARIANTS}
    # Not timings but validity: without the anchor really lacking ClassLab (and "with" having it) the ratio
    # would mean nothing, so fail the benchmark instead of printing it.
    if any(r["classlab_requests"] for r in by_name["without"]):
        raise RuntimeError("'without' runs requested /lab/extensions/@classlab/ assets")
    if not all(r["classlab_requests"] for r in by_name["with"]):
        raise RuntimeError("'with' runs made no /lab/extensions/@classlab/ request")

    medians = {name: statistics.median(r["ttr_ms"] for r in rs) for name, rs in by_name.items()}
    rows: list[dict[str, Any]] = []
    for name, rs in by_name.items():
        times = [r["ttr_ms"] for r in rs]
        reqs = sorted({r["classlab_requests"] for r in rs})
        rows.append(
            {
                "section": SEC_TTR,
                "variant": name,
                "median ms": round(medians[name], 1),
                "min ms": round(min(times), 1),
                "max ms": round(max(times), 1),
                "runs": len(rs),
                "ratio vs without": round(medians[name] / medians["without"], 3),
                "@classlab requests/run": "/".join(map(str, reqs)),
                "all requests/run": statistics.median(r["requests"] for r in rs),
                "failed requests/run": statistics.median(r["failed_requests"] for r in rs),
                "data": {"samples_ms": times, "runs": rs},
            }
        )
    rows.append(
        {
            "section": SEC_TTR,
            "note": f"Time-to-ready = navigation start (performance.timeOrigin) until a `.jp-LauncherCard` is "
            f"visible and `window.jupyterapp.started` has resolved. Median of {TTR_ROUNDS} runs per variant after "
            f"{TTR_WARMUP} discarded warm-up round; variants interleaved round by round, order rotated each "
            f"round; fresh browser context (cold HTTP cache) per run in one Chromium {result['browser']}; one "
            "server per variant, started once and kept up.",
        }
    )
    for name, (_, meaning) in TTR_VARIANTS.items():
        rows.append({"section": SEC_TTR, "note": f"`{name}`: {meaning}."})
    for name, rs in by_name.items():
        # Which ClassLab files a page load fetches, with the extension name and content hash generalised.
        files = sorted(
            {
                re.sub(r"^[^/]+/", "<ext>/", re.sub(r"\.[0-9a-f]{16}\.", ".*.", p))
                for r in rs
                for p in r["classlab_paths"]
            }
        )
        if files:
            rows.append({"section": SEC_TTR, "note": f"`{name}` fetches " + ", ".join(f"`{f}`" for f in files) + "."})
    failed = sorted({url for r in runs for url in r["failed"]})
    if failed:
        rows.append({"section": SEC_TTR, "note": "Failed requests seen: " + ", ".join(f"`{u}`" for u in failed)})
    return rows


# --- 3. Server RSS -------------------------------------------------------------------------------------------


def server_rss(state: Path) -> list[dict[str, Any]]:
    samples: dict[str, list[dict[str, float]]] = {"with": [], "without": []}
    # Interleaved starts (order flipped each round), so drift and load from other work hit both variants alike.
    for i in range(RSS_STARTS):
        for name in ("with", "without") if i % 2 == 0 else ("without", "with"):
            bridge = name == "with"
            server = start_server(f"rss-{name}-{i}", state / f"{name}-{i}", app="server", bridge=bridge)
            try:
                status, _ = server.get("/api/status")
                info_status, body = server.get("/classlab/api/info") if bridge else (200, b"{}")
                if status != 200 or info_status != 200:
                    raise RuntimeError(f"rss-{name}: /api/status {status}, /classlab/api/info {info_status}")
                json.loads(body)  # the bridge really answered with its JSON
                time.sleep(0.5)  # let the request handling settle before sampling
                mem = psutil.Process(server.proc.pid).memory_full_info()
                samples[name].append({"rss_mb": mem.rss / 2**20, "uss_mb": mem.uss / 2**20, "ready_s": server.ready_s})
                if not bridge:
                    # Checked only after sampling: a 404 renders Jupyter's HTML error page, whose template
                    # loading alone adds ~0.5 MB, which would make the anchor look heavier than it is.
                    info_status, _ = server.get("/classlab/api/info")
                    if info_status != 404:
                        raise RuntimeError(f"rss-{name}: /classlab/api/info answered {info_status}, expected 404")
            finally:
                server.stop()
            shutil.rmtree(server.state, ignore_errors=True)

    med = {
        name: {key: statistics.median(s[key] for s in ss) for key in ("rss_mb", "uss_mb", "ready_s")}
        for name, ss in samples.items()
    }
    rows: list[dict[str, Any]] = []
    for name, ss in samples.items():
        rows.append(
            {
                "section": SEC_RSS,
                "variant": name,
                "median RSS MB": round(med[name]["rss_mb"], 1),
                "RSS ratio vs without": round(med[name]["rss_mb"] / med["without"]["rss_mb"], 3),
                "RSS delta MB": round(med[name]["rss_mb"] - med["without"]["rss_mb"], 1) + 0.0,  # no "-0.0"
                "median USS MB": round(med[name]["uss_mb"], 1),
                "median start-to-ready s": round(med[name]["ready_s"], 2),
                "starts": len(ss),
                "data": {"samples": ss},
            }
        )
    rows.append(
        {
            "section": SEC_RSS,
            "note": f"`jupyter server` (every server extension the venv enables, incl. jupyterlab) with "
            f"`jpserver_extensions.classlab_bridge` true vs. false; after /api/status answers, GET /api/status and "
            f"(with the bridge) /classlab/api/info once, then psutil RSS/USS of the server process; no kernel. "
            f"Median of {RSS_STARTS} interleaved starts (order flipped each round). Start-to-ready = spawn until "
            "/api/status answers 200.",
        }
    )
    return rows


if __name__ == "__main__":
    # Handy for a single benchmark: `.venv/bin/python bench/bench_suite_cost.py`.
    for row in run():
        print({k: v for k, v in row.items() if k != "data"})
