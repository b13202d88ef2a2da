#!/usr/bin/env bash
# Builds a local APT repository of STAND-IN packages named like the vendor's IoT Edge packages.
#
# These are test doubles, not IoT Edge: Microsoft's packages cannot be fetched here. Each stand-in carries the real
# package's control fields (Depends), its real maintainer scripts where kvedge depends on what they do, and records
# what it is asked to do (../shared/reference/stock-guest-behaviour.md has each fact with its upstream file):
#   moby-engine             Depends moby-containerd (>= 1.4.3), moby-runc (>= 1.0.2), moby-tini (>= 0.19.0)
#                           (Azure/moby-packaging packages/moby-engine/mapping.go, its Debian RuntimeDeps); creates the
#                           docker group, ships a docker.service that only idles. Versions of the real form
#                           (27.3.1-ubuntu24.04u1); moby-containerd 1.7.23 and 2.0.0, moby-runc 1.1.14 and 1.2.2, so a
#                           dependency left unpinned shows as its newest. Recommends (moby-cli, pigz, ...) are not
#                           modelled.
#   aziot-identity-service  Depends on the distribution's libtss2-*, psmisc (Azure/iot-identity-service
#                           contrib/debian/control, ci/package.sh with VENDOR_LIBTSS=0); the real preinst (users and
#                           groups with `useradd -r` only when missing; memberships only for users it creates) and
#                           postinst (chowns only the top-level state folders) from contrib/debian/preinst, postinst;
#                           a stand-in aziot-tpmd.service that runs as aziottpm (tpm/aziot-tpmd/aziot-tpmd.service.in)
#                           and sends TPM2_GetRandom through /dev/tpmrm0, failing as the real one does without access
#   aziot-edge              Depends adduser, ca-certificates, hostname, psmisc, sed and the identity service at exactly
#                           its version (Azure/iotedge edgelet/contrib/debian/control); refuses to install without the
#                           docker group and adds iotedge to it (edgelet/contrib/debian/preinst); ships an `iotedge`
#                           that appends each call, with the SHA-256 of the file it is given, to
#                           /var/lib/kvedge-standin/iotedge-calls.log, and on `config apply` does what the daemons it
#                           restarts do with their state: create it once, owned by their user, and refuse to start
#                           when it belongs to another ID (the real daemons run as their user and cannot read it)
# Several versions of each are published, with release candidates that dpkg sorts above their release
# (1.6.0-rc.1-1 > 1.6.0-1), so a test sees whether the pins or apt's choice won.
#
# The repository is signed as Microsoft's is (InRelease and Release.gpg), with a test key: KVEDGE_REPO_GNUPGHOME names
# a GnuPG home holding it (made by `standin-repo.sh --key GNUPGHOME`, which prints the armored public key that goes to
# spec.iotEdge.packageRepository.signingKey), so the guest's apt checks it through signed-by as it would the vendor's.
#
#   tests/e2e/standin-repo.sh OUT_DIR SUITE [EXTRA_DEBS_DIR]   -> OUT_DIR/dists/SUITE/main/binary-amd64/Packages,
#                                                                 OUT_DIR/pool/*.deb (plus EXTRA_DEBS_DIR's .debs)
#   tests/e2e/standin-repo.sh --key GNUPGHOME                  -> a new signing key there; its public key on stdout
set -euo pipefail

if [ "${1:-}" = --key ]; then
  home=${2:?usage: standin-repo.sh --key GNUPGHOME}
  mkdir -p "$home"
  chmod 0700 "$home"
  GNUPGHOME=$home gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'KVEdge e2e stand-in repository (test key) <e2e@kvedge.invalid>' ed25519 sign never 2>/dev/null
  GNUPGHOME=$home gpg --batch --armor --export
  exit 0
fi

