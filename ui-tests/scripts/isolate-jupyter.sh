# Sourced by the start scripts: point every Jupyter/IPython dir at a fresh state dir ($1), so nothing in
# ~/.jupyter or ~/.local/share/jupyter can change what is tested. The venv's own config still applies.
isolate_jupyter() {
  local state=$1
  rm -rf "$state"
  mkdir -p "$state/config" "$state/data" "$state/runtime" "$state/ipython"
  export JUPYTER_CONFIG_DIR="$state/config"
  export JUPYTER_DATA_DIR="$state/data"
  export JUPYTER_RUNTIME_DIR="$state/runtime"
  export IPYTHONDIR="$state/ipython"
  export JUPYTER_PREFER_ENV_PATH=1
}
