#!/usr/bin/env bash
# Start JupyterHub (with configurable-http-proxy and, on login, local single-user servers) for the hub browser
# tests, in a fresh per-run state dir with its own Jupyter config and data dirs, so neither an old hub database
# nor anything in ~/.jupyter can change what is tested. The hub's log goes to artifacts/hub.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ui=$(cd "$here/.." && pwd)
repo=$(cd "$ui/.." && pwd)
state="$ui/.jupyter-test-hub-$CLASSLAB_HUB_PORT"
source "$ui/scripts/isolate-jupyter.sh"
isolate_jupyter "$state"
mkdir -p "$state/home" "$ui/artifacts"
export CLASSLAB_HUB_STATE="$state"
export PATH="$repo/.venv/bin:$PATH"
cd "$state"
# Not exec'd: Playwright stops the run with SIGTERM to this whole process group; the hub then stops the
# servers and the proxy, and this shell (which a trapped signal does not kill) removes the state dir after it.
trap 'stopping=1' TERM INT
"$repo/.venv/bin/jupyterhub" -f "$here/jupyterhub_config.py" >"$ui/artifacts/hub.log" 2>&1 || status=$?
if [ -z "${stopping:-}" ]; then
  # The hub died on its own (bad config, busy port): show why in Playwright's output.
  echo "JupyterHub exited with status ${status:-0}; end of artifacts/hub.log:" >&2
  tail -n 30 "$ui/artifacts/hub.log" >&2
fi
# The hub removes the proxy's pid file when it stops the proxy; one left behind means our proxy (own session,
# so no group signal reaches it) may still run.
pid=$(cat "$state/proxy.pid" 2>/dev/null || true)
if [ -n "$pid" ] && grep -qs configurable-http-proxy "/proc/$pid/cmdline"; then kill "$pid"; fi
cd "$ui"
rm -rf "$state"
exit "${status:-0}"