out=${1:?usage: standin-repo.sh OUT_DIR SUITE [EXTRA_DEBS_DIR]}
suite=${2:?usage: standin-repo.sh OUT_DIR SUITE [EXTRA_DEBS_DIR]}
extra=${3:-}
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
  # shellcheck disable=SC2016 # maintainer-script text, expanded in the guest
  if [ -n "$preinst" ]; then printf '#!/bin/sh\nset -e\ncase "$1" in install | upgrade)\n%s\n;; esac\nexit 0\n' "$preinst" >"$root/DEBIAN/preinst"; fi
  # shellcheck disable=SC2016 # maintainer-script text, expanded in the guest
  if [ -n "$postinst" ]; then printf '#!/bin/sh\nset -e\ncase "$1" in configure)\n%s\n;; esac\nexit 0\n' "$postinst" >"$root/DEBIAN/postinst"; fi
  chmod 0755 "$root/DEBIAN/"*inst 2>/dev/null || true
  case $name in
  moby-engine)
    mkdir -p "$root/usr/bin" "$root/lib/systemd/system"
    printf '#!/bin/sh\n# stand-in dockerd: idles so docker.service is active\nexec sleep infinity\n' >"$root/usr/bin/dockerd"
    chmod 0755 "$root/usr/bin/dockerd"
    printf '[Unit]\nDescription=stand-in Docker engine (test double)\n[Service]\nExecStart=/usr/bin/dockerd\n[Install]\nWantedBy=multi-user.target\n' \
      >"$root/lib/systemd/system/docker.service"
    ;;
  aziot-identity-service)
    mkdir -p "$root/usr/libexec/aziot-identity-service" "$root/lib/systemd/system"
    # TPM2_GetRandom(8): tag TPM_ST_NO_SESSIONS, size 12, TPM_CC_GetRandom 0x17b. A TPM answers tag 0x8001 and rc 0.
    cat >"$root/usr/libexec/aziot-identity-service/aziot-tpmd" <<'EOF'
#!/bin/sh
# stand-in aziot-tpmd: opens the TPM as the real daemon does (as aziottpm, /dev/tpmrm0) and asks it for random bytes.
if ! exec 3<>/dev/tpmrm0; then
  echo "aziot-tpmd (stand-in): could not open /dev/tpmrm0 as $(id -un): Permission denied" >&2
  exit 1
fi
printf '\200\001\000\000\000\014\000\000\001\173\000\010' >&3
reply=$(dd bs=64 count=1 <&3 2>/dev/null | od -An -tx1 -N10 | tr -d ' \n')
if [ "$reply" != 80010000001400000000 ]; then
  echo "aziot-tpmd (stand-in): the TPM answered TPM2_GetRandom with '$reply'" >&2
  exit 1
