// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package scimwebhook is the SCIM 2.0 HTTP server identity providers talk
// to, one tenant per URL prefix (/scim/v2/<namespace>/<tenant>). It owns
// the HTTP side: routing, authentication, request parsing and the SCIM
// Error of every failure. Parsing and mapping live in its subpackages
// (filter, patch, schema, mapping, validation); reading and writing the
// identities lives in store, whose typed errors this package turns into
// HTTP statuses in one place.
package scimwebhook

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// Defaults for Options left zero.
const (
	DefaultAddr            = ":8000"
	DefaultMaxPayloadSize  = 1 << 20
	DefaultMaxResults      = 1000
	DefaultMaxResponseSize = 8 << 20
	DefaultTenantRate      = v1alpha1.DefaultRequestsPerSecond
	DefaultTenantBurst     = v1alpha1.DefaultBurst
	DefaultTenantInFlight  = v1alpha1.DefaultMaxInFlight
	DefaultTenantWait      = 10 * time.Second
	DefaultDecodeMemory    = 256 << 20
	DefaultFilterTimeout   = time.Second
	DefaultRequestTimeout  = 60 * time.Second
	// DefaultShutdownTimeout lets the longest request finish.
	DefaultShutdownTimeout = DefaultRequestTimeout
	// DefaultDrainDelay is how long a stopping replica keeps serving,
	// unready, while its endpoint is taken out of Services and ingresses.
	DefaultDrainDelay = 10 * time.Second
)

// Options configure the server.
type Options struct {
	// Addr is the listen address.
	Addr string
	// BaseURL is the externally reachable URL of the server, used for
	// tenants that set no publicBaseURL of their own.
	BaseURL string
	// MaxPayloadSize bounds request bodies, in bytes.
	MaxPayloadSize int64
	// MaxResults bounds the resources one list response returns.
	MaxResults int
	// MaxResponseBytes bounds the resources of one list response by their
	// size as well: a page stops before it, and says how many it holds.
	MaxResponseBytes int
	// ShutdownTimeout is how long in-flight requests may finish on stop;
	// at least RequestTimeout, so that no request is cut off.
	ShutdownTimeout time.Duration
	// DrainDelay is how long the server keeps serving once it is told to
	// stop, reporting itself unready, before it stops accepting: long
	// enough for the endpoint to leave the Service and the ingress, so
	// that a rolling restart fails no request an identity provider sends.
	DrainDelay time.Duration
	// Audit is where each provisioning change, and each write refused
	// with a 4xx, is written; nil writes none.
	Audit *audit.Trail
	// TLSCertDir, when set, holds tls.crt and tls.key (a cert-manager
	// Certificate's Secret, mounted), and the server speaks HTTPS with
	// them, taking a renewed certificate without a restart.
	TLSCertDir string
	// RequestTimeout bounds the handling of one request.
	RequestTimeout time.Duration
	// TenantRequestsPerSecond and TenantBurst are the token bucket that
	// bounds each tenant's request rate.
	TenantRequestsPerSecond float64
	TenantBurst             int
	// TenantConcurrency bounds the requests of one tenant in flight; one
	// more waits up to TenantQueueWait for a slot.
	TenantConcurrency int
	TenantQueueWait   time.Duration
	// DecodeMemory bounds the memory all requests together may spend
	// decoding bodies, in bytes.
	DecodeMemory int64
	// FilterTimeout bounds the evaluation of a filter no index answers;
	// past it the request gets 400 invalidFilter.
	FilterTimeout time.Duration
	// Namespace is the operator's own namespace, where the tenant
	// controller publishes the token verifiers the server checks.
	Namespace string
	// Clock is the server's time: the times it stamps on identities and
	// the end of a replaced token's grace period. Nil means the real one.
	Clock clock.PassiveClock
}

func (o *Options) defaults() {
	o.Addr = cmp.Or(o.Addr, DefaultAddr)
	o.MaxPayloadSize = cmp.Or(o.MaxPayloadSize, DefaultMaxPayloadSize)
	o.MaxResults = cmp.Or(o.MaxResults, DefaultMaxResults)
	o.MaxResponseBytes = cmp.Or(o.MaxResponseBytes, DefaultMaxResponseSize)
	o.RequestTimeout = cmp.Or(o.RequestTimeout, DefaultRequestTimeout)
	o.ShutdownTimeout = max(cmp.Or(o.ShutdownTimeout, DefaultShutdownTimeout), o.RequestTimeout)
	o.DrainDelay = cmp.Or(o.DrainDelay, DefaultDrainDelay)
	o.TenantRequestsPerSecond = cmp.Or(o.TenantRequestsPerSecond, DefaultTenantRate)
	o.TenantBurst = cmp.Or(o.TenantBurst, DefaultTenantBurst)
	o.TenantConcurrency = cmp.Or(o.TenantConcurrency, DefaultTenantInFlight)
	o.TenantQueueWait = cmp.Or(o.TenantQueueWait, DefaultTenantWait)
	o.DecodeMemory = cmp.Or(o.DecodeMemory, DefaultDecodeMemory)
	o.FilterTimeout = cmp.Or(o.FilterTimeout, DefaultFilterTimeout)
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
}

