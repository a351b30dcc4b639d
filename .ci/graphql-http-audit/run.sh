#!/usr/bin/env bash
# Serve the API on a free port against a freshly migrated throwaway SQLite database, wait for /healthz,
# run the graphql-http audit against /graphql, and stop the server whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
# Everything the server writes (database, development secrets, mail and SMS files) stays in $work.
export DATA_DIR="$work"
export DATABASE_URL="sqlite+aiosqlite:///$work/audit.db"
export ENVIRONMENT=development
export MAIL_BACKEND=file
unset REDIS_URL
# `python -m app.cli` from the repository root: this checkout's sources, whatever the venv was installed from.
cd "$root"
"$python" -m app.cli migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; exit 1; }
"$python" -m app.cli serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 150); do
  if "$python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null; then
    ready=1
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before answering /healthz:"; cat "$work/server.log"; exit 1
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "the server did not answer /healthz in 30 s:"; cat "$work/server.log"; exit 1
fi

cd "$here"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node audit.mjs "http://127.0.0.1:$port/graphql" || { echo "== server log"; tail -n 50 "$work/server.log"; exit 1; }
