#!/usr/bin/env bash
# Proves the gate is shut: a run of a deliberately failing test, with the
# suite's own setup, must exit non-zero and report exactly that one failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
output=$(pnpm -s vitest run --config test/gate/vitest.config.ts 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
  echo "$output"
  echo "GATE OPEN: a failing test left the test command with exit code 0" >&2
  exit 1
fi
if ! grep -Eq 'Tests +1 failed \(1\)' <<<"$(sed 's/\x1b\[[0-9;]*m//g' <<<"$output")"; then
  echo "$output"
  echo "GATE CHECK BROKEN: the run exited $status without running the failing test" >&2
  exit 1
fi
echo "gate shut: a failing test exits $status"
