#!/usr/bin/env bash
# Copyright 2026 The scim-operator Authors
# SPDX-License-Identifier: Apache-2.0

# Fails when git tracks an executable file over 1 MiB. Built binaries go to
# bin/, which is ignored; one committed by mistake bloats every clone for
# good.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=$((1024 * 1024))
found=0
while IFS= read -r -d '' f; do
  [[ -f "${f}" ]] || continue
  size=$(stat -c %s "${f}")
  if (( size > limit )) && { [[ -x "${f}" ]] || head -c 4 "${f}" | grep -q $'^\x7fELF'; }; then
    echo "tracked executable over 1 MiB: ${f} (${size} bytes); build into bin/ and 'git rm --cached' it" >&2
    found=1
  fi
done < <(git ls-files -z)
exit ${found}
