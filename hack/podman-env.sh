#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Prepares rootful podman for building and running the image here and
# prints the environment to use it, for `eval "$(hack/podman-env.sh)"`:
# CONTAINER_TOOL (podman with runc as its runtime) and CONTAINERS_CONF.
#
# Installs podman and runc from Debian's packages when they are missing
# and this runs as root. runc, because crun refuses hosts with the cgroup
# v1 hybrid layout; a containers.conf with the cgroupfs manager and no
# default ulimits, because a sandboxed host may neither reach systemd nor
# raise rlimits. Both work on ordinary hosts too.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "podman-env: $*" >&2; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    log "podman and runc are needed: install them with your package manager"
    exit 1
  fi
  log "installing podman and runc"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq podman runc >&2
fi

conf="$(pwd)/bin/containers.conf"
mkdir -p bin
cat >"${conf}" <<'CONF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
CONF

echo "export CONTAINERS_CONF='${conf}'"
echo "export CONTAINER_TOOL='podman --runtime $(command -v runc)'"
