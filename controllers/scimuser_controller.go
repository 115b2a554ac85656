// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/claims"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/internal/metrics"
	"github.com/scim-operator/scim-operator/internal/normalize"
)

// Event reasons of the user controller.
const (
	// EventUserPurged is recorded when a user's data is removed for good.
	EventUserPurged = "UserPurged"
	// EventAttributesNotNormalized warns of values stored as sent that
	// could not be normalised; it names the attributes, not the values.
	EventAttributesNotNormalized = "AttributesNotNormalized"
	// EventRestoreBlocked warns that a restore asked for by hand cannot
	// be done.
	EventRestoreBlocked = "RestoreBlocked"
	// EventUserRestored is recorded when a restore by hand is done.
	EventUserRestored = "UserRestored"
	// EventStatusNotWritten warns that the API server refused a status.
	EventStatusNotWritten = "StatusNotWritten"
	// EventEmailShared warns that another live user of the tenant has
	// the user's email of record too; it names them, not the address.
	EventEmailShared = "EmailShared"
)

// userWorkers is how many users are reconciled at once.
const userWorkers = 8

// ScimUserReconciler runs a user's lifecycle: it keeps deactivated and
// deleted users for their tenant's retention, purges them when it ends, and
// reports phase, timestamps, email of record and effective roles in status.
// Every timer is computed from timestamps stored on the object, so purges
// survive restarts and leader changes.
type ScimUserReconciler struct {
	client.Client
	// APIReader reads claims, which the cache does not hold.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Clock     clock.PassiveClock
	// Audit is where purges and restores by hand are written; nil writes
	// none.
	Audit *audit.Trail
}

// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers,verbs=get;list;watch;patch;delete
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers/status,verbs=patch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimusers/finalizers,verbs=update
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroupmemberslices,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimclaims,verbs=get;create;update;delete

// Reconcile advances one user's lifecycle.
func (r *ScimUserReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	user := &v1alpha1.ScimUser{}
	if err := r.Get(ctx, req.NamespacedName, user); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get user %s: %w", req.NamespacedName, err)
	}
	tenant, err := r.tenantOf(ctx, user)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !user.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, user, tenant)
	}
	return r.reconcileNormal(ctx, user, tenant)
}

// tenantOf is the user's tenant, or nil if it is gone; its retention then
// is the default.
func (r *ScimUserReconciler) tenantOf(ctx context.Context, user *v1alpha1.ScimUser) (*v1alpha1.ScimTenant, error) {
	tenant := &v1alpha1.ScimTenant{}
	err := r.Get(ctx, types.NamespacedName{Namespace: user.Namespace, Name: user.Spec.TenantRef.Name}, tenant)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get tenant of user %s/%s: %w", user.Namespace, user.Name, err)
	}
	return tenant, nil
}

func retention(tenant *v1alpha1.ScimTenant) time.Duration {
	if tenant == nil {
		return v1alpha1.DefaultSoftDeleteRetention
	}
	return tenant.Retention()
}

// reconcileDelete holds a terminating user (deleted with kubectl, or by
// this controller when its purge came due) until its purge time, then
// removes what it leaves elsewhere and lets it go.
func (r *ScimUserReconciler) reconcileDelete(ctx context.Context, user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(user, v1alpha1.FinalizerRetention) {
		return ctrl.Result{}, nil
	}
	before := user.DeepCopy()
	deletedAt := user.DeletionTimestamp
	if at := user.SCIMDeletedAt(); at != nil {
		deletedAt = at
	}
	r.setStatus(user, tenant, v1alpha1.UserPhaseDeleted, r.deactivatedAt(user), deletedAt)
	if err := r.setEmailShared(ctx, user); err != nil {
		return ctrl.Result{}, err
	}
	if done, err := r.detach(ctx, before, user, tenant); !done || err != nil {
		return ctrl.Result{RequeueAfter: detachPoll}, err
	}
	if wait := r.untilPurge(user); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	patch := client.MergeFrom(user.DeepCopy())
	controllerutil.RemoveFinalizer(user, v1alpha1.FinalizerRetention)
	err := r.Patch(ctx, user, patch)
	if apierrors.IsNotFound(err) {
		// A reconcile before this one let it go, and recorded it.
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("remove finalizer of user %s/%s: %w", user.Namespace, user.Name, err)
	}
	// Recorded once the user is let go, so that a retry records it once.
	r.purge(ctx, user)
	return ctrl.Result{}, nil
}

