// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestFromAPI(t *testing.T) {
	gr := schema.GroupResource{Group: "scim.provisioning.io", Resource: "scimusers"}
	for _, tc := range []struct {
		name       string
		err        error
		reason     Reason
		retryAfter bool
	}{
		{"nil", nil, 0, false},
		{"connection refused", &netError{syscall.ECONNREFUSED}, Unavailable, true},
		{"deadline", context.DeadlineExceeded, Unavailable, true},
		{"throttled", apierrors.NewTooManyRequests("slow down", 1), Unavailable, true},
		{"unavailable", apierrors.NewServiceUnavailable("etcd"), Unavailable, true},
		{"timeout", apierrors.NewTimeoutError("slow", 1), Unavailable, true},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Group: gr.Group, Kind: "ScimUser"}, "u",
			field.ErrorList{field.Invalid(field.NewPath("spec", "userName"), "", "must not be empty")}), Invalid, false},
		{"too large for etcd", apierrors.NewInternalError(errors.New("etcdserver: request is too large")), Invalid, false},
		{"too large for the API server", apierrors.NewRequestEntityTooLargeError("limit is 3145728"), Invalid, false},
		{"forbidden is the operator's fault", apierrors.NewForbidden(gr, "u", errors.New("rbac")), 0, false},
	} {
		got := fromAPI(tc.err, "test")
		if tc.err == nil {
			if got != nil {
				t.Errorf("%s: fromAPI(nil) = %v", tc.name, got)
			}
			continue
		}
		var se *Error
		errors.As(got, &se)
		if ReasonOf(got) != tc.reason || (se != nil && se.RetryAfter > 0) != tc.retryAfter {
			t.Errorf("%s: fromAPI = %v (reason %d), want reason %d, Retry-After %v", tc.name, got, ReasonOf(got), tc.reason, tc.retryAfter)
		}
	}
	invalid := fromAPI(apierrors.NewInvalid(schema.GroupKind{Group: gr.Group, Kind: "ScimUser"}, "u",
		field.ErrorList{field.Invalid(field.NewPath("spec", "emails"), "", "at most one email may be primary")}), "test")
	if se := (*Error)(nil); !errors.As(invalid, &se) || se.Detail != "emails: Invalid value: \"\": at most one email may be primary" {
		t.Errorf("invalid detail = %v", invalid)
	}
}

// netError is a transport failure, as client-go returns when the API
// server cannot be reached.
type netError struct{ errno syscall.Errno }

func (e *netError) Error() string { return "dial tcp 127.0.0.1:6443: " + e.errno.Error() }
