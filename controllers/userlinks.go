// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/brief"
	"github.com/scim-operator/scim-operator/internal/index"
)

// What links users to each other: the manager a user names, and the
// users that share its email of record. Directories hold both kinds of
// data the server cannot make unique, so a link that matches more than
// one user resolves to none of them and says so.

// resolveManager finds the user enterprise.manager.value names: by SCIM
// id, else by userName, else by email address, among the tenant's live
// users, and only where one user matches. Once found, the manager stays
// that user while the value is the same and the user is live: a userName
// or email someone else takes later does not move it. A deleted manager
// is gone for SCIM, and its identifiers are free for a new user at once;
// the value then resolves afresh.
func (r *ScimUserReconciler) resolveManager(ctx context.Context, user *v1alpha1.ScimUser) error {
	st := &user.Status
	value := ""
	if e := user.Spec.Enterprise; e != nil && e.Manager != nil {
		value = e.Manager.Value
	}
	if value == "" {
		st.Manager, st.ManagerResolvedFrom = "", ""
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionManagerResolved)
		return nil
	}
	kept, err := r.keepsManager(ctx, user, value)
	if err != nil {
		return err
	}
	found := []string{st.Manager}
	if !kept {
		if found, err = r.findManager(ctx, user, value); err != nil {
			return err
		}
	}
	c := metav1.Condition{
		Type:               v1alpha1.ConditionManagerResolved,
		Status:             metav1.ConditionFalse,
		ObservedGeneration: user.Generation,
	}
	st.Manager, st.ManagerResolvedFrom = "", ""
	switch len(found) {
	case 0:
		c.Reason = v1alpha1.ReasonManagerNotFound
		c.Message = fmt.Sprintf("no user of tenant %s has the id, userName or email %q yet; it resolves when one appears", user.Spec.TenantRef.Name, value)
	case 1:
		st.Manager, st.ManagerResolvedFrom = found[0], value
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, v1alpha1.ReasonManagerFound, "the manager is user "+found[0]
	default:
		c.Reason = v1alpha1.ReasonManagerAmbiguous
		c.Message = fmt.Sprintf("%d users of tenant %s have the userName or email %q (%s), so the manager is none of them; the identity provider can send the manager's id instead",
			len(found), user.Spec.TenantRef.Name, value, brief.IDs(found))
	}
	meta.SetStatusCondition(&st.Conditions, c)
	return nil
}

// keepsManager reports whether the manager status names is still the
// one value resolves to: resolved from the same value, and live.
func (r *ScimUserReconciler) keepsManager(ctx context.Context, user *v1alpha1.ScimUser, value string) (bool, error) {
	st := &user.Status
	if st.Manager == "" || st.ManagerResolvedFrom != value {
		return false, nil
	}
	m := &v1alpha1.ScimUser{}
	err := r.Get(ctx, types.NamespacedName{Namespace: user.Namespace, Name: st.Manager}, m)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get manager %s of user %s/%s: %w", st.Manager, user.Namespace, user.Name, err)
	}
	return m.IsLive() && m.Spec.TenantRef == user.Spec.TenantRef, nil
}

// findManager is the ids of the live users value names: one by id, else
// those with value as their userName, else those with it as an email.
func (r *ScimUserReconciler) findManager(ctx context.Context, user *v1alpha1.ScimUser, value string) ([]string, error) {
	byID := &v1alpha1.ScimUser{}
	err := r.Get(ctx, types.NamespacedName{Namespace: user.Namespace, Name: value}, byID)
	switch {
	case err == nil && byID.IsLive() && byID.Spec.TenantRef == user.Spec.TenantRef:
		return []string{byID.Name}, nil
	case err != nil && !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("get manager %s of user %s/%s: %w", value, user.Namespace, user.Name, err)
	}
	// Entra sends the manager's UPN as often as its id: the userName
	// index answers that, the email index the rest.
	for _, by := range []string{index.UserName, index.UserEmail} {
		found, err := r.liveUsersBy(ctx, user, by, value, func(*v1alpha1.ScimUser) bool { return true })
		if err != nil || len(found) > 0 {
			return found, err
		}
	}
	return nil, nil
}

