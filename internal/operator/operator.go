// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package operator assembles the manager the same way for the deployment,
// the demo, the benchmarks and the envtest suites: the scheme, a cache that
// holds token Secrets and no others, every field index the reconcilers and
// the SCIM server look things up by, and then the reconcilers, the SCIM
// server, or both.
package operator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/internal/scheme"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// LeaderElectionID names the lease the reconcilers' leader holds.
const LeaderElectionID = "scim-operator.scim.provisioning.io"

// Role is what one manager runs.
type Role string

// The roles a manager can take.
const (
	// RoleAll runs the reconcilers (on the elected leader) and the SCIM
	// server (on every replica).
	RoleAll Role = "all"
	// RoleControllers runs only the reconcilers.
	RoleControllers Role = "controllers"
	// RoleServer runs only the SCIM server.
	RoleServer Role = "server"
)

// Roles lists the valid roles, for flag help.
var Roles = []Role{RoleAll, RoleControllers, RoleServer}

// Options configure the operator.
type Options struct {
	// Role is what the manager runs; empty means RoleAll.
	Role        Role
	MetricsAddr string
	// MetricsSecure serves metrics over HTTPS to callers the API server
	// authenticates (TokenReview) and authorizes for GET /metrics
	// (SubjectAccessReview), as kubebuilder's scaffold does; otherwise
	// over plain HTTP to anyone who reaches the port.
	MetricsSecure bool
	// MetricsCertDir holds tls.crt and tls.key for the metrics endpoint
	// (a cert-manager Certificate's Secret, mounted); empty means a
	// self-signed certificate made at start-up.
	MetricsCertDir string
	ProbeAddr      string
	// PprofAddr serves net/http/pprof for profiling; empty serves none.
	PprofAddr      string
	LeaderElection bool
	// LeaderElectionNamespace is where the lease lives; empty means the
	// namespace the manager runs in.
	LeaderElectionNamespace string
	// Controller configures every controller; tests running several
	// operators in one process set SkipNameValidation.
	Controller config.Controller
	// Namespace is the operator's own namespace: the reconcilers publish
	// token verifiers (ScimTokenVerifiers) there, and the SCIM server reads
	// them, and no Secret. It must exist.
	Namespace string
	// WatchNamespaces, when set, limits the operator to tenants in these
	// namespaces, so that it needs Roles there and no ClusterRole for
	// namespaced resources; empty means every namespace.
	WatchNamespaces []string
	// Clock is the time of the reconcilers and the SCIM server; nil means
	// the real one. Tests move a fake one to reach purge times and token
	// expiries without waiting.
	Clock clock.PassiveClock
	// Audit is where the SCIM server and the reconcilers write the
	// provisioning audit trail; nil writes none.
	Audit *audit.Trail
	SCIM  scimwebhook.Options
}