// deactivatedAt is when a deactivated user was deactivated, nil for an
// active one: a deletion after a deactivation does not push the purge
// back, since the retention runs from the first of the two.
func (r *ScimUserReconciler) deactivatedAt(user *v1alpha1.ScimUser) *metav1.Time {
	if user.IsActive() || user.Spec.ManagedBy != v1alpha1.ManagedBySCIM {
		return nil
	}
	if at := user.Status.DeactivatedAt; at != nil {
		return at
	}
	now := metav1.NewTime(r.Clock.Now())
	return &now
}

// detachPoll is how soon a deleted user whose memberships the group
// controller has yet to remove is looked at again.
const detachPoll = time.Second

// detach takes away from a deleted user what gives it access or blocks
// others, at once rather than at the purge: its group memberships, which
// status records first and the group controller then removes, and its
// claims on unique values. done is false until the memberships are gone,
// or when the user changed meanwhile; a later reconcile goes on.
func (r *ScimUserReconciler) detach(ctx context.Context, before, user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant) (done bool, err error) {
	memberOf, err := r.memberSlicesOf(ctx, user)
	if err != nil {
		return false, err
	}
	for i := range memberOf {
		group := memberOf[i].Spec.GroupRef.Name
		if len(user.Status.RemovedFromGroups) < v1alpha1.MaxRemovedFromGroups && !slices.Contains(user.Status.RemovedFromGroups, group) {
			user.Status.RemovedFromGroups = append(user.Status.RemovedFromGroups, group)
		}
	}
	if len(memberOf) > 0 {
		meta.SetStatusCondition(&user.Status.Conditions, metav1.Condition{
			Type:               v1alpha1.ConditionReady,
			Status:             metav1.ConditionFalse,
			Reason:             v1alpha1.ReasonDetaching,
			Message:            "the deleted user's group memberships are being removed",
			ObservedGeneration: user.Generation,
		})
	}
	if ok, err := r.patchStatus(ctx, before, user); !ok || err != nil {
		return false, err
	}
	if len(memberOf) > 0 {
		// The group controller takes the memberships out, one write a
		// slice for every user that has left it, so that users deleted
		// together do not race each other for the slices they share.
		return false, nil
	}
	return true, r.releaseClaims(ctx, user, tenant)
}

func (r *ScimUserReconciler) reconcileNormal(ctx context.Context, user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(user, v1alpha1.FinalizerRetention) {
		patch := client.MergeFrom(user.DeepCopy())
		controllerutil.AddFinalizer(user, v1alpha1.FinalizerRetention)
		if err := r.Patch(ctx, user, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer to user %s/%s: %w", user.Namespace, user.Name, err)
		}
	}
	if user.DeletedOverSCIM() && user.Annotations[v1alpha1.AnnotationRestore] == "true" {
		return ctrl.Result{}, r.restore(ctx, user, tenant)
	}
	before := user.DeepCopy()
	wasInvalid, wasShared := before.Status.InvalidAttributes, sharedWith(before)
	switch deletedAt := user.SCIMDeletedAt(); {
	case deletedAt != nil:
		r.setStatus(user, tenant, v1alpha1.UserPhaseDeleted, r.deactivatedAt(user), deletedAt)
		if done, err := r.detach(ctx, before, user, tenant); !done || err != nil {
			return ctrl.Result{RequeueAfter: detachPoll}, err
		}
	case !user.IsActive():
		// Users created by hand are deactivated by hand and never purged
		// on their own: they get no deactivation time.
		r.setStatus(user, tenant, v1alpha1.UserPhaseInactive, r.deactivatedAt(user), nil)
	default:
		r.setStatus(user, tenant, v1alpha1.UserPhaseActive, nil, nil)
	}
	if err := r.resolveManager(ctx, user); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.setEmailShared(ctx, user); err != nil {
		return ctrl.Result{}, err
	}
	setReady(user)
	if ok, err := r.patchStatus(ctx, before, user); !ok || err != nil {
		return ctrl.Result{}, err
	}
	r.reportSharedEmail(wasShared, user)
	if err := r.reportAttributes(ctx, wasInvalid, user); err != nil {
		return ctrl.Result{}, err
	}
	if wait := r.untilPurge(user); user.Status.PurgeAt == nil || wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	// The purge is due. Deleting with the version just read is the point
	// of no return: a reactivation or restore that got in first changed
	// the version, so the delete fails and the next reconcile sees it.
	err := r.Delete(ctx, user, client.Preconditions{UID: &user.UID, ResourceVersion: &user.ResourceVersion})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("delete user %s/%s for its purge: %w", user.Namespace, user.Name, err)
	}
	return ctrl.Result{}, nil
}

