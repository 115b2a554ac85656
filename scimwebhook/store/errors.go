// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Reason is why a store operation failed, in terms a caller can act on.
type Reason int

// The reasons a store operation fails other than an internal error.
const (
	// NotFound: the identity does not exist for the caller (never did, is
	// hidden, or belongs to another tenant).
	NotFound Reason = iota + 1
	// Conflict: a unique value is held by another identity.
	Conflict
	// PreconditionFailed: the identity is not at the version the caller
	// expected.
	PreconditionFailed
	// Invalid: the API server refused the object as it would be stored.
	Invalid
	// Unavailable: the API server cannot take the operation now; retrying
	// after RetryAfter may succeed. Nothing was changed.
	Unavailable
)

// unavailableRetryAfter is how long callers are asked to wait when the
// API server is unavailable.
const unavailableRetryAfter = 5 * time.Second

// Error is a failed store operation. Detail is written for the identity
// provider's admin; cause, when set, is for the operator's logs only.
type Error struct {
	Reason Reason
	Detail string
	// RetryAfter is set with Unavailable.
	RetryAfter time.Duration
	// Value and Holder are set with Conflict: the value and the id of the
	// identity holding it.
	Value, Holder string
	cause         error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Detail + ": " + e.cause.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.cause }

// ReasonOf is the reason err carries, 0 for an internal error.
func ReasonOf(err error) Reason {
	var se *Error
	if errors.As(err, &se) {
		return se.Reason
	}
	return 0
}

// IsNotFound reports whether err says the identity does not exist.
func IsNotFound(err error) bool { return ReasonOf(err) == NotFound }

// IgnoreNotFound is nil for a NotFound error, err otherwise.
func IgnoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}

func notFound(noun, id string) *Error {
	return &Error{Reason: NotFound, Detail: fmt.Sprintf("no %s with id %q in this tenant", noun, id)}
}

// fromAPI classifies a failed API server call. Validation failures are
// Invalid, with the API server's messages by field; everything that says
// the API server is overloaded or unreachable is Unavailable.
func fromAPI(err error, action string) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	switch {
	case apierrors.IsInvalid(err):
		return &Error{Reason: Invalid, Detail: invalidDetail(err)}
	case apierrors.IsRequestEntityTooLargeError(err) || strings.Contains(err.Error(), "request is too large"):
		// etcd's own limit, which the API server reports as an internal
		// error: retrying the same object can never succeed.
		return &Error{Reason: Invalid, Detail: "the resource is too large to store; send fewer or shorter values", cause: err}
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsInternalError(err), !isAPIStatus(err):
		return &Error{
			Reason:     Unavailable,
			Detail:     "the Kubernetes API server is unavailable; nothing was changed, retry later",
			RetryAfter: unavailableRetryAfter,
			cause:      fmt.Errorf("%s: %w", action, err),
		}
	}
	return fmt.Errorf("%s: %w", action, err)
}

func isAPIStatus(err error) bool {
	var status apierrors.APIStatus
	return errors.As(err, &status)
}

// invalidDetail lists the API server's validation messages (CRD schema and
// CEL rules) by field.
func invalidDetail(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil || len(status.Status().Details.Causes) == 0 {
		return err.Error()
	}
	causes := status.Status().Details.Causes
	msgs := make([]string, 0, len(causes))
	for _, c := range causes {
		field := strings.TrimPrefix(c.Field, "spec.")
		msgs = append(msgs, field+": "+c.Message)
	}
	return strings.Join(msgs, "; ")
}
