#!/usr/bin/env bash
# Start JupyterLab for the browser tests with its own config, data and runtime dirs, so nothing in the
# user's ~/.jupyter or ~/.local/share/jupyter can change what is tested.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
state="$here/.jupyter-test-$CLASSLAB_UI_PORT"
rm -rf "$state"
mkdir -p "$state/config" "$state/data" "$state/runtime" "$state/root" "$state/ipython"
export JUPYTER_CONFIG_DIR="$state/config"
export JUPYTER_DATA_DIR="$state/data"
export JUPYTER_RUNTIME_DIR="$state/runtime"
export IPYTHONDIR="$state/ipython"
export JUPYTER_PREFER_ENV_PATH=1
# Shared test settings (no news or update checks: there is no outside network here).
export JUPYTER_CONFIG_PATH="$here/jupyter-config"
export JUPYTERLAB_GALATA_ROOT_DIR="$state/root"
cp -r "$repo/examples/." "$state/root/"
exec "$repo/.venv/bin/jupyter" lab --config "$here/jupyter_server_test_config.py"
