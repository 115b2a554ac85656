package store

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// releaseTimeout bounds the release of claims. It does not run on the
// request's context: a client that disconnects must not leave claims
// behind that block their values.
const releaseTimeout = 10 * time.Second

// holderExists says whether the identity a claim names exists.
type holderExists func(ctx context.Context, key types.NamespacedName) (bool, error)

// acquire claims every value for holder, or none: on a conflict it
// releases what it took and fails with Conflict naming the value. It
// returns the values it claimed, leaving out those holder held already.
func (s *Store) acquire(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, vs v1alpha1.UniqueValues, exists holderExists) (v1alpha1.UniqueValues, error) {
	var taken v1alpha1.UniqueValues
	for _, v := range vs {
		took, err := s.acquireOne(ctx, tenant, holder, v, exists)
		if err != nil {
			s.release(tenant, holder, taken)
			return nil, err
		}
		if took {
			taken = append(taken, v)
		}
	}
	return taken, nil
}

func (s *Store) acquireOne(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, v v1alpha1.UniqueValue, exists holderExists) (took bool, err error) {
	obj := &v1alpha1.ScimClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: tenant.Namespace, Name: v1alpha1.ClaimName(tenant.Name, v.Kind, v.Value)},
		Spec: v1alpha1.ScimClaimSpec{
			TenantRef: v1alpha1.TenantReference{Name: tenant.Name},
			Kind:      v.Kind,
			Value:     v.Value,
			Holder:    holder,
		},
	}
	err = s.client.Create(ctx, obj)
	if err == nil || !apierrors.IsAlreadyExists(err) {
		return err == nil, fromAPI(err, "create claim")
	}
	current := &v1alpha1.ScimClaim{}
	if err := s.apiReader.Get(ctx, client.ObjectKeyFromObject(obj), current); err != nil {
		return false, fromAPI(err, "get claim")
	}
	if current.Spec.Holder == holder {
		return false, nil
	}
	taken := &Error{Reason: Conflict, Value: v.Value, Holder: current.Spec.Holder,
		Detail: fmt.Sprintf("%s %q is already in use in this tenant (by id %s)", AttributeOf(v.Kind), v.Value, current.Spec.Holder)}
	ok, err := exists(ctx, types.NamespacedName{Namespace: tenant.Namespace, Name: current.Spec.Holder})
	if err != nil {
		return false, err
	}
	// The claim's creation time is the API server's: only the wall clock,
	// not the store's (which tests move), can tell how old it is.
	if ok || time.Since(current.CreationTimestamp.Time) < v1alpha1.ClaimGrace {
		return false, taken
	}
	// The holder is gone: the claim outlived a failed write. Take it over;
	// the update fails if another replica got there first.
	current.Spec.Holder = holder
	current.Spec.Value = v.Value
	if err := s.client.Update(ctx, current); err != nil {
		if apierrors.IsConflict(err) {
			return false, taken
		}
		return false, fromAPI(err, "take over claim")
	}
	return true, nil
}

// release gives up holder's claims. Failures are logged, not returned: a
// claim left behind is taken over once its holder is gone.
func (s *Store) release(tenant *v1alpha1.ScimTenant, holder string, vs v1alpha1.UniqueValues) {
	if len(vs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	for _, v := range vs {
		key := types.NamespacedName{Namespace: tenant.Namespace, Name: v1alpha1.ClaimName(tenant.Name, v.Kind, v.Value)}
		current := &v1alpha1.ScimClaim{}
		if err := s.apiReader.Get(ctx, key, current); err != nil {
			if !apierrors.IsNotFound(err) {
				s.log.Error(err, "release claim", "claim", key)
			}
			continue
		}
		if current.Spec.Holder != holder {
			continue
		}
		err := s.client.Delete(ctx, current, client.Preconditions{ResourceVersion: &current.ResourceVersion})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			s.log.Error(err, "release claim", "claim", key)
		}
	}
}

// ClaimHolder is the id of the identity holding a unique value as the API
// server has it, "" if none: how a replica finds an identity another
// replica just wrote.
func (s *Store) ClaimHolder(ctx context.Context, tenant *v1alpha1.ScimTenant, kind v1alpha1.ClaimKind, value string) (string, error) {
	current := &v1alpha1.ScimClaim{}
	key := types.NamespacedName{Namespace: tenant.Namespace, Name: v1alpha1.ClaimName(tenant.Name, kind, value)}
	if err := s.apiReader.Get(ctx, key, current); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fromAPI(err, "get claim")
	}
	return current.Spec.Holder, nil
}

// AttributeOf is the SCIM attribute whose values a claim kind makes
// unique.
func AttributeOf(k v1alpha1.ClaimKind) string {
	switch k {
	case v1alpha1.ClaimEmail:
		return "email"
	case v1alpha1.ClaimGroupDisplayName:
		return "displayName"
	default:
		return "userName"
	}
}
