package scimwebhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// errUnauthorized is the one answer to every authentication failure, so a
// client cannot tell an unknown tenant from a wrong token.
var errUnauthorized = &Error{
	Status: http.StatusUnauthorized,
	Detail: "the request needs 'Authorization: Bearer <token>' with this tenant's token; check the tenant URL and the token configured in the identity provider",
}

// authenticated resolves the tenant the URL names, checks the bearer token
// against the tenant's token Secret, and only then runs e.
func (s *Server) authenticated(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := loggerFrom(r.Context(), s.log)
		key := types.NamespacedName{Namespace: r.PathValue("namespace"), Name: r.PathValue("tenant")}
		log = log.WithValues("tenant", key.String())
		tenant, err := s.authenticate(r, key)
		if err != nil {
			writeError(w, log, err)
			return
		}
		noteTenant(r.Context(), key.String())
		release, err := s.limits.admit(r.Context(), key.String())
		if err != nil {
			writeError(w, log, err)
			return
		}
		defer release()
		t := &tenantRequest{tenant: tenant, baseURL: tenant.EndpointURL(s.opts.BaseURL), log: log, requestID: w.Header().Get(HeaderRequestID)}
		if err := e(w, r, t); err != nil {
			writeError(w, log, err)
		}
	})
}

// authenticate returns the tenant key names if the request carries its
// token.
func (s *Server) authenticate(r *http.Request, key types.NamespacedName) (*v1alpha1.ScimTenant, error) {
	presented, ok := bearerToken(r)
	if !ok {
		return nil, errUnauthorized
	}
	tenant := &v1alpha1.ScimTenant{}
	if err := s.reader.Get(r.Context(), key, tenant); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, errUnauthorized
		}
		return nil, fmt.Errorf("get tenant %s: %w", key, err)
	}
	secret := &corev1.Secret{}
	secretKey := types.NamespacedName{Namespace: key.Namespace, Name: tenant.Spec.TokenSecretRef.Name}
	if err := s.reader.Get(r.Context(), secretKey, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, errUnauthorized
		}
		return nil, fmt.Errorf("get token secret of tenant %s: %w", key, err)
	}
	if tokenMatches(secret.Data[tenant.TokenKey()], presented) || previousTokenMatches(tenant, secret, presented, s.opts.Clock.Now()) {
		return tenant, nil
	}
	return nil, errUnauthorized
}

// previousTokenMatches accepts the token replaced last until its grace
// period ends.
func previousTokenMatches(tenant *v1alpha1.ScimTenant, secret *corev1.Secret, presented string, now time.Time) bool {
	previous := secret.Data[tenant.PreviousTokenKey()]
	if previous == nil {
		return false
	}
	expires, ok := tenant.PreviousTokenExpiry(secret.Annotations[v1alpha1.AnnotationTokenRotatedAt])
	return ok && now.Before(expires) && tokenMatches(previous, presented)
}

// bearerToken extracts the token of an "Authorization: Bearer" header. The
// scheme is case-insensitive (RFC 7235 section 2.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get(HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// tokenMatches compares in constant time. Hashing first makes the time
// independent of the lengths too; tokens shorter than the minimum never
// match, whatever the Secret holds.
func tokenMatches(stored []byte, presented string) bool {
	stored = v1alpha1.BearerToken(stored)
	if len(stored) < v1alpha1.MinTokenLength {
		return false
	}
	want := sha256.Sum256(stored)
	got := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}
