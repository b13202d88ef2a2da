#!/usr/bin/env bash
# End-to-end: boots the device `kvedge template` renders in a real Debian 12 guest under qemu (TCG), presented as
# KubeVirt presents it (kubevirt_present.py), with real cloud-init and the real converge program, and asserts over SSH
# what a user relies on. IoT Edge itself cannot be fetched here: the guest installs STAND-IN packages (test doubles,
# see standin-repo.sh) from a local APT repository reached through qemu's guestfwd, and the real Debian packages they
# depend on from a local mirror of the distribution (guest-image.sh). The guest is as unkind as a stock cloud image:
# no guest agent, empty lists, the dpkg lock held at first boot, system IDs that differ between two images.
#
#   bash tests/e2e/run.sh        prints one line per assertion, the boot timings, and "e2e: N passed, N failed"
#
# Environment: KVEDGE_E2E_CACHE (guest image cache, default ~/.cache/kvedge/e2e), KVEDGE_E2E_KEEP=1 keeps the work
# folder (disks, serial logs) for a look afterwards.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
e2e=$repo/tests/e2e
work=$(mktemp -d "${TMPDIR:-/tmp}/kvedge-e2e.XXXXXX")
python=/usr/bin/python3
passed=0
failed=0
qemu_pid=""
apiserver_pid=""
boot_name=""
boot_started=0

cleanup() {
  stop_vm kill
  [ ! -d "$work/gnupg" ] || GNUPGHOME=$work/gnupg gpgconf --kill all 2>/dev/null || true
  [ -z "$apiserver_pid" ] || kill -9 "$apiserver_pid" 2>/dev/null || true
  if [ "${KVEDGE_E2E_KEEP:-0}" = 1 ]; then echo "e2e: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

pass() {
  passed=$((passed + 1))
  echo "ok   - $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL - $1${2:+: $2}"
}
# expect DESCRIPTION ACTUAL EXPECTED
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
  local description=$1 output
  shift
  if output=$("$@" 2>&1); then pass "$description"; else fail "$description" "$(tail -n 5 <<<"$output" | tr '\n' ' ')"; fi
}

die() {
  echo "e2e: $*" >&2
  fail "$*"
  summary
  exit 1
}

summary() {
  echo "e2e: $passed passed, $failed failed"
}

# --- setup -------------------------------------------------------------------------------------------------------

bash "$repo/scripts/install-test-tools.sh" || die "installing the test tools failed"
echo "e2e: work folder $work" >&2

# Debug, in the projects' own output folders: after scripts/test.sh's .NET suites both are built already and this only
# checks so (a separate Release build took a minute of the run's budget).
dotnet build "$repo/src/KVEdge.Cli" --nologo -v q >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  die "building kvedge failed"
}
kvedge() { dotnet "$repo/src/KVEdge.Cli/bin/Debug/net10.0/kvedge.dll" "$@"; }
# The contract test server as a process (tests/ContractServerHost): the guest verbs reach this guest through its
# portforward subresource, as they would through KubeVirt's. A double of the API server, not a cluster.
dotnet build "$repo/tests/ContractServerHost" --nologo -v q >"$work/build-apiserver.log" 2>&1 || {
  cat "$work/build-apiserver.log" >&2
  die "building the contract server host failed"
}
apiserver=$repo/tests/ContractServerHost/bin/Debug/net10.0/ContractServerHost.dll

image=$(bash "$e2e/guest-image.sh") || die "building the guest image failed"
[ -f "$image/root.qcow2" ] || die "guest-image.sh printed '$image' as its result, a folder with no root.qcow2"
# A signing key for the stand-in repositories (a test key, made for this run): the guest's apt checks their signature
# through signed-by, as it does Microsoft's.
bash "$e2e/standin-repo.sh" --key "$work/gnupg" >"$work/repo-key.asc" || die "making the repository's signing key failed"
export KVEDGE_REPO_GNUPGHOME=$work/gnupg
bash "$e2e/standin-repo.sh" "$work/repo/standin" bookworm || die "building the stand-in repository failed"
# The distribution's archive, as the guest's sources.list names it (http://10.0.2.100/debian).
cp -r "$image/debian" "$work/repo/debian" || die "copying the distribution mirror failed"
# The other image: the same kernel, system users made in another order.
mkdir -p "$work/image-other"
ln -sf "$image/root-other.qcow2" "$work/image-other/root.qcow2"
ln -sf "$image/vmlinuz" "$work/image-other/vmlinuz"
ln -sf "$image/initrd.img" "$work/image-other/initrd.img"

ssh-keygen -q -t ed25519 -N '' -C kvedge-e2e -f "$work/id_ed25519" || die "ssh-keygen failed"
# Fresh random keys, so finding one anywhere it should not be cannot be a coincidence.
key1=$(head -c 32 /dev/urandom | base64)
key2=$(head -c 32 /dev/urandom | base64)
printf 'HostName=e2e-hub.azure-devices.net;DeviceId=e2e-edge-01;SharedAccessKey=%s' "$key1" >"$work/cs1.txt"
printf 'HostName=e2e-hub.azure-devices.net;DeviceId=e2e-edge-01;SharedAccessKey=%s' "$key2" >"$work/cs2.txt"
chmod 0600 "$work"/cs*.txt

