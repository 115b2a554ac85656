// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/brief"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/patch"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
	"github.com/scim-operator/scim-operator/scimwebhook/validation"
)

func (t *tenantRequest) userLocation(id string) string { return t.baseURL + "/Users/" + id }

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	in, err := t.readObject(r, maxUserBodyBytes)
	if err != nil {
		return err
	}
	spec := v1alpha1.ScimUserSpec{TenantRef: v1alpha1.TenantReference{Name: t.tenant.Name}, ManagedBy: v1alpha1.ManagedBySCIM}
	if err := t.decodeUser(in, &spec); err != nil {
		return err
	}
	t.subject.UserName, t.subject.ExternalID = spec.UserName, spec.ExternalID
	ctx := r.Context()
	// A restore or an adoption brings a user into SCIM's sight as a
	// create does, and counts the same.
	if err := checkRoom(ctx, s, userKind, t, ptr.Deref(t.tenant.Spec.Limits, v1alpha1.TenantLimits{}).MaxUsers, "maxUsers"); err != nil {
		return err
	}
	prior, err := s.store.PriorUser(ctx, t.tenant, &spec)
	if err != nil {
		return err
	}
	var u *v1alpha1.ScimUser
	if prior.User != nil {
		// Restore a user deleted over SCIM, or adopt one created by hand,
		// keeping its id and data rather than creating a stranger.
		u, err = update(r, s, userKind, t, prior.User.Name, store.Update[*v1alpha1.ScimUser]{
			Lookup: store.Lookup{Hidden: true},
			Change: func(cur, next *v1alpha1.ScimUser) error {
				sent := in
				if cur.Spec.ManagedBy == v1alpha1.ManagedByManual {
					// Adoption: what the identity provider sent wins, and
					// what it did not send, set by hand before, stays.
					sent = t.mergeOnto(mapping.User(cur, "", nil), in)
				}
				next.Restore()
				if err := t.decodeUser(sent, &next.Spec); err != nil {
					return err
				}
				next.Spec.ManagedBy = v1alpha1.ManagedBySCIM
				return nil
			},
		})
	} else {
		u = &v1alpha1.ScimUser{
			// The retention finalizer comes with the user rather than in
			// a patch by the user controller: one write fewer per create.
			ObjectMeta: metav1.ObjectMeta{Namespace: t.tenant.Namespace, Name: uuid.NewString(), Finalizers: []string{v1alpha1.FinalizerRetention}},
			Spec:       spec,
		}
		err = create(ctx, s, userKind, t, u)
	}
	if err != nil {
		return err
	}
	s.reportAmbiguousAdoption(t, u, prior)
	if prior.User != nil && prior.User.DeletedOverSCIM() {
		if err := s.leaveGroups(ctx, t, u.Name); err != nil {
			return err
		}
	}
	w.Header().Set(headerLocation, t.userLocation(u.Name))
	return s.writeUser(w, r, t, q, u, http.StatusCreated)
}

// reportAmbiguousAdoption warns that a create matched several users
// created by hand and so adopted none of them.
func (s *Server) reportAmbiguousAdoption(t *tenantRequest, u *v1alpha1.ScimUser, prior store.Prior) {
	if len(prior.Ambiguous) == 0 {
		return
	}
	t.log.Info("adopted no user created by hand: more than one matches", "id", u.Name, "by", prior.AmbiguousBy, "matches", brief.IDs(prior.Ambiguous), "count", len(prior.Ambiguous))
	if s.recorder != nil {
		s.recorder.Eventf(u, nil, corev1.EventTypeWarning, EventAdoptionAmbiguous, "Provision",
			"the %d users created by hand with this user's %s (%s) were not adopted: which one is this person is ambiguous; merge or annotate them %s=true (request %s)",
			len(prior.Ambiguous), prior.AmbiguousBy, brief.IDs(prior.Ambiguous), v1alpha1.AnnotationNeverAdopt, t.requestID)
	}
}

// leaveGroups removes a restored user from the groups it was in when it
// was deleted, should the user controller not have done so yet: the
// identity provider does not know of them, and sends the memberships the
// person has now.
func (s *Server) leaveGroups(ctx context.Context, t *tenantRequest, user string) error {
	groups, err := s.store.GroupsOf(ctx, t.tenant, user)
	if err != nil {
		return err
	}
	for _, g := range groups {
		c := store.NewMemberChange()
		c.Remove(user)
		if err := s.applyMembers(ctx, t, g, c, nil); err != nil {
			return err
		}
	}
	return nil
}

// mergeOnto lays a user as a client sent it over base, a user in SCIM
// form: attributes in sent replace base's, extension attributes one by
// one; the rest of base stays.
func (t *tenantRequest) mergeOnto(base, sent map[string]any) map[string]any {
	sentDoc, err := t.users.Normalize(sent)
	if err != nil {
		// decodeUser reports it on the sent user as it is.
		return sent
	}
	for k, v := range sentDoc {
		ext, isExt := v.(map[string]any)
		if old, ok := base[k].(map[string]any); ok && isExt && strings.HasPrefix(k, "urn:") {
			for name, value := range ext {
				old[name] = value
			}
			continue
		}
		base[k] = v
	}
	return base
}

