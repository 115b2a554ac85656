#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Fails when a Go file or a shell script git tracks does not open with the
# license header of hack/boilerplate.go.txt (after a shell script's
# shebang line, or generated code's build constraint), so that every source file says what license it is under.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while IFS= read -r f; do
  case "${f}" in
  # controller-gen puts a build constraint above the header.
  *.go) header="$(sed -e '/^\/\/go:build/d' -e '/^$/d' "${f}" | head -n 2)" want="$(cat hack/boilerplate.go.txt)" ;;
  *) header="$(sed -n '2,3p' "${f}")" want="$(sed 's|^//|#|' hack/boilerplate.go.txt)" ;;
  esac
  [[ "${header}" == "${want}" ]] || missing+=("${f}")
done < <(git ls-files --cached --others --exclude-standard -- '*.go' '*.sh' .ci/run)

if ((${#missing[@]} > 0)); then
  echo "these files lack the license header of hack/boilerplate.go.txt:"
  printf '  %s\n' "${missing[@]}"
  exit 1
fi
