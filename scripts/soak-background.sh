#!/usr/bin/env bash
# Soak test of background sessions: kills the app and urlsessiond at random points for N trials (default 200) and
# checks every file byte for byte and every event delivered exactly once. Outside the default test run.
#   scripts/soak-background.sh [TRIALS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export URLSESSIOND_SOAK_TRIALS="${1:-200}"
[ -n "${2:-}" ] && export URLSESSIOND_SOAK_SEED="$2"
dotnet build tests/UrlSession.Daemon.Tests -v q -nologo
exec tests/UrlSession.Daemon.Tests/bin/Debug/net10.0/UrlSession.Daemon.Tests -noColor -method '*Random_kills*' -showLiveOutput -longRunning 60