// setStatus records the phase, when the user was deactivated or deleted,
// the purge time that follows, and the derived attributes.
func (r *ScimUserReconciler) setStatus(user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant, phase v1alpha1.UserPhase, deactivatedAt, deletedAt *metav1.Time) {
	st := &user.Status
	st.Phase, st.DeactivatedAt, st.DeletedAt, st.PurgeAt = phase, deactivatedAt, deletedAt, nil
	if user.IsLive() {
		st.RemovedFromGroups = nil
	}
	if since := earliest(deactivatedAt, deletedAt); since != nil {
		purgeAt := metav1.NewTime(since.Add(retention(tenant)))
		if user.Annotations[v1alpha1.AnnotationPurgeNow] == "true" {
			purgeAt = *since
		}
		st.PurgeAt = &purgeAt
	}
	st.LastProvisioning = user.LastProvisioning()
	st.Email = user.Spec.EmailOfRecord()
	st.Roles = nil
	for _, role := range user.Spec.Roles {
		if len(st.Roles) == v1alpha1.MaxStatusRoles {
			break
		}
		st.Roles = append(st.Roles, role.Value)
	}
	if len(st.Roles) == 0 && tenant != nil && tenant.Spec.DefaultRole != "" {
		st.Roles = []string{tenant.Spec.DefaultRole}
	}
	region := ""
	if tenant != nil {
		region = tenant.Spec.DefaultPhoneRegion
	}
	values := normalize.User(&user.Spec, region)
	st.PhoneNumbers, st.EmploymentStart = values.PhoneNumbers, values.EmploymentStart
	setLanguage(user, &values)
	setAttributesValid(user, &values)
	st.ObservedGeneration = user.Generation
}

// setAttributesValid reports the values that could not be normalised.
func setAttributesValid(user *v1alpha1.ScimUser, values *normalize.UserValues) {
	st := &user.Status
	st.InvalidAttributes = values.Paths(v1alpha1.MaxInvalidAttributes)
	c := metav1.Condition{
		Type:               v1alpha1.ConditionAttributesValid,
		Status:             metav1.ConditionTrue,
		Reason:             v1alpha1.ReasonAttributesNormalized,
		Message:            "every attribute value was read",
		ObservedGeneration: user.Generation,
	}
	if len(values.Findings) > 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, v1alpha1.ReasonAttributesNotNormalized, values.Message()
	}
	meta.SetStatusCondition(&st.Conditions, c)
}

// setReady summarises the user's reconciliation: its status is
// normalised and its purge scheduled where due, for this generation, and
// the manager the identity provider names is resolved. Values that could
// not be read are reported by AttributesValid and do not make the user
// unready: it is stored as the identity provider sent it.
func setReady(user *v1alpha1.ScimUser) {
	st := &user.Status
	c := metav1.Condition{
		Type:               v1alpha1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             v1alpha1.ReasonReconciled,
		Message:            strings.ToLower(string(st.Phase)),
		ObservedGeneration: user.Generation,
	}
	if st.PurgeAt != nil {
		c.Message += "; purged at " + st.PurgeAt.UTC().Format(time.RFC3339)
	}
	if m := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionManagerResolved); m != nil && m.Status == metav1.ConditionFalse {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, v1alpha1.ReasonManagerNotResolved, m.Message
	}
	if len(st.InvalidAttributes) > 0 {
		c.Message += "; some attribute values could not be read (AttributesValid)"
	}
	meta.SetStatusCondition(&st.Conditions, c)
}

// earliest is the earlier of two times, either of which may be nil.
func earliest(a, b *metav1.Time) *metav1.Time {
	if a == nil || (b != nil && b.Before(a)) {
		return b
	}
	return a
}

