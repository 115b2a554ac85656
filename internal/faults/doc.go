// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package faults holds the fault suite: the operator under steady SCIM
// load while the API server becomes unreachable, replicas are killed and
// the leader dies, with a ledger of every answer checked against what is
// stored afterwards. Its tests carry the build tag "faults" and run with
// 'make test-faults', apart from 'make test'.
package faults
