#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Builds the manager image: a static binary per platform from the whole
# module with the local Go toolchain, then the Dockerfile copies it onto
# the base image.
#
#   hack/image.sh build IMG        one image for this machine's platform
#   hack/image.sh buildx IMG       a multi-platform image (PLATFORMS): with
#                                  docker, built and pushed by buildx; with
#                                  podman, a local manifest list
#
# Environment:
#   CONTAINER_TOOL  docker (default) or podman, with any flags it needs
#                   (e.g. "podman --runtime /usr/sbin/runc")
#   BASE_IMAGE      the base; unset means gcr.io/distroless/static:nonroot,
#                   or scratch where that cannot be pulled (the binary needs
#                   nothing from the base but the non-root uid the
#                   Dockerfile sets)
#   PLATFORMS       os/arch list for buildx (default linux/amd64,linux/arm64)
#   BUILDX_OUTPUT   where docker buildx puts the image (default: pushed to
#                   the registry, type=registry)
#   VERSION         the release stamped into the binary (the Makefile's)
set -euo pipefail
cd "$(dirname "$0")/.."

read -ra tool <<<"${CONTAINER_TOOL:-docker}"
version="${VERSION:?set VERSION to the release, as the Makefile does}"
revision="${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
if [[ -z "${REVISION:-}" && -n "$(git status --porcelain 2>/dev/null)" ]]; then
  revision="${revision}-dirty"
fi
default_base=gcr.io/distroless/static:nonroot

log() { echo "image: $*" >&2; }

# binary builds the manager for os/arch into dist/image/<os>_<arch>/.
binary() {
  local os="${1%/*}" arch="${1#*/}"
  log "building the manager for ${os}/${arch} (${version}, ${revision})"
  CGO_ENABLED=0 GOOS="${os}" GOARCH="${arch}" go build -trimpath \
    -ldflags "-s -w -X github.com/scim-operator/scim-operator/internal/version.Version=${version} -X github.com/scim-operator/scim-operator/internal/version.Revision=${revision}" \
    -o "dist/image/${os}_${arch}/manager" .
}

# base prints the base image to build on: BASE_IMAGE when set (a base that
# was asked for by name must be there), else distroless where it is here or
# can be pulled, else scratch.
base() {
  if [[ -n "${BASE_IMAGE:-}" ]]; then
    echo "${BASE_IMAGE}"
    return
  fi
  if "${tool[@]}" image inspect "${default_base}" >/dev/null 2>&1 ||
    timeout 120 "${tool[@]}" pull "${default_base}" >/dev/null 2>&1; then
    echo "${default_base}"
    return
  fi
  log "${default_base} cannot be pulled here; building FROM scratch (set BASE_IMAGE to choose)"
  echo scratch
}

cmd="${1:?usage: $0 build IMG | buildx IMG}"
case "${cmd}" in
build)
  img="${2:?usage: $0 build IMG}"
  arch="$(go env GOARCH)"
  binary "linux/${arch}"
  "${tool[@]}" build --build-arg BASE_IMAGE="$(base)" --build-arg TARGETOS=linux --build-arg TARGETARCH="${arch}" \
    --build-arg VERSION="${version}" -t "${img}" .
  ;;
buildx)
  img="${2:?usage: $0 buildx IMG}"
  platforms="${PLATFORMS:-linux/amd64,linux/arm64}"
  for p in $(echo "${platforms}" | tr ',' ' '); do binary "${p}"; done
  case "$(basename "${tool[0]}")" in
  podman)
    # Only COPY runs per platform, so no emulator is needed.
    "${tool[@]}" manifest rm "${img}" >/dev/null 2>&1 || true
    "${tool[@]}" build --platform "${platforms}" --manifest "${img}" \
      --build-arg BASE_IMAGE="$(base)" --build-arg VERSION="${version}" .
    ;;
  *)
    "${tool[@]}" buildx build --platform "${platforms}" --output "${BUILDX_OUTPUT:-type=registry}" -t "${img}" \
      --build-arg BASE_IMAGE="$(base)" --build-arg VERSION="${version}" .
    ;;
  esac
  ;;
*)
  echo "usage: $0 build IMG | buildx IMG" >&2
  exit 2
  ;;
esac
