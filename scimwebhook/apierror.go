package scimwebhook

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// retryAfterSeconds is what clients are told to wait when the API server
// is unavailable.
const retryAfterSeconds = 5

// fromAPI turns a failed API server call into what the client should see.
// Validation failures are the client's to fix (400); everything that says
// the API server is overloaded or unreachable is a 503 with Retry-After, so
// identity providers retry rather than give up on the request.
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
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s", invalidDetail(err))
	case apierrors.IsTooManyRequests(err), apierrors.IsServerTimeout(err), apierrors.IsTimeout(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsInternalError(err), !isAPIStatus(err):
		return &Error{
			Status:     http.StatusServiceUnavailable,
			Detail:     "the Kubernetes API server is unavailable; nothing was changed, retry later",
			RetryAfter: retryAfterSeconds,
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
