package scimwebhook

import (
	"context"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// groupVersion is a group's ETag: it changes with the group and with any
// of its member slices.
func groupVersion(g *v1alpha1.ScimGroup, slices []v1alpha1.ScimGroupMemberSlice) string {
	if len(slices) == 0 {
		return mapping.Version(g)
	}
	parts := make([]string, 0, len(slices))
	for _, sl := range slices {
		parts = append(parts, sl.Name+"="+sl.ResourceVersion)
	}
	sort.Strings(parts)
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, ",")))
	return mapping.Version(g, strconv.FormatUint(h.Sum64(), 36))
}

// memberRefs lists the members of slices SCIM sees, sorted, with their
// display names.
func (s *Server) memberRefs(ctx context.Context, t *tenantRequest, slices []v1alpha1.ScimGroupMemberSlice) []mapping.Ref {
	refs := []mapping.Ref{}
	for _, sl := range slices {
		for _, m := range sl.Spec.Members {
			ref := mapping.Ref{Value: m.Value, Ref: t.userLocation(m.Value)}
			// A read-only look at each member: copying every cached user
			// of a 100,000-member group would be the bulk of the request.
			if u, ok := s.store.Users.Cached(ctx, t.tenant.Namespace, m.Value); ok {
				if u.HiddenFromSCIM() {
					// Deleted users keep their memberships until the
					// purge, in case they are restored, but SCIM does
					// not see them.
					continue
				}
				ref.Display = u.Spec.DisplayName
				if ref.Display == "" {
					ref.Display = u.Spec.UserName
				}
			}
			refs = append(refs, ref)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Value < refs[j].Value })
	return refs
}

// checkMembers fails with a 400 naming the first member to add that is not
// a user of the tenant. Users another replica just created are found
// through the API server.
func (s *Server) checkMembers(ctx context.Context, t *tenantRequest, c *store.MemberChange) error {
	for _, id := range c.Added() {
		if _, err := find(ctx, s, userKind, t, id); err != nil {
			if store.IsNotFound(err) {
				return errorf(http.StatusBadRequest, schema.ScimTypeInvalidValue, "members: %q is not the id of a user of this tenant", id)
			}
			return err
		}
	}
	return nil
}
