#!/usr/bin/env bash
# The host suites, each in a virtual environment of its own with that host's real packages:
# Apache Airflow, Langflow's lfx and the MCP SDK on this Python, Dify's plugin SDK on Python 3.12.
#   bash tests/hosts/run.sh [airflow] [langflow] [dify] [mcp]     (all four by default)
# Virtual environments go to $HOST_VENVS (default .hostvenvs/) and are reused when present.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
venvs=${HOST_VENVS:-$root/.hostvenvs}
hosts=${*:-airflow langflow dify mcp}

python312() {
  # The pyenv shim may refuse python3.12 on PATH; the interpreter itself is under pyenv's root.
  local found
  found=$(ls -d "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.12.*/bin/python3.12 2>/dev/null | head -n 1)
  [ -n "$found" ] || found=$(command -v python3.12) || { echo "Python 3.12 is needed for Dify" >&2; exit 1; }
  echo "$found"
}

setup() {  # setup NAME PYTHON HOST_PACKAGE: the venv with the host, pytest and this connector
  local venv=$venvs/$1
  [ -x "$venv/bin/python" ] || "$2" -m venv "$venv"
  quiet "$venv/bin/python" -m pip install -q "$3" pytest "$root"
  quiet "$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$root"  # this checkout, not a stale copy
}

quiet() {  # run a command without pip's notes about this machine's unreachable extra indexes
  "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

for host in $hosts; do
  started=$SECONDS
  extra=()
  case $host in
    airflow) setup airflow python3 "apache-airflow==3.3.2" ;;
    langflow) setup langflow python3 "lfx==1.13.0"; extra=(-p no:langflow) ;;  # its plugin skips flow tests
    dify) setup dify "$(python312)" "dify-plugin==0.10.2" ;;
    mcp) setup mcp python3 "mcp==2.3.0" ;;  # the official SDK: its client drives our server
    *) echo "unknown host: $host (airflow, langflow, dify or mcp)" >&2; exit 2 ;;
  esac
  "$venvs/$host/bin/python" -m pytest "tests/hosts/$host" -p no:cacheprovider -o addopts="" \
    --confcutdir=tests/hosts -q "${extra[@]}"
  echo "host suite $host: $((SECONDS - started)) s"
done
