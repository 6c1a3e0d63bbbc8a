#!/usr/bin/env bash
# Start JupyterLab for the browser tests with its own config, data and runtime dirs (isolate-jupyter.sh), from the
# venv $CLASSLAB_UI_VENV (default .venv; playwright.collab.config.ts uses .venv-collab, with jupyter-collaboration;
# playwright.binder.config.ts the venv scripts/binder-build.sh made from binder/, .binder-check/venv).
# `start-lab.sh notebook CONFIG` starts Jupyter Notebook 7 the same way instead (playwright.notebook7.config.ts).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
app=${1:-lab}
config=${2:-$here/jupyter_server_test_config.py}
state="$here/.jupyter-test-$CLASSLAB_UI_PORT"
source "$here/scripts/isolate-jupyter.sh"
isolate_jupyter "$state"
mkdir -p "$state/root"
# Shared test settings (no news or update checks: there is no outside network here).
export JUPYTER_CONFIG_PATH="$here/jupyter-config"
export JUPYTERLAB_GALATA_ROOT_DIR="$state/root"
cp -r "$repo/examples/." "$state/root/"
exec "$repo/${CLASSLAB_UI_VENV:-.venv}/bin/jupyter" "$app" --config "$config"
