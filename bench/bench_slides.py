"""Slides: time from the present command to the first slide painted, and slide-change time, by notebook size.

Notebooks of 50, 200 and 500 cells (a markdown heading every fifth cell, code cells with text and PNG outputs)
are made here, served by one isolated JupyterLab, and driven by ``slides.mjs`` in headless Chromium. The anchor in
the same run is opening the same notebook in JupyterLab (``docmanager:open`` to the panel revealed and painted):
entering the slideshow should cost a fraction of that, whatever the size, since only the current slide and its
neighbours are mounted. jupyterlab-rise is not measured here yet.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Any

from _chromium import CHROMIUM, CHROMIUM_ARGS
from _servers import REPO, start_server

SIZES = [50, 200, 500]
ENTRIES = int(os.environ.get("CLASSLAB_BENCH_SLIDES_ENTRIES", "5"))
CHANGES = int(os.environ.get("CLASSLAB_BENCH_SLIDES_CHANGES", "10"))
SECTION = "Slides: enter and change slides, by notebook size (headless Chromium)"


def _png(width: int = 64, height: int = 48) -> str:
    """A small real PNG (a gradient), base64, as a plot output would carry."""
    raw = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 5 % 256, 128)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def make_notebook(cells: int) -> dict[str, Any]:
    """A lesson-like notebook: a heading every fifth cell, code with text output, every fifth a PNG plot."""
    image = _png()
    out: list[dict[str, Any]] = []
    for i in range(cells):
        cell: dict[str, Any] = {"id": f"c{i}", "metadata": {}}
        if i % 5 == 0:
            cell.update(cell_type="markdown", source=f"## Part {i // 5 + 1}\n\nSome text $x^{i % 7}$.")
        else:
            plot = {
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/png": image, "text/plain": "<Figure>"},
            }
            text = {"output_type": "stream", "name": "stdout", "text": f"{i}\n"}
            cell.update(
                cell_type="code",
                execution_count=i,
                source="plot()" if i % 5 == 3 else f"print({i})",
                outputs=[plot if i % 5 == 3 else text],
            )
        out.append(cell)
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="classlab-bench-slides-") as tmp:
        state = Path(tmp)
        (state / "root").mkdir()
        for size in SIZES:
            (state / "root" / f"cells-{size}.ipynb").write_text(json.dumps(make_notebook(size)))
        server = start_server("slides", state)
        try:
            request = {
                "chromium": CHROMIUM,
                "args": CHROMIUM_ARGS,
                "base": server.base_url,
                "token": server.token,
                "notebooks": [{"name": f"{size} cells", "path": f"cells-{size}.ipynb"} for size in SIZES],
                "entries": ENTRIES,
                "changes": CHANGES,
                "timeout_ms": 60_000,
            }
            proc = subprocess.run(
                ["node", str(Path(__file__).with_name("slides.mjs"))],
                input=json.dumps(request),
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=600,
            )
        finally:
            server.stop()
        if proc.returncode != 0:
            raise RuntimeError(f"slides.mjs failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        result = json.loads(proc.stdout)

    rows: list[dict[str, Any]] = []
    for row in result["results"]:
        # The first entry also loads reveal.js (lazily, once per page): reported apart from the median.
        first, rest = row["enter_ms"][0], row["enter_ms"][1:] or row["enter_ms"]
        enter, opened = statistics.median(rest), statistics.median(row["open_ms"][1:] or row["open_ms"])
        rows.append(
            {
                "section": SECTION,
                "notebook": row["name"],
                "slides": row["slides"],
                "open notebook ms (anchor)": round(opened, 1),
                "enter slideshow ms": round(enter, 1),
                "first entry ms (loads reveal.js)": round(first, 1),
                "enter / open": round(enter / opened, 3),
                "slide change ms (median)": round(statistics.median(row["change_ms"]), 1),
                "slide change ms (max)": round(max(row["change_ms"]), 1),
                "data": row,
            }
        )
    rows.append(
        {
            "section": SECTION,
            "note": f"Median of {ENTRIES - 1} entries after the first (which also loads reveal.js, shown apart) and "
            f"{CHANGES} `next` commands per entry, each to the second animation frame after it; anchor: opening the "
            "same notebook with `docmanager:open` until its panel is revealed and painted, same page, same run. "
            f"Chromium {result['browser']}, viewport 1280×800. jupyterlab-rise is not measured yet.",
        }
    )
    return rows
