#!/bin/bash
# kvedge-converge: brings an IoT Edge VM to its EdgeDevice spec, at every boot.
#
# Installed by cloud-init from the device's user-data and run by kvedge-converge.service. Its settings come from the
# config disk (the ConfigMap NAME-config, disk serial kvedge-config), its secrets from the credentials disk (the
# Secret NAME-credentials or the spec's existingSecret, serial kvedge-creds). A boot with nothing changed changes nothing.
#
#   kvedge-converge           data disk, container engine settings, aziot users, the guest agent, pinned packages,
#                             certificates, TPM access, config.toml
#   kvedge-converge --apply   `iotedge config apply` for a changed config (kvedge-apply.service runs it)
#   kvedge-converge --bake    the pinned packages only, nothing device-specific (for baking a VM image)
#
# It never prints a credential: secret values are only ever copied from file to file.
set -euo pipefail
umask 022

ROOT=${KVEDGE_ROOT:-}
RUN=$ROOT/run/kvedge
STATE=$ROOT/var/lib/kvedge
DISK_WAIT_SECONDS=${KVEDGE_DISK_WAIT_SECONDS:-60}
CONFIG_SERIAL=kvedge-config
CREDENTIALS_SERIAL=kvedge-creds
DATA_SERIAL=kvedge-data
APT_LIST_NAME=kvedge-iotedge.list
APT_KEY=/etc/apt/keyrings/kvedge-iotedge.asc
CERTS=$ROOT/var/aziot/certs
SECRETS=$ROOT/var/aziot/secrets
# moby-engine asks for moby-containerd and moby-runc only by a floor (Azure/moby-packaging
# packages/moby-engine/mapping.go): they are pinned too, or apt takes the newest the list has.
PACKAGES=(moby-containerd moby-runc moby-engine aziot-identity-service aziot-edge)
PROGRAM=/usr/local/lib/kvedge/kvedge-converge
# The health program the VM's readinessProbe runs through the guest agent; it travels on the config disk with this one.
HEALTH=/usr/local/lib/kvedge/kvedge-health
# KubeVirt's AgentConnected (and so `kvedge install --wait`) needs it; stock Ubuntu cloud images do not ship it.
GUEST_AGENT=qemu-guest-agent
# `kvedge tpm ek` reads a DPS TPM device's endorsement key with it, as Microsoft's TPM provisioning guide does
# (tpm2_readpublic, tpm2_createek); a baked image carries it for whichever device it becomes.
TPM_TOOLS=tpm2-tools
BAKE=0
TPM_RULES=$ROOT/etc/udev/rules.d/tpmaccess.rules
# apt's proxy settings, from spec.iotEdge.proxy: "80" sorts after the distribution's own files in apt.conf.d.
APT_PROXY=$ROOT/etc/apt/apt.conf.d/80kvedge-proxy
# unattended-upgrades and apt-daily hold the dpkg lock for minutes after a stock image's first boot: wait, don't fail.
APT_LOCK_TIMEOUT=${KVEDGE_APT_LOCK_TIMEOUT:-600}
# A transient failure (a DNS blip, a mirror's 503) is retried in this run, after each of these pauses (seconds); what
# is still failing then fails the unit, which systemd restarts (Restart=on-failure, bounded by its StartLimit).
read -r -a RETRY_DELAYS <<<"${KVEDGE_RETRY_DELAYS:-5 15}"
# The aziot services' users, with fixed IDs created before the packages (whose preinst only creates missing users),
# so the state on the data disk keeps its owners when the VM is re-created on another image. Each owns its folder
# under /var/lib/aziot (the packages' postinst rule).
AZIOT_USERS=(aziotks:481:keyd aziotcs:482:certd aziotid:483:identityd aziottpm:484:tpmd iotedge:485:edged)

changes=()

log() { printf 'kvedge-converge: %s\n' "$*"; }
die() {
  log "ERROR: $*"
  exit 1
}
changed() {
  changes+=("$1")
  log "changed: $1"
}

disk_path() { printf '%s/dev/disk/by-id/virtio-%s' "$ROOT" "$1"; }

# Disks appear under /dev/disk/by-id once udev has seen them; give a slow boot time.
wait_for_disk() {
  local dev i
  dev=$(disk_path "$1")
  for ((i = 0; i <= DISK_WAIT_SECONDS; i++)); do
    if [ -e "$dev" ]; then
      printf '%s' "$dev"
      return 0
    fi
    sleep 1
  done
  return 1
}

mount_readonly() { # serial target
  local dev
  dev=$(wait_for_disk "$1") || return 1
  mkdir -p "$2"
  mountpoint -q "$2" || mount -o ro "$dev" "$2"
}

cleanup() {
  mountpoint -q "$RUN/credentials" 2>/dev/null && umount "$RUN/credentials" 2>/dev/null
  mountpoint -q "$RUN/config" 2>/dev/null && umount "$RUN/config" 2>/dev/null
  return 0
}