fi
echo "aziot-tpmd (stand-in): TPM2_GetRandom through /dev/tpmrm0 as $(id -un): ok"
EOF
    chmod 0755 "$root/usr/libexec/aziot-identity-service/aziot-tpmd"
    printf '[Unit]\nDescription=stand-in Azure IoT TPM Service (test double)\n[Service]\nType=oneshot\nRemainAfterExit=yes\nUser=aziottpm\nExecStart=/usr/libexec/aziot-identity-service/aziot-tpmd\n' \
      >"$root/lib/systemd/system/aziot-tpmd.service"
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
# Only what changes the device is recorded: the health program's reads (system status, list, version) are not.
case "$1 $2" in
"system status" | list* | "logs "* | support-bundle* | version*) ;;
*) printf '%s %s\n' "$*" "$hash" >>"$log" ;;
esac
if [ "$1 $2" = "config apply" ]; then
  # The daemons `config apply` (re)starts, each as its own user, with its state under /var/lib/aziot.
  for entry in keyd:aziotks:keys/device-id.key certd:aziotcs:certs/device-id.pem identityd:aziotid:prev-state/device_info \
    tpmd:aziottpm:tpm-state edged:iotedge:edged-state; do
    folder=/var/lib/aziot/${entry%%:*}
    user=$(echo "$entry" | cut -d: -f2)
    file=$folder/${entry##*:}
    mkdir -p "$(dirname "$file")"
    if [ ! -e "$file" ]; then
      echo "state of $user" >"$file"
      chown -R "$user:$user" "$folder"
      chmod 0600 "$file"
    fi
    stale=$(find "$folder" ! -user "$user" | head -n 1)
    if [ -n "$stale" ]; then
      echo "iotedge (stand-in): aziot-${entry%%:*} cannot start: $stale belongs to uid $(stat -c %u "$stale"), not $user ($(id -u "$user")): Permission denied" >&2
      exit 1
    fi
  done
fi
# What `config apply` leaves running, kept where the other commands read it: the daemons (the real one restarts them;
# each file holds what `systemctl is-active` would answer) and edgeAgent, which aziot-edged starts alone: edgeHub comes
# only with the device's IoT Hub deployment (Azure/iotedge release/1.5 edge-agent EdgeAgentConnection.cs: an empty twin
# is ConfigEmptyException and 417). The deployment is what edgeAgent would read from its module twin: the test writes
# the modulesContent IoT Hub gives the device (the hub double's effective deployment: tests/ContractServerHost
# --hub-deployment) to /var/lib/kvedge-standin/deployment, and edgeHub runs only when its $edgeAgent systemModules hold
# edgeHub, with the binds its createOptions give (recorded in edgeHub.mounts; a missing bind source is created, as
# docker does, and edgeHub's own start script chowns its store: iotedge.md §4). A test stops a module by writing
# "stopped" to its file, as `docker stop` would; `iotedge restart MODULE` runs it again.
if [ "$1 $2" = "config apply" ]; then
  mkdir -p /var/lib/kvedge-standin/services /var/lib/kvedge-standin/modules
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd; do echo active >"/var/lib/kvedge-standin/services/$service"; done
  echo running >/var/lib/kvedge-standin/modules/edgeAgent
fi
# deployed_edge_hub: edgeHub's binds and StorageFolder from the deployment edgeAgent has; fails when it gives no edgeHub.
deployed_edge_hub() {
  python3 - /var/lib/kvedge-standin/deployment <<'PY' 2>/dev/null
import json, sys
desired = json.load(open(sys.argv[1])).get("$edgeAgent", {})
hub = desired.get("systemModules", {}).get("edgeHub")
if not isinstance(hub, dict):
    sys.exit(1)
create = json.loads(hub.get("settings", {}).get("createOptions") or "{}")
for bind in create.get("HostConfig", {}).get("Binds", []):
    print(bind)
print("StorageFolder=" + hub.get("env", {}).get("StorageFolder", {}).get("value", ""))
PY
}
# is_active SERVICE: `systemctl is-active`'s answer; the stand-in aziot-tpmd is a real unit, the other daemons files.
is_active() {
  if [ "$1" = aziot-tpmd ]; then systemctl is-active aziot-tpmd.service 2>/dev/null; else cat "/var/lib/kvedge-standin/services/$1" 2>/dev/null || echo inactive; fi
}
# listed MODULE: `iotedge list` shows it (edgeHub once a deployment gives it, running unless a test stopped it)
listed() {
  if [ "$1" = edgeHub ] && [ ! -f /var/lib/kvedge-standin/modules/edgeHub ] && deployed_edge_hub >/var/lib/kvedge-standin/edgeHub.mounts; then
    grep -v '^StorageFolder=' /var/lib/kvedge-standin/edgeHub.mounts | while IFS= read -r bind; do mkdir -p "${bind%%:*}"; done
    echo running >/var/lib/kvedge-standin/modules/edgeHub
  fi
  [ -f "/var/lib/kvedge-standin/modules/$1" ] && { [ "$1" != edgeHub ] || deployed_edge_hub >/dev/null; }
}
# The real output formats: `iotedge system status` as aziotctl prints it (Azure/iot-identity-service
# aziotctl/aziotctl-common/src/system/status.rs: active is Running, inactive Ready, anything else "Down - <answer> ",
# then each Down service's journal) and `iotedge list` as learn.microsoft.com/azure/iot-edge
# (how-to-provision-single-device-linux-symmetric, "Verify successful configuration") shows it.
case "$1 $2" in
"config apply" | "system reprovision" | "check "*) exit 0 ;;
"system status")
  echo "System services:"
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd; do
    state=$(is_active "$service")
    case $state in active) shown=Running ;; inactive) shown=Ready ;; *) shown="Down - $state " ;; esac
    printf '    %-24s%s\n' "$service" "$shown"
  done
  echo
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd; do
    state=$(is_active "$service")
    case $state in active | inactive) continue ;; esac
    printf '%s is in a bad state because:\n%s.service: Down - %s : Printing the last 10 log lines.\n' "$service" "$service" "$state"
    journalctl -u "$service.service" --no-pager -e -n 10 2>/dev/null
    echo
  done
  printf "Use 'iotedge system logs' to check for non-fatal errors.\nUse 'iotedge check' to diagnose connectivity and configuration issues.\n"
  exit 0
  ;;
