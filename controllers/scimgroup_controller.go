package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// ScimGroupReconciler reports a group's member count, the sum over its
// member slices, so that kubectl shows group sizes without reading slices.
type ScimGroupReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroups,verbs=list;watch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroups/status,verbs=patch
// +kubebuilder:rbac:groups=scim.provisioning.io,resources=scimgroupmemberslices,verbs=list;watch

// Reconcile counts one group's members.
func (r *ScimGroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	group := &v1alpha1.ScimGroup{}
	if err := r.Get(ctx, req.NamespacedName, group); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get group %s: %w", req.NamespacedName, err)
	}
	slices := &v1alpha1.ScimGroupMemberSliceList{}
	if err := r.List(ctx, slices, client.InNamespace(group.Namespace), client.MatchingFields{index.SliceGroup: group.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list member slices of group %s: %w", req.NamespacedName, err)
	}
	// A member two replicas filed at once sits in two slices: it counts
	// once.
	members := map[string]bool{}
	for i := range slices.Items {
		for _, m := range slices.Items[i].Spec.Members {
			members[m.Value] = true
		}
	}
	count := int32(len(members))
	if group.Status.MemberCount == count {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFromWithOptions(group.DeepCopy(), client.MergeFromWithOptimisticLock{})
	group.Status.MemberCount = count
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
		Named("scimgroup").
		Complete(r)
	if err != nil {
		return fmt.Errorf("build group controller: %w", err)
	}
	return nil
}
