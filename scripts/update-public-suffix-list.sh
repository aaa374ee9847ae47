#!/usr/bin/env bash
# Refreshes the Public Suffix List embedded in the runtime (src/UrlSession.Runtime/Cookies/public_suffix_list.dat).
# Source, in order: the file given as $1, publicsuffix.org (needs the network), the distribution's copy
# (/usr/share/publicsuffix, Debian/Ubuntu package 'publicsuffix'). The list is MPL-2.0 data; its header stays.
set -euo pipefail
target="$(cd "$(dirname "$0")/.." && pwd)/src/UrlSession.Runtime/Cookies/public_suffix_list.dat"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ $# -ge 1 ]; then
  cp "$1" "$tmp"
elif curl -fsSL --max-time 60 https://publicsuffix.org/list/public_suffix_list.dat -o "$tmp" 2>/dev/null; then
  :
elif [ -f /usr/share/publicsuffix/public_suffix_list.dat ]; then
  cp /usr/share/publicsuffix/public_suffix_list.dat "$tmp"
else
  echo "update-public-suffix-list: no source; give a file, or run where publicsuffix.org is reachable" >&2
  exit 1
fi
rules=$(grep -c -v -E '^[[:space:]]*(//|$)' "$tmp" || true)
if [ "$rules" -lt 5000 ]; then
  echo "update-public-suffix-list: only $rules rules in the new list; refusing to replace $target" >&2
  exit 1
fi
cp "$tmp" "$target"
echo "update-public-suffix-list: $rules rules -> $target"