// New builds a manager running what opts.Role asks for. The server is nil
// when the role runs none.
func New(ctx context.Context, cfg *rest.Config, opts Options) (manager.Manager, *scimwebhook.Server, error) {
	runControllers, runServer, err := opts.Role.parts()
	if err != nil {
		return nil, nil, err
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Namespace == "" {
		return nil, nil, errors.New("the operator's namespace is not set: pass --namespace or set POD_NAMESPACE")
	}
	s, err := scheme.New()
	if err != nil {
		return nil, nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        s,
		MapperProvider:                newRESTMapper,
		Cache:                         cacheOptions(opts.Namespace, opts.WatchNamespaces, runControllers),
		Metrics:                       metricsOptions(opts),
		HealthProbeBindAddress:        opts.ProbeAddr,
		PprofBindAddress:              opts.PprofAddr,
		LeaderElection:                opts.LeaderElection && runControllers,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    opts.Controller,
		GracefulShutdownTimeout:       shutdownTimeout(opts, runServer),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create manager: %w", err)
	}
	// The server and the reconcilers look identities up by the same
	// indexes; registering them here, not in either, keeps each runnable
	// on its own.
	if err := index.Register(ctx, mgr.GetCache()); err != nil {
		return nil, nil, err
	}
	if runControllers {
		if err := controllers.SetupWithManager(mgr, controllers.Options{
			SCIMBaseURL: opts.SCIM.BaseURL, Clock: opts.Clock, Namespace: opts.Namespace, WatchNamespaces: opts.WatchNamespaces,
			TenantRateLimit: opts.SCIM.TenantRateLimit(), Audit: opts.Audit,
		}); err != nil {
			return nil, nil, err
		}
	}
	var srv *scimwebhook.Server
	if runServer {
		opts.SCIM.Clock, opts.SCIM.Namespace, opts.SCIM.Audit = opts.Clock, opts.Namespace, opts.Audit
		if srv, err = scimwebhook.AddToManager(mgr, opts.SCIM); err != nil {
			return nil, nil, err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, nil, fmt.Errorf("add health check: %w", err)
	}
	// Without a readiness check the manager answers /readyz with 404, and
	// a Deployment whose pods probe it never becomes available. A replica
	// is ready once its informers have synced, leader or not.
	if err := mgr.AddReadyzCheck("informers-synced", cacheSynced(mgr.GetCache())); err != nil {
		return nil, nil, fmt.Errorf("add readiness check: %w", err)
	}
	return mgr, srv, nil
}

// cacheSynced is a readiness check that passes once every informer of c
// has synced; it waits no longer than the probe's request.
func cacheSynced(c cache.Cache) healthz.Checker {
	return func(req *http.Request) error {
		if !c.WaitForCacheSync(req.Context()) {
			return errors.New("the informers have not synced")
		}
		return nil
	}
}

// shutdownTimeout is how long the manager waits for its runnables on
// stop: the SCIM server drains and lets its longest request finish.
func shutdownTimeout(opts Options, runServer bool) *time.Duration {
	d := 30 * time.Second
	if runServer {
		d = max(d, scimwebhook.StopTimeout(opts.SCIM)+5*time.Second)
	}
	return &d
}

// metricsOptions serves metrics the way opts ask; a secure endpoint
// speaks HTTP/1.1 only, since HTTP/2's stream resets let an
// unauthenticated client load the server (CVE-2023-44487).
func metricsOptions(opts Options) metricsserver.Options {
	m := metricsserver.Options{BindAddress: opts.MetricsAddr}
	if opts.MetricsSecure {
		m.SecureServing = true
		m.FilterProvider = filters.WithAuthenticationAndAuthorization
		m.CertDir = opts.MetricsCertDir
		m.TLSOpts = []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	}
	return m
}

func (r Role) parts() (runControllers, server bool, err error) {
	switch r {
	case RoleAll, "":
		return true, true, nil
	case RoleControllers:
		return true, false, nil
	case RoleServer:
		return false, true, nil
	}
	return false, false, fmt.Errorf("unknown role %q: use one of %v", r, Roles)
}

// cacheOptions keeps no object's managedFields (nothing reads them, and
// they are a large share of a small object), only the token verifiers of
// the operator's namespace, and, when it runs the reconcilers, only the
// labelled token Secrets of the watched namespaces: never every Secret in
// the cluster, and none when it runs the SCIM server alone. With watched
// namespaces set, nothing is cached outside them and the operator's own
// namespace.
func cacheOptions(namespace string, watched []string, tokens bool) cache.Options {
	tokenSecrets := cache.Config{LabelSelector: labels.SelectorFromSet(labels.Set{v1alpha1.LabelTokenSecret: "true"})}
	secrets := map[string]cache.Config{}
	opts := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if len(watched) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range watched {
			opts.DefaultNamespaces[ns] = cache.Config{}
			if tokens {
				secrets[ns] = tokenSecrets
			}
		}
	} else if tokens {
		secrets[cache.AllNamespaces] = tokenSecrets
	}
	opts.ByObject = map[client.Object]cache.ByObject{
		&v1alpha1.ScimTokenVerifier{}: {Namespaces: map[string]cache.Config{namespace: {}}},
	}
	if len(secrets) > 0 {
		opts.ByObject[&corev1.Secret{}] = cache.ByObject{Namespaces: secrets}
	}
	return opts
}
