package scimwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-logr/logr"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// SCIM error types (RFC 7644 section 3.12).
const (
	ScimTypeInvalidFilter = "invalidFilter"
	ScimTypeTooMany       = "tooMany"
	ScimTypeUniqueness    = "uniqueness"
	ScimTypeMutability    = "mutability"
	ScimTypeInvalidSyntax = "invalidSyntax"
	ScimTypeInvalidPath   = "invalidPath"
	ScimTypeNoTarget      = "noTarget"
	ScimTypeInvalidValue  = "invalidValue"
	ScimTypeInvalidVers   = "invalidVers"
	ScimTypeSensitive     = "sensitive"
)

// Error is a failure the client is told about as a SCIM Error response.
// Handlers return it; writeError is the one place that renders it.
type Error struct {
	Status   int
	ScimType string
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
func errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// errorBody is the SCIM Error message (RFC 7644 section 3.12); status is a
// string there.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// writeError renders err as a SCIM Error. Anything that is not an *Error is
// an internal failure: it is logged, and the client learns only that the
// request failed, never the internals.
func writeError(w http.ResponseWriter, log logr.Logger, err error) {
	var se *Error
	if !errors.As(err, &se) {
		log.Error(err, "request failed")
		se = &Error{Status: http.StatusInternalServerError, Detail: "the server failed to process the request; it has been logged"}
	}
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
