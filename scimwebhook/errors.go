// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-logr/logr"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/patch"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// Error is a failure the client is told about as a SCIM Error response.
// Handlers return it; writeError is the one place that renders it.
type Error struct {
	Status   int
	ScimType schema.ScimType
	Detail   string
	// RetryAfter, when set, is sent as the Retry-After header in seconds so
	// identity providers back off instead of quarantining the app.
	RetryAfter int
	// cause, when set, is logged but never sent to the client.
	cause error
}

func (e *Error) Error() string {
	return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
}

// errorf builds an Error with a formatted detail.
func errorf(status int, scimType schema.ScimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// errorBody is the SCIM Error message (RFC 7644 section 3.12); status is a
// string there.
type errorBody struct {
	Schemas  []string        `json:"schemas"`
	Status   string          `json:"status"`
	ScimType schema.ScimType `json:"scimType,omitempty"`
	Detail   string          `json:"detail,omitempty"`
}

// fromStore is what the client is told of a failed store operation: the
// one place where storage outcomes become HTTP statuses.
func fromStore(err error) (*Error, bool) {
	var se *store.Error
	if !errors.As(err, &se) {
		return nil, false
	}
	out := &Error{Detail: se.Detail}
	switch se.Reason {
	case store.NotFound:
		out.Status = http.StatusNotFound
	case store.Conflict:
		out.Status, out.ScimType = http.StatusConflict, schema.ScimTypeUniqueness
	case store.PreconditionFailed:
		out.Status = http.StatusPreconditionFailed
	case store.Invalid:
		out.Status, out.ScimType = http.StatusBadRequest, schema.ScimTypeInvalidValue
	case store.Unavailable:
		out.Status = http.StatusServiceUnavailable
		out.RetryAfter = max(1, int(se.RetryAfter.Seconds()))
		out.cause = se.Unwrap()
	default:
		return nil, false
	}
	return out, true
}

// fromInput is what the client is told of input the parsers and
// validators refused: a 400 with their SCIM error type. Handlers and the
// store's Change callbacks return those errors as they are.
func fromInput(err error) (*Error, bool) {
	var ve *schema.ValueError
	var pe *patch.Error
	var fe *filter.Error
	switch {
	case errors.As(err, &ve):
		return errorf(http.StatusBadRequest, ve.ScimType, "%s", ve.Detail), true
	case errors.As(err, &pe):
		return errorf(http.StatusBadRequest, pe.ScimType, "%s", pe.Detail), true
	case errors.As(err, &fe):
		return errorf(http.StatusBadRequest, schema.ScimTypeInvalidFilter, "invalid filter: %s", fe.Error()), true
	}
	return nil, false
}

// asError is err as the SCIM Error it is answered with: the one place
// where what went wrong becomes a status. Anything that is neither an
// *Error, refused input nor a store error is an internal failure: it is
// logged, and the client learns only that the request failed, never the
// internals.
func asError(log logr.Logger, err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if se, ok := fromInput(err); ok {
		return se
	}
	if se, ok := fromStore(err); ok {
		return se
	}
	log.Error(err, "request failed")
	return &Error{Status: http.StatusInternalServerError, Detail: "the server failed to process the request; it has been logged"}
}

// writeError renders err as the SCIM Error asError makes of it.
func writeError(w http.ResponseWriter, log logr.Logger, err error) {
	se := asError(log, err)
	if se.cause != nil {
		log.Error(se.cause, "request failed", "status", se.Status)
	}
	if se.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(se.RetryAfter))
	}
	if se.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	writeJSON(w, log, se.Status, errorBody{
		Schemas:  []string{schema.ErrorURN},
		Status:   strconv.Itoa(se.Status),
		ScimType: se.ScimType,
		Detail:   se.Detail,
	})
}
