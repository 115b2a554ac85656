// Package controllers holds the reconcilers of the scim.provisioning.io
// kinds and the manager settings they need.
package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// NewScheme knows the built-in kinds and this operator's own.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go types to scheme: %w", err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add %s types to scheme: %w", v1alpha1.GroupVersion, err)
	}
	return s, nil
}

// CacheOptions keeps only token Secrets in the manager's cache, never every
// Secret in the cluster.
func CacheOptions() cache.Options {
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: labels.SelectorFromSet(labels.Set{v1alpha1.LabelTokenSecret: "true"})},
		},
	}
}

// Options configure the reconcilers.
type Options struct {
	// SCIMBaseURL is the SCIM server's externally reachable base URL, for
	// tenants that set no publicBaseURL.
	SCIMBaseURL string
}

// SetupWithManager registers every reconciler with mgr.
func SetupWithManager(ctx context.Context, mgr manager.Manager, opts Options) error {
	if err := index.Register(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	tenants := &ScimTenantReconciler{
		Client:      mgr.GetClient(),
		APIReader:   mgr.GetAPIReader(),
		Recorder:    mgr.GetEventRecorder("scimtenant-controller"),
		Clock:       clock.RealClock{},
		SCIMBaseURL: opts.SCIMBaseURL,
	}
	if err := tenants.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up tenant controller: %w", err)
	}
	users := &ScimUserReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("scimuser-controller"),
		Clock:     clock.RealClock{},
	}
	if err := users.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up user controller: %w", err)
	}
	groups := &ScimGroupReconciler{Client: mgr.GetClient()}
	if err := groups.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up group controller: %w", err)
	}
	return nil
}