# spec_args N: the harness's device with connection string N, as arguments of kvedge's verbs (in $spec)
spec_args() {
  spec=(-f "$e2e/device.yaml" --set "spec.ssh.authorizedKeys[0]=$(cat "$work/id_ed25519.pub")"
    --set-file "spec.iotEdge.packageRepository.signingKey=$work/repo-key.asc"
    --set-file "spec.iotEdge.credentials.connectionString=$work/cs$1.txt")
}
# render N [NAME [ARGS...]]: objects and the expected config.toml's hash for connection string N (as NAME, default N)
render() {
  local n=$1 name=${2:-$1}
  shift $(($# < 2 ? $# : 2))
  spec_args "$n"
  local args=("${spec[@]}" "$@")
  kvedge template "${args[@]}" -o json >"$work/objects$name.json" || die "kvedge template failed"
  kvedge config-toml "${args[@]}" --show-secrets | sha256sum | cut -d' ' -f1 >"$work/config$name.sha256" ||
    die "kvedge config-toml failed"
}
render 1
render 2
# The second connection string on a site whose only way out is a proxy (the harness's, proxy_http.py at 10.0.2.101).
# The same with the pin the rollout changes to (the edgeAgent image's tag follows the version).
render 2 -pin --set spec.iotEdge.version=1.5.21
render 2 -proxy --set spec.iotEdge.proxy.httpsProxy=http://10.0.2.101:3128 --set 'spec.iotEdge.proxy.noProxy[0]=localhost'
# A DPS TPM device (no credentials: the TPM is its identity), and the same with a trust bundle added.
render_tpm() {
  kvedge template -f "$e2e/device.yaml" --set "spec.ssh.authorizedKeys[0]=$(cat "$work/id_ed25519.pub")" \
    --set-file "spec.iotEdge.packageRepository.signingKey=$work/repo-key.asc" \
    --set spec.iotEdge.provisioning.source=dps --set spec.iotEdge.provisioning.method=tpm \
    --set spec.iotEdge.provisioning.idScope=0ne00000A0A --set spec.iotEdge.provisioning.registrationId=e2e-edge-01 "$@" \
    -o json || die "kvedge template of the DPS TPM device failed"
}
render_tpm >"$work/objects-tpm1.json"
render_tpm --set-file "spec.iotEdge.trustBundle=$repo/tests/testdata/credentials/root-ca.pem" >"$work/objects-tpm2.json"

# The same guest with a minimal user-data and nothing else of ours, for the baseline timing.
"$python" - "$work/objects1.json" "$work/objects-bare.json" "$(cat "$work/id_ed25519.pub")" <<'EOF'
import base64, json, sys
rendered = json.load(open(sys.argv[1]))
for obj in rendered["items"]:
    if obj["kind"] == "Secret" and obj["metadata"]["name"].endswith("-cloudinit"):
        user_data = f"#cloud-config\nssh_authorized_keys: [{json.dumps(sys.argv[3])}]\n"
        obj["data"] = {"userdata": base64.b64encode(user_data.encode()).decode()}
json.dump(rendered, open(sys.argv[2], "w"))
EOF

ssh_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ssh_options=(-p "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o ConnectTimeout=5 -o BatchMode=yes)
guest() { ssh -i "$work/id_ed25519" "${ssh_options[@]}" azureuser@127.0.0.1 "$@"; }

# --- the VM ------------------------------------------------------------------------------------------------------

swtpm_pid=""
# start_tpm NAME: a TPM 2.0 for a VM that has one, its state in $work/tpm-state for as long as the run (as KubeVirt's
# persistent vTPM keeps it in a PVC); swtpm ends when qemu closes its control channel.
start_tpm() {
  rm -f "$work/swtpm.sock"
  mkdir -p "$work/tpm-state"
  swtpm socket --tpm2 --tpmstate dir="$work/tpm-state" --ctrl type=unixio,path="$work/swtpm.sock" \
    --log file="$work/swtpm-$1.log" --terminate >/dev/null 2>&1 &
  swtpm_pid=$!
  local i
  for ((i = 0; i < 50; i++)); do
    [ -S "$work/swtpm.sock" ] && return 0
    sleep 0.1
  done
  die "swtpm did not start: $(cat "$work/swtpm-$1.log" 2>/dev/null)"
}

# start_vm NAME OBJECTS ROOT_OVERLAY REPOSITORY(up|down|proxy-down): the repository reached at 10.0.2.100, up or
# down; or (proxy-down) no route to it at all, only to the harness's proxy at 10.0.2.101:3128, whose upstream is down
start_vm() {
  boot_name=$1
  local argv tpm=() net
  if [[ "$4" == *down ]]; then touch "$work/repo-down"; else rm -f "$work/repo-down"; fi
  net="guestfwd=tcp:10.0.2.100:80-cmd:$python $e2e/serve_http.py $work/repo $work/repo-down $work/http-$1.log"
  if [[ "$4" == proxy-* ]]; then
    net="guestfwd=tcp:10.0.2.101:3128-cmd:$python $e2e/proxy_http.py 10.0.2.100:80 $work/repo $work/repo-down $work/proxy-$1.log"
  fi
  if grep -q '"tpm"' "$2"; then
    start_tpm "$1"
    tpm=(--tpm-socket "$work/swtpm.sock")
  fi
  mapfile -t argv < <("$python" "$e2e/kubevirt_present.py" --objects "$2" --vm e2e-edge-01 --work "$work" \
    --base-image "$image" --root-overlay "$3" --ssh-port "$ssh_port" --serial-log "$work/serial-$1.log" \
    --qga-socket "$work/qga.sock" "${tpm[@]}" \
    --netdev-extra "$net")
  [ "${#argv[@]}" -gt 10 ] || die "kubevirt_present.py failed for $1"
  boot_started=$(date +%s.%N)
  "${argv[@]}" >"$work/qemu-$1.log" 2>&1 &
  qemu_pid=$!
}

# wait_serial PATTERN TIMEOUT: seconds from qemu start until the serial console shows PATTERN
wait_serial() {
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if grep -qE "$1" "$work/serial-$boot_name.log" 2>/dev/null; then
      "$python" -c "import time; print(f'{time.time() - $boot_started:.1f}')"
      return 0
    fi
    # The guest kernel's hung-task report: an I/O that qemu never completed (seen under TCG, in virtio-blk probing,
    # before any of our code runs). Waiting longer cannot help; the caller may restart the boot.
    if grep -q 'blocked for more than [0-9]* seconds' "$work/serial-$boot_name.log" 2>/dev/null; then
      echo "e2e: the guest's kernel reports a hung task in $boot_name:" >&2
      grep -m 1 -A 12 'blocked for more than' "$work/serial-$boot_name.log" | tr -d '\r' | sed 's/^/    /' >&2
      return 2
    fi
    if ! kill -0 "$qemu_pid" 2>/dev/null; then
      echo "e2e: qemu exited during $boot_name: $(tail -n 3 "$work/qemu-$boot_name.log")" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "e2e: '$1' did not appear within $2 s in $boot_name; the serial console ends with:" >&2
  tail -n 30 "$work/serial-$boot_name.log" | tr -d '\r' | sed 's/^/    /' >&2
  return 1
}

wait_ssh() {
  local deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do
    guest true 2>/dev/null && return 0
    sleep 1
  done
  return 1
}

# stop_vm [kill]: power off from inside (as a VM stop does), or kill
stop_vm() {
  [ -n "$qemu_pid" ] || return 0
  if [ "${1:-}" != kill ]; then
    guest sudo systemctl poweroff >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 90))
    while kill -0 "$qemu_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  fi
  kill "$qemu_pid" 2>/dev/null || true
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=""
  if [ -n "$swtpm_pid" ]; then
    kill "$swtpm_pid" 2>/dev/null || true
    wait "$swtpm_pid" 2>/dev/null || true
    swtpm_pid=""
  fi
}

# boot NAME OBJECTS OVERLAY REPOSITORY UNTIL: starts the VM, waits for UNTIL on the console and for SSH, and leaves
# the seconds from qemu start to UNTIL in $boot_seconds (not a subshell: the VM's pid must stay in this shell)
boot_seconds=""
restarts=0
# start_and_wait NAME OBJECTS OVERLAY REPOSITORY UNTIL: starts the VM and leaves the seconds to UNTIL in $boot_seconds.
# A boot whose kernel reports a hung task is powered off and started once more on the same disks (as a power cut
# would), and says so; a second hang fails.
start_and_wait() {
  local attempt rc
  for attempt in 1 2; do
    start_vm "$1" "$2" "$3" "$4"
    boot_seconds=$(wait_serial "$5" 900)
    rc=$?
    [ "$rc" -eq 2 ] && [ "$attempt" -eq 1 ] || return "$rc"
    stop_vm kill
    mv "$work/serial-$1.log" "$work/serial-$1-hung.log"
    restarts=$((restarts + 1))
    echo "note - $1: the emulated guest hung in its kernel before our code ran (an I/O qemu never completed); restarted it once"
  done
}

boot() {
  start_and_wait "$1" "$2" "$3" "$4" "$5" || return 1
  wait_ssh || {
    echo "e2e: no SSH in $1" >&2
    return 1
  }
}

converged='kvedge-converge: converged in'
applied='kvedge-converge: applied in'
rootA=$work/root-a.qcow2
rootB=$work/root-b.qcow2
config_sha() { guest sudo sha256sum /etc/aziot/config.toml | cut -d' ' -f1; }
# rendered_sha OBJECTS KIND KEY: the SHA-256 of one data key of the rendered object of that kind
rendered_sha() {
  "$python" -c "
import hashlib, json, sys
for obj in json.load(open(sys.argv[1]))['items']:
    if obj['kind'] == sys.argv[2] and sys.argv[3] in obj.get('data', {}):
        print(hashlib.sha256(obj['data'][sys.argv[3]].encode()).hexdigest())" "$1" "$2" "$3"
}
installs() { guest grep -E "' status installed (moby-[a-z]+|aziot-identity-service|aziot-edge):'" /var/log/dpkg.log | awk '{ print $5, $6 }'; }
# agent_answers: what virt-handler does to set AgentConnected: guest-ping, then guest-info, on the virtio channel
# org.qemu.guest_agent.0 (here a host socket), never through the guest's network.
agent_answers() {
  "$python" - "$work/qga.sock" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1]); f = s.makefile("rwb")