"list"*)
  printf '%-17s%-17s%-17s%s\n' NAME STATUS DESCRIPTION CONFIG
  for module in edgeAgent edgeHub; do
    listed "$module" || continue
    status=$(cat "/var/lib/kvedge-standin/modules/$module")
    printf '%-17s%-17s%-17s%s\n' "$module" "$status" "$([ "$status" = running ] && echo 'Up 2 minutes' || echo Stopped)" "mcr.microsoft.com/azureiotedge-stand-in:$VERSION"
  done
  exit 0
  ;;
"restart "*)
  listed "$2" || { echo "Error: module $2 not found" >&2; exit 1; }
  echo running >"/var/lib/kvedge-standin/modules/$2"
  exit 0
  ;;
"logs "*)
  listed "$2" || { echo "Error: module $2 not found" >&2; exit 1; }
  echo "<6> $2 (stand-in): started"
  exit 0
  ;;
"support-bundle"*)
  # --output FILE, or - for stdout; the bundle's bytes are a stand-in's, not a zip of real logs.
  out=support_bundle.zip
  prev=""
  for arg in "$@"; do
    [ "$prev" = "--output" ] && out=$arg
    prev=$arg
  done
  if [ "$out" = - ]; then echo "iotedge support bundle (stand-in) $VERSION"; else echo "iotedge support bundle (stand-in) $VERSION" >"$out"; fi
  exit 0
  ;;
"version "* | "version") echo "iotedge $VERSION" ;;
esac
exit 0
EOF
    sed -i "s/\$VERSION/$version/" "$root/usr/bin/iotedge"
    chmod 0755 "$root/usr/bin/iotedge"
    ;;
  esac
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/pool/${name}_${version}_all.deb" >/dev/null
}

