#!/usr/bin/env bash
# Background sessions at scale (issue 13), outside the default test run: 10,000 downloads in one open session,
# 100 sessions x 100 downloads at once, and an app that exits midway through 2,000 and comes back; each with
# per-task counts (delivered / lost / repeated), the time taken and the daemon's peak RSS.
#   scripts/scale-background.sh [TASKS] [SESSIONS] [TASKS_PER_SESSION]
set -euo pipefail
cd "$(dirname "$0")/.."
export URLSESSIOND_SCALE_TASKS="${1:-10000}"
export URLSESSIOND_SCALE_SESSIONS="${2:-100}"
export URLSESSIOND_SCALE_SESSION_TASKS="${3:-100}"
export URLSESSIOND_SCALE_RELAUNCH_TASKS="${URLSESSIOND_SCALE_RELAUNCH_TASKS:-2000}"
dotnet build tests/UrlSession.Daemon.Tests -v q -nologo
exec tests/UrlSession.Daemon.Tests/bin/Debug/net10.0/UrlSession.Daemon.Tests -noColor -class '*ExactlyOnceAtScaleTests' -diagnostics -longRunning 60
