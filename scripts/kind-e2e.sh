#!/usr/bin/env bash
# kvedge against a real cluster: kind + KubeVirt + CDI at pinned versions, then install, status, upgrade and uninstall
# of examples/minimal.yaml. For a machine with Docker, kind, kubectl and /dev/kvm (hardware virtualization); it cannot
# run in kvedge's CI, whose machines have none of these, which is why the contract server exists. Nothing here is a
# double: the VM boots the Ubuntu cloud image from quay.io/containerdisks through CDI.
#
#   bash scripts/kind-e2e.sh            # KEEP_CLUSTER=1 keeps the cluster afterwards
#
# Sources: kind quick start (https://kind.sigs.k8s.io/docs/user/quick-start/), KubeVirt's installation guide
# (https://kubevirt.io/user-guide/cluster_admin/installation/), CDI's deploy instructions
# (https://github.com/kubevirt/containerized-data-importer#deploy-it).
set -euo pipefail

KUBEVIRT_VERSION=v1.9.0
CDI_VERSION=v1.66.0
# A kind node image for Kubernetes 1.35; pin its digest from the kind release notes for reproducible runs.
KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-kindest/node:v1.35.0}
CLUSTER=${KIND_CLUSTER_NAME:-kvedge-e2e}
NS=kvedge-e2e
DEVICE=edge-minimal
root=$(cd "$(dirname "$0")/.." && pwd)

need() { command -v "$1" >/dev/null || { echo "kind-e2e: $1 is required ($2)" >&2; exit 3; }; }
need docker "https://docs.docker.com/engine/install/"
need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need dotnet "the .NET 10 SDK"
[ -c /dev/kvm ] || { echo "kind-e2e: /dev/kvm is missing: KubeVirt needs hardware virtualization on this machine" >&2; exit 3; }

kvedge() { dotnet run --project "$root/src/KVEdge.Cli" -v q -- "$@"; }

cleanup() {
  if [ "${KEEP_CLUSTER:-0}" != 1 ]; then kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "== kind cluster $CLUSTER ($KIND_NODE_IMAGE)"
kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --image "$KIND_NODE_IMAGE" --wait 5m
kubectl config use-context "kind-$CLUSTER" >/dev/null

echo "== KubeVirt $KUBEVIRT_VERSION"
kubectl apply -f "https://github.com/kubevirt/kubevirt/releases/download/$KUBEVIRT_VERSION/kubevirt-operator.yaml"
kubectl apply -f "https://github.com/kubevirt/kubevirt/releases/download/$KUBEVIRT_VERSION/kubevirt-cr.yaml"
kubectl -n kubevirt wait kv kubevirt --for condition=Available --timeout=15m

echo "== CDI $CDI_VERSION"
kubectl apply -f "https://github.com/kubevirt/containerized-data-importer/releases/download/$CDI_VERSION/cdi-operator.yaml"
kubectl apply -f "https://github.com/kubevirt/containerized-data-importer/releases/download/$CDI_VERSION/cdi-cr.yaml"
kubectl wait cdi cdi --for condition=Available --timeout=15m

echo "== the device's namespace and its (fake, never-authenticating) IoT Hub credential"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" create secret generic "$DEVICE-iotedge" \
  --from-literal=connection-string='HostName=kvedge-e2e.azure-devices.net;DeviceId=edge-minimal;SharedAccessKey=c2VjcmV0LWtleS1mb3Ita2luZC1lMmUtdGVzdHMwMQ==' \
  --dry-run=client -o yaml | kubectl apply -f -

echo "== kvedge preflight, install --wait, status"
kvedge preflight -f "$root/examples/minimal.yaml" -n "$NS"
kvedge install -f "$root/examples/minimal.yaml" -n "$NS" --wait --timeout 30m
kvedge status -n "$NS"

echo "== kvedge upgrade (more memory) --restart --wait, then unchanged"
kvedge upgrade -f "$root/examples/minimal.yaml" -n "$NS" --set spec.memory=6Gi --restart --wait --timeout 15m
kvedge install -f "$root/examples/minimal.yaml" -n "$NS" --set spec.memory=6Gi

echo "== kvedge uninstall keeps the data disk"
kvedge uninstall "$DEVICE" -n "$NS"
kubectl -n "$NS" get dv "$DEVICE-data"
echo "kind-e2e: passed"
