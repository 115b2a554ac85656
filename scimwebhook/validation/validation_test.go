// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

func TestUserBounds(t *testing.T) {
	many := func(n int, value func(i int) string) []v1alpha1.MultiValuedAttribute {
		out := make([]v1alpha1.MultiValuedAttribute, n)
		for i := range out {
			out[i].Value = value(i)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		spec v1alpha1.ScimUserSpec
		want string // in the error; "" when the user is accepted
	}{
		{name: "small", spec: v1alpha1.ScimUserSpec{UserName: "u", Emails: many(32, func(i int) string { return fmt.Sprintf("%d@example.com", i) })}},
		{name: "long userName", spec: v1alpha1.ScimUserSpec{UserName: strings.Repeat("u", 513)}, want: "userName has 513 characters; at most 512"},
		{name: "too many emails", spec: v1alpha1.ScimUserSpec{UserName: "u", Emails: many(33, func(i int) string { return fmt.Sprintf("%d@example.com", i) })}, want: "emails has 33 values; at most 32"},
		{name: "long email", spec: v1alpha1.ScimUserSpec{UserName: "u", Emails: many(1, func(int) string { return strings.Repeat("a", 2049) + "@x" })}, want: "at most 2048"},
		{name: "too large", spec: v1alpha1.ScimUserSpec{UserName: "u", Entitlements: many(256, func(int) string { return strings.Repeat("e", 2000) })}, want: "at most 65536 are stored"},
	} {
		err := User(&tc.spec)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: User = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: User = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
