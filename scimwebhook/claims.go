package scimwebhook

import (
	"context"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// claimGrace is how long a claim whose holder does not exist yet is taken
// to belong to a create in flight on another replica. Past it, the claim
// is left over from a create that failed, and may be taken over.
const claimGrace = 30 * time.Second

// claim is a value that must be unique within a tenant.
type claim struct {
	kind  v1alpha1.ClaimKind
	value string
}

func claimName(tenant string, c claim) string { return v1alpha1.ClaimName(tenant, c.kind, c.value) }

// claimSet lists a set of claims without duplicates.
type claimSet []claim

func (cs claimSet) add(kind v1alpha1.ClaimKind, value string) claimSet {
	if value == "" {
		return cs
	}
	for _, c := range cs {
		if c.kind == kind && index.Fold(c.value) == index.Fold(value) {
			return cs
		}
	}
	return append(cs, claim{kind: kind, value: value})
}

// minus is the claims of cs not in other.
func (cs claimSet) minus(other claimSet) claimSet {
	var out claimSet
	for _, x := range cs {
		if !other.has(x) {
			out = append(out, x)
		}
	}
	return out
}

func (cs claimSet) has(x claim) bool {
	for _, y := range cs {
		if y.kind == x.kind && index.Fold(y.value) == index.Fold(x.value) {
			return true
		}
	}
	return false
}

func userClaims(spec *v1alpha1.ScimUserSpec) claimSet {
	cs := claimSet{}.add(v1alpha1.ClaimUserName, spec.UserName)
	for _, e := range spec.Emails {
		cs = cs.add(v1alpha1.ClaimEmail, e.Value)
	}
	return cs
}

func groupClaims(spec *v1alpha1.ScimGroupSpec) claimSet {
	return claimSet{}.add(v1alpha1.ClaimGroupDisplayName, spec.DisplayName)
}

// holderExists says whether an identity of the claim's kind exists,
// asking the API server itself: a claim must never be taken from a holder
// this replica's cache has not seen yet.
type holderExists func(ctx context.Context, key types.NamespacedName) (bool, error)

// acquire takes every claim for holder, or none: on a conflict it releases
// what it took and returns a 409 naming the value. It returns the claims
// it took, leaving out those holder held already.
func (s *Server) acquire(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, cs claimSet, exists holderExists) (claimSet, error) {
	var taken claimSet
	for _, cl := range cs {
		took, err := s.acquireOne(ctx, tenant, holder, cl, exists)
		if err != nil {
			s.release(ctx, tenant, holder, taken)
			return nil, err
		}
		if took {
			taken = append(taken, cl)
		}
	}
	return taken, nil
}

func (s *Server) acquireOne(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, cl claim, exists holderExists) (took bool, err error) {
	obj := &v1alpha1.ScimClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: tenant.Namespace, Name: claimName(tenant.Name, cl)},
		Spec: v1alpha1.ScimClaimSpec{
			TenantRef: v1alpha1.TenantReference{Name: tenant.Name},
			Kind:      cl.kind,
			Value:     cl.value,
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
	taken := errorf(http.StatusConflict, ScimTypeUniqueness, "%s %q is already in use in this tenant (by id %s)",
		claimAttribute(cl.kind), cl.value, current.Spec.Holder)
	ok, err := exists(ctx, types.NamespacedName{Namespace: tenant.Namespace, Name: current.Spec.Holder})
	if err != nil {
		return false, err
	}
	if ok || time.Since(current.CreationTimestamp.Time) < claimGrace {
		return false, taken
	}
	// The holder is gone: the claim outlived a failed write. Take it over;
	// the update fails if another replica got there first.
	current.Spec.Holder = holder
	current.Spec.Value = cl.value
	if err := s.client.Update(ctx, current); err != nil {
		if apierrors.IsConflict(err) {
			return false, taken
		}
		return false, fromAPI(err, "take over claim")
	}
	return true, nil
}

// release gives up holder's claims. Failures are logged, not returned:
// a claim left behind is taken over once its holder is gone.
func (s *Server) release(ctx context.Context, tenant *v1alpha1.ScimTenant, holder string, cs claimSet) {
	for _, cl := range cs {
		key := types.NamespacedName{Namespace: tenant.Namespace, Name: claimName(tenant.Name, cl)}
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

// claimHolder is the holder of a claim as the API server has it, "" if
// none: how a replica finds an identity another replica just wrote.
func (s *Server) claimHolder(ctx context.Context, tenant *v1alpha1.ScimTenant, cl claim) (string, error) {
	current := &v1alpha1.ScimClaim{}
	key := types.NamespacedName{Namespace: tenant.Namespace, Name: claimName(tenant.Name, cl)}
	if err := s.apiReader.Get(ctx, key, current); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fromAPI(err, "get claim")
	}
	return current.Spec.Holder, nil
}

func claimAttribute(k v1alpha1.ClaimKind) string {
	switch k {
	case v1alpha1.ClaimEmail:
		return "email"
	case v1alpha1.ClaimGroupDisplayName:
		return "displayName"
	default:
		return "userName"
	}
}
