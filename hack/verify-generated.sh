#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Fails when the committed CRDs, RBAC or deepcopy code differ from what
# controller-gen makes of the markers, without touching the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CONTROLLER_GEN:?CONTROLLER_GEN must name the controller-gen binary}"

out="$(mktemp -d)"
trap 'rm -rf "${out}"' EXIT

"${CONTROLLER_GEN}" crd paths="./api/..." output:crd:artifacts:config="${out}/crd"
"${CONTROLLER_GEN}" rbac:roleName=controller-role paths="./controllers/..." output:rbac:artifacts:config="${out}/rbac/controller"
"${CONTROLLER_GEN}" rbac:roleName=server-role paths="./scimwebhook/..." output:rbac:artifacts:config="${out}/rbac/server"
"${CONTROLLER_GEN}" object:headerFile=hack/boilerplate.go.txt paths="./api/..." \
  output:object:dir="${out}/object"

status=0
diff -ru config/crd/bases "${out}/crd" || status=1
diff -u config/rbac/controller/role.yaml "${out}/rbac/controller/role.yaml" || status=1
diff -u config/rbac/server/role.yaml "${out}/rbac/server/role.yaml" || status=1
diff -u api/v1alpha1/zz_generated.deepcopy.go "${out}/object/zz_generated.deepcopy.go" || status=1
if [[ ${status} -ne 0 ]]; then
  echo "generated files are out of date: run 'make manifests generate' and commit the result" >&2
fi
exit ${status}