// Server is the SCIM HTTP server. It is a manager Runnable that every
// replica runs, leader or not.
type Server struct {
	opts Options
	// reader reads tenants and token verifiers from the manager's cache.
	reader client.Reader
	// store holds the identities.
	store  *store.Store
	limits *tenantLimits
	// decodeBudget bounds the memory all requests decode bodies with.
	decodeBudget *decodeBudget
	// scans bounds the filters evaluated over whole tenants at once.
	scans *scanSlots
	// userResources are the tenants' User resource types.
	userResources userResources
	// recorder records provisioning actions as Events; nil records none.
	recorder events.EventRecorder
	log      logr.Logger
	handler  http.Handler

	// addr is the bound listen address once serving; empty before.
	addr atomic.Pointer[string]
	// draining is set once the server has been told to stop.
	draining atomic.Bool
	// verifiersSeen is set once every Ready tenant's verifier was seen
	// (or verifierWait passed since created), and stays set.
	verifiersSeen atomic.Bool
	created       time.Time
}

// verifierWait bounds how long a starting replica stays unready waiting
// for the verifiers of tenants that are Ready.
const verifierWait = 2 * time.Minute

// StopTimeout is how long a server built from opts may take to stop: the
// drain delay, then the longest request. The manager's graceful shutdown
// and the pod's termination grace period must be at least this.
func StopTimeout(opts Options) time.Duration {
	opts.defaults()
	return opts.DrainDelay + opts.ShutdownTimeout
}

// New builds a server that reads through c, which is expected to be backed
// by the cache ca, and reads what the cache may lack through apiReader.
func New(opts Options, c client.Client, apiReader client.Reader, ca cache.Cache, log logr.Logger) *Server {
	opts.defaults()
	s := &Server{opts: opts, reader: c, created: time.Now(), store: store.New(c, apiReader, ca, opts.Clock, log), limits: newTenantLimits(opts), decodeBudget: newDecodeBudget(opts.DecodeMemory),
		scans: newScanSlots(runtime.GOMAXPROCS(0) / 2), log: log}
	s.handler = s.routes()
	return s
}

// AddToManager adds a server built from opts to mgr.
func AddToManager(mgr manager.Manager, opts Options) (*Server, error) {
	s := New(opts, mgr.GetClient(), mgr.GetAPIReader(), mgr.GetCache(), mgr.GetLogger().WithName("scim"))
	s.recorder = mgr.GetEventRecorder("scim-server")
	if err := mgr.Add(s); err != nil {
		return nil, fmt.Errorf("add SCIM server to manager: %w", err)
	}
	if err := mgr.AddReadyzCheck("scim-server", s.ReadyCheck); err != nil {
		return nil, fmt.Errorf("add SCIM server readiness check: %w", err)
	}
	return s, nil
}

// capabilities is what the server implements, the single source of what
// ServiceProviderConfig advertises.
func (s *Server) capabilities() schema.Capabilities {
	return schema.Capabilities{
		Patch:          true,
		Filter:         true,
		ETag:           true,
		MaxResults:     s.opts.MaxResults,
		MaxPayloadSize: s.opts.MaxPayloadSize,
	}
}

// NeedLeaderElection is false: every replica serves SCIM requests.
func (s *Server) NeedLeaderElection() bool { return false }

// Handler is the server's HTTP handler, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// Addr is the address the server listens on, or "" before it does.
func (s *Server) Addr() string {
	if a := s.addr.Load(); a != nil {
		return *a
	}
	return ""
}

