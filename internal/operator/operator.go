// Package operator assembles the manager: scheme, cache, reconcilers and
// the SCIM server, the same way for the real deployment and the demo.
package operator

import (
	"context"
	"fmt"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

// LeaderElectionID names the lease the reconcilers' leader holds.
const LeaderElectionID = "scim-operator.scim.provisioning.io"

// Options configure the operator.
type Options struct {
	MetricsAddr    string
	ProbeAddr      string
	LeaderElection bool
	// LeaderElectionNamespace is where the lease lives; empty means the
	// namespace the manager runs in.
	LeaderElectionNamespace string
	// Controller configures every controller; tests running several
	// operators in one process set SkipNameValidation.
	Controller config.Controller
	SCIM       scimwebhook.Options
}

// New builds a manager running every reconciler and the SCIM server.
func New(ctx context.Context, cfg *rest.Config, opts Options) (manager.Manager, *scimwebhook.Server, error) {
	scheme, err := controllers.NewScheme()
	if err != nil {
		return nil, nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         controllers.CacheOptions(),
		Metrics:                       metricsserver.Options{BindAddress: opts.MetricsAddr},
		HealthProbeBindAddress:        opts.ProbeAddr,
		LeaderElection:                opts.LeaderElection,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       opts.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    opts.Controller,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create manager: %w", err)
	}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{SCIMBaseURL: opts.SCIM.BaseURL}); err != nil {
		return nil, nil, err
	}
	srv, err := scimwebhook.AddToManager(mgr, opts.SCIM)
	if err != nil {
		return nil, nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, nil, fmt.Errorf("add health check: %w", err)
	}
	return mgr, srv, nil
}