// setLanguage decides the effective language: the identity provider's
// value when it is new or changed (a change of case or separator is not a
// change), a language chosen by hand when that changed since; otherwise
// whichever decided it last. The effective language is the ISO 639-1 base
// of the chosen value; values that name no language are reported.
func setLanguage(user *v1alpha1.ScimUser, values *normalize.UserValues) {
	st, idp, hand := &user.Status, user.Spec.PreferredLanguage, user.Spec.LanguageOverride
	switch {
	case idp != "" && !normalize.SameLanguageTag(idp, st.ObservedPreferredLanguage):
		st.LanguageSource = v1alpha1.LanguageFromIdentityProvider
	case hand != st.ObservedLanguageOverride && hand != "":
		st.LanguageSource = v1alpha1.LanguageFromOverride
	case hand == "" || st.LanguageSource == "":
		st.LanguageSource = v1alpha1.LanguageFromIdentityProvider
	}
	read := func(attribute, value string) string {
		base, ok := normalize.Language(value)
		if !ok && value != "" {
			values.ReportLanguage(attribute)
		}
		return base
	}
	fromIDP, fromHand := read("preferredLanguage", idp), read("languageOverride", hand)
	st.Language = fromIDP
	if st.LanguageSource == v1alpha1.LanguageFromOverride {
		st.Language = fromHand
	}
	st.ObservedPreferredLanguage, st.ObservedLanguageOverride = idp, hand
}

// reportAttributes tells a platform team about values that could not be
// normalised: a Warning Event when the set changes, and a label to select
// such users by.
func (r *ScimUserReconciler) reportAttributes(ctx context.Context, wasInvalid []string, user *v1alpha1.ScimUser) error {
	invalid := user.Status.InvalidAttributes
	if len(invalid) > 0 && !slices.Equal(wasInvalid, invalid) {
		c := meta.FindStatusCondition(user.Status.Conditions, v1alpha1.ConditionAttributesValid)
		r.Recorder.Eventf(user, nil, corev1.EventTypeWarning, EventAttributesNotNormalized, "Normalize", "%s", c.Message)
	}
	if labelled := user.Labels[v1alpha1.LabelAttributesInvalid] == "true"; labelled == (len(invalid) > 0) {
		return nil
	}
	patch := client.MergeFrom(user.DeepCopy())
	if len(invalid) > 0 {
		if user.Labels == nil {
			user.Labels = map[string]string{}
		}
		user.Labels[v1alpha1.LabelAttributesInvalid] = "true"
	} else {
		delete(user.Labels, v1alpha1.LabelAttributesInvalid)
	}
	if err := r.Patch(ctx, user, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("label user %s/%s for its attributes: %w", user.Namespace, user.Name, err)
	}
	return nil
}

// untilPurge is how long until the user's purge time; zero or less when
// it is due, or zero when the user is not to be purged.
func (r *ScimUserReconciler) untilPurge(user *v1alpha1.ScimUser) time.Duration {
	if user.Status.PurgeAt == nil {
		return 0
	}
	return user.Status.PurgeAt.Sub(r.Clock.Now())
}

// patchStatus writes the user's status if it changed. ok is false when
// the user changed since it was read: the reconcile stops there, and the
// newer version's event runs it again.
func (r *ScimUserReconciler) patchStatus(ctx context.Context, before, user *v1alpha1.ScimUser) (ok bool, err error) {
	if equality.Semantic.DeepEqual(before.Status, user.Status) {
		return true, nil
	}
	// The optimistic lock keeps a status computed from a stale read from
	// landing.
	err = r.Status().Patch(ctx, user, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return false, nil
	}
	if apierrors.IsInvalid(err) || apierrors.IsRequestEntityTooLargeError(err) {
		// Retrying the same status can never succeed; the next change to
		// the user brings a new one.
		r.Recorder.Eventf(user, nil, corev1.EventTypeWarning, EventStatusNotWritten, "ReportStatus",
			"the user's status cannot be stored: %v", err)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("patch status of user %s/%s: %w", user.Namespace, user.Name, err)
	}
	before.Status = *user.Status.DeepCopy()
	return true, nil
}

// purge records that the user's retention ended. What it left elsewhere,
// its memberships and claims, detach took away when it was deleted, and
// reconcileDelete runs detach again just before, so a purge cut short is
// finished by the next reconcile.
func (r *ScimUserReconciler) purge(ctx context.Context, user *v1alpha1.ScimUser) {
	logf.FromContext(ctx).Info("purged user", "user", user.Name)
	metrics.Purges.WithLabelValues(user.Namespace + "/" + user.Spec.TenantRef.Name).Inc()
	r.Recorder.Eventf(user, nil, corev1.EventTypeNormal, EventUserPurged, "Purge",
		"the retention of the deactivated or deleted user ended; its data is removed")
	// The trail is the one place that still names who was purged.
	r.Audit.Record(logf.FromContext(ctx), audit.User(user, audit.Purged, audit.Operator))
}

