// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/metrics"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Request headers the server reads or writes.
const (
	HeaderRequestID     = "X-Request-Id"
	HeaderAuthorization = "Authorization"
)

// tenantPrefix is the route prefix of one tenant's SCIM endpoint.
const tenantPrefix = v1alpha1.SCIMPathPrefix + "/{namespace}/{tenant}"

// endpoint handles one authenticated request for a tenant. It writes a
// success response itself and returns failures for writeError.
type endpoint func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error

// tenantRequest is what an endpoint knows about the request's tenant.
type tenantRequest struct {
	tenant *v1alpha1.ScimTenant
	// baseURL is the tenant's SCIM base URL, the root of every location.
	baseURL string
	log     logr.Logger
	// requestID is the identity provider's request id, or one made up.
	requestID string
	// method, path and userAgent are the request's, for the audit trail.
	method, path, userAgent string
	// subject identifies what a write is about as soon as its body is
	// read, for the audit record of a refusal.
	subject audit.Record
	// users is the tenant's User resource type, with its extensions.
	users *schema.Resource
	// budget is the server's decode budget; reserved is what this request
	// holds of it, given back when the request ends.
	budget   *decodeBudget
	reserved int64
}

// reserveMemory takes n bytes of the decode budget for the rest of the
// request.
func (t *tenantRequest) reserveMemory(ctx context.Context, n int64) error {
	if err := t.budget.reserve(ctx, n, t.reserved+n); err != nil {
		return err
	}
	t.reserved += n
	return nil
}

// usersOf and groupsOf are a tenant's resource types.
func usersOf(t *tenantRequest) *schema.Resource { return t.users }
func groupsOf(*tenantRequest) *schema.Resource  { return schema.GroupResource }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, e endpoint) {
		mux.Handle(pattern, s.authenticated(e))
	}
	handle("GET "+tenantPrefix+"/ServiceProviderConfig", s.getServiceProviderConfig)
	handle("GET "+tenantPrefix+"/Schemas", s.listSchemas)
	handle("GET "+tenantPrefix+"/Schemas/{id}", s.getSchema)
	handle("GET "+tenantPrefix+"/ResourceTypes", s.listResourceTypes)
	handle("GET "+tenantPrefix+"/ResourceTypes/{id}", s.getResourceType)
	listUsers, searchUsers := s.queryUsers()
	handle("GET "+tenantPrefix+"/Users", listUsers)
	handle("POST "+tenantPrefix+"/Users", withQuery(usersOf, s.createUser))
	handle("POST "+tenantPrefix+"/Users/.search", searchUsers)
	handle("GET "+tenantPrefix+"/Users/{id}", withQuery(usersOf, s.getUser))
	handle("PUT "+tenantPrefix+"/Users/{id}", withQuery(usersOf, s.replaceUser))
	handle("PATCH "+tenantPrefix+"/Users/{id}", withQuery(usersOf, s.patchUser))
	handle("DELETE "+tenantPrefix+"/Users/{id}", s.deleteUser)
	listGroups, searchGroups := s.queryGroups()
	handle("GET "+tenantPrefix+"/Groups", listGroups)
	handle("POST "+tenantPrefix+"/Groups", withQuery(groupsOf, s.createGroup))
	handle("POST "+tenantPrefix+"/Groups/.search", searchGroups)
	handle("GET "+tenantPrefix+"/Groups/{id}", withQuery(groupsOf, s.getGroup))
	handle("PUT "+tenantPrefix+"/Groups/{id}", withQuery(groupsOf, s.replaceGroup))
	handle("PATCH "+tenantPrefix+"/Groups/{id}", withQuery(groupsOf, s.patchGroup))
	handle("DELETE "+tenantPrefix+"/Groups/{id}", s.deleteGroup)
	// RFC 7644 section 3.11: a server that cannot tell who the token
	// belongs to answers /Me with 501.
	handle(tenantPrefix+"/Me", func(_ http.ResponseWriter, _ *http.Request, _ *tenantRequest) error {
		return errorf(http.StatusNotImplemented, "", "/Me is not supported: a tenant's token identifies the identity provider, not a user")
	})
	// ServiceProviderConfig advertises bulk as unsupported; say so rather
	// than that the endpoint does not exist.
	handle(tenantPrefix+"/Bulk", func(_ http.ResponseWriter, _ *http.Request, _ *tenantRequest) error {
		return errorf(http.StatusNotImplemented, "", "/Bulk is not supported (bulk.supported is false in ServiceProviderConfig): send each operation as a request of its own")
	})
	// Anything else under a tenant is authenticated first, so that an
	// unauthenticated client learns nothing about which endpoints exist.
	handle(tenantPrefix+"/", func(w http.ResponseWriter, r *http.Request, _ *tenantRequest) error {
		if allowed := allowedMethods(mux, r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			return errorf(http.StatusMethodNotAllowed, "", "%s is not supported on %s; use %s",
				r.Method, r.URL.Path, strings.Join(allowed, " or "))
		}
		return errorf(http.StatusNotFound, "", "no SCIM endpoint %s %s", r.Method, r.URL.Path)
	})

	h := scimFallback(mux, s.log)
	h = s.withDeadline(h)
	h = withMetrics(h)
	h = canonicalPath(h)
	h = s.limitBody(h)
	h = s.recoverPanics(h)
	h = s.withRequestID(h)
	return h
}

