#!/bin/sh
# The stand-in guest's login shell (sshd's ForceCommand in tests/KVEdge.Testing/StandInGuestSshd.cs): runs what the
# client asked for as a KubeVirt guest's shell would, with the guest's files under $KVEDGE_ROOT and the stand-in
# commands (iotedge, systemctl, journalctl, sudo) first on PATH. A test double of the guest, not a guest: the real
# guest (real cloud-init, systemd, sudo, the health program against the stand-in packages) is tests/e2e.
here=$(dirname "$0")
KVEDGE_ROOT=$here/root
PATH=$here/bin:$PATH
export KVEDGE_ROOT PATH
echo "${SSH_ORIGINAL_COMMAND:-<login shell>}" >>"$here/commands.log"
if [ -z "${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec /bin/sh
fi
# The guest's fixed paths live under the stand-in root.
command=$(printf '%s' "$SSH_ORIGINAL_COMMAND" | sed "s#/usr/local/lib/kvedge/#$KVEDGE_ROOT/usr/local/lib/kvedge/#g")
# The vTPM: a file under the root stands for its device node, and tpm2-tools reach the test's swtpm
# (tests/KVEdge.Testing/SwtpmServer.cs) through the TCTI the test wrote.
if [ -f "$here/tcti" ]; then
  command=$(printf '%s' "$command" | sed "s#device:/dev/tpmrm0#$(cat "$here/tcti")#g")
fi
command=$(printf '%s' "$command" | sed "s#/dev/tpmrm0#$KVEDGE_ROOT/dev/tpmrm0#g")
exec /bin/sh -c "$command"
