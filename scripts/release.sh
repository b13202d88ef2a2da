#!/usr/bin/env bash
# Builds kvedge's release archives and their krew manifest.
#   scripts/release.sh VERSION [OUT]     (OUT defaults to dist/; RIDS="linux-x64 linux-arm64" by default)
# Each archive, kvedge_VERSION_linux_ARCH.tar.gz, holds one self-contained single-file `kvedge` (no .NET runtime needed
# on the machine); OUT/kvedge.yaml is deploy/krew/kvedge.yaml with the version and each archive's SHA-256 filled in.
# Same inputs, same archive bytes: files are sorted, owned by 0:0 and dated at the commit's time.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:?usage: scripts/release.sh VERSION [OUT]}
out=${2:-dist}
rids=${RIDS:-linux-x64 linux-arm64}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || { echo "release: $version is not a semantic version such as 0.2.0" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
stamp=$(git log -1 --format=%ct 2>/dev/null || echo 0)
manifest=$(cat deploy/krew/kvedge.yaml)
manifest=${manifest//@VERSION@/$version}

for rid in $rids; do
  arch=${rid#linux-}
  [ "$arch" = x64 ] && arch=amd64
  build="$out/build/$rid"
  rm -rf "$build"
  echo "release: building $rid" >&2
  dotnet publish src/KVEdge.Cli -c Release -r "$rid" --self-contained true -p:PublishSingleFile=true \
    -p:Version="$version" -p:DebugType=none -o "$build" --nologo -v q >&2
  archive="$out/kvedge_${version}_linux_${arch}.tar.gz"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$stamp" -C "$build" -cf - kvedge | gzip -n -9 >"$archive"
  sum=$(sha256sum "$archive" | cut -d' ' -f1)
  upper=$(tr '[:lower:]' '[:upper:]' <<<"$arch")
  manifest=${manifest//@SHA256_LINUX_${upper}@/$sum}
  echo "$sum  $(basename "$archive")"
done

printf '%s\n' "$manifest" >"$out/kvedge.yaml"
echo "release: wrote $out/kvedge.yaml" >&2
