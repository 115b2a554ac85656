#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Finds the control-plane binaries envtest needs (kube-apiserver and etcd)
# and prints the directory to use as KUBEBUILDER_ASSETS on stdout; progress
# goes to stderr. In order:
#   1. KUBEBUILDER_ASSETS, when it is set and holds both binaries;
#   2. the store below, when an earlier run filled it;
#   3. setup-envtest's download of the release (seconds, where the machine
#      can reach the envtest release index);
#   4. a build from the Go module proxy (several minutes on two cores),
#      for machines that reach nothing else.
# Binaries land in a versioned store outside the repository and are
# reused.
#
# Environment:
#   ENVTEST_K8S_VERSION    kube-apiserver release (default 1.37.2)
#   ENVTEST_ETCD_VERSION   etcd release (default 3.6.16), for the build
#   ENVTEST_ASSETS_STORE   store root (default: the user cache dir)
#   SETUP_ENVTEST_VERSION  setup-envtest release (default v0.25.1); "none"
#                          skips the download
set -euo pipefail

if [[ -n "${KUBEBUILDER_ASSETS:-}" && -x "${KUBEBUILDER_ASSETS}/kube-apiserver" && -x "${KUBEBUILDER_ASSETS}/etcd" ]]; then
  echo "envtest-assets: using KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS}" >&2
  echo "${KUBEBUILDER_ASSETS}"
  exit 0
fi

k8s_version="${ENVTEST_K8S_VERSION:-1.37.2}"
etcd_version="${ENVTEST_ETCD_VERSION:-3.6.16}"
store="${ENVTEST_ASSETS_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/scim-operator/envtest}"
goos="$(go env GOOS)"
goarch="$(go env GOARCH)"
dest="${store}/k8s/${k8s_version}-etcd${etcd_version}-${goos}-${goarch}"

log() { echo "envtest-assets: $*" >&2; }

if [[ -x "${dest}/kube-apiserver" && -x "${dest}/etcd" ]]; then
  echo "${dest}"
  exit 0
fi

mkdir -p "${store}"
# Two builds of the same assets at once would waste a quarter of an hour;
# the second waits for the first and then reuses its result.
exec 9>"${store}/.lock"
flock 9
if [[ -x "${dest}/kube-apiserver" && -x "${dest}/etcd" ]]; then
  echo "${dest}"
  exit 0
fi

setup_envtest_version="${SETUP_ENVTEST_VERSION:-v0.25.1}"
if [[ "${setup_envtest_version}" != none ]]; then
  log "trying setup-envtest ${setup_envtest_version} download of ${k8s_version}"
  downloaded="$(timeout 300 go run "sigs.k8s.io/controller-runtime/tools/setup-envtest@${setup_envtest_version}" \
    use "${k8s_version}" --bin-dir "${store}/setup-envtest" -p path 2>/dev/null)" || downloaded=""
  if [[ -n "${downloaded}" && -x "${downloaded}/kube-apiserver" && -x "${downloaded}/etcd" ]]; then
    log "downloaded to ${downloaded}"
    echo "${downloaded}"
    exit 0
  fi
  log "no download of ${k8s_version} can be had here; building from source"
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${dest}.partial"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off

build_etcd() {
  local dir="${work}/etcd"
  mkdir -p "${dir}"
  cat >"${dir}/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "${dir}"
    go mod init envtest/etcd >/dev/null 2>&1
    go mod edit -require="go.etcd.io/etcd/server/v3@v${etcd_version}"
    go mod tidy >&2
    go build -trimpath -ldflags=-s -o "${dest}.partial/etcd" .
  )
}

build_kube_apiserver() {
  local dir="${work}/kube-apiserver" gomod minor
  mkdir -p "${dir}"
  minor="$(cut -d. -f2 <<<"${k8s_version}")"
  patch="$(cut -d. -f3 <<<"${k8s_version}")"
  gomod="$(go mod download -json "k8s.io/kubernetes@v${k8s_version}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  (
    cd "${dir}"
    go mod init envtest/kube-apiserver >/dev/null 2>&1
    go mod edit -require="k8s.io/kubernetes@v${k8s_version}"
    # k8s.io/kubernetes points its staging modules at its own tree; outside
    # it they must come from their published v0.<minor>.<patch> releases.
    grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/' "${gomod}" | awk '{print $1}' |
      while read -r mod; do
        go mod edit -replace="${mod}=${mod}@v0.${minor}.${patch}"
      done
    cat >tools.go <<'GO'
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
    go mod tidy >&2
    local pkg=k8s.io/component-base/version
    go build -trimpath -o "${dest}.partial/kube-apiserver" \
      -ldflags "-s -X ${pkg}.gitVersion=v${k8s_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z" \
      k8s.io/kubernetes/cmd/kube-apiserver
  )
}

log "building etcd v${etcd_version} (once; cached in ${dest})"
build_etcd
log "building kube-apiserver v${k8s_version} (once; about 8 minutes on 2 cores)"
build_kube_apiserver

rm -rf "${dest}"
mv "${dest}.partial" "${dest}"
log "done"
echo "${dest}"