for command in ("guest-sync-delimited", "guest-ping", "guest-info"):
    request = {"execute": command} | ({"arguments": {"id": 4242}} if command == "guest-sync-delimited" else {})
    f.write(json.dumps(request).encode() + b"\n"); f.flush()
    line = f.readline().lstrip(b"\xff")
    reply = json.loads(line)
    if "return" not in reply:
        sys.exit(f"{command}: {reply}")
print(reply["return"]["version"])
EOF
}
# probe: the VM's readinessProbe as KubeVirt runs an exec probe (virt-launcher's GuestExec: guest-exec with the
# command's path and args and capture-output, then guest-exec-status until it has exited; exit code 0 is ready), on the
# agent channel from the host. Prints "EXITCODE OUTPUT".
probe() {
  "$python" - "$work/qga.sock" <<'EOF'
import base64, json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(command, arguments=None):
    f.write(json.dumps({"execute": command} | ({"arguments": arguments} if arguments else {})).encode() + b"\n"); f.flush()
    reply = json.loads(f.readline().lstrip(b"\xff"))
    if "return" not in reply:
        sys.exit(f"{command}: {reply}")
    return reply["return"]
call("guest-sync-delimited", {"id": 4343})
pid = call("guest-exec", {"path": "/usr/local/lib/kvedge/kvedge-health", "arg": [], "capture-output": True})["pid"]
deadline = time.monotonic() + 10  # the probe's timeoutSeconds
while time.monotonic() < deadline:
    status = call("guest-exec-status", {"pid": pid})
    if status.get("exited"):
        print(status.get("exitcode"), base64.b64decode(status.get("out-data", "")).decode().strip())
        sys.exit(0)
    time.sleep(0.2)
sys.exit("the probe timed out")
EOF
}
health() { guest sudo /usr/local/lib/kvedge/kvedge-health "$@"; }
edge_hub() { guest "echo $1 | sudo tee /var/lib/kvedge-standin/modules/edgeHub >/dev/null"; }
# deploy FILE: the modulesContent IoT Hub gives the device reaches edgeAgent (the stand-in reads it where its twin would
# be), which starts edgeHub when the deployment has it
deploy() { guest "sudo tee /var/lib/kvedge-standin/deployment >/dev/null" <"$1"; }
# What the health program says of a device the real runtime leaves with edgeAgent alone until its first deployment.
fresh="healthy, no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set; edgeHub starts with it"

