#!/usr/bin/env bash
# `make demo`: JupyterLab with every ClassLab extension on embedded defaults, serving examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-8888}
token=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')
args=(--ip=127.0.0.1 --port="$port" --port-retries=0 --no-browser
      --ServerApp.root_dir="$PWD/examples" --IdentityProvider.token="$token")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)

echo
echo "  ClassLab demo — open this URL in your browser (Ctrl+C here to stop):"
echo
echo "      http://127.0.0.1:$port/lab?token=$token"
echo
exec .venv/bin/jupyter lab "${args[@]}"