func (r *ScimUserReconciler) memberSlicesOf(ctx context.Context, user *v1alpha1.ScimUser) ([]v1alpha1.ScimGroupMemberSlice, error) {
	sliceList := &v1alpha1.ScimGroupMemberSliceList{}
	if err := r.List(ctx, sliceList, client.InNamespace(user.Namespace), client.MatchingFields{index.SliceMember: user.Name}); err != nil {
		return nil, fmt.Errorf("list member slices of user %s/%s: %w", user.Namespace, user.Name, err)
	}
	return sliceList.Items, nil
}

// releaseClaims gives up every claim the user's values hold in tenant.
// Claims a former policy left are the claim collector's.
func (r *ScimUserReconciler) releaseClaims(ctx context.Context, user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant) error {
	c := claims.Claims{Client: r.Client, Reader: r.APIReader}
	if err := c.Release(ctx, user.Namespace, user.Spec.TenantRef.Name, user.Name, user.Spec.UniqueValues(tenant)); err != nil {
		return fmt.Errorf("release claims of user %s/%s: %w", user.Namespace, user.Name, err)
	}
	return nil
}

// restore brings back a user deleted over SCIM, as a platform team asks
// with the restore annotation: its values are claimed again, unless a
// newer user holds one, which a Warning Event reports.
func (r *ScimUserReconciler) restore(ctx context.Context, user *v1alpha1.ScimUser, tenant *v1alpha1.ScimTenant) error {
	c := claims.Claims{Client: r.Client, Reader: r.APIReader}
	holds := claims.HoldsBy(r.APIReader, func() *v1alpha1.ScimUser { return &v1alpha1.ScimUser{} },
		func(u *v1alpha1.ScimUser) v1alpha1.UniqueValues { return u.UniqueValues(tenant) })
	patch := client.MergeFromWithOptions(user.DeepCopy(), client.MergeFromWithOptimisticLock{})
	delete(user.Annotations, v1alpha1.AnnotationRestore)
	taken, err := c.Acquire(ctx, user.Namespace, user.Spec.TenantRef.Name, user.Name, user.Spec.UniqueValues(tenant), holds)
	var conflict *claims.Conflict
	switch {
	case errors.As(err, &conflict):
		r.Recorder.Eventf(user, nil, corev1.EventTypeWarning, EventRestoreBlocked, "Restore",
			"the user cannot be restored: %s is now held by user %s", claims.AttributeOf(conflict.Value.Kind), conflict.Holder)
	case err != nil:
		return fmt.Errorf("claim the values of user %s/%s to restore it: %w", user.Namespace, user.Name, err)
	default:
		user.Restore()
	}
	if err := r.Patch(ctx, user, patch); err != nil {
		_ = c.Release(ctx, user.Namespace, user.Spec.TenantRef.Name, user.Name, taken)
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("restore user %s/%s: %w", user.Namespace, user.Name, err)
	}
	if err == nil {
		r.Recorder.Eventf(user, nil, corev1.EventTypeNormal, EventUserRestored, "Restore", "the user was restored by hand")
		r.Audit.Record(logf.FromContext(ctx), audit.User(user, audit.Restored, audit.Operator))
	}
	return nil
}

// usersOfTenant lists the users of a tenant, for a tenant whose retention
// or default role changed.
func (r *ScimUserReconciler) usersOfTenant(ctx context.Context, o client.Object) []reconcile.Request {
	return requestsFor(ctx, r, &v1alpha1.ScimUserList{}, o.GetNamespace(), client.MatchingFields{index.UserTenant: o.GetName()})
}

// SetupWithManager registers the controller.
func (r *ScimUserReconciler) SetupWithManager(mgr ctrl.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ScimUser{}).
		// Only a spec change (retention, default role) concerns users; the
		// tenant's status changes with every user.
		Watches(&v1alpha1.ScimTenant{}, handler.EnqueueRequestsFromMapFunc(r.usersOfTenant),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A manager's reports resolve again, and the users sharing its
		// email of record report again, only when what they match it by
		// changes: its userName, its emails, or whether it is live.
		Watches(&v1alpha1.ScimUser{}, handler.EnqueueRequestsFromMapFunc(r.relatedUsers),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: linkKeysChanged})).
		Named("scimuser").
		// A purge is several writes in a row; with one worker a wave of
		// users falling due together drains at a few users a second.
		WithOptions(controller.Options{MaxConcurrentReconciles: userWorkers}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("build user controller: %w", err)
	}
	return nil
}