# state_owners: for each aziot state folder, how many of its files belong to another user than its service's
state_owners() {
  local pair out=""
  for pair in keyd:aziotks certd:aziotcs identityd:aziotid tpmd:aziottpm edged:iotedge; do
    out+="${pair%%:*}=$(guest sudo find "/var/lib/aziot/${pair%%:*}" ! -user "${pair#*:}" | wc -l) "
  done
  printf '%s' "$out"
}
calls() { guest sudo cat /var/lib/kvedge-standin/iotedge-calls.log 2>/dev/null; }

# no_leaks VM: neither connection string's key is in cloud-init's logs or this root disk's journal (every boot of it),
# nor on any serial console so far
no_leaks() {
  local key which
  for key in "$key1" "$key2"; do
    which=$([ "$key" = "$key1" ] && echo first || echo second)
    expect "$1: the $which connection string's key is not in /var/log/cloud-init*.log" \
      "$(guest "sudo cat /var/log/cloud-init*.log" | grep -cF -- "$key")" "0"
    expect "$1: the $which connection string's key is not in the journal of any boot" \
      "$(guest sudo journalctl --no-pager -o cat | grep -cF -- "$key")" "0"
    expect "$1: the $which connection string's key is not on the serial console" \
      "$(cat "$work"/serial-*.log | grep -cF -- "$key")" "0"
  done
}

# --- bare boot: the baseline ----------------------------------------------------------------------------------------

echo "# bare boot: the same guest with a minimal user-data"
start_and_wait bare "$work/objects-bare.json" "$work/root-bare.qcow2" up 'Cloud-init v\. .* finished' || die "the bare boot did not finish"
bare=$boot_seconds
pass "bare boot: cloud-init finished after ${bare} s"
stop_vm kill
rm -f "$work/root-bare.qcow2" "$work"/disks/*

# --- first boot ----------------------------------------------------------------------------------------------------

echo "# first boot: a new device on a stock-like image (no guest agent, empty lists, the dpkg lock held)"
boot first "$work/objects1.json" "$rootA" up "$converged" || die "the first boot did not converge"
first=$boot_seconds
pass "first boot: converged after ${first} s"
serial_first=$(tr -d '\r' <"$work/serial-first.log")
if grep -q 'e2e-dpkg-lock: apt-get install (pid [0-9]*) waited 10 s for the lock; releasing it' <<<"$serial_first"; then
  pass "the image's lock holder made converge's apt-get install wait"
else
  fail "the image's lock holder made converge's apt-get install wait" "no such line on the console"
fi
released=$(grep -n 'e2e-dpkg-lock: .* releasing it' <<<"$serial_first" | head -n 1 | cut -d: -f1)
agent_line=$(grep -n 'kvedge-converge: changed: installed qemu-guest-agent' <<<"$serial_first" | head -n 1 | cut -d: -f1)
if [ -n "$released" ] && [ -n "$agent_line" ] && [ "$released" -lt "$agent_line" ]; then
  pass "converge's first install completed after the lock was released, in the same boot"
else
  fail "converge's first install completed after the lock was released" "released at line '${released}', installed at line '${agent_line}'"
fi
check "converge refreshed the distribution's lists when the IoT Edge repository could not resolve a dependency" \
  grep -q 'kvedge-converge: refreshing every package list' "$work/serial-first.log"
first_applied=$(wait_serial "$applied" 300) || die "the first boot did not apply the config"
pass "first boot: config applied after ${first_applied} s"

check "key login works (azureuser, the spec's key)" guest true
out=$(ssh "${ssh_options[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
  azureuser@127.0.0.1 true 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'Permission denied (publickey)' <<<"$out"; then
  pass "password login is refused (the server offers publickey only)"
else
  fail "password login is refused" "rc=$rc: $out"
fi
out=$(ssh -i "$work/id_ed25519" "${ssh_options[@]}" root@127.0.0.1 true 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'Permission denied' <<<"$out"; then pass "root login is refused, even with the device key"; else fail "root login is refused" "rc=$rc: $out"; fi
expect "sshd's effective settings: no root login, no passwords" \
  "$(guest sudo sshd -T 2>/dev/null | grep -E '^(permitrootlogin|passwordauthentication|kbdinteractiveauthentication) ' | sort | tr '\n' ' ')" \
  "kbdinteractiveauthentication no passwordauthentication no permitrootlogin no "
expect "cloud-init ended without errors" "$(guest cloud-init status 2>&1 | tr -d '\n')" "status: done"
expect "hostname is the one KubeVirt hands the guest" "$(guest hostname)" "e2e-edge-01"
expect "/etc/aziot/config.toml equals 'kvedge config-toml --show-secrets'" "$(config_sha)" "$(cat "$work/config1.sha256")"
expect "/etc/aziot/config.toml is 0600 root:root" "$(guest "sudo stat -c '%a %U:%G' /etc/aziot/config.toml")" "600 root:root"
expect "the data disk (serial kvedge-data) is mounted at the spec's mountPath" \
  "$(guest findmnt -n -o SOURCE --target /var/lib/edge-data)" "$(guest readlink -f /dev/disk/by-id/virtio-kvedge-data)"
expect "/var/lib/aziot lives on the data disk" \
  "$(guest findmnt -n -o SOURCE /var/lib/aziot)" "$(guest readlink -f /dev/disk/by-id/virtio-kvedge-data)[/aziot]"
expect "pinned versions installed in order, the releases and not the RCs above them (1.6.0-rc.1-1 > 1.6.0-1), moby's dependencies at their pins and not the newer lines the repository has (containerd 2.0.0, runc 1.2.2)" \
  "$(installs | sort -s -k1,1 -t: | tr '\n' ' ')" "aziot-edge:all 1.6.0-1 aziot-identity-service:all 1.6.0-1 moby-containerd:all 1.7.23-ubuntu24.04u1 moby-engine:all 27.3.1-ubuntu24.04u1 moby-runc:all 1.1.14-ubuntu24.04u1 moby-tini:all 0.19.0-ubuntu24.04u2 "
expect "moby and its dependencies installed first, then the identity service, then aziot-edge" \
  "$(installs | awk '{ print ($1 ~ /^moby-/) ? "moby" : $1 }' | uniq | tr '\n' ' ')" "moby aziot-identity-service:all aziot-edge:all "
expect "the stand-in repository's source names its signing key (signed-by)" "$(guest cat /etc/apt/sources.list.d/kvedge-iotedge.list)" \
  "deb [signed-by=/etc/apt/keyrings/kvedge-iotedge.asc] http://10.0.2.100/standin bookworm main"
# apt keeps a repository's InRelease among its lists only once its signature verified.
check "the guest's apt verified the stand-in repository's signature" guest "ls /var/lib/apt/lists/ | grep -q '^10.0.2.100_standin_dists_bookworm_InRelease$'"
expect "the distribution's dependencies came from its mirror (libtss2-esys, tpm-udev, psmisc)" \
  "$(guest dpkg-query -W -f="'\${db:Status-Status} '" libtss2-esys-3.0.2-0 tpm-udev psmisc)" "installed installed installed "
# shellcheck disable=SC2016 # expanded in the guest
expect "the aziot users have kvedge's fixed IDs" \
  "$(guest 'for u in aziotks aziotcs aziotid aziottpm iotedge; do printf "%s=%s " $u $(id -u $u); done')" \
  "aziotks=481 aziotcs=482 aziotid=483 aziottpm=484 iotedge=485 "
expect "the aziot state belongs to its services' users" "$(state_owners)" "keyd=0 certd=0 identityd=0 tpmd=0 edged=0 "
expect "the pins are held" "$(guest apt-mark showhold | sort | tr '\n' ' ')" "aziot-edge aziot-identity-service moby-containerd moby-engine moby-runc "
expect "'iotedge config apply' ran once, on the rendered config.toml" \
  "$(calls)" "config apply -c /etc/aziot/config.toml $(cat "$work/config1.sha256")"
check "the image had no guest agent: converge installed it" guest grep -q "' status installed qemu-guest-agent:'" /var/log/dpkg.log
if version=$(agent_answers 2>&1); then
  pass "the guest agent answers on org.qemu.guest_agent.0 from the host (guest-ping, guest-info: qemu-ga $version)"
else
  fail "the guest agent answers on org.qemu.guest_agent.0 from the host" "$version"
fi
expect "the health program: a new device (edgeAgent alone, no deployment yet) is healthy, with the note" "$(health)" "$fresh"
expect "the readiness probe through the guest agent (guest-exec): ready, with the note" "$(probe 2>&1)" "0 $fresh"
expect "its JSON: no deployment, edgeAgent alone" \
  "$("$python" -c 'import json, sys; h = json.loads(sys.argv[1]); print(h["healthy"], h["deployment"], [(m["name"], m["status"]) for m in h["modules"]])' "$(health --json)" 2>&1)" \
  "True none [('edgeAgent', 'running')]"
# Registration: the device as `kvedge register` makes it in the IoT Hub double (its key the connection string's), with
# the fleet's base deployment; what the double's deployments give this device is what its edgeAgent is given.
cat >"$work/registered.yaml" <<EOF_SPEC
apiVersion: kvedge.io/v1alpha1
kind: EdgeDevice
metadata: {name: e2e-edge-01, namespace: e2e}
spec:
  ssh: {authorizedKeys: ["$(cat "$work/id_ed25519.pub")"]}
  dataDisk: {mountPath: /var/lib/edge-data}
  iotEdge:
    provisioning: {source: manual, method: symmetricKey, iothubHostname: e2e-hub.azure-devices.net, deviceId: e2e-edge-01}
    credentials: {symmetricKeyEnv: KVEDGE_E2E_DEVICE_KEY}
    registration:
      iotHub:
        hostname: e2e-hub.azure-devices.net
        auth: {sasSecretRef: {name: e2e-hub-owner, policyName: iothubowner}}
      baseDeployment: {fleet: e2e, priority: 10}
EOF_SPEC
echo '{}' >"$work/no-deployment.json"
if KVEDGE_E2E_DEVICE_KEY=$key1 dotnet "$apiserver" --hub-deployment "$work/registered.yaml" "$work/deployment.json" >"$work/hub-deployment.log" 2>&1; then
  pass "registration in the IoT Hub double: the identity with the device's key, the fleet's base deployment, the twin tagged"
else
  fail "registration in the IoT Hub double" "$(tail -n 5 "$work/hub-deployment.log")"
fi
deploy "$work/no-deployment.json"
expect "a twin with no deployment (nothing targets the device yet): edgeHub does not start" "$(health)" "$fresh"
deploy "$work/deployment.json"
expect "the hub double's effective deployment for the device arrives: edgeHub runs, healthy, no note" "$(health)" "healthy"
expect "edgeHub's store as the base deployment binds it: the data disk's edgeHub folder on /iotedge/storage" \
  "$(guest cat /var/lib/kvedge-standin/edgeHub.mounts | tr '\n' ' ')" "/var/lib/edge-data/edgeHub:/iotedge/storage StorageFolder=/iotedge/storage "
expect "that folder is on the data disk" "$(guest findmnt -n -o TARGET -T /var/lib/edge-data/edgeHub)" "/var/lib/edge-data"
health_json=$(health --json)
expect "its JSON: the runtime version, the services, edgeAgent and edgeHub" \
  "$("$python" -c 'import json, sys; h = json.loads(sys.argv[1]); print(h["healthy"], h["state"], h["deployment"], h["runtimeVersion"], h["services"]["aziot-edged"], h["services"]["aziot-tpmd"], [(m["name"], m["status"]) for m in h["modules"]])' "$health_json" 2>&1)" \
  "True healthy received 1.6.0-1 Running Ready [('edgeAgent', 'running'), ('edgeHub', 'running')]"
expect "no credential in the health program's output" "$(grep -cF -- "$key1" <<<"$health_json")" "0"
# The guest verbs through the API server: the contract server's portforward carried to this guest's sshd (qemu's
# hostfwd), with ssh's ProxyCommand kvedge's own port-forward --stdio; the login from the VM's annotation.
start_apiserver() {
  # Told where the repository (and ../shared's schemas beside it) are.
  KVEDGE_REPO=$repo dotnet "$apiserver" "$work/kubeconfig" "${1:-$work/objects1.json}" "$ssh_port" >"$work/apiserver.log" 2>&1 &
  apiserver_pid=$!
  for _ in $(seq 1 150); do
    if grep -qx ready "$work/apiserver.log"; then return 0; fi
    sleep 0.2
  done
  cat "$work/apiserver.log" >&2
  return 1
}
# Asked to stop (SIGTERM), then killed if it has not within 5 s.
stop_apiserver() {
  [ -n "$apiserver_pid" ] || return 0
  kill "$apiserver_pid" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$apiserver_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$apiserver_pid" 2>/dev/null
  wait "$apiserver_pid" 2>/dev/null
  apiserver_pid=""
}
# kv VERB [ARGS...]: a guest verb for this device through the API server
kv() {
  local verb=$1
  shift
  kvedge "$verb" e2e-edge-01 -n e2e --kubeconfig "$work/kubeconfig" --identity "$work/id_ed25519" --known-hosts "$work/kubevirt_known_hosts" "$@"
}
if start_apiserver; then
  pass "the contract server host serves the rendered device with a Running instance"
  expect "kvedge health through the API server's portforward, in the real guest" "$(kv health 2>&1)" "healthy"
  expect "kvedge exec: the command runs as the spec's user and its exit code is passed on" "$(kv exec -- sh -c 'id -un; exit 3' 2>&1; echo "exit $?")" "azureuser
exit 3"
  logs=$(kv logs --tail 500 2>&1)
  if grep -q 'kvedge-converge' <<<"$logs"; then pass "kvedge logs: the aziot units' and the converge program's journal (sudo -n as the spec's user)"; else fail "kvedge logs: the aziot units' and the converge program's journal" "$(tail -n 3 <<<"$logs")"; fi
  expect "kvedge logs MODULE: iotedge logs in the guest" "$(kv logs edgeHub 2>&1)" "<6> edgeHub (stand-in): started"
  if kv support-bundle -o "$work/bundle.zip" 2>"$work/bundle.err"; then
    expect "kvedge support-bundle: iotedge's bundle, the converge journal, the health, the objects" \
      "$("$python" -c 'import sys, zipfile; print(" ".join(sorted(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if not n.startswith("objects/"))))' "$work/bundle.zip" 2>&1)" \
      "iotedge-support-bundle.zip kvedge-converge.log kvedge-health.json"
    expect "... iotedge's bundle is what iotedge support-bundle --output - wrote" \
      "$("$python" -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("iotedge-support-bundle.zip").decode().strip())' "$work/bundle.zip" 2>&1)" \
      "iotedge support bundle (stand-in) 1.6.0-1"
    expect "... and holds no credential" \
      "$("$python" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(sum(sys.argv[2].encode() in z.read(n) for n in z.namelist()))' "$work/bundle.zip" "$key1" 2>&1)" "0"
  else
    fail "kvedge support-bundle through the API server" "$(tail -n 3 "$work/bundle.err")"
  fi
else
  fail "the contract server host serves the rendered device with a Running instance"
fi
edge_hub stopped
expect "a stopped (stand-in) edgeHub: unhealthy, with the reason" "$(health; echo "exit $?")" "failed: edgeHub is stopped
exit 1"
expect "... and kvedge health says so through the API server, exit 1" "$(kv health 2>/dev/null; echo "exit $?")" "failed: edgeHub is stopped
exit 1"
stop_apiserver
expect "... and the readiness probe fails" "$(probe 2>&1)" "1 failed: edgeHub is stopped"
edge_hub running
expect "edgeHub running again: healthy" "$(probe 2>&1)" "0 healthy"
marker=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
check "a file can be written to the data disk" guest "echo $marker | sudo tee /var/lib/edge-data/e2e-marker >/dev/null && sync"
installs_before=$(installs | wc -l)
stop_vm

# --- second boot ---------------------------------------------------------------------------------------------------

echo "# second boot: nothing changed"
boot second "$work/objects1.json" "$rootA" up "$converged" || die "the second boot did not converge"
second=$boot_seconds
pass "second boot: converged after ${second} s"
check "the converge program reports no changes" grep -q "$converged [0-9]*s: no changes" "$work/serial-second.log"
expect "nothing was re-installed" "$(installs | wc -l)" "$installs_before"
expect "'iotedge config apply' did not run again" "$(calls | wc -l)" "1"
expect "the file on the data disk survived the reboot" "$(guest cat /var/lib/edge-data/e2e-marker)" "$marker"
# As if an older kvedge had installed this device: its converge program differs from the one on the config disk.
check "the installed converge program is made an older release's" \
  guest "echo '# an older kvedge release' | sudo tee -a /usr/local/lib/kvedge/kvedge-converge >/dev/null"

# --- changed credentials and pin, rolled out -----------------------------------------------------------------------

echo "# third boot: new credentials (a new connection string) and a pin change (aziot-edge 1.6.0 -> 1.5.21), rolled with"
echo "# kvedge upgrade --rollout through the contract server, whose KubeVirt simulator restarts the instance with this"
echo "# guest behind it: shut down, booted from the VM as the server holds it after the upgrade, the readiness probe run"
echo "# in it through the agent (a double of KubeVirt, not KubeVirt)"
mkdir -p "$work/rollout"
# Seeded as `kvedge install` of the second boot's objects left them; its requests on its standard output, the harness's
# answers on its standard input (tests/ContractServerHost/LineGuest.cs).
coproc HOST { KVEDGE_REPO=$repo exec dotnet "$apiserver" "$work/kubeconfig-rollout" "$work/objects1.json" "$ssh_port" --guest-hooks "$work/rollout" 2>"$work/apiserver-rollout.log"; }
apiserver_pid=$HOST_PID
host_line=""
read -r -t 60 -u "${HOST[0]}" host_line || true
[ "$host_line" = ready ] || die "the contract server host with guest hooks did not start: $(tail -n 5 "$work/apiserver-rollout.log")"
spec_args 2
kvedge upgrade "${spec[@]}" --set spec.iotEdge.version=1.5.21 --kubeconfig "$work/kubeconfig-rollout" --rollout \
  --progress-deadline 15m >"$work/rollout.out" 2>"$work/rollout.err" &
upgrade_pid=$!
stops=0 boots=0 probes=0 third=""
while kill -0 "$upgrade_pid" 2>/dev/null; do
  read -r -t 1 -u "${HOST[0]}" verb _ _ file || continue
  case $verb in
  stop)
    stop_vm
    stops=$((stops + 1))
    echo stopped >&"${HOST[1]}"
    ;;
  boot)
    boots=$((boots + 1))
    cp "$file" "$work/objects-third.json"
    if boot third "$work/objects-third.json" "$rootA" up "$converged" && agent_answers >/dev/null; then
      third=$boot_seconds
    else
      echo "e2e: the rolled-out boot did not converge or its agent did not answer" >&2
    fi
    echo booted >&"${HOST[1]}"
    ;;
  probe)
    probes=$((probes + 1))
    verdict=$(probe 2>/dev/null) || verdict="1 the probe could not run"
    echo "$verdict" >&"${HOST[1]}"
    ;;
  esac
done
wait "$upgrade_pid"
expect "kvedge upgrade --rollout ends 0: the device restarted and Ready on its new instance" "$?" "0"
[ -n "$third" ] || die "the third boot did not converge"
pass "third boot: converged after ${third} s"
expect "the rollout restarted the device once: one shutdown, one boot" "$stops $boots" "1 1"
check "its view: the wave, then the device updated" grep -qx 'e2e/e2e-edge-01: updated (Ready on a new instance)' "$work/rollout.err"
check "... and the rollout complete" grep -qx 'rollout complete: 1 device(s) restarted and Ready, 1 wave(s)' "$work/rollout.err"
check "the readiness probe ran in the guest before the device counted as Ready" test "$probes" -ge 1
wait_serial "$applied" 300 >/dev/null || fail "the changed config was applied"
expect "/etc/aziot/config.toml follows the new credentials and pin" "$(config_sha)" "$(cat "$work/config-pin.sha256")"
expect "'iotedge config apply' ran again, on the new config" \
  "$(calls | tail -n 1)" "config apply -c /etc/aziot/config.toml $(cat "$work/config-pin.sha256")"
check "the restarted guest installed the new pin" grep -q 'kvedge-converge: changed: installed .*aziot-edge=1.5.21-1' "$work/serial-third.log"
expect "it runs the new pin and the identity service that goes with it, and nothing else was re-installed" \
  "$(guest dpkg-query -W -f="'\${Package}=\${Version} '" aziot-edge aziot-identity-service moby-engine)$(installs | wc -l)" \
  "aziot-edge=1.5.21-1 aziot-identity-service=1.5.6-1 moby-engine=27.3.1-ubuntu24.04u1 $((installs_before + 2))"
expect "the pins are held" "$(guest apt-mark showhold | sort | tr '\n' ' ')" "aziot-edge aziot-identity-service moby-containerd moby-engine moby-runc "
check "the older program found the config disk's and ran it" \
  grep -q 'kvedge-converge: changed: the converge program (a new version from the config disk)' "$work/serial-third.log"
expect "the installed converge program is now the config disk's" \
  "$(guest sha256sum /usr/local/lib/kvedge/kvedge-converge | cut -d' ' -f1)" "$(rendered_sha "$work/objects-third.json" ConfigMap kvedge-converge)"
expect "the guest reports healthy through the readiness probe" "$(probe 2>&1 | cut -d' ' -f1)" "0"
expect "kvedge rollout status: the device Updated and Ready" \
  "$(kvedge rollout status "${spec[@]}" --kubeconfig "$work/kubeconfig-rollout" 2>/dev/null | awk '$2 == "e2e-edge-01" { print $3, $4 }')" "Updated True"
expect "the file on the data disk survived the rollout's restart" "$(guest cat /var/lib/edge-data/e2e-marker)" "$marker"
no_leaks "first VM"
stop_apiserver
stop_vm

# --- re-created VM on the other image, repository down, then back ---------------------------------------------------

echo "# re-created VM on the other image (new root disk, same data disk), on a proxy-only site: the proxy is its only way"
echo "# out, and the package repository behind it unreachable, then back"
image_first=$image
image=$work/image-other
boot recreated "$work/objects-proxy.json" "$rootB" proxy-down 'kvedge-converge: ERROR' ||
  die "the boot with the repository down did not report an error"
check "the VM is reachable over SSH" guest true
# systemctl as root: the guest has no D-Bus, and only root reaches systemd without it.
error_line=$(guest sudo journalctl -b -u kvedge-converge.service --no-pager -o cat | grep 'ERROR' | head -n 1)
if grep -q 'cannot reach the package repository http://10.0.2.100/standin' <<<"$error_line"; then
  pass "the journal names the problem: $error_line"
else
  fail "the journal names the problem" "first error: '$error_line'"
fi
# (The readiness probe fails here anyway: this image has no guest agent until converge installs it.)
out=$(health 2>&1; echo "exit $?")
if grep -qE '^failed: converge failed(, systemd retries it)?: cannot reach the package repository http://10.0.2.100/standin' <<<"$out" &&
  [ "$(tail -n 1 <<<"$out")" = "exit 1" ]; then
  pass "before converge succeeds, the health program says unhealthy, with converge's error: $(head -n 1 <<<"$out")"
else
  fail "before converge succeeds, the health program says unhealthy, with converge's error" "$out"
fi
check "converge retried within its run before it failed" grep -q 'kvedge-converge: apt-get update of http://10.0.2.100/standin failed; attempt 3 in' "$work/serial-recreated.log"
check "apt asked the proxy (its upstream down: 502), not the repository" grep -q '^GET http://10.0.2.100/standin/dists/bookworm/.* 502$' "$work/proxy-recreated.log"
rm -f "$work/repo-down"
echo "# ... the repository is back; no reboot"
recovered=$(wait_serial "$converged" 600) || die "converge did not recover in the same boot once the repository was back"
pass "systemd restarted the failed unit and it converged in the same boot (${recovered} s after qemu start)"
expect "kvedge-converge.service ended active, after restarts" \
  "$(guest sudo systemctl show -p ActiveState --value kvedge-converge.service) $(guest sudo systemctl show -p NRestarts --value kvedge-converge.service | sed 's/^[1-9][0-9]*$/restarted/')" "active restarted"
wait_serial "$applied" 300 >/dev/null || fail "the config was applied on the re-created VM"
expect "pinned versions installed" "$(installs | sort -s -k1,1 -t: | tr '\n' ' ')" \
  "aziot-edge:all 1.6.0-1 aziot-identity-service:all 1.6.0-1 moby-containerd:all 1.7.23-ubuntu24.04u1 moby-engine:all 27.3.1-ubuntu24.04u1 moby-runc:all 1.1.14-ubuntu24.04u1 moby-tini:all 0.19.0-ubuntu24.04u2 "
expect "/etc/aziot/config.toml equals 'kvedge config-toml --show-secrets'" "$(config_sha)" "$(cat "$work/config-proxy.sha256")"
expect "after converge and apply, the readiness probe passes (a new root disk: no deployment yet)" "$(probe 2>&1)" "0 $fresh"
expect "apt's proxy settings, from spec.iotEdge.proxy" "$(guest cat /etc/apt/apt.conf.d/80kvedge-proxy | grep -v '^//' | tr '\n' ' ')" \
  'Acquire::http::Proxy "http://10.0.2.101:3128"; Acquire::https::Proxy "http://10.0.2.101:3128"; Acquire::http::Proxy::localhost "DIRECT"; Acquire::https::Proxy::localhost "DIRECT"; '
check "the guest agent came from the distribution's mirror through the proxy" grep -qE '^GET http://10.0.2.100/debian/pool/(.*/)?qemu-guest-agent_[^ ]* 200$' "$work/proxy-recreated.log"
check "the pinned IoT Edge packages came from the repository through the proxy" grep -q '^GET http://10.0.2.100/standin/pool/aziot-edge_1.6.0-1_all.deb 200$' "$work/proxy-recreated.log"
check "there was no other way: nothing reached the repository's address directly" test ! -e "$work/http-recreated.log"
expect "the file on the data disk survived the VM re-creation, not formatted again" "$(guest cat /var/lib/edge-data/e2e-marker)" "$marker"
check "this image's uid 483 is another user's: converge said so" grep -q 'kvedge-converge: note: uid 483 is taken on this image; user aziotid gets a free one' "$work/serial-recreated.log"
check "and moved aziotid's state to its new uid" grep -q 'kvedge-converge: changed: aziot state of user aziotid moved from uid 483 to' "$work/serial-recreated.log"
expect "the aziot state belongs to this image's users" "$(state_owners)" "keyd=0 certd=0 identityd=0 tpmd=0 edged=0 "
check "aziotid reads its state (identityd's provisioning backup) under its new uid" guest sudo -u aziotid cat /var/lib/aziot/identityd/prev-state/device_info
expect "'iotedge config apply' ran on the re-created VM and its daemons found their state" \
  "$(calls | tail -n 1)" "config apply -c /etc/aziot/config.toml $(cat "$work/config-proxy.sha256")"
