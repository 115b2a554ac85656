#!/usr/bin/env bash
# Builds the kubectl-scim release archives into dist/krew/ and writes the
# krew plugin manifest for them, with each archive's sha256, for the
# release VERSION (a tag such as v0.1.0). Upload the archives to the
# release, then submit dist/krew/scim.yaml to a krew index.
set -euo pipefail
version="${1:?usage: $0 VERSION}"
repo="${RELEASE_REPO:-https://github.com/scim-operator/scim-operator}"
out=dist/krew
rm -rf "${out}"
mkdir -p "${out}"

platforms=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)
entries=""
for p in "${platforms[@]}"; do
  os="${p%/*}" arch="${p#*/}"
  bin=kubectl-scim
  [[ "${os}" == windows ]] && bin=kubectl-scim.exe
  stage="$(mktemp -d)"
  CGO_ENABLED=0 GOOS="${os}" GOARCH="${arch}" go build -trimpath -ldflags=-s -o "${stage}/${bin}" ./cmd/kubectl-scim
  cp LICENSE "${stage}/" 2>/dev/null || true
  archive="kubectl-scim_${version}_${os}_${arch}.tar.gz"
  tar -C "${stage}" -czf "${out}/${archive}" .
  rm -rf "${stage}"
  sum="$(sha256sum "${out}/${archive}" | cut -d' ' -f1)"
  entries+="  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${repo}/releases/download/${version}/${archive}
    sha256: ${sum}
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
${entries}YAML
echo "${out}/scim.yaml"
