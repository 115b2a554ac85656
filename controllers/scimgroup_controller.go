// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/index"
)

// ScimGroupReconciler reports a group's member count, the sum over its
// member slices, so that kubectl shows group sizes without reading slices.
type ScimGroupReconciler struct {
	client.Client
	// Audit is where the members it takes out are written; nil writes
	// none.
	Audit *audit.Trail

	// counted remembers each group's member count with the slice versions
	// it was taken from, so that a reconcile no slice change caused (a
	// departed user's status, the group's own) walks no members: a large
	// group's count walks every one of them.
	counted sync.Map // types.NamespacedName → memberCount
	// spaced takes a group's counts a second apart: filling a group 100
	// members at a time would otherwise walk all of its members and write
	// the group once per batch, beside the batch's own writes.
	spaced spacing
}

// memberCount is a group's count and the slices it was taken from.
type memberCount struct {
	versions string
	count    int32
}

// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroups,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroups/status,verbs=patch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroupmemberslices,verbs=list;watch;patch

// Reconcile takes the users who left the group out of its slices, and
// counts its members.
func (r *ScimGroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	group := &v1alpha1.ScimGroup{}
	if err := r.Get(ctx, req.NamespacedName, group); err != nil {
		if apierrors.IsNotFound(err) {
			r.counted.Delete(req.NamespacedName)
			r.spaced.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get group %s: %w", req.NamespacedName, err)
	}
	sliceList := &v1alpha1.ScimGroupMemberSliceList{}
	if err := r.List(ctx, sliceList, client.InNamespace(group.Namespace), client.MatchingFields{index.SliceGroup: group.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list member slices of group %s: %w", req.NamespacedName, err)
	}
	// Either way the slices' events bring the group back to be counted.
	switch wrote, err := r.dropLeavers(ctx, group, sliceList.Items); {
	case apierrors.IsConflict(err), wrote && err == nil:
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, err
	}
	if wait := r.spaced.wait(req.NamespacedName); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	count := r.count(req.NamespacedName, sliceList.Items)
	if group.Status.MemberCount == count && readyFor(group) {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFromWithOptions(group.DeepCopy(), client.MergeFromWithOptimisticLock{})
	group.Status.MemberCount = count
	group.Status.ObservedGeneration = group.Generation
	meta.SetStatusCondition(&group.Status.Conditions, metav1.Condition{
		Type:               v1alpha1.ConditionReady,
		Status:             metav1.ConditionTrue,
		Reason:             v1alpha1.ReasonReconciled,
		Message:            "departed users are out of the member slices and the members are counted",
		ObservedGeneration: group.Generation,
	})
	err := r.Status().Patch(ctx, group, patch)
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// Members changing move the group's lastModified: the newer
		// version's event counts again.
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("patch status of group %s: %w", req.NamespacedName, err)
	}
	return ctrl.Result{}, nil
}

// readyFor is whether the group's status says Ready for its generation.
func readyFor(group *v1alpha1.ScimGroup) bool {
	c := meta.FindStatusCondition(group.Status.Conditions, v1alpha1.ConditionReady)
	return group.Status.ObservedGeneration == group.Generation && c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == group.Generation
}

// count is the number of a group's members, taken again only when one of
// its slices changed. A member two replicas filed at once sits in two
// slices: it counts once.
func (r *ScimGroupReconciler) count(group types.NamespacedName, memberSlices []v1alpha1.ScimGroupMemberSlice) int32 {
	parts := make([]string, 0, len(memberSlices))
	for i := range memberSlices {
		parts = append(parts, memberSlices[i].Name+"="+memberSlices[i].ResourceVersion)
	}
	slices.Sort(parts)
	versions := strings.Join(parts, ",")
	if memo, ok := r.counted.Load(group); ok && memo.(memberCount).versions == versions {
		return memo.(memberCount).count
	}
	members := map[string]bool{}
	for i := range memberSlices {
		for _, m := range memberSlices[i].Spec.Members {
			members[m.Value] = true
		}
	}
	count := int32(len(members))
	r.counted.Store(group, memberCount{versions: versions, count: count})
	return count
}

// dropLeavers takes the users who left the group out of its slices:
// deleted users whose status records the membership (or could record no
// more). One write a slice takes every such user, so users deleted
// together cost one write a slice, not one each. memberSlices are read
// only.
func (r *ScimGroupReconciler) dropLeavers(ctx context.Context, group *v1alpha1.ScimGroup, memberSlices []v1alpha1.ScimGroupMemberSlice) (wrote bool, err error) {
	leavers := map[string]bool{}
	for _, key := range []string{group.Name, index.AnyGroup} {
		users := &v1alpha1.ScimUserList{}
		if err := r.List(ctx, users, client.InNamespace(group.Namespace), client.MatchingFields{index.UserLeftGroup: key}, client.UnsafeDisableDeepCopy); err != nil {
			return false, fmt.Errorf("list users who left group %s/%s: %w", group.Namespace, group.Name, err)
		}
		for i := range users.Items {
			leavers[users.Items[i].Name] = true
		}
	}
	if len(leavers) == 0 {
		return false, nil
	}
	var removed []string
	// What was taken out is recorded whatever the outcome, once.
	defer func() {
		if len(removed) > 0 {
			slices.Sort(removed)
			rec := audit.Group(group, audit.MembersRemoved, audit.Operator)
			rec.Members = audit.MembersOf(slices.Compact(removed))
			r.Audit.Record(logf.FromContext(ctx), rec)
		}
	}()
	for i := range memberSlices {
		cached := &memberSlices[i]
		var gone []string
		kept := slices.DeleteFunc(slices.Clone(cached.Spec.Members), func(m v1alpha1.GroupMember) bool {
			if leavers[m.Value] {
				gone = append(gone, m.Value)
			}
			return leavers[m.Value]
		})
		if len(gone) == 0 {
			continue
		}
		sl := cached.DeepCopy()
		sl.Spec.Members = kept
		err := r.Patch(ctx, sl, client.MergeFromWithOptions(cached, client.MergeFromWithOptimisticLock{}))
		if err != nil && !apierrors.IsNotFound(err) {
			return wrote, fmt.Errorf("remove departed users from member slice %s/%s: %w", sl.Namespace, sl.Name, err)
		}
		if err == nil {
			removed = append(removed, gone...)
		}
		wrote = true
	}
	return wrote, nil
}

// groupsLeft maps a deleted user to the groups its status says it left.
func groupsLeft(_ context.Context, o client.Object) []reconcile.Request {
	u, ok := o.(*v1alpha1.ScimUser)
	if !ok || u.IsLive() {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(u.Status.RemovedFromGroups))
	for _, g := range u.Status.RemovedFromGroups {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: u.Namespace, Name: g}})
	}
	return reqs
}

// leftGroups passes the users whose record of the groups they left
// changed: the moment the group controller can take them out.
var leftGroups = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		was, is := e.ObjectOld.(*v1alpha1.ScimUser), e.ObjectNew.(*v1alpha1.ScimUser)
		return !is.IsLive() && !slices.Equal(was.Status.RemovedFromGroups, is.Status.RemovedFromGroups)
	},
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

func groupOfSlice(_ context.Context, o client.Object) []reconcile.Request {
	sl, ok := o.(*v1alpha1.ScimGroupMemberSlice)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: sl.Namespace, Name: sl.Spec.GroupRef.Name}}}
}

// SetupWithManager registers the controller.
func (r *ScimGroupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.ScimGroup{}).
		Watches(&v1alpha1.ScimGroupMemberSlice{}, handler.EnqueueRequestsFromMapFunc(groupOfSlice)).
		Watches(&v1alpha1.ScimUser{}, handler.EnqueueRequestsFromMapFunc(groupsLeft), builder.WithPredicates(leftGroups)).
		Named("scimgroup").
		Complete(r)
	if err != nil {
		return fmt.Errorf("build group controller: %w", err)
	}
	return nil
}
