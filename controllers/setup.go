// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package controllers holds the reconcilers of the scim.provisioning.io
// kinds: tenants (token, rotation, endpoint), tenant counts, users
// (lifecycle: retention, purge, reactivation, manager links) and groups
// (member counts). They read from the manager's cache through the field
// indexes internal/operator registers, and meet the SCIM server only at
// the API types.
package controllers

import (
	"fmt"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
)

// Options configure the reconcilers.
type Options struct {
	// SCIMBaseURL is the SCIM server's externally reachable base URL, for
	// tenants that set no publicBaseURL.
	SCIMBaseURL string
	// Clock is the reconcilers' time; nil means the real one.
	Clock clock.PassiveClock
	// Namespace is the operator's own namespace, where token verifiers
	// are published for the SCIM server.
	Namespace string
	// WatchNamespaces, when set, are the only namespaces served.
	WatchNamespaces []string
	// TenantRateLimit is the SCIM server's request limits, which tenants
	// that set none get, for their status.
	TenantRateLimit v1alpha1.RateLimit
	// Audit is where purges, restores by hand and the memberships of
	// deleted users taken out are written to the audit trail; nil writes
	// none.
	Audit *audit.Trail
}

// Reconcilers are the operator's reconcilers, built on one manager's
// clients.
type Reconcilers struct {
	Tenants      *ScimTenantReconciler
	TenantCounts *TenantCountReconciler
	Users        *ScimUserReconciler
	Groups       *ScimGroupReconciler
	Claims       *ClaimCollector
}

// NewReconcilers builds every reconciler on mgr's clients, whose cache
// must carry the field indexes of internal/index. Tests call their
// Reconcile directly, with a clock of their own, for timing rules.
func NewReconcilers(mgr manager.Manager, opts Options) Reconcilers {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return Reconcilers{
		Tenants: &ScimTenantReconciler{
			Client:      mgr.GetClient(),
			APIReader:   mgr.GetAPIReader(),
			Recorder:    mgr.GetEventRecorder("scimtenant-controller"),
			Clock:       opts.Clock,
			SCIMBaseURL: opts.SCIMBaseURL,
			Namespace:   opts.Namespace,
			RateLimit:   opts.TenantRateLimit,
		},
		TenantCounts: &TenantCountReconciler{Client: mgr.GetClient(), Cache: mgr.GetCache(), Clock: opts.Clock},
		Users: &ScimUserReconciler{
			Client:    mgr.GetClient(),
			APIReader: mgr.GetAPIReader(),
			Recorder:  mgr.GetEventRecorder("scimuser-controller"),
			Clock:     opts.Clock,
			Audit:     opts.Audit,
		},
		Groups: &ScimGroupReconciler{Client: mgr.GetClient(), Audit: opts.Audit},
		Claims: &ClaimCollector{
			Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Grace: v1alpha1.ClaimGrace,
			Interval: DefaultClaimCollectInterval, Namespaces: opts.WatchNamespaces,
		},
	}
}

// SetupWithManager registers every reconciler with mgr.
func SetupWithManager(mgr manager.Manager, opts Options) error {
	r := NewReconcilers(mgr, opts)
	if err := r.Tenants.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up tenant controller: %w", err)
	}
	if err := r.TenantCounts.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up tenant count controller: %w", err)
	}
	if err := r.Users.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up user controller: %w", err)
	}
	if err := r.Groups.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up group controller: %w", err)
	}
	if err := mgr.Add(r.Claims); err != nil {
		return fmt.Errorf("set up claim collector: %w", err)
	}
	return nil
}
