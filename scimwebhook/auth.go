// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"cmp"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/metrics"
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
		release, err := s.limits.admit(r.Context(), tenant)
		if err != nil {
			writeError(w, log, err)
			return
		}
		defer release()
		defer s.scans.admitted()()
		t := &tenantRequest{tenant: tenant, baseURL: tenant.EndpointURL(s.opts.BaseURL), log: log, requestID: w.Header().Get(HeaderRequestID),
			method: r.Method, path: r.URL.Path, userAgent: r.UserAgent(),
			users: s.userResources.of(tenant), budget: s.decodeBudget}
		defer func() { s.decodeBudget.release(t.reserved) }()
		if err := e(w, r, t); err != nil {
			se := asError(log, err)
			writeError(w, log, se)
			s.auditRefusal(r, t, se)
		}
	})
}

// authenticate returns the tenant key names if the request carries its
// token. The server never sees tokens: it compares the presented token's
// digest with the ScimTokenVerifier the tenant controller publishes in
// the operator's namespace. It may read no Secret at all. Both are read
// from the cache without a deep copy, as every request reads them and
// none writes them.
func (s *Server) authenticate(r *http.Request, key types.NamespacedName) (*v1alpha1.ScimTenant, error) {
	tenant := &v1alpha1.ScimTenant{}
	if err := s.reader.Get(r.Context(), key, tenant, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			// Made-up tenant names share the empty label, so that they
			// cannot grow the label set.
			return nil, refused("")
		}
		return nil, fmt.Errorf("get tenant %s: %w", key, err)
	}
	presented, ok := bearerToken(r)
	if !ok {
		return nil, refused(key.String())
	}
	verifier := &v1alpha1.ScimTokenVerifier{}
	verifierKey := types.NamespacedName{Namespace: s.opts.Namespace, Name: v1alpha1.VerifierName(key.Namespace, key.Name)}
	if err := s.reader.Get(r.Context(), verifierKey, verifier, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, refused(key.String())
		}
		return nil, fmt.Errorf("get token verifier of tenant %s: %w", key, err)
	}
	if verifier.Spec.Tenant != key.String() {
		return nil, refused(key.String())
	}
	if verifierMatches(&verifier.Spec, presented, s.opts.Clock.Now()) {
		return tenant, nil
	}
	return nil, refused(key.String())
}

// refused counts a refused token under tenant, "namespace/name" when the
// tenant the URL names exists, so that an identity provider with a stale
// token shows up by tenant, and answers with the one 401.
func refused(tenant string) error {
	metrics.AuthFailures.WithLabelValues(tenant).Inc()
	return errUnauthorized
}

// verifierMatches reports whether presented is the tenant's token, or the
// token it replaced while that is in its grace period. Digests are
// compared in constant time.
func verifierMatches(v *v1alpha1.ScimTokenVerifierSpec, presented string, now time.Time) bool {
	got := v1alpha1.TokenVerifier([]byte(presented))
	if len(v.Current) == len(got) && subtle.ConstantTimeCompare(v.Current, got) == 1 {
		return true
	}
	return v.PreviousExpiresAt != nil && now.Before(v.PreviousExpiresAt.Time) &&
		len(v.Previous) == len(got) && subtle.ConstantTimeCompare(v.Previous, got) == 1
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

// auditRefusal writes a write the server refused for what it asked —
// a conflict, a limit, a value it cannot store — to the audit trail, so
// that "why was this person not provisioned" has an answer after the
// identity provider's own log is gone. Reads, 429s and 5xx are not
// decisions about an identity, and are left out.
func (s *Server) auditRefusal(r *http.Request, t *tenantRequest, se *Error) {
	write := r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/.search")
	if !write || se.Status < 400 || se.Status >= 500 || se.Status == http.StatusTooManyRequests {
		return
	}
	rec := t.subject
	rec.Tenant, rec.Action, rec.Outcome = t.tenant.Namespace+"/"+t.tenant.Name, audit.Refused, audit.Failed
	rec.Status, rec.Detail = se.Status, se.Detail
	rec.ID = cmp.Or(r.PathValue("id"), rec.ID)
	switch {
	case strings.Contains(r.URL.Path, "/Users"):
		rec.Kind = "User"
	case strings.Contains(r.URL.Path, "/Groups"):
		rec.Kind = "Group"
	default:
		return
	}
	s.writeAudit(t, rec)
}
