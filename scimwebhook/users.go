package scimwebhook

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/patch"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/validation"
)

func (t *tenantRequest) userLocation(id string) string { return t.baseURL + "/Users/" + id }

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	in, err := readObject(r)
	if err != nil {
		return err
	}
	spec := v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: t.tenant.Name}, ManagedBy: v1alpha1.ManagedBySCIM}
	if err := decodeUser(in, &spec); err != nil {
		return err
	}
	u := &v1alpha1.ScimUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.tenant.Namespace, Name: uuid.NewString()},
		Spec:       spec,
	}
	if err := create(r.Context(), s, userKind, t, u); err != nil {
		return err
	}
	w.Header().Set(headerLocation, t.userLocation(u.Name))
	return s.writeUser(w, r, t, u, http.StatusCreated)
}

// decodeUser sets spec from a user as a client sent it.
func decodeUser(in map[string]any, spec *v1alpha1.ScimUserSpec) error {
	doc, err := schema.UserResource.Normalize(in)
	if err != nil {
		return inputError(err)
	}
	if err := mapping.UserSpec(doc, spec); err != nil {
		return inputError(err)
	}
	return inputError(validation.User(spec))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	u, err := find(r.Context(), s, userKind, t, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	version := mapping.Version(u.ResourceVersion)
	if notModified(r, version) {
		w.Header().Set(headerETag, version)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return s.writeUser(w, r, t, u, http.StatusOK)
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, u *v1alpha1.ScimUser, status int) error {
	q, err := parseQuery(r, schema.UserResource)
	if err != nil {
		return err
	}
	p := newProjection(schema.UserResource, q.attributes, q.excluded)
	doc, err := s.renderUser(r.Context(), t, u, p)
	if err != nil {
		return err
	}
	w.Header().Set(headerETag, mapping.Version(u.ResourceVersion))
	writeJSON(w, t.log, status, doc)
	return nil
}

// renderUser is u in SCIM form as the projection asks, with its groups.
func (s *Server) renderUser(ctx context.Context, t *tenantRequest, u *v1alpha1.ScimUser, p projection) (map[string]any, error) {
	var groups []mapping.Ref
	if p.wants("", "groups") {
		var err error
		if groups, err = s.groupsOf(ctx, t, u.Name); err != nil {
			return nil, err
		}
	}
	return p.apply(mapping.User(u, t.userLocation(u.Name), groups)), nil
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	in, err := readObject(r)
	if err != nil {
		return err
	}
	u, err := update(r, s, userKind, t, userVersion, func(_, next *v1alpha1.ScimUser) error {
		return decodeUser(in, &next.Spec)
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, t, u, http.StatusOK)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	ops, err := patch.Parse(body)
	if err == nil {
		ops, err = patch.Expand(ops, schema.UserResource)
	}
	if err != nil {
		return inputError(err)
	}
	u, err := update(r, s, userKind, t, userVersion, func(cur, next *v1alpha1.ScimUser) error {
		doc := mapping.User(cur, "", nil)
		if err := patch.Apply(doc, ops, schema.UserResource); err != nil {
			return inputError(err)
		}
		if err := mapping.UserSpec(doc, &next.Spec); err != nil {
			return inputError(err)
		}
		return inputError(validation.User(&next.Spec))
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, t, u, http.StatusOK)
}

func userVersion(u *v1alpha1.ScimUser) (string, error) {
	return mapping.Version(u.ResourceVersion), nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	ctx := r.Context()
	u, err := find(ctx, s, userKind, t, r.PathValue("id"), false)
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, mapping.Version(u.ResourceVersion)); err != nil {
		return err
	}
	if err := remove(r, s, userKind, t, u); err != nil {
		return err
	}
	if err := s.removeFromAllGroups(ctx, t, u.Name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// queryUsers answers GET /Users and POST /Users/.search.
func (s *Server) queryUsers() (list, search endpoint) {
	return queryEndpoints(s, userKind,
		func(_ context.Context, _ *tenantRequest, f filter.Expr, u *v1alpha1.ScimUser) (bool, error) {
			return filter.Matches(f, mapping.User(u, "", nil), schema.UserResource), nil
		},
		s.renderUser)
}

func ignoreNotFound(err error) error {
	var se *Error
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// sortByCreation gives list responses a stable order: an identity
// provider paging through all users sees each once, and new users at the
// end.
func sortByCreation[T client.Object](items []T) {
	sort.Slice(items, func(i, j int) bool {
		ti, tj := items[i].GetCreationTimestamp(), items[j].GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return items[i].GetName() < items[j].GetName()
	})
}