image=$image_first

# --- credentials never logged --------------------------------------------------------------------------------------

# The key is searched for on this side of the pipe: as an argument of a sudo command it would land in the journal.
expect "control: the credential is where it belongs (config.toml), so the searches below can find one" \
  "$(guest sudo cat /etc/aziot/config.toml | grep -cF -- "$key2")" "1"
expect "no credential in the health program's JSON" "$(health --json | grep -cF -- "$key2")" "0"
no_leaks "re-created VM"
stop_vm

# --- image bake ------------------------------------------------------------------------------------------------------

echo "# image bake: the pinned packages baked into the guest image; a new device from it converges offline"
repo_port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The bake guest is on qemu's plain user network, where the image's distribution mirror (10.0.2.100) does not exist:
# its repository is a site mirror that carries the distribution's packages as well as IoT Edge's.
bash "$e2e/standin-repo.sh" "$work/repo/standin-site" bookworm "$image/debian/pool" || die "building the site repository failed"
"$python" -m http.server "$repo_port" --bind 127.0.0.1 --directory "$work/repo" >"$work/http-bake.log" 2>&1 &
repo_server=$!
# The bake guest uses qemu's ordinary user-mode NAT, where the host's 127.0.0.1 is 10.0.2.2.
if kvedge image bake --base "$image/root.qcow2" --kernel "$image/vmlinuz" --initrd "$image/initrd.img" \
  -f "$e2e/device.yaml" --set "spec.ssh.authorizedKeys[0]=$(cat "$work/id_ed25519.pub")" \
  --set-file "spec.iotEdge.packageRepository.signingKey=$work/repo-key.asc" \
  --set "spec.iotEdge.packageRepository.url=http://10.0.2.2:$repo_port/standin-site" --set-file "spec.iotEdge.credentials.connectionString=$work/cs1.txt" \
  --tag localhost/kvedge/e2e-baked:1 --oci-layout "$work/baked-layout" >"$work/bake.out" 2>"$work/bake.err"; then
  pass "kvedge image bake finished: $(grep -E '^(baked in|booting)' "$work/bake.err" | tr '\n' ' ')"