// liveUsersBy is the sorted ids of the live users of user's tenant, user
// left out, that the field index by has under value and that match.
func (r *ScimUserReconciler) liveUsersBy(ctx context.Context, user *v1alpha1.ScimUser, by, value string, match func(*v1alpha1.ScimUser) bool) ([]string, error) {
	list := &v1alpha1.ScimUserList{}
	if err := r.List(ctx, list, client.InNamespace(user.Namespace), client.UnsafeDisableDeepCopy,
		client.MatchingFields{by: index.Key(user.Spec.TenantRef.Name, v1alpha1.Fold(value))}); err != nil {
		return nil, fmt.Errorf("find users of user %s/%s by %s: %w", user.Namespace, user.Name, by, err)
	}
	var ids []string
	for i := range list.Items {
		if o := &list.Items[i]; o.Name != user.Name && o.IsLive() && match(o) {
			ids = append(ids, o.Name)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// setEmailShared reports on a live user with an email of record whether
// other live users of the tenant have the same one. The report is the
// same whatever the tenant's emailUniqueness: under EmailOfRecord,
// duplicates stored before it was chosen, or made by hand, remain.
func (r *ScimUserReconciler) setEmailShared(ctx context.Context, user *v1alpha1.ScimUser) error {
	email := user.Spec.EmailOfRecord()
	if email == "" || !user.IsLive() {
		meta.RemoveStatusCondition(&user.Status.Conditions, v1alpha1.ConditionEmailShared)
		return nil
	}
	others, err := r.liveUsersBy(ctx, user, index.UserEmail, email, func(o *v1alpha1.ScimUser) bool {
		return v1alpha1.Fold(o.Spec.EmailOfRecord()) == v1alpha1.Fold(email)
	})
	if err != nil {
		return err
	}
	c := metav1.Condition{
		Type:               v1alpha1.ConditionEmailShared,
		Status:             metav1.ConditionFalse,
		Reason:             v1alpha1.ReasonEmailNotShared,
		Message:            "no other live user of the tenant has this email of record",
		ObservedGeneration: user.Generation,
	}
	if len(others) > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, v1alpha1.ReasonEmailSharedWithOthers
		c.Message = fmt.Sprintf("%d other live users of the tenant have this email of record: %s", len(others), brief.IDs(others))
	}
	meta.SetStatusCondition(&user.Status.Conditions, c)
	return nil
}

// sharedWith is the message of the user's EmailShared condition while it
// is true, "" otherwise.
func sharedWith(user *v1alpha1.ScimUser) string {
	if c := meta.FindStatusCondition(user.Status.Conditions, v1alpha1.ConditionEmailShared); c != nil && c.Status == metav1.ConditionTrue {
		return c.Message
	}
	return ""
}

// reportSharedEmail warns once each time the set of users sharing the
// user's email of record changes to one that is not empty.
func (r *ScimUserReconciler) reportSharedEmail(was string, user *v1alpha1.ScimUser) {
	if now := sharedWith(user); now != "" && now != was {
		r.Recorder.Eventf(user, nil, corev1.EventTypeWarning, EventEmailShared, "Report", "%s", now)
	}
}

// relatedUsers maps a user to the users whose manager value names it, by
// id, userName or one of its emails, or that resolved their manager to
// it, so they resolve their manager again when it appears, changes or
// goes, and to the users with its email of record, so they report again
// whether they share it.
func (r *ScimUserReconciler) relatedUsers(ctx context.Context, o client.Object) []reconcile.Request {
	u, ok := o.(*v1alpha1.ScimUser)
	if !ok {
		return nil
	}
	keys := []string{u.Name, v1alpha1.Fold(u.Spec.UserName)}
	for _, e := range u.Spec.Emails {
		keys = append(keys, v1alpha1.Fold(e.Value))
	}
	var reqs []reconcile.Request
	for _, key := range keys {
		reqs = append(reqs, requestsFor(ctx, r, &v1alpha1.ScimUserList{}, u.Namespace,
			client.MatchingFields{index.UserManager: index.Key(u.Spec.TenantRef.Name, key)})...)
	}
	if email := u.Spec.EmailOfRecord(); email != "" {
		for _, req := range requestsFor(ctx, r, &v1alpha1.ScimUserList{}, u.Namespace,
			client.MatchingFields{index.UserEmail: index.Key(u.Spec.TenantRef.Name, v1alpha1.Fold(email))}) {
			if req.Name != u.Name {
				reqs = append(reqs, req)
			}
		}
	}
	return reqs
}

// linkKeysChanged passes user updates that change what other users link
// to it by: its userName, its emails, or whether it is live. Status
// patches, the bulk of user updates, pass none.
func linkKeysChanged(e event.UpdateEvent) bool {
	old, okOld := e.ObjectOld.(*v1alpha1.ScimUser)
	cur, okNew := e.ObjectNew.(*v1alpha1.ScimUser)
	return !okOld || !okNew || old.IsLive() != cur.IsLive() || old.Spec.UserName != cur.Spec.UserName ||
		!equality.Semantic.DeepEqual(old.Spec.Emails, cur.Spec.Emails)
}
