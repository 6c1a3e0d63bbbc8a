"""Slides: time from the present command to the first slide painted, and slide-change time, by notebook size.

Notebooks of 50, 200 and 500 cells (a markdown heading every fifth cell, code cells with text and PNG outputs)
are made here, served by one isolated JupyterLab, and driven by ``slides.mjs`` in headless Chromium. The anchor in
the same run is opening the same notebook in JupyterLab (``docmanager:open`` to the panel revealed and painted):
entering the slideshow should cost a fraction of that, whatever the size, since only the current slide and its
neighbours are mounted. jupyterlab-rise (the reference tool, from its own venv bench/.venv-rise) is measured on the
same notebooks in the same run; if it cannot be installed or run, its table says "skipped: <reason>".
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import tempfile
import zlib
from pathlib import Path
from typing import Any

from _chromium import CHROMIUM, CHROMIUM_ARGS, run_driver
from _rise import JUPYTERLAB as RISE_JUPYTERLAB
from _rise import RISE as RISE_VERSION
from _rise import RiseUnavailable, ensure_venv
from _servers import Server, start_server

SIZES = [50, 200, 500]
ENTRIES = int(os.environ.get("CLASSLAB_BENCH_SLIDES_ENTRIES", "5"))
CHANGES = int(os.environ.get("CLASSLAB_BENCH_SLIDES_CHANGES", "10"))
SECTION = "Slides: enter and change slides, by notebook size (headless Chromium)"
SECTION_RISE = "Slides against jupyterlab-rise, same notebooks, same run"


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
            # The standard slide type on each heading, so jupyterlab-rise (which has no automatic slides: a notebook
            # without slide types is one long slide there) and ClassLab present the same 10/40/100 slides.
            cell["metadata"] = {"slideshow": {"slide_type": "slide"}}
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


def _drive(server: Server, tool: str) -> dict[str, Any]:
    """Run slides.mjs against one server; its parsed output."""
    request = {
        "chromium": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "base": server.base_url,
        "token": server.token,
        "tool": tool,
        "notebooks": [{"name": f"{size} cells", "path": f"cells-{size}.ipynb"} for size in SIZES],
        "entries": ENTRIES,
        "changes": CHANGES,
        "timeout_ms": 120_000 if tool == "rise" else 60_000,
    }
    return run_driver("slides.mjs", request, f"slides.mjs ({tool})")


def _serve(state: Path, **kwargs: Any) -> Server:
    """An isolated server in ``state`` whose root holds the generated notebooks."""
    (state / "root").mkdir(parents=True)
    for size in SIZES:
        (state / "root" / f"cells-{size}.ipynb").write_text(json.dumps(make_notebook(size)))
    return start_server(state.name, state, **kwargs)


def _measure_rise(tmp: Path) -> dict[str, Any]:
    """slides.mjs results for jupyterlab-rise; raises RiseUnavailable (or anything) when it cannot be measured."""
    if os.environ.get("CLASSLAB_BENCH_RISE", "1") == "0":
        raise RiseUnavailable("CLASSLAB_BENCH_RISE=0")
    venv_bin = ensure_venv()
    server = _serve(tmp / "rise", venv_bin=venv_bin, bridge=None)
    try:
        for path in ("/lab/api/settings/jupyterlab-rise:plugin", f"/rise/cells-{SIZES[0]}.ipynb"):
            status, _ = server.get(path)
            if status != 200:
                raise RiseUnavailable(f"{venv_bin.parent.name}'s server answers {status} to GET {path}")
        return _drive(server, "rise")
    finally:
        server.stop()


def _median_after_first(samples: list[float]) -> float:
    return statistics.median(samples[1:] or samples)


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="classlab-bench-slides-") as tmp:
        server = _serve(Path(tmp) / "classlab")
        try:
            result = _drive(server, "classlab")
        finally:
            server.stop()
        try:
            rise: dict[str, Any] | str = _measure_rise(Path(tmp))
        except Exception as err:  # a missing RISE is a row in the report, never a failed benchmark
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            rise = f"skipped: {reason[:300]}"

    rows: list[dict[str, Any]] = []
    for row in result["results"]:
        # The first entry also loads reveal.js (lazily, once per page): reported apart from the median.
        enter, opened = _median_after_first(row["enter_ms"]), _median_after_first(row["open_ms"])
        rows.append(
            {
                "section": SECTION,
                "notebook": row["name"],
                "slides": row["slides"],
                "open notebook ms (anchor)": round(opened, 1),
                "enter slideshow ms": round(enter, 1),
                "first entry ms (loads reveal.js)": round(row["enter_ms"][0], 1),
                "enter / open": round(enter / opened, 3),
                "slide change ms (median)": round(statistics.median(row["change_ms"]), 1),
                "slide change ms (max)": round(max(row["change_ms"]), 1),
                "Space key change ms (median)": round(statistics.median(row["key_change_ms"]), 1),
                "data": row,
            }
        )
    rows.append(
        {
            "section": SECTION,
            "note": f"Median of {ENTRIES - 1} entries after the first (which also loads reveal.js, shown apart), "
            "each from the command to the second animation frame after the current slide is visible with its "
            f"heading rendered; from the first slide, up to {CHANGES} Space key presses per entry (real input "
            "events), each from its keydown to the second frame after the next slide is present and rendered, then, "
            "back at the first slide, the same moves by `classlab-slides:next`, each to the second animation frame "
            "after the command. Anchor: opening the same notebook with `docmanager:open` until "
            f"its panel is revealed and painted, same page, same run. Chromium {result['browser']}, viewport "
            "1280×800. Each heading cell has `slideshow.slide_type: slide`.",
        }
    )
    rows += _rise_rows(result, rise)
    return rows


def _rise_rows(ours: dict[str, Any], rise: dict[str, Any] | str) -> list[dict[str, Any]]:
    """The comparison table: jupyterlab-rise against ClassLab, per notebook size, or one 'skipped: reason' row."""
    if isinstance(rise, str):
        return [{"section": SECTION_RISE, "notebook": "all sizes", "jupyterlab-rise": rise}]
    rows: list[dict[str, Any]] = []
    for mine, theirs in zip(ours["results"], rise["results"]):
        enter_ours, enter_rise = _median_after_first(mine["enter_ms"]), _median_after_first(theirs["enter_ms"])
        change_ours = statistics.median(mine["key_change_ms"])
        change_rise = statistics.median(theirs["key_change_ms"])
        opened = _median_after_first(theirs["open_ms"])
        rows.append(
            {
                "section": SECTION_RISE,
                "notebook": mine["name"],
                "rise slides": theirs["slides"],
                "rise open notebook ms (anchor)": round(opened, 1),
                "enter ms ours": round(enter_ours, 1),
                "enter ms rise": round(enter_rise, 1),
                "rise first entry ms": round(theirs["enter_ms"][0], 1),
                "rise enter / open": round(enter_rise / opened, 3),
                "enter rise/ours": round(enter_rise / enter_ours, 2),
                "Space change ms ours (median)": round(change_ours, 1),
                "Space change ms rise (median)": round(change_rise, 1),
                "Space change ms rise (max)": round(max(theirs["key_change_ms"]), 1),
                "change rise/ours": round(change_rise / change_ours, 2),
                "data": theirs,
            }
        )
    rows.append(
        {
            "section": SECTION_RISE,
            "note": f"jupyterlab-rise {RISE_VERSION} with JupyterLab {RISE_JUPYTERLAB} from bench/.venv-rise (made by "
            "the benchmark when missing; never in .venv), its own isolated server, same notebooks, same Chromium, "
            "measured after ClassLab in the same run. Entry: `RISE:preview` (its Alt+R; `RISE:slideshow` opens the "
            "same `/rise/<path>` page in a new browser tab instead), which saves the notebook and loads a second "
            "JupyterLab in an iframe, until the iframe's current slide is visible with its heading rendered, plus two "
            "of the iframe's animation frames. Slide change: Space into the focused iframe (reveal.js's own "
            "keyboard), measured like ours. No outside network here: RISE's Google Fonts requests fail at once "
            "(DNS), which it survives.",
        }
    )
    return rows
