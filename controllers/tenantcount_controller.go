// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/internal/metrics"
)

// TenantCountReconciler reports a tenant's users by phase, its groups and
// its purge backlog, in status and as metrics. It is apart from the
// tenant's token and rotation steps so that a busy tenant's identities
// never make it read Secrets, and a token change never recounts 100,000
// users.
type TenantCountReconciler struct {
	client.Client
	// Cache holds the users counted, read without copying them.
	Cache cache.Informers
	Clock clock.PassiveClock

	// counted spaces a tenant's counts a second apart: a count reads every
	// user of the tenant.
	counted spacing
}

// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers;scimgroups,verbs=list;watch

// Reconcile counts one tenant's identities.
func (r *TenantCountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	tenant := &v1alpha1.ScimTenant{}
	if err := r.Get(ctx, req.NamespacedName, tenant); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.ForgetTenant(req.String())
			r.counted.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get tenant %s: %w", req.NamespacedName, err)
	}
	if !tenant.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	if wait := r.counted.wait(req.NamespacedName); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	before := tenant.DeepCopy()
	if err := r.count(ctx, tenant); err != nil {
		return ctrl.Result{}, err
	}
	if equality.Semantic.DeepEqual(before.Status, tenant.Status) {
		return ctrl.Result{}, nil
	}
	err := r.Status().Patch(ctx, tenant, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsConflict(err) {
		// The cache lags the tenant; status changes pass none of this
		// controller's watches, so no event would bring it back.
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("patch counts of tenant %s: %w", req.NamespacedName, err)
	}
	return ctrl.Result{}, nil
}

// count tallies the tenant's users by phase and its groups.
func (r *TenantCountReconciler) count(ctx context.Context, tenant *v1alpha1.ScimTenant) error {
	counts := v1alpha1.UserCounts{}
	backlog, now := 0, r.Clock.Now()
	invalid := map[string]int{}
	err := index.Visit(ctx, r.Cache, &v1alpha1.ScimUser{}, index.UserTenant, tenant.Namespace, tenant.Name, func(u *v1alpha1.ScimUser) {
		// Deleted users are out of the identity provider's hands: their
		// values are no one's to fix.
		if attrs := invalidAttributes(u); len(attrs) > 0 && u.Status.Phase != v1alpha1.UserPhaseDeleted {
			counts.WithInvalidAttributes++
			for _, a := range attrs {
				invalid[a]++
			}
		}
		if at := u.Status.PurgeAt; at != nil && !at.After(now) {
			backlog++
		}
		if sharesEmail(u) {
			counts.SharingEmail++
		}
		// The phases count what the identity provider provisioned; users
		// a platform team created are not its to deactivate or delete.
		if u.Spec.ManagedBy != v1alpha1.ManagedBySCIM {
			counts.Manual++
			return
		}
		switch u.Status.Phase {
		case v1alpha1.UserPhaseActive:
			counts.Active++
		case v1alpha1.UserPhaseInactive:
			counts.Inactive++
		case v1alpha1.UserPhaseDeleted:
			counts.PendingPurge++
		}
	})
	if err != nil {
		return fmt.Errorf("count users of tenant %s/%s: %w", tenant.Namespace, tenant.Name, err)
	}
	groups := &v1alpha1.ScimGroupList{}
	if err := r.List(ctx, groups, client.InNamespace(tenant.Namespace), client.MatchingFields{index.GroupTenant: tenant.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return fmt.Errorf("list groups of tenant %s/%s: %w", tenant.Namespace, tenant.Name, err)
	}
	tenant.Status.Users, tenant.Status.Groups = counts, int32(len(groups.Items))
	label := tenant.Namespace + "/" + tenant.Name
	metrics.Users.WithLabelValues(label, string(v1alpha1.UserPhaseActive)).Set(float64(counts.Active))
	metrics.Users.WithLabelValues(label, string(v1alpha1.UserPhaseInactive)).Set(float64(counts.Inactive))
	metrics.Users.WithLabelValues(label, string(v1alpha1.UserPhaseDeleted)).Set(float64(counts.PendingPurge))
	metrics.PurgeBacklog.WithLabelValues(label).Set(float64(backlog))
	metrics.UsersSharingEmail.WithLabelValues(label).Set(float64(counts.SharingEmail))
	metrics.UsersWithInvalidAttributes.DeletePartialMatch(prometheus.Labels{"tenant": label})
	for attribute, n := range invalid {
		metrics.UsersWithInvalidAttributes.WithLabelValues(label, attribute).Set(float64(n))
	}
	return nil
}

// invalidAttributes is the set of attributes of a user's values that
// could not be normalised: the paths in status without the value filter,
// a bounded set fit for a metric label.
func invalidAttributes(u *v1alpha1.ScimUser) []string {
	var out []string
	for _, p := range u.Status.InvalidAttributes {
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// sharesEmail reports whether the user controller found the user's email
// of record on another live user.
func sharesEmail(u *v1alpha1.ScimUser) bool {
	return meta.IsStatusConditionTrue(u.Status.Conditions, v1alpha1.ConditionEmailShared)
}

// phaseChanged passes user updates that move a user between counts:
// its phase, purge time, invalid attributes or shared email.
func phaseChanged(e event.UpdateEvent) bool {
	old, okOld := e.ObjectOld.(*v1alpha1.ScimUser)
	cur, okNew := e.ObjectNew.(*v1alpha1.ScimUser)
	return !okOld || !okNew || old.Status.Phase != cur.Status.Phase || !old.Status.PurgeAt.Equal(cur.Status.PurgeAt) ||
		!slices.Equal(old.Status.InvalidAttributes, cur.Status.InvalidAttributes) || sharesEmail(old) != sharesEmail(cur)
}

// tenantOfIdentity maps a user or group to its tenant, whose counts it
// changes.
func tenantOfIdentity(_ context.Context, o client.Object) []reconcile.Request {
	var tenant string
	switch o := o.(type) {
	case *v1alpha1.ScimUser:
		tenant = o.Spec.TenantRef.Name
	case *v1alpha1.ScimGroup:
		tenant = o.Spec.TenantRef.Name
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: tenant}}}
}

// SetupWithManager registers the controller.
func (r *TenantCountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	noUpdates := predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }}
	err := ctrl.NewControllerManagedBy(mgr).
		// A new tenant is counted once; its later changes do not move
		// its counts.
		For(&v1alpha1.ScimTenant{}, builder.WithPredicates(noUpdates)).
		// Counts change only when a user comes, goes or changes phase; every
		// other user update would recount a large tenant for nothing.
		Watches(&v1alpha1.ScimUser{}, handler.EnqueueRequestsFromMapFunc(tenantOfIdentity),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: phaseChanged})).
		// A group's count changes only when it comes or goes, not with
		// each member change the group controller reports in its status.
		Watches(&v1alpha1.ScimGroup{}, handler.EnqueueRequestsFromMapFunc(tenantOfIdentity),
			builder.WithPredicates(noUpdates)).
		Named("scimtenant-counts").
		Complete(r)
	if err != nil {
		return fmt.Errorf("build tenant count controller: %w", err)
	}
	return nil
}