# Copies src to dst only when the content differs; succeeds (0) when it changed something.
put_file() { # src dst mode owner
  local src=$1 dst=$2 mode=$3 owner=${4:-root:root}
  if [ -f "$dst" ] && cmp -s "$src" "$dst"; then
    return 1
  fi
  mkdir -p "$(dirname "$dst")"
  install -m "$mode" "$src" "$dst"
  chown "$owner" "$dst"
  return 0
}

load_settings() {
  mkdir -p "$RUN"
  chmod 0700 "$RUN"
  mount_readonly "$CONFIG_SERIAL" "$RUN/config" || die "the config disk (serial $CONFIG_SERIAL) is missing; is the ConfigMap attached to the VM?"
  CONFIG=$RUN/config
  [ -f "$CONFIG/kvedge.env" ] || die "the config disk has no kvedge.env"
  # shellcheck source=/dev/null
  . "$CONFIG/kvedge.env"
  DATA=$ROOT$KVEDGE_DATA_MOUNT
}

# The config disk carries this program and its units (cloud-init's bootstrap installs them from it once per instance),
# so a kvedge upgrade brings a new version there: a copy that differs from the installed one replaces it, and the new
# program runs this boot, once.
update_program() {
  local program=$ROOT$PROGRAM unit reload=0
  for unit in kvedge-converge.service kvedge-apply.service; do
    if [ -f "$CONFIG/$unit" ] && put_file "$CONFIG/$unit" "$ROOT/etc/systemd/system/$unit" 0644; then
      changed "$unit (a new version from the config disk)"
      reload=1
    fi
  done
  if [ "$reload" = 1 ]; then
    systemctl daemon-reload
  fi
  if [ -n "${KVEDGE_PROGRAM_UPDATED:-}" ]; then
    changed "the converge program (a new version from the config disk)"
  elif [ -f "$CONFIG/kvedge-converge" ] && put_file "$CONFIG/kvedge-converge" "$program" 0755; then
    log "a new version of this program is on the config disk: running it"
    KVEDGE_PROGRAM_UPDATED=1 exec "$program"
  fi
  if [ -f "$CONFIG/kvedge-health" ] && put_file "$CONFIG/kvedge-health" "$ROOT$HEALTH" 0755; then
    changed "the health program (a new version from the config disk)"
  fi
}

ensure_fstab() {
  local line=$1
  if ! grep -qxF "$line" "$ROOT/etc/fstab" 2>/dev/null; then
    printf '%s\n' "$line" >>"$ROOT/etc/fstab"
    changed "fstab entry for ${line%% *}"
  fi
}

# The data disk holds everything that must outlive the VM and its root disk: the container engine's data-root,
# /var/lib/aziot (identities and the provisioning backup) and the modules' storage (EdgeHub's queue).
setup_data_disk() {
  local dev fstype
  dev=$(wait_for_disk "$DATA_SERIAL") || die "the data disk (serial $DATA_SERIAL) is missing"
  fstype=$(blkid -o value -s TYPE "$dev" 2>/dev/null || true)
  if [ -z "$fstype" ]; then
    # Only a disk with no filesystem at all is formatted: an existing one is never touched.
    log "the data disk is blank: creating an ext4 filesystem"
    mkfs.ext4 -q -L kvedge-data "$dev"
    changed "data disk formatted"
    fstype=ext4
  fi
  ensure_fstab "/dev/disk/by-id/virtio-$DATA_SERIAL $KVEDGE_DATA_MOUNT $fstype defaults,nofail,x-systemd.device-timeout=60s 0 2"
  mkdir -p "$DATA"
  mountpoint -q "$DATA" || mount "$dev" "$DATA"
  mkdir -p "$DATA/aziot" "$DATA/docker" "$DATA/edgeAgent" "$DATA/edgeHub"
  if ! mountpoint -q "$ROOT/var/lib/aziot"; then
    mkdir -p "$ROOT/var/lib/aziot"
    # A baked image already has /var/lib/aziot; seed an empty data disk from it once.
    if [ -z "$(ls -A "$DATA/aziot")" ] && [ -n "$(ls -A "$ROOT/var/lib/aziot")" ]; then
      cp -a "$ROOT/var/lib/aziot/." "$DATA/aziot/"
    fi
    mount --bind "$DATA/aziot" "$ROOT/var/lib/aziot"
  fi
  ensure_fstab "$KVEDGE_DATA_MOUNT/aziot /var/lib/aziot none bind,nofail,x-systemd.requires-mounts-for=$KVEDGE_DATA_MOUNT 0 0"
}