// ReadyCheck fails until the cache has synced, the server is listening
// and it holds the verifiers of the Ready tenants, so a replica receives
// no traffic it would answer from an empty cache, and again once it is
// draining, so that traffic moves elsewhere before it stops.
func (s *Server) ReadyCheck(r *http.Request) error {
	if s.draining.Load() {
		return errors.New("SCIM server is draining before it stops")
	}
	if s.Addr() == "" {
		return errors.New("SCIM server is not serving yet")
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	return s.verifiersCaughtUp(ctx)
}

// verifiersCaughtUp keeps a starting replica unready until it holds the
// verifier of every tenant whose token the tenant controller reports
// ready, so that it never answers 401 to a tenant whose verifier is
// merely not cached yet, or not yet published by a controller that was
// upgraded after it;
// the replicas already serving keep serving meanwhile. It passes once, or
// after verifierWait whatever it finds: one tenant must not keep every
// replica out of service.
func (s *Server) verifiersCaughtUp(ctx context.Context) error {
	if s.verifiersSeen.Load() {
		return nil
	}
	if time.Since(s.created) > verifierWait {
		s.verifiersSeen.Store(true)
		return nil
	}
	tenants := &v1alpha1.ScimTenantList{}
	if err := s.reader.List(ctx, tenants); err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	verifiers := &v1alpha1.ScimTokenVerifierList{}
	if err := s.reader.List(ctx, verifiers, client.InNamespace(s.opts.Namespace)); err != nil {
		return fmt.Errorf("list token verifiers: %w", err)
	}
	published := map[string]bool{}
	for _, v := range verifiers.Items {
		published[v.Name] = true
	}
	for _, t := range tenants.Items {
		// A tenant with a usable token has a verifier, Ready or not (a
		// tenant without a base URL is not Ready); Ready alone is what
		// controllers of earlier releases may have reported.
		tokenReady := meta.IsStatusConditionTrue(t.Status.Conditions, v1alpha1.ConditionTokenReady) ||
			meta.IsStatusConditionTrue(t.Status.Conditions, v1alpha1.ConditionReady)
		if tokenReady && !published[v1alpha1.VerifierName(t.Namespace, t.Name)] {
			return fmt.Errorf("the token verifier of tenant %s/%s, whose token is ready, is not published yet", t.Namespace, t.Name)
		}
	}
	s.verifiersSeen.Store(true)
	return nil
}

// What the server reads and writes: tenants to authenticate against, the
// token verifiers in the operator's namespace (and no Secret), and the
// identities. Users are never deleted over SCIM, only marked.
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimtenants,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,namespace=system,resources=scimtokenverifiers,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroups,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroupmemberslices,verbs=get;list;watch;create;update;delete;deletecollection
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimclaims,verbs=get;create;update;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Start serves until ctx is cancelled, then drains in-flight requests.
func (s *Server) Start(ctx context.Context) error {
	// Informers start on first use; starting them here means a replica is
	// ready only once it can answer from a synced cache.
	if err := s.store.Start(ctx); err != nil {
		return fmt.Errorf("SCIM server: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("SCIM server: listen on %s: %w", s.opts.Addr, err)
	}
	if s.opts.TLSCertDir != "" {
		if ln, err = s.tlsListener(ctx, ln); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.opts.RequestTimeout,
		WriteTimeout:      s.opts.RequestTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
	}
	addr := ln.Addr().String()
	s.addr.Store(&addr)
	s.log.Info("serving SCIM", "addr", addr)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("SCIM server: %w", err)
	case <-ctx.Done():
	}
	// The listener stays open meanwhile: an endpoint that has not yet left
	// every Service and ingress must still be answered.
	s.draining.Store(true)
	s.log.Info("draining SCIM server: unready, still serving", "for", s.opts.DrainDelay)
	select {
	case err := <-errc:
		return fmt.Errorf("SCIM server: %w", err)
	case <-time.After(s.opts.DrainDelay):
	}
	s.log.Info("shutting down SCIM server")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("SCIM server: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("SCIM server: %w", err)
	}
	return nil
}

// tlsListener serves TLS 1.2 and 1.3 on ln with the certificate in
// TLSCertDir, reloaded when the files change (a renewed Secret).
func (s *Server) tlsListener(ctx context.Context, ln net.Listener) (net.Listener, error) {
	watcher, err := certwatcher.New(filepath.Join(s.opts.TLSCertDir, "tls.crt"), filepath.Join(s.opts.TLSCertDir, "tls.key"))
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("SCIM server: load TLS certificate from %s: %w", s.opts.TLSCertDir, err)
	}
	go func() {
		if err := watcher.Start(ctx); err != nil {
			s.log.Error(err, "SCIM server: TLS certificate watcher stopped")
		}
	}()
	return tls.NewListener(ln, &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: watcher.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}), nil
}
