#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Writes every artifact of release VERSION into dist/release/:
#   scim-operator_<version>_image.oci.tar   the image for linux/amd64 and
#                                           linux/arm64, as an OCI archive
#   install.yaml                            config/default with the image
#   scim-operator-<x.y.z>.tgz, index.yaml   the chart and its repository index
#   kubectl-scim_<version>_<os>_<arch>.tar.gz and scim.yaml
#                                           the plugin and its krew manifest
#   checksums.txt                           sha256 of each of the above
#   RELEASE_NOTES.md                        the version's CHANGELOG.md section
#
# Environment (the Makefile sets each): VERSION, IMAGE_REPO, KUSTOMIZE,
# HELM, CONTAINER_TOOL (docker with buildx, or podman), LDFLAGS, and
# optionally RELEASE_REPO, the project's URL the downloads live under.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${VERSION:?}"
if [[ ! "${version}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release: VERSION ${version} is not vMAJOR.MINOR.PATCH" >&2
  exit 1
fi
repo="${RELEASE_REPO:-https://github.com/scim-operator/scim-operator}"
downloads="${repo}/releases/download/${version}"
img="${IMAGE_REPO:?}:${version}"
read -ra tool <<<"${CONTAINER_TOOL:-docker}"
out=dist/release
log() { echo "release: $*" >&2; }

notes="$(awk -v v="${version}" '
  $0 ~ "^## \\[" v "\\]" { found = 1; next }
  found && /^## \[/ { exit }
  found { print }
' CHANGELOG.md)"
if [[ -z "${notes//[[:space:]]/}" ]]; then
  echo "release: CHANGELOG.md has no section ## [${version}]: write what the release changes first" >&2
  exit 1
fi

rm -rf "${out}"
mkdir -p "${out}"
printf '# scim-operator %s\n%s\n' "${version}" "${notes}" >"${out}/RELEASE_NOTES.md"

log "image ${img} for linux/amd64 and linux/arm64"
archive="${out}/scim-operator_${version}_image.oci.tar"
case "$(basename "${tool[0]}")" in
podman)
  # A list of its own: IMG may name a single-platform image already.
  list="localhost/scim-operator-release:${version}"
  CONTAINER_TOOL="${CONTAINER_TOOL}" PLATFORMS=linux/amd64,linux/arm64 hack/image.sh buildx "${list}"
  "${tool[@]}" manifest push --all --format oci "${list}" "oci-archive:${archive}:${version}"
  ;;
*)
  CONTAINER_TOOL="${CONTAINER_TOOL}" PLATFORMS=linux/amd64,linux/arm64 BUILDX_OUTPUT="type=oci,dest=${archive}" \
    hack/image.sh buildx "${img}"
  ;;
esac

log "install.yaml"
stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
cp -r config "${stage}/config"
(cd "${stage}/config/manager" && "${KUSTOMIZE:?}" edit set image "controller=${img}")
"${KUSTOMIZE}" build "${stage}/config/default" >"${out}/install.yaml"

log "the chart and its repository index"
"${HELM:?}" package dist/chart --version "${version#v}" --app-version "${version}" --destination "${out}" >/dev/null
"${HELM}" repo index "${out}" --url "${downloads}"

log "kubectl-scim archives and their krew manifest"
entries=""
for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
  os="${p%/*}" arch="${p#*/}"
  bin=kubectl-scim
  [[ "${os}" == windows ]] && bin=kubectl-scim.exe
  dir="${stage}/${os}_${arch}"
  mkdir -p "${dir}"
  CGO_ENABLED=0 GOOS="${os}" GOARCH="${arch}" go build -trimpath -ldflags "-s -w ${LDFLAGS:-}" -o "${dir}/${bin}" ./cmd/kubectl-scim
  cp LICENSE "${dir}/"
  files=("${bin}" LICENSE)
  if [[ "${os}" != windows ]]; then
    # What kubectl runs to complete the plugin's arguments.
    install -m 0755 cmd/kubectl-scim/kubectl_complete-scim "${dir}/"
    files+=(kubectl_complete-scim)
  fi
  name="kubectl-scim_${version}_${os}_${arch}.tar.gz"
  tar -C "${dir}" -czf "${out}/${name}" "${files[@]}"
  entries+="  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${downloads}/${name}
    sha256: $(sha256sum "${out}/${name}" | cut -d' ' -f1)
    bin: ${bin}
"
done
cat >"${out}/scim.yaml" <<YAML
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: scim
spec:
  version: ${version}
  homepage: ${repo}
  shortDescription: Inspect and operate scim-operator tenants and users
  description: |
    kubectl scim shows scim-operator's tenants and users as SCIM sees them
    (endpoint, readiness, counts, token age; users by phase; a user as the
    identity provider gets it), restores a deleted user, purges one now,
    rotates a tenant's token, lists provisioning events, and checks a
    tenant end to end with doctor.
  platforms:
YAML
printf '%s' "${entries}" >>"${out}/scim.yaml"

(cd "${out}" && sha256sum -- *.tar *.tar.gz *.tgz install.yaml index.yaml scim.yaml >checksums.txt)
log "wrote ${out}:"
ls -l "${out}" >&2
