#!/usr/bin/env bash
# Builds kvedge as one NativeAOT binary (no .NET runtime needed where it runs).
#   scripts/build-native.sh [OUT]     (OUT defaults to dist/native; RID=linux-x64 by default)
# NativeAOT links with clang and needs zlib's headers; both come from Debian's apt when missing. The trim and AOT
# analyzers' warnings are errors (Directory.Build.props), so a build that would need reflection at run time fails here.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist/native}
rid=${RID:-linux-x64}

need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "build-native: installing ${need[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Its own artifacts folder, so a NativeAOT build never shares obj/ with a test run's build going on beside it.
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
dotnet publish src/KVEdge.Cli -c Release -r "$rid" -p:PublishAot=true -p:DebugType=none -p:StripSymbols=true \
  --artifacts-path "$artifacts" -o "$out" --nologo -v q >&2
echo "$out/kvedge"