// withQuery parses the request's query (attributes, excludedAttributes)
// before e runs, so that a malformed one is refused before anything is
// written, not after.
func withQuery(res func(*tenantRequest) *schema.Resource, e func(http.ResponseWriter, *http.Request, *tenantRequest, *query) error) endpoint {
	return func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
		q, err := parseQuery(r, res(t))
		if err != nil {
			return err
		}
		return e(w, r, t, q)
	}
}

// endpoints are the names of a tenant's SCIM endpoints as routed.
var endpoints = []string{"Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes", "Me", "Bulk"}

// endpointAliases are other names clients read endpoints by, lower-cased:
// Microsoft's SCIM validator and provisioning tooling read the service
// provider's configuration at /serviceConfiguration.
var endpointAliases = map[string]string{"serviceconfiguration": "ServiceProviderConfig"}

// canonicalPath routes endpoint names in any case (/users), with or
// without a trailing slash, as identity providers and reference servers
// accept them: /scim/v2/<namespace>/<tenant>/<endpoint>[/<id>].
func canonicalPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, v1alpha1.SCIMPathPrefix+"/")
		parts := strings.Split(rest, "/")
		if !ok || len(parts) < 3 {
			next.ServeHTTP(w, r)
			return
		}
		if len(parts) > 3 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		for _, e := range endpoints {
			if strings.EqualFold(parts[2], e) {
				parts[2] = e
			}
		}
		if alias, ok := endpointAliases[strings.ToLower(parts[2])]; ok {
			parts[2] = alias
		}
		if path := v1alpha1.SCIMPathPrefix + "/" + strings.Join(parts, "/"); path != r.URL.Path {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = path, ""
		}
		next.ServeHTTP(w, r)
	})
}

// scimFallback answers requests the mux matches no route for (404) or no
// method for (405) with SCIM Errors instead of the mux's plain text.
func scimFallback(mux *http.ServeMux, log logr.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			// Only ServeHTTP sets the path values the handlers read.
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		status := rec.status
		if status != http.StatusMethodNotAllowed {
			status = http.StatusNotFound
		}
		writeError(w, loggerFrom(r.Context(), log), errorf(status, "", "no SCIM endpoint %s %s", r.Method, r.URL.Path))
	})
}

// allowedMethods lists the methods some route other than the tenant
// catch-all serves r's path with.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != tenantPrefix+"/" {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

// statusRecorder captures what the mux's own not-found and
// method-not-allowed handlers would have sent.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

type loggerKey struct{}

// loggerFrom is the request-scoped logger, carrying the request id.
func loggerFrom(ctx context.Context, fallback logr.Logger) logr.Logger {
	if l, ok := ctx.Value(loggerKey{}).(logr.Logger); ok {
		return l
	}
	return fallback
}

// withRequestID tags each request with the identity provider's request id,
// or a fresh one, so a provisioning log line can be matched to ours.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if id == "" || len(id) > 128 {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		log := s.log.WithValues("requestID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), loggerKey{}, log)))
	})
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}

// recoverPanics turns a panic in a handler into a SCIM 500 and a log line
// instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				writeError(w, loggerFrom(r.Context(), s.log), fmt.Errorf("panic serving %s %s: %v", r.Method, r.URL.Path, v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps request bodies at the advertised maxPayloadSize.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.opts.MaxPayloadSize {
			writeError(w, loggerFrom(r.Context(), s.log), errorf(http.StatusRequestEntityTooLarge, "",
				"request body of %d bytes exceeds the maximum of %d bytes", r.ContentLength, s.opts.MaxPayloadSize))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxPayloadSize)
		next.ServeHTTP(w, r)
	})
}

// withDeadline bounds the time one request may spend, so a stalled API
// server cannot pile up requests behind it.
func (s *Server) withDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestInfo is what the metrics middleware learns from the handlers.
type requestInfo struct {
	tenant string
}

type requestInfoKey struct{}

// noteTenant records the authenticated tenant for the request's metrics.
func noteTenant(ctx context.Context, tenant string) {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		info.tenant = tenant
	}
}

// knownResources bounds the resource label to the endpoints that exist.
var knownResources = map[string]bool{
	"Users": true, "Groups": true, "ServiceProviderConfig": true, "Schemas": true, "ResourceTypes": true, "Me": true, "Bulk": true,
}

// withMetrics counts requests and times them.
func withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		resource, method := resourceOf(r.URL.Path), methodOf(r.Method)
		metrics.Requests.WithLabelValues(info.tenant, resource, method, strconv.Itoa(rec.code)).Inc()
		metrics.RequestDuration.WithLabelValues(resource, method).Observe(time.Since(start).Seconds())
	})
}

// knownMethods bounds the method label: a client that sends made-up
// methods, before it has authenticated, must not grow the metrics'
// series without limit.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// methodOf is the method label of a request: the method when it is one
// HTTP defines, "other" otherwise.
func methodOf(method string) string {
	if knownMethods[method] {
		return method
	}
	return "other"
}

// resourceOf is the endpoint a path addresses:
// /scim/v2/<namespace>/<tenant>/<resource>/...
func resourceOf(path string) string {
	parts := strings.SplitN(strings.TrimPrefix(path, v1alpha1.SCIMPathPrefix+"/"), "/", 4)
	if len(parts) >= 3 && knownResources[parts[2]] {
		return parts[2]
	}
	return "other"
}

// codeRecorder remembers the status code a handler sent.
type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	c.code = code
	c.ResponseWriter.WriteHeader(code)
}
