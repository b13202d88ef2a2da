#!/usr/bin/env bash
# Writes a fleet file of N devices (default 1000) to stdout, varied like a real site:
# several namespaces, every root-disk source, every exposure type.
set -euo pipefail
n=${1:-1000}
key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGj12ED+RvJ0udG+wWO2WBALQhF7whJ4zbMyMiE7aDRk ops@factory-a'
types=(ClusterIP NodePort LoadBalancer None)
for ((i = 0; i < n; i++)); do
  ns="site-$((i % 10))"
  type=${types[$((i % 4))]}
  printf -- '---\napiVersion: kvedge.io/v1alpha1\nkind: EdgeDevice\nmetadata:\n  name: edge-%04d\n  namespace: %s\n  labels: {line: "l%d"}\nspec:\n' "$i" "$ns" "$((i % 7))"
  printf '  cpu: {cores: %d}\n  memory: %dGi\n' "$((2 + i % 3))" "$((4 + i % 4))"
  printf '  ssh:\n    authorizedKeys: ["%s"]\n' "$key"
  case $((i % 3)) in
    0) printf '  rootDisk: {registry: {url: "docker://quay.io/containerdisks/ubuntu:24.04"}, size: 24Gi}\n' ;;
    1) printf '  rootDisk: {http: {url: "https://images.example.com/ubuntu-24.04.qcow2"}}\n' ;;
    2) printf '  rootDisk: {dataSource: {name: ubuntu-2404, namespace: golden}}\n' ;;
  esac
  printf '  dataDisk: {size: 16Gi, storageClassName: fast}\n'
  case $((i % 2)) in
    0) printf '  iotEdge:\n    provisioning: {source: dps, method: symmetricKey, idScope: 0ne00000A0A, registrationId: edge-%04d}\n    credentials: {existingSecret: edge-%04d-iotedge}\n' "$i" "$i" ;;
    1) printf '  iotEdge:\n    provisioning: {source: manual, method: connectionString}\n    credentials: {existingSecret: edge-%04d-iotedge}\n' "$i" ;;
  esac
  if [ "$type" = None ]; then
    printf '  expose: {type: None}\n'
  else
    printf '  expose:\n    type: %s\n    ports: [{name: mqtts, port: 8883}, {name: amqps, port: 5671}]\n' "$type"
  fi
done
