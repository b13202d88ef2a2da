#!/usr/bin/env bash
# Builds kvedge as one NativeAOT binary (no .NET runtime needed where it runs).
#   scripts/build-native.sh [OUT]     (OUT defaults to dist/native; RID=linux-x64 by default, RID=linux-arm64 cross-builds)
# NativeAOT links with clang and needs zlib's headers; both come from Debian's apt when missing. The trim and AOT
# analyzers' warnings are errors (Directory.Build.props), so a build that would need reflection at run time fails here.
# For linux-arm64 on an x64 machine, the cross toolchain the .NET docs name (learn.microsoft.com/dotnet/core/deploying/
# native-aot/cross-compile): clang, llvm's objcopy, binutils and gcc for aarch64-linux-gnu (the C runtime's objects) and
# zlib for arm64 from Debian's multiarch archive (dpkg --add-architecture arm64).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist/native}
rid=${RID:-linux-x64}

host=$(uname -m)
need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
cross=
if [ "$rid" = linux-arm64 ] && [ "$host" != aarch64 ]; then
  cross=arm64
  command -v llvm-objcopy >/dev/null 2>&1 || need+=(llvm)
  command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
  [ -e /usr/lib/aarch64-linux-gnu/libz.a ] || need+=(zlib1g-dev:arm64)
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
if [ -n "$cross" ] && ! dpkg --print-foreign-architectures | grep -qx "$cross"; then
  "${sudo[@]}" dpkg --add-architecture "$cross"
fi
if [ ${#need[@]} -gt 0 ]; then
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