// decodeUser sets spec from a user as a client sent it.
func (t *tenantRequest) decodeUser(in map[string]any, spec *v1alpha1.ScimUserSpec) error {
	doc, err := t.users.Normalize(in)
	if err != nil {
		return err
	}
	if err := mapping.UserSpec(doc, spec); err != nil {
		return err
	}
	return validation.User(spec)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	u, err := find(r.Context(), s, userKind, t, r.PathValue("id"))
	if err != nil {
		return err
	}
	version := mapping.Version(u)
	if notModified(r, version) {
		w.Header().Set(headerETag, version)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return s.writeUser(w, r, t, q, u, http.StatusOK)
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query, u *v1alpha1.ScimUser, status int) error {
	p := newProjection(t.users, q.attributes, q.excluded)
	doc, err := s.renderUser(r.Context(), t, u, p)
	if err != nil {
		return err
	}
	w.Header().Set(headerETag, mapping.Version(u))
	writeJSON(w, t.log, status, doc)
	return nil
}

// renderUser is u in SCIM form as the projection asks, with its groups.
func (s *Server) renderUser(ctx context.Context, t *tenantRequest, u *v1alpha1.ScimUser, p projection) (map[string]any, error) {
	var groups []mapping.Ref
	if p.wants("", "groups") {
		var err error
		if groups, err = s.userGroups(ctx, t, u.Name); err != nil {
			return nil, err
		}
	}
	return p.apply(mapping.User(u, t.userLocation(u.Name), groups)), nil
}

// userGroups are the groups SCIM sees the user in: not those created by
// hand.
func (s *Server) userGroups(ctx context.Context, t *tenantRequest, user string) ([]mapping.Ref, error) {
	of, err := s.store.GroupsOf(ctx, t.tenant, user)
	if err != nil {
		return nil, err
	}
	var groups []mapping.Ref
	for _, g := range of {
		if g.Spec.ManagedBy == v1alpha1.ManagedBySCIM {
			groups = append(groups, mapping.Ref{Value: g.Name, Display: g.Spec.DisplayName, Ref: t.groupLocation(g.Name)})
		}
	}
	return groups, nil
}

func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	in, err := t.readObject(r, maxUserBodyBytes)
	if err != nil {
		return err
	}
	u, err := update(r, s, userKind, t, r.PathValue("id"), store.Update[*v1alpha1.ScimUser]{
		Version: userVersion,
		Change: func(cur, next *v1alpha1.ScimUser) error {
			if err := t.decodeUser(in, &next.Spec); err != nil {
				return err
			}
			// A replace that leaves active out keeps it: clients that send
			// partial PUTs must not bring an offboarded person back, which
			// RFC 7644 section 3.5.1's clearing of omitted attributes would.
			if !sends(in, "active") {
				next.Spec.Active = cur.Spec.Active
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, t, q, u, http.StatusOK)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	body, shape, err := t.readBody(r, maxUserBodyBytes)
	if err != nil {
		return err
	}
	if err := t.reserveDecoding(r.Context(), len(body), shape); err != nil {
		return err
	}
	ops, err := patch.Parse(body)
	if err == nil {
		ops, err = patch.Expand(ops, t.users)
	}
	if err != nil {
		return err
	}
	u, err := update(r, s, userKind, t, r.PathValue("id"), store.Update[*v1alpha1.ScimUser]{
		Version: userVersion,
		Change: func(cur, next *v1alpha1.ScimUser) error {
			doc := mapping.User(cur, "", nil)
			if err := patch.Apply(doc, ops, t.users); err != nil {
				return err
			}
			if err := mapping.UserSpec(doc, &next.Spec); err != nil {
				return err
			}
			return validation.User(&next.Spec)
		},
	})
	if err != nil {
		return err
	}
	return s.writeUser(w, r, t, q, u, http.StatusOK)
}

func userVersion(u *v1alpha1.ScimUser) (string, error) {
	return mapping.Version(u), nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	// A SCIM delete is a soft delete: the user is gone for SCIM at once, and
	// its data, group memberships and unique values are retained until the
	// purge time, when the user controller removes them.
	_, err := update(r, s, userKind, t, r.PathValue("id"), store.Update[*v1alpha1.ScimUser]{
		Version: userVersion,
		Change: func(_, next *v1alpha1.ScimUser) error {
			next.MarkDeletedOverSCIM(s.store.Now())
			return nil
		},
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// queryUsers answers GET /Users and POST /Users/.search.
func (s *Server) queryUsers() (list, search endpoint) {
	return queryEndpoints(s, userKind,
		func(t *tenantRequest, f filter.Expr) func(context.Context, *v1alpha1.ScimUser) (bool, error) {
			// Run on the users an index found, and on every user for a
			// filter the store cannot evaluate (one on groups or on a
			// declared extension).
			if match, ok := filter.Compile(f, t.users, mapping.UserField); ok {
				return func(_ context.Context, u *v1alpha1.ScimUser) (bool, error) { return match(u), nil }
			}
			read, m := filter.TopLevel(f, t.users), filter.NewMatcher(f, t.users)
			// groups is computed from the groups' members: read only for a
			// filter on it.
			withGroups := slices.Contains(read, "groups")
			return func(ctx context.Context, u *v1alpha1.ScimUser) (bool, error) {
				var groups []mapping.Ref
				if withGroups {
					var err error
					if groups, err = s.userGroups(ctx, t, u.Name); err != nil {
						return false, err
					}
				}
				return m.Matches(mapping.UserAttributes(u, read, groups)), nil
			}
		},
		s.renderUser)
}
