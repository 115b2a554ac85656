// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command kubectl-scim is the kubectl plugin for scim-operator: tenants and
// their users as a platform team asks about them ("which users are
// waiting to be purged?", "why does Entra get 401?"), and the few actions
// a person takes by hand (restore, purge now, rotate a token). Installed
// on the PATH, it runs as `kubectl scim`.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	cmd := newRootCommand(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
