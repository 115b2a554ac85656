// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package brief renders lists for log lines, Events and conditions: a
// list of any length, from a request or a directory, must not make a line
// of any length.
package brief

import (
	"fmt"
	"strings"
)

// MaxIDs is how many ids IDs names.
const MaxIDs = 10

// IDs names the first MaxIDs ids and says how many more there are.
func IDs(ids []string) string {
	if len(ids) <= MaxIDs {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:MaxIDs], ", "), len(ids)-MaxIDs)
}