configure_container_engine() {
  local units=0 engine=0 unit
  if put_file "$CONFIG/daemon.json" "$ROOT/etc/docker/daemon.json" 0644; then
    changed "container engine settings (daemon.json)"
    engine=1
  fi
  if put_file "$CONFIG/docker.conf" "$ROOT/etc/systemd/system/docker.service.d/10-kvedge.conf" 0644; then
    changed "container engine unit drop-in"
    units=1
    engine=1
  fi
  for unit in aziot-edged aziot-identityd; do
    local dropin=$ROOT/etc/systemd/system/$unit.service.d/10-kvedge-proxy.conf
    if [ -f "$CONFIG/aziot-proxy.conf" ]; then
      if put_file "$CONFIG/aziot-proxy.conf" "$dropin" 0644; then
        changed "proxy settings for $unit"
        units=1
      fi
    elif [ -f "$dropin" ]; then
      rm -f "$dropin"
      changed "proxy settings for $unit removed"
      units=1
    fi
  done
  if [ "$units" = 1 ]; then
    systemctl daemon-reload
  fi
  if [ "$engine" = 1 ] && systemctl is-active --quiet docker.service; then
    systemctl restart docker.service
  fi
}

# Every apt call waits for the dpkg lock instead of failing at once ("Could not get lock /var/lib/dpkg/lock-frontend").
# apt through the spec's proxy: on a site whose only way out is the proxy, every package (the guest agent's, the
# distribution's dependencies, IoT Edge's) comes through it, as Microsoft's proxy guide has installation and updates go
# (learn.microsoft.com/azure/iot-edge/how-to-configure-proxy-support, "Set up the proxy server"). Written when the spec
# has a proxy, removed when it no longer has one. apt takes exact hosts only for its exceptions
# (apt-transport-http(1): Acquire::http::Proxy::HOST "DIRECT"): a noProxy host or address is one; "*" means no proxy
# at all; a domain suffix, a CIDR or an IPv6 address cannot be said to apt and is left to the proxy. The values passed their spec
# patterns (http://host:port, host names and addresses): nothing in them needs quoting for apt.conf.
configure_apt_proxy() {
  local want=$RUN/apt-proxy entry host entries=()
  IFS=, read -r -a entries <<<"${KVEDGE_NO_PROXY:-}"
  if [ -n "${KVEDGE_HTTPS_PROXY:-}" ] && [[ ",${KVEDGE_NO_PROXY:-}," != *",*,"* ]]; then
    {
      printf '// Written by kvedge-converge from spec.iotEdge.proxy: apt goes through the proxy.\n'
      printf 'Acquire::http::Proxy "%s";\nAcquire::https::Proxy "%s";\n' "$KVEDGE_HTTPS_PROXY" "$KVEDGE_HTTPS_PROXY"
      for entry in "${entries[@]}"; do
        # (an IPv6 address, bracketed or not, is no apt.conf key either)
        case $entry in
        .* | \** | */* | \[* | *:*:*) continue ;;
        *:*) host=${entry%:*} ;;
        *) host=$entry ;;
        esac
        printf 'Acquire::http::Proxy::%s "DIRECT";\nAcquire::https::Proxy::%s "DIRECT";\n' "$host" "$host"
      done
    } >"$want"
  else
    : >"$want"
  fi
  if [ -s "$want" ]; then
    if put_file "$want" "$APT_PROXY" 0644; then changed "apt proxy settings"; fi
  elif [ -f "$APT_PROXY" ]; then
    rm -f "$APT_PROXY"
    changed "apt proxy settings removed"
  fi
}

apt_get() { apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@"; }

# retry DESCRIPTION COMMAND...: runs COMMAND, and again after each of RETRY_DELAYS while it fails.
retry() {
  local description=$1 attempt=1 delay
  shift
  "$@" && return 0
  for delay in "${RETRY_DELAYS[@]}"; do
    attempt=$((attempt + 1))
    log "$description failed; attempt $attempt in ${delay}s"
    sleep "$delay"
    "$@" && return 0
  done
  return 1
}

installed_version() {
  { dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$1 == "installed" { print $2 }'
}

# "1.5.21" pins the upstream version; the distribution's revision ("1.5.21-1", "27.3.1-ubuntu24.04u1") is whatever
# the repository builds it as. A full version string matches only itself. A Debian revision has no hyphen, so
# "1.6.0-rc.1-1" (upstream 1.6.0-rc.1, which dpkg sorts above 1.6.0-1) is not a 1.6.0.
version_matches() { [ "$1" = "$2" ] || { [[ "$1" == "$2"-* ]] && [[ "${1#"$2"-}" != *-* ]]; }; }

wanted_version() {
  case $1 in
  moby-containerd) printf '%s' "$KVEDGE_MOBY_CONTAINERD_VERSION" ;;
  moby-runc) printf '%s' "$KVEDGE_MOBY_RUNC_VERSION" ;;
  moby-engine) printf '%s' "$KVEDGE_MOBY_ENGINE_VERSION" ;;
  aziot-identity-service) printf '%s' "$KVEDGE_IDENTITY_SERVICE_VERSION" ;;
  aziot-edge) printf '%s' "$KVEDGE_AZIOT_EDGE_VERSION" ;;
  esac
}

configure_repository() {
  local url=$KVEDGE_REPO_URL suite=$KVEDGE_REPO_SUITE options list
  if [ -z "$url" ]; then
    # shellcheck source=/dev/null
    . "$ROOT/etc/os-release"
    url="https://packages.microsoft.com/${ID}/${VERSION_ID}/prod"
    suite=${VERSION_CODENAME}
  fi
  if [ "$KVEDGE_REPO_TRUSTED" = true ]; then
    options="trusted=yes"
  else
    if put_file "$CONFIG/repository.asc" "$ROOT$APT_KEY" 0644; then
      changed "package repository signing key"
    fi
    options="signed-by=$APT_KEY"
  fi
  list=$(mktemp)
  printf 'deb [%s] %s %s %s\n' "$options" "$url" "$suite" "$KVEDGE_REPO_COMPONENTS" >"$list"
  if put_file "$list" "$ROOT/etc/apt/sources.list.d/$APT_LIST_NAME" 0644; then
    changed "package repository $url $suite"
  fi
  rm -f "$list"
  REPO_URL=$url
}

repository_versions() {
  { apt-cache madison "$1" 2>/dev/null || true; } | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

# Packages are installed from inside a unit ordered before the aziot services: a maintainer script that started one of
# them would wait on this unit, which waits on it. policy-rc.d (Debian's switch, honoured by deb-systemd-invoke) keeps
# them from starting during the install; `iotedge config apply` starts them afterwards.
apt_install() {
  local policy=$ROOT/usr/sbin/policy-rc.d
  mkdir -p "$(dirname "$policy")"
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  local rc=0
  retry "apt-get install $*" install_attempt "$@" || rc=$?
  rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install $* failed; the unit retries"
}

# One install. Lists older than the mirror (a stock image's, or a mirror that moved on: it no longer has the version
# they name) make apt fetch a file that is gone: "E: Failed to fetch URL  404  Not Found" (apt 2.6), which no retry of
# the same install can fix and a unit restart would only repeat. Every list is refreshed then, so the next attempt
# fetches what the mirror has.
install_attempt() {
  local output rc=0
  output=$(mktemp)
  env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
    install -y -q --allow-downgrades --allow-change-held-packages -o Dpkg::Options::=--force-confold "$@" >"$output" 2>&1 || rc=$?
  cat "$output"
  if [ "$rc" != 0 ] && grep -qE '^E: Failed to fetch .* 404 ' "$output"; then
    log "a package file is gone from its mirror (the lists are older than it): refreshing every package list"
    update_distribution
  fi
  rm -f "$output"
  return "$rc"
}

# apt-get update, failing when a source could not be fetched: apt exits 0 on "W: Failed to fetch ...".
# apt_update LOG [OPTIONS...]
apt_update() {
  local update_log=$1 rc=0
  shift
  apt_get update -q "$@" >"$update_log" 2>&1 || rc=$?
  cat "$update_log"
  [ "$rc" = 0 ] && ! grep -qE '^(Err:|E: |W: Failed to fetch)' "$update_log"
}

# Only the IoT Edge repository is refreshed first, so a site whose distribution mirrors are unreachable still installs.
# A signature apt cannot verify with the spec's key is recorded (apt 2.6: "W: GPG error: URL SUITE InRelease: The
# following signatures couldn't be verified because the public key is not available: NO_PUBKEY KEYID", then "E: The
# repository '...' is not signed."): retrying cannot fix it, and "cannot reach" would send the user to the network.
update_repository() {
  local update_log rc=0
  update_log=$(mktemp)
  rm -f "$RUN/repository-signature"
  apt_update "$update_log" -o Dir::Etc::sourcelist="sources.list.d/$APT_LIST_NAME" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 || rc=$?
  if [ "$rc" != 0 ] && grep -qE '^W: GPG error: |^E: The repository .* is not signed\.' "$update_log"; then
    { grep -oE '(NO_PUBKEY|EXPKEYSIG|BADSIG|REVKEYSIG|ERRSIG) [0-9A-F]+' "$update_log" || echo "no valid signature"; } | head -n 1 >"$RUN/repository-signature"
  fi
  rm -f "$update_log"
  return "$rc"
}

# The repository answered: refreshed, or refused by its signature (which a retry cannot change).
repository_answered() { update_repository || [ -s "$RUN/repository-signature" ]; }

# Everything else (qemu-guest-agent; the identity service's libtss2-*, tpm-udev, psmisc) comes from the distribution's
# archive, whose lists a stock image ships empty or stale. A source that fails is only a warning here: what matters is
# whether the install can then be resolved.
update_distribution() {
  local update_log
  update_log=$(mktemp)
  if ! apt_update "$update_log"; then
    log "WARNING: some package sources could not be refreshed (see above)"
  fi
  rm -f "$update_log"
}

# Succeeds when apt can resolve installing these (a simulation: nothing is downloaded or changed); apt says why not.
resolvable() { apt_get install -s -q --allow-downgrades --allow-change-held-packages "$@"; }

install_packages() {
  local pending=() package want have version exact=() rest=() item extras=()
  configure_repository
  for package in "${PACKAGES[@]}"; do
    want=$(wanted_version "$package")
    have=$(installed_version "$package")
    if [ -n "$have" ] && version_matches "$have" "$want"; then
      continue
    fi
    pending+=("$package")
  done
  # The distribution's packages kvedge wants beside the pinned ones: the guest agent, and tpm2-tools for a TPM device.
  [ -n "$(installed_version "$GUEST_AGENT")" ] || extras=("$GUEST_AGENT")
  if { [ "$BAKE" = 1 ] || [ "$(attestation_method "$CONFIG/config.toml")" = tpm ]; } && [ -z "$(installed_version "$TPM_TOOLS")" ]; then
    extras+=("$TPM_TOOLS")
  fi
  if [ "${#pending[@]}" -eq 0 ] && [ "${#extras[@]}" -eq 0 ]; then
    log "packages at their pinned versions: moby-engine $KVEDGE_MOBY_ENGINE_VERSION (moby-containerd $KVEDGE_MOBY_CONTAINERD_VERSION, moby-runc $KVEDGE_MOBY_RUNC_VERSION), aziot-identity-service $KVEDGE_IDENTITY_SERVICE_VERSION, aziot-edge $KVEDGE_AZIOT_EDGE_VERSION"
    return 0
  fi
  if [ "${#pending[@]}" -gt 0 ]; then
    log "installing ${pending[*]} from $REPO_URL"
    retry "apt-get update of $REPO_URL" repository_answered ||
      die "cannot reach the package repository $REPO_URL (apt-get update failed): IoT Edge is not installed yet. Check the repository and the network; the unit retries."
    [ ! -s "$RUN/repository-signature" ] ||
      die "the package repository $REPO_URL is not signed by the key kvedge gave apt ($(cat "$RUN/repository-signature")): IoT Edge is not installed yet. Check spec.iotEdge.packageRepository.signingKey (Microsoft's key unless it is set); the unit retries."
    for package in "${pending[@]}"; do
      want=$(wanted_version "$package")
      version=""
      while read -r candidate; do
        if version_matches "$candidate" "$want"; then
          version=$candidate
          break
        fi
      done < <(repository_versions "$package")
      if [ -z "$version" ]; then
        local available
        available=$(repository_versions "$package" | tr '\n' ' ')
        if [ -n "$available" ]; then
          die "$package $want is not in $REPO_URL (it has: $available)"
        fi
        die "$package $want is not in $REPO_URL (it lists no version of $package: check the repository URL, suite and components)"
      fi
      exact+=("$package=$version")
    done
  fi
  # The narrow update leaves the distribution's lists as the image shipped them: refresh them all when something
  # cannot be resolved from what is known.
  if ! resolvable "${extras[@]}" "${exact[@]}" >/dev/null 2>&1; then
    log "refreshing every package list (a dependency is not in the lists this guest has)"
    update_distribution
    local why
    why=$(mktemp)
    if ! resolvable "${extras[@]}" "${exact[@]}" >"$why" 2>&1; then
      local reason
      reason=$(grep -E '^(E:| |The following packages have unmet)' "$why" | head -n 6 | tr -s ' \n' ' ' || true)
      rm -f "$why"
      die "cannot install ${extras[*]}${extras[*]:+ }${exact[*]}: ${reason:-apt cannot resolve it }(check the distribution's package sources; the unit retries)"
    fi
    rm -f "$why"
  fi
  if [ "${#extras[@]}" -gt 0 ]; then
    apt_install "${extras[@]}"
    changed "installed ${extras[*]}"
    # udev starts it at every later boot (the virtio port's SYSTEMD_WANTS); this boot it has to be started by hand.
    if [[ " ${extras[*]} " == *" $GUEST_AGENT "* ]]; then
      systemctl start --no-block qemu-guest-agent.service
    fi
  fi
  [ "${#exact[@]}" -gt 0 ] || return 0
  # moby first, in a transaction of its own: aziot-edge's preinst aborts unless the docker group exists. The engine's
  # pinned dependencies go with it, so apt never picks their newest.
  local moby=()
  for item in "${exact[@]}"; do
    if [[ $item == moby-* ]]; then
      moby+=("$item")
    else
      rest+=("$item")
    fi
  done
  if [ "${#moby[@]}" -gt 0 ]; then
    apt_install "${moby[@]}"
    changed "installed ${moby[*]}"
  fi
  if [ "${#rest[@]}" -gt 0 ]; then
    apt_install "${rest[@]}"
    changed "installed ${rest[*]}"
  fi
  apt-mark hold "${PACKAGES[@]}" >/dev/null
  # Not waited for: the container engine is not ordered after this unit, and aziot-edged needs it running.
  systemctl start --no-block docker.service
}

# The aziot users and groups with fixed IDs, before the packages whose preinst would give them whatever is free
# (`useradd -r`). An ID another account of this image already has is left to it: the user then gets a free one, and
# reown_aziot_state moves the state to it.
ensure_aziot_users() {
  local entry name id
  for entry in "${AZIOT_USERS[@]}"; do
    IFS=: read -r name id _ <<<"$entry"
    if ! getent group "$name" >/dev/null; then
      if getent group "$id" >/dev/null; then
        groupadd --system "$name"
        log "note: gid $id is taken on this image; group $name got gid $(getent group "$name" | cut -d: -f3)"
      else
        groupadd --system --gid "$id" "$name"
      fi
      changed "group $name"
    fi
    if ! getent passwd "$name" >/dev/null; then
      local uid_option=(--uid "$id")
      if getent passwd "$id" >/dev/null; then
        uid_option=()
        log "note: uid $id is taken on this image; user $name gets a free one"
      fi
      useradd --system "${uid_option[@]}" --gid "$name" --no-create-home --home-dir "/var/lib/aziot/${entry##*:}" \
        --shell /usr/sbin/nologin "$name"
      changed "user $name (uid $(id -u "$name"))"
    fi
  done
}

# The memberships the packages' preinst gives only to users it creates itself (the identity service's), and the
# container engine's group that aziot-edge's adds, once the groups exist.
ensure_aziot_memberships() {
  local pair user group
  for pair in aziotcs:aziotks aziotid:aziotcs aziotid:aziotks aziotid:aziottpm \
    iotedge:docker iotedge:systemd-journal iotedge:aziotcs iotedge:aziotks iotedge:aziotid; do
    IFS=: read -r user group <<<"$pair"
    getent group "$group" >/dev/null || continue
    if ! id -nG "$user" | tr ' ' '\n' | grep -qxF "$group"; then
      usermod -aG "$group" "$user"
      changed "user $user joined group $group"
    fi
  done
}

# The state on the data disk belongs to the users of the image it was written on. Each service's folder tells whose
# it was; when the same name has another ID here (a re-created VM on another image, a device older than the fixed
# IDs), everything of the old ID under /var/lib/aziot moves to the new one. All lists are made before any change,
# so two IDs that swapped do not mix.
reown_aziot_state() {
  local state=$ROOT/var/lib/aziot entry name folder old new lists moves=()
  lists=$(mktemp -d)
  for entry in "${AZIOT_USERS[@]}"; do
    IFS=: read -r name _ folder <<<"$entry"
    [ -d "$state/$folder" ] || continue
    old=$(stat -c %u "$state/$folder")
    new=$(id -u "$name")
    if [ "$old" != "$new" ]; then
      find "$state" -xdev -uid "$old" -print0 >"$lists/u$old"
      moves+=("u:$old:$new:$name")
    fi
    old=$(stat -c %g "$state/$folder")
    new=$(getent group "$name" | cut -d: -f3)
    if [ "$old" != "$new" ]; then
      find "$state" -xdev -gid "$old" -print0 >"$lists/g$old"
      moves+=("g:$old:$new:$name")
    fi
  done
  local move kind
  for move in "${moves[@]}"; do
    IFS=: read -r kind old new name <<<"$move"
    if [ "$kind" = u ]; then
      xargs -0 -r chown -h "$new" <"$lists/u$old"
      changed "aziot state of user $name moved from uid $old to $new"
    else
      xargs -0 -r chgrp -h "$new" <"$lists/g$old"
      changed "aziot state of group $name moved from gid $old to $new"
    fi
  done
  rm -rf "$lists"
}

# The provisioning method of the config.toml in place: the value of `method` in [provisioning.attestation].
attestation_method() {
  awk '/^\[/ { table = $0; next } table == "[provisioning.attestation]" && $1 == "method" { gsub(/[" ]/, "", $3); print $3; exit }' "$1"
}

# aziot-tpmd runs as aziottpm, and the TPM's device nodes are root:tss: without this rule (Microsoft's, from the TPM
# provisioning guide) DPS TPM fails with a permission error.
configure_tpm_access() {
  local rules
  rules=$(mktemp)
  if [ "$(attestation_method "$ROOT/etc/aziot/config.toml")" = tpm ]; then
    printf '%s\n' '# Written by kvedge-converge: aziot-tpmd (user aziottpm) opens the TPM.' \
      'KERNEL=="tpm0", SUBSYSTEM=="tpm", OWNER="aziottpm", MODE="0660"' \
      'KERNEL=="tpmrm0", SUBSYSTEM=="tpmrm", OWNER="aziottpm", MODE="0660"' >"$rules"
    if put_file "$rules" "$TPM_RULES" 0644; then
      changed "TPM access for aziottpm ($TPM_RULES)"
    fi
    if [ ! -e "$ROOT/dev/tpmrm0" ]; then
      log "WARNING: this VM has no TPM (/dev/tpmrm0); DPS TPM provisioning needs spec.domain.devices.tpm"
    elif [ "$(stat -c %U "$ROOT/dev/tpmrm0")" != aziottpm ]; then
      udevadm control --reload-rules
      udevadm trigger --action=change --subsystem-match=tpm --subsystem-match=tpmrm
      udevadm settle --timeout=30 || true
    fi
  elif [ -f "$TPM_RULES" ] && grep -q 'kvedge-converge' "$TPM_RULES"; then
    rm -f "$TPM_RULES"
    changed "TPM access rule removed (not a TPM device any more)"
  fi
  rm -f "$rules"
}

install_certificates() {
  local creds=$RUN/credentials
  install -d -m 0755 "$CERTS"
  install -d -m 0700 "$SECRETS"
  chown aziotcs:aziotcs "$CERTS"
  chown aziotks:aziotks "$SECRETS"
  if [ -f "$CONFIG/trust-bundle.pem" ] && put_file "$CONFIG/trust-bundle.pem" "$CERTS/kvedge-trust-bundle.pem" 0644 aziotcs:aziotcs; then
    changed "trust bundle"
  fi
  if [ -f "$creds/identity-cert.pem" ] && put_file "$creds/identity-cert.pem" "$CERTS/kvedge-identity.pem" 0644 aziotcs:aziotcs; then
    changed "identity certificate"
  fi
  if [ -f "$creds/identity-key.pem" ] && put_file "$creds/identity-key.pem" "$SECRETS/kvedge-identity.key.pem" 0600 aziotks:aziotks; then
    changed "identity private key"
  fi
  if [ -f "$creds/edge-ca-cert.pem" ] && put_file "$creds/edge-ca-cert.pem" "$CERTS/kvedge-edge-ca.pem" 0644 aziotcs:aziotcs; then
    changed "Edge CA certificate"
  fi
  if [ -f "$creds/edge-ca-key.pem" ] && put_file "$creds/edge-ca-key.pem" "$SECRETS/kvedge-edge-ca.key.pem" 0600 aziotks:aziotks; then
    changed "Edge CA private key"
  fi
}

# config.toml with every @@KVEDGE:name@@ replaced by the credentials disk's file of that name. Values are checked
# to be safe inside a TOML basic string; a bad one stops here, named but never shown.
render_config() { # output
  KVEDGE_CREDENTIALS_DIR=$RUN/credentials awk '
    {
      line = $0
      out = ""
      while (match(line, /@@KVEDGE:[a-z0-9.-]+@@/)) {
        name = substr(line, RSTART + 9, RLENGTH - 11)
        file = ENVIRON["KVEDGE_CREDENTIALS_DIR"] "/" name
        value = ""
        if ((getline value < file) <= 0) { printf "credential %s is missing from the credentials disk\n", name > "/dev/stderr"; exit 3 }
        close(file)
        sub(/\r$/, "", value)
        if (value !~ /^[A-Za-z0-9+\/=;:._@%!*?(),$~-]+$/) { printf "credential %s holds characters that cannot go into config.toml\n", name > "/dev/stderr"; exit 4 }
        out = out substr(line, 1, RSTART - 1) value
        line = substr(line, RSTART + RLENGTH)
      }
      print out line
    }' "$CONFIG/config.toml" >"$1"
}

desired_state_hash() {
  { cat "$1" "$CERTS"/kvedge-*.pem "$SECRETS"/kvedge-*.pem 2>/dev/null || true; } | sha256sum | awk '{ print $1 }'
}

# What identityd provisions from: the [provisioning] tables and the identity certificate and key. Only a change here
# is worth `iotedge system reprovision`, which drops identityd's backup first (offline, a device would be left with no
# identity); a trust bundle, Edge CA or agent change is a plain `config apply`.
provisioning_hash() {
  {
    awk '/^\[/ { inside = ($0 ~ /^\[provisioning[].]/) } inside' "$1"
    cat "$CERTS/kvedge-identity.pem" "$SECRETS/kvedge-identity.key.pem" 2>/dev/null || true
  } | sha256sum | awk '{ print $1 }'
}

# Who the device is to IoT Hub: the provisioning source with the hub and device id (manual; from a connection string
# its HostName and DeviceId only), or the ID scope and registration id (DPS). Not its keys: a new key is the same identity.
identity_hash() {
  awk '/^\[/ { inside = ($0 ~ /^\[provisioning[].]/) } inside' "$1" | awk -F' = ' '
    $1 ~ /^(source|iothub_hostname|device_id|id_scope|registration_id)$/ { print $1 "=" $2 }
    $1 == "connection_string" { n = split($2, part, ";"); for (i = 1; i <= n; i++) if (part[i] ~ /^"?(HostName|DeviceId)=/) print part[i] }' |
    sha256sum | awk '{ print $1 }'
}

# A device that becomes another IoT Hub identity (registered again under a new device id, moved to another hub or
# enrollment) must not start edgeAgent and edgeHub on the stores the old identity wrote: edgeHub crash-loops on another
# identity's store (Azure/iotedge#5725). They are moved aside on the data disk, never deleted (the old identity's queued
# messages are the user's), before aziot-edged starts with the new identity.
move_stores_aside() {
  local store moved
  for store in edgeHub edgeAgent; do
    [ -n "$(ls -A "$DATA/$store" 2>/dev/null)" ] || continue
    moved=$DATA/$store.previous-${1:0:12}
    [ -e "$moved" ] && moved=$moved-$(date +%s)
    mv "$DATA/$store" "$moved"
    mkdir -p "$DATA/$store"
    changed "$store's store moved aside to ${moved#"$ROOT"} (another IoT Hub identity wrote it)"
  done
}

converge_config() {
  local staged hash identity previous
  mkdir -p "$STATE"
  if [ -e "$(disk_path "$CREDENTIALS_SERIAL")" ]; then
    mount_readonly "$CREDENTIALS_SERIAL" "$RUN/credentials" || die "the credentials disk (serial $CREDENTIALS_SERIAL) could not be mounted"
  else
    mkdir -p "$RUN/credentials"
  fi
  install_certificates
  staged=$RUN/config.toml
  if [ -f "$RUN/credentials/config.toml" ]; then
    # A complete config.toml given verbatim (the upstream chart's azIotEdgeConfig) wins over the rendered one.
    install -m 0600 "$RUN/credentials/config.toml" "$staged"
  else
    (umask 077 && render_config "$staged") || die "config.toml could not be built from the config and credentials disks"
  fi
  if ! cmp -s "$staged" "$ROOT/etc/aziot/config.toml"; then
    mkdir -p "$ROOT/etc/aziot"
    install -m 0600 "$staged" "$ROOT/etc/aziot/config.toml"
    chown root:root "$ROOT/etc/aziot/config.toml"
    changed "/etc/aziot/config.toml"
  fi
  rm -f "$staged"
  identity=$(identity_hash "$ROOT/etc/aziot/config.toml")
  previous=$(cat "$STATE/identity.sha256" 2>/dev/null || true)
  if [ -n "$previous" ] && [ "$identity" != "$previous" ]; then
    move_stores_aside "$previous"
  fi
  printf '%s\n' "$identity" >"$STATE/identity.sha256"
  hash=$(desired_state_hash "$ROOT/etc/aziot/config.toml")
  if [ "$hash" != "$(cat "$STATE/applied.sha256" 2>/dev/null || true)" ]; then
    printf '%s\n%s\n' "$hash" "$(provisioning_hash "$ROOT/etc/aziot/config.toml")" >"$RUN/apply-needed"
    log "the IoT Edge configuration changed: kvedge-apply.service applies it"
  else
    rm -f "$RUN/apply-needed"
  fi
}

apply_config() {
  local hash provisioning applied_provisioning
  [ -f "$RUN/apply-needed" ] || {
    log "nothing to apply"
    return 0
  }
  { read -r hash && read -r provisioning; } <"$RUN/apply-needed"
  applied_provisioning=$(cat "$STATE/provisioning.sha256" 2>/dev/null || true)
  iotedge config apply -c /etc/aziot/config.toml || die "iotedge config apply failed; see 'journalctl -u aziot-*'"
  # identityd prefers its cached assignment after a config change; a changed DPS setup must register again. A first
  # apply, or one by a kvedge that kept no record, provisions from the config itself.
  if [ -n "$applied_provisioning" ] && [ "$provisioning" != "$applied_provisioning" ] && [ "${KVEDGE_PROVISIONING_SOURCE:-}" = dps ]; then
    log "the DPS provisioning settings changed: registering again"
    iotedge system reprovision || die "iotedge system reprovision failed"
  fi
  mkdir -p "$STATE"
  printf '%s\n' "$hash" >"$STATE/applied.sha256"
  printf '%s\n' "$provisioning" >"$STATE/provisioning.sha256"
  rm -f "$RUN/apply-needed"
}

main() {
  local mode=${1:-converge}
  trap cleanup EXIT
  case $mode in
  --apply)
    load_settings
    apply_config
    log "applied in ${SECONDS}s"
    ;;
  --bake)
    BAKE=1
    load_settings
    ensure_aziot_users
    install_packages
    ensure_aziot_memberships
    apt-get clean
    log "baked: pinned packages installed, nothing device-specific"
    ;;
  converge)
    load_settings
    rm -f "$RUN/converged"
    update_program
    setup_data_disk
    configure_container_engine
    configure_apt_proxy
    ensure_aziot_users
    reown_aziot_state
    install_packages
    ensure_aziot_memberships
    converge_config
    configure_tpm_access
    # After a failed run that systemd restarted, kvedge-apply.service's start job has already failed with it
    # (Requires=): ask for it again. In an ordinary boot this merges into its queued job, which waits for this unit.
    if [ -f "$RUN/apply-needed" ]; then
      systemctl start --no-block kvedge-apply.service
    fi
    # What the health program compares with the config disk it sees: this boot converged to this disk.
    sha256sum "$(disk_path "$CONFIG_SERIAL")" | awk '{ print $1 }' >"$RUN/converged"
    if [ "${#changes[@]}" -eq 0 ]; then
      log "converged in ${SECONDS}s: no changes"
    else
      log "converged in ${SECONDS}s: ${#changes[@]} change(s)"
    fi
    ;;
  *) die "usage: kvedge-converge [--apply|--bake]" ;;
  esac
}

main "$@"
