"""Debian's Chromium for the browser benchmarks, with the flags that keep it quiet on a machine with no outside
network (the same as ui-tests/harness.ts)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
