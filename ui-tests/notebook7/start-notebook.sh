#!/usr/bin/env bash
# Start Jupyter Notebook 7 for ui-tests/notebook7 exactly as scripts/start-lab.sh starts JupyterLab (own config,
# data and runtime dirs; examples/ copied into a fresh root), with the shared test config plus notebook7_config.py.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
state="$here/.jupyter-test-$CLASSLAB_UI_PORT"
source "$here/scripts/isolate-jupyter.sh"
isolate_jupyter "$state"
mkdir -p "$state/root"
export JUPYTER_CONFIG_PATH="$here/jupyter-config"
export JUPYTERLAB_GALATA_ROOT_DIR="$state/root"
cp -r "$repo/examples/." "$state/root/"
exec "$repo/${CLASSLAB_UI_VENV:-.venv}/bin/jupyter" notebook --config "$here/notebook7/notebook7_config.py"