else
  kill "$repo_server" 2>/dev/null || true
  die "kvedge image bake: $(tail -n 3 "$work/bake.err" | tr '\n' ' ')"
fi
kill "$repo_server" 2>/dev/null || true
check "the bake fetched the pinned packages from the repository" grep -q 'GET /standin-site/pool/aziot-edge_1.6.0-1_all.deb' "$work/http-bake.log"
check "the bake fetched the guest agent" grep -q 'GET /standin-site/pool/qemu-guest-agent_' "$work/http-bake.log"
check "the containerDisk holds the baked disk (umoci unpack)" umoci unpack --rootless --image "$work/baked-layout:1" "$work/baked-bundle"
baked_disk=$work/baked-bundle/rootfs/disk/disk.qcow2
check "the baked disk passes qemu-img check" qemu-img check -q "$baked_disk"
mkdir -p "$work/baked-image"
ln -sf "$baked_disk" "$work/baked-image/root.qcow2"
ln -sf "$image/vmlinuz" "$work/baked-image/vmlinuz"
ln -sf "$image/initrd.img" "$work/baked-image/initrd.img"
rm -f "$work"/disks/*
base_image=$image
image=$work/baked-image
echo "# ... the new device is a DPS TPM device, with a TPM 2.0 from swtpm"
boot baked-offline "$work/objects-tpm1.json" "$work/root-baked.qcow2" down "$converged" || die "the device from the baked image did not converge"
baked=$boot_seconds
pass "a new device from the baked image converged with the repository unreachable, after ${baked} s"
check "it found the packages already at their pins" grep -q 'kvedge-converge: packages at their pinned versions' "$work/serial-baked-offline.log"
check "it did not even try the repository" test ! -s "$work/http-baked-offline.log"
expect "pinned versions installed" "$(guest dpkg-query -W -f="'\${Package}=\${Version} '" moby-containerd moby-runc moby-engine aziot-identity-service aziot-edge)" \
  "aziot-edge=1.6.0-1 aziot-identity-service=1.6.0-1 moby-containerd=1.7.23-ubuntu24.04u1 moby-engine=27.3.1-ubuntu24.04u1 moby-runc=1.1.14-ubuntu24.04u1 "
wait_serial "$applied" 300 >/dev/null || fail "the config was applied on the baked device"
tpm_config=$(guest sudo sha256sum /etc/aziot/config.toml | cut -d' ' -f1)
expect "'iotedge config apply' ran once, and no reprovision" "$(calls)" "config apply -c /etc/aziot/config.toml $tpm_config"
expect "the baked image carried no cloud-init instance of the bake" "$(guest sudo ls /var/lib/cloud/instances | grep -c kvedge-bake)" "0"
if version=$(agent_answers 2>&1); then pass "the baked guest agent answers from the host (qemu-ga $version)"; else fail "the baked guest agent answers" "$version"; fi
expect "the TPM's device node is aziottpm's (the udev rule converge wrote)" "$(guest "stat -c '%U %a' /dev/tpmrm0")" "aziottpm 660"
check "the stand-in aziot-tpmd, as aziottpm, gets an answer from the TPM" guest sudo systemctl start aziot-tpmd.service
check "... and says so" guest "sudo journalctl -b -u aziot-tpmd.service --no-pager -o cat | grep -q 'TPM2_GetRandom through /dev/tpmrm0 as aziottpm: ok'"
# kvedge tpm ek: the endorsement key a DPS TPM enrollment needs, read in the guest with tpm2-tools (baked into the
# image) from swtpm's TPM, through the API server as the other guest verbs; a new VM has new host keys.
tpm_ek() {
  kvedge tpm ek e2e-edge-01 -n e2e --kubeconfig "$work/kubeconfig" --identity "$work/id_ed25519" --known-hosts "$work/kubevirt_known_hosts_tpm" -o json
}
if start_apiserver "$work/objects-tpm1.json"; then
  if ek_json=$(tpm_ek 2>"$work/tpm-ek.err"); then
    expect "kvedge tpm ek: an RSA 2048 endorsement key whose registration ID is its SHA-256" \
      "$("$python" -c 'import base64, hashlib, json, sys; k = json.loads(sys.argv[1]); print(k["algorithm"], k["keyBits"], hashlib.sha256(base64.b64decode(k["endorsementKey"])).hexdigest() == k["registrationId"])' "$ek_json" 2>&1)" \
      "rsa 2048 True"
    tpm_ek_first=$ek_json
  else
    fail "kvedge tpm ek reads the endorsement key" "$(tail -n 3 "$work/tpm-ek.err")"
  fi
  stop_apiserver
else
  fail "the contract server host serves the DPS TPM device"
fi
no_leaks "baked VM"
stop_vm

echo "# ... the same DPS device, its trust bundle changed"
boot tpm-trust "$work/objects-tpm2.json" "$work/root-baked.qcow2" down "$converged" || die "the DPS device did not converge with its new trust bundle"
tpm_trust=$boot_seconds
pass "the DPS device converged with its new trust bundle after ${tpm_trust} s"
wait_serial "$applied" 300 >/dev/null || fail "the changed config was applied on the DPS device"
check "converge saw the trust bundle change" grep -q 'kvedge-converge: changed: trust bundle' "$work/serial-tpm-trust.log"
expect "'iotedge config apply' ran again and 'iotedge system reprovision' did not (identityd keeps its backup)" \
  "$(calls | cut -d' ' -f1-3 | tr '\n' ' ')" "config apply -c config apply -c "
check "the TPM (its state kept by swtpm, as a persistent vTPM) still answers aziot-tpmd" guest sudo systemctl restart aziot-tpmd.service
if start_apiserver "$work/objects-tpm2.json"; then
  expect "... and its endorsement key is the one read before the restart (the enrollment still fits)" "$(tpm_ek 2>/dev/null)" "${tpm_ek_first:-none read}"
  stop_apiserver
else
  fail "the contract server host serves the DPS TPM device again"
fi
image=$base_image
stop_vm

# --- timings -------------------------------------------------------------------------------------------------------

ratio() { "$python" -c "print(f'{$1 / $2:.2f}')"; }
echo "# timings (qemu start to the console line; TCG, $(nproc) host cores)"
echo "bare boot, cloud-init finished:   ${bare} s"
echo "first boot, converged:            ${first} s ($(ratio "$first" "$bare")x bare; config applied at ${first_applied} s)"
echo "second boot, converged:           ${second} s ($(ratio "$second" "$bare")x bare; target <= 1.1x)"
echo "rolled out (credentials, pin):    ${third} s ($(ratio "$third" "$bare")x bare)"
echo "baked image, first boot, offline: ${baked} s ($(ratio "$baked" "$bare")x bare; target <= 1.2x; a DPS TPM device)"
echo "DPS device, trust bundle changed: ${tpm_trust} s ($(ratio "$tpm_trust" "$bare")x bare)"
echo "boots restarted after a hung emulated kernel: $restarts"
summary
[ "$failed" -eq 0 ]
