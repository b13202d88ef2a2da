#!/usr/bin/env bash
# Builds a local APT repository of STAND-IN packages named like the vendor's IoT Edge packages.
#
# These are test doubles, not IoT Edge: Microsoft's packages cannot be fetched here. Each stand-in does the part of
# the real package that kvedge-converge depends on, and records what it is asked to do:
#   moby-engine             creates the docker group, ships a docker.service that only idles
#   aziot-identity-service  creates the aziot* system users the real package creates
#   aziot-edge              refuses to install without the docker group (as the real preinst does) and ships an
#                           `iotedge` that appends each call, with the SHA-256 of the file it is given, to
#                           /var/lib/kvedge-standin/iotedge-calls.log
# Several versions of each are published, newest last, so a test sees whether the pins or apt's choice won.
#
#   tests/e2e/standin-repo.sh OUT_DIR SUITE     -> OUT_DIR/dists/SUITE/main/binary-all/Packages, OUT_DIR/pool/*.deb
set -euo pipefail

out=${1:?usage: standin-repo.sh OUT_DIR SUITE}
suite=${2:?usage: standin-repo.sh OUT_DIR SUITE}
work=$(mktemp -d "${TMPDIR:-/tmp}/kvedge-standin.XXXXXX")
trap 'rm -rf "$work"' EXIT

rm -rf "$out"
mkdir -p "$out/pool" "$out/dists/$suite/main/binary-amd64"

# package version depends preinst postinst: one .deb in the pool
build() {
  local name=$1 version=$2 depends=$3 preinst=$4 postinst=$5 root
  root=$work/$name-$version
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$name"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: KVEdge tests <tests@kvedge.invalid>\n' "$name" "$version"
    [ -z "$depends" ] || printf 'Depends: %s\n' "$depends"
    printf 'Description: STAND-IN for %s (a KVEdge test double, not the vendor package)\n' "$name"
  } >"$root/DEBIAN/control"
  printf 'This is a test double built by tests/e2e/standin-repo.sh. It is not %s.\n' "$name" >"$root/usr/share/doc/$name/README.standin"
  if [ -n "$preinst" ]; then printf '#!/bin/sh\nset -e\n%s\n' "$preinst" >"$root/DEBIAN/preinst"; fi
  if [ -n "$postinst" ]; then printf '#!/bin/sh\nset -e\n%s\n' "$postinst" >"$root/DEBIAN/postinst"; fi
  chmod 0755 "$root/DEBIAN/"*inst 2>/dev/null || true
  case $name in
  moby-engine)
    mkdir -p "$root/usr/bin" "$root/lib/systemd/system"
    printf '#!/bin/sh\n# stand-in dockerd: idles so docker.service is active\nexec sleep infinity\n' >"$root/usr/bin/dockerd"
    chmod 0755 "$root/usr/bin/dockerd"
    printf '[Unit]\nDescription=stand-in Docker engine (test double)\n[Service]\nExecStart=/usr/bin/dockerd\n[Install]\nWantedBy=multi-user.target\n' \
      >"$root/lib/systemd/system/docker.service"
    ;;
  aziot-edge)
    mkdir -p "$root/usr/bin"
    cat >"$root/usr/bin/iotedge" <<'EOF'
#!/bin/sh
# stand-in iotedge: records the call and the SHA-256 of the file passed with -c; never prints file contents.
log=/var/lib/kvedge-standin/iotedge-calls.log
mkdir -p /var/lib/kvedge-standin
file=""
prev=""
for arg in "$@"; do
  [ "$prev" = "-c" ] && file=$arg
  prev=$arg
done
hash=-
[ -n "$file" ] && [ -f "$file" ] && hash=$(sha256sum "$file" | cut -d' ' -f1)
printf '%s %s\n' "$*" "$hash" >>"$log"
case "$1 $2" in
"config apply" | "system reprovision" | "system status" | "check "*) exit 0 ;;
"version "*) echo "iotedge (stand-in) $VERSION" ;;
esac
exit 0
EOF
    sed -i "s/\$VERSION/$version/" "$root/usr/bin/iotedge"
    chmod 0755 "$root/usr/bin/iotedge"
    ;;
  esac
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/pool/${name}_${version}_all.deb" >/dev/null
}

# shellcheck disable=SC2016 # maintainer-script text, expanded in the guest
users='for u in aziotks aziotcs aziotid aziottpm; do getent passwd "$u" >/dev/null || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$u"; done'
docker_group='getent group docker >/dev/null || groupadd --system docker'
needs_docker='getent group docker >/dev/null || { echo "aziot-edge: the docker group does not exist; install moby-engine first" >&2; exit 1; }'

for v in 27.3.1-1 28.0.0-1; do build moby-engine "$v" "" "" "$docker_group"; done
for v in 1.5.6-1 1.6.0-1 1.6.1-1; do build aziot-identity-service "$v" "" "" "$users"; done
build aziot-edge 1.5.21-1 "aziot-identity-service (>= 1.5.6)" "$needs_docker" ""
build aziot-edge 1.6.0-1 "aziot-identity-service (>= 1.6.0)" "$needs_docker" ""
build aziot-edge 1.6.1-1 "aziot-identity-service (>= 1.6.1)" "$needs_docker" ""

(cd "$out" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null >"dists/$suite/main/binary-amd64/Packages")
gzip -9nk "$out/dists/$suite/main/binary-amd64/Packages"

# Release with the index hashes apt checks (no signature: the spec marks this repository trusted).
{
  printf 'Origin: kvedge-e2e\nLabel: KVEdge stand-in packages (test doubles)\nSuite: %s\nCodename: %s\n' "$suite" "$suite"
  printf 'Architectures: amd64 all\nComponents: main\nDate: Thu, 01 Jan 2026 00:00:00 UTC\nSHA256:\n'
  for f in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$out/dists/$suite/$f" | cut -d' ' -f1)" "$(stat -c %s "$out/dists/$suite/$f")" "$f"
  done
} >"$out/dists/$suite/Release"
