// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package brief

import (
	"fmt"
	"testing"
)

func TestIDs(t *testing.T) {
	many := make([]string, 55000)
	for i := range many {
		many[i] = fmt.Sprintf("id-%d", i)
	}
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{many[:MaxIDs], "id-0, id-1, id-2, id-3, id-4, id-5, id-6, id-7, id-8, id-9"},
		{many[:MaxIDs+1], "id-0, id-1, id-2, id-3, id-4, id-5, id-6, id-7, id-8, id-9 and 1 more"},
		{many, "id-0, id-1, id-2, id-3, id-4, id-5, id-6, id-7, id-8, id-9 and 54990 more"},
	} {
		if got := IDs(tc.ids); got != tc.want {
			t.Errorf("IDs of %d: got %q, want %q", len(tc.ids), got, tc.want)
		}
	}
}
