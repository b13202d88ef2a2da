#!/usr/bin/env bash
# Installs the real tools the tests use, from Debian's packages. Idempotent: skips what is already there.
#   cloud-init  -> `cloud-init schema` validates every rendered user-data (also brings python3-yaml, PyYAML)
#   ShellCheck  -> lints every shell script in the repository
set -euo pipefail

need=()
command -v cloud-init >/dev/null 2>&1 || need+=(cloud-init)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || need+=(python3-yaml)

if ((${#need[@]})); then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  echo "installing: ${need[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
