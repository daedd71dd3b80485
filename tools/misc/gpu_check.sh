#!/usr/bin/env bash
# Usage: bash tools/misc/gpu_check.sh [gpu_check.py options]
# The GPU check on a machine whose Python lacks some of mmssr's packages:
# wheels carried in .whl/ (docs/advanced_guides/gpu.md, "The GPU check")
# are installed into /tmp/site first, then tools/misc/gpu_check.py runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$ROOT:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
exec python3 tools/misc/gpu_check.py "$@"