# Azure/iot-identity-service contrib/debian/preinst, as it is (users and groups of each service, memberships for the
# users it creates, the state folders), and its postinst's ownership rule (top-level state folders only).
# shellcheck disable=SC2016 # maintainer-script text, expanded in the guest
identity_preinst='for entry in aziotks:keyd: aziottpm:tpmd: aziotcs:certd:aziotks aziotid:identityd:aziotcs,aziotks,aziottpm; do
  u=${entry%%:*}; rest=${entry#*:}; dir=${rest%%:*}; groups=${rest#*:}
  getent group "$u" >/dev/null || groupadd -r "$u"
  if ! getent passwd "$u" >/dev/null; then
    useradd -r -g "$u" -c "$u user" -s /sbin/nologin -d "/var/lib/aziot/$dir" "$u"
    for g in $(echo "$groups" | tr , " "); do usermod -aG "$g" "$u"; done
  fi
  mkdir -p "/var/lib/aziot/$dir"
done'
# shellcheck disable=SC2016 # maintainer-script text, expanded in the guest
identity_postinst='for entry in certd:aziotcs identityd:aziotid keyd:aziotks tpmd:aziottpm; do
  d=/var/lib/aziot/${entry%%:*}
  if [ -d "$d" ]; then chown "${entry#*:}:${entry#*:}" "$d"; chmod 0700 "$d"; fi
done'
docker_group='getent group docker >/dev/null || groupadd --system docker'
# Azure/iotedge edgelet/contrib/debian/preinst: check_runtime, then add_groups (the user only when missing; the docker
# membership always).
edge_preinst='getent group docker >/dev/null || { echo " ERROR: No container runtime detected." >&2; exit 1; }
getent group iotedge >/dev/null || groupadd -r iotedge
getent passwd iotedge >/dev/null || useradd -r -g iotedge -c "iotedge user" -s /bin/false -d /var/lib/aziot/edged iotedge
usermod -aG docker iotedge'
edge_postinst='mkdir -p /var/lib/aziot/edged; chown iotedge:iotedge /var/lib/aziot/edged'
tss_depends='libc6, libssl3, libtss2-esys-3.0.2-0 (>= 2.4.0), libtss2-mu0 (>= 2.4.0), libtss2-rc0, libtss2-tctildr0 (>= 2.4.0), psmisc'
edge_depends='adduser, ca-certificates, hostname, psmisc, sed'

moby_depends='moby-containerd (>= 1.4.3), moby-runc (>= 1.0.2), moby-tini (>= 0.19.0)'
for v in 1.7.23-ubuntu24.04u1 2.0.0-ubuntu24.04u1; do build moby-containerd "$v" "" "" ""; done
for v in 1.1.14-ubuntu24.04u1 1.2.2-ubuntu24.04u1; do build moby-runc "$v" "" "" ""; done
build moby-tini 0.19.0-ubuntu24.04u2 "" "" ""
for v in 27.3.1-ubuntu24.04u1 28.0.0-ubuntu24.04u1; do build moby-engine "$v" "$moby_depends" "" "$docker_group"; done
for v in 1.5.6-1 1.6.0-1 1.6.0-rc.1-1 1.6.1-1; do build aziot-identity-service "$v" "$tss_depends" "$identity_preinst" "$identity_postinst"; done
for pair in 1.5.21-1:1.5.6-1 1.6.0-1:1.6.0-1 1.6.0-rc.1-1:1.6.0-rc.1-1 1.6.1-1:1.6.1-1; do
  build aziot-edge "${pair%%:*}" "$edge_depends, aziot-identity-service (= ${pair#*:})" "$edge_preinst" "$edge_postinst"
done
if [ -n "$extra" ]; then cp "$extra"/*.deb "$out/pool/"; fi

(cd "$out" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null >"dists/$suite/main/binary-amd64/Packages")
gzip -9nk "$out/dists/$suite/main/binary-amd64/Packages"

# Release with the index hashes apt checks, then signed (when a key is given) as apt expects a repository to be.
{
  printf 'Origin: kvedge-e2e\nLabel: KVEdge stand-in packages (test doubles)\nSuite: %s\nCodename: %s\n' "$suite" "$suite"
  printf 'Architectures: amd64 all\nComponents: main\nDate: Thu, 01 Jan 2026 00:00:00 UTC\nSHA256:\n'
  for f in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$out/dists/$suite/$f" | cut -d' ' -f1)" "$(stat -c %s "$out/dists/$suite/$f")" "$f"
  done
} >"$out/dists/$suite/Release"
if [ -n "${KVEDGE_REPO_GNUPGHOME:-}" ]; then
  sign=(gpg --batch --quiet --yes --pinentry-mode loopback --passphrase '')
  GNUPGHOME=$KVEDGE_REPO_GNUPGHOME "${sign[@]}" --clearsign -o "$out/dists/$suite/InRelease" "$out/dists/$suite/Release"
  GNUPGHOME=$KVEDGE_REPO_GNUPGHOME "${sign[@]}" --armor --detach-sign -o "$out/dists/$suite/Release.gpg" "$out/dists/$suite/Release"
fi
