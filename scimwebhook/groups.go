// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/jsoncost"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/patch"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
	"github.com/scim-operator/scim-operator/scimwebhook/validation"
)

const attrMembers = "members"

func (t *tenantRequest) groupLocation(id string) string { return t.baseURL + "/Groups/" + id }

// sentGroup is a group as a client sent it.
type sentGroup struct {
	// attrs are its attributes, its members too unless they were read
	// into ids.
	attrs map[string]any
	// ids are its members' ids, read without generic values where
	// idsRead is set.
	ids     []string
	idsRead bool
}

// parseGroup reads a group's body, of this shape. Its members, the bulk
// of a large group's body, are read into ids where they are objects of
// value and display, as identity providers send them (patch.MemberIDs):
// a body of 20,000 members then costs a few times its size, not ten. The
// rest, and members of any other form, are decoded as any resource is,
// once decode has reserved what that costs.
func parseGroup(body []byte, shape jsoncost.Shape, decode func(size int, shape jsoncost.Shape) error) (sentGroup, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return sentGroup{}, notAnObject(err)
	}
	g := sentGroup{attrs: make(map[string]any, len(raw))}
	var named []string
	for k := range raw {
		if strings.EqualFold(k, attrMembers) {
			named = append(named, k)
		}
	}
	if len(named) == 1 {
		if g.ids, g.idsRead = patch.MemberIDs(raw[named[0]]); g.idsRead {
			delete(raw, named[0])
		}
	}
	rest, size := shape, len(body)
	if g.idsRead {
		// What is left is an object of the other keys and their values.
		rest, size = jsoncost.Shape{Objects: 1, Scalars: len(raw)}, 2
		for k, v := range raw {
			rest = rest.Add(jsoncost.Measure(v))
			size += len(k) + len(v) + 4
		}
	}
	if err := decode(size, rest); err != nil {
		return sentGroup{}, err
	}
	for k, v := range raw {
		var value any
		if err := json.Unmarshal(v, &value); err != nil {
			return sentGroup{}, notAnObject(err)
		}
		g.attrs[k] = value
	}
	return g, nil
}

// readGroup reads a group from the request body.
func (t *tenantRequest) readGroup(r *http.Request, limit int64) (sentGroup, error) {
	body, shape, err := t.readBody(r, limit)
	if err != nil {
		return sentGroup{}, err
	}
	ctx := r.Context()
	if err := t.reserveFastReading(ctx, body); err != nil {
		return sentGroup{}, err
	}
	return parseGroup(body, shape, func(size int, shape jsoncost.Shape) error { return t.reserveDecoding(ctx, size, shape) })
}

// sendsMembers is whether the client sent the members attribute.
func (g sentGroup) sendsMembers() bool { return g.idsRead || sends(g.attrs, attrMembers) }

// decodeGroup sets spec from a group as a client sent it and returns its
// member ids.
func decodeGroup(in sentGroup, spec *v1alpha1.ScimGroupSpec) ([]string, error) {
	for k, v := range in.attrs {
		if strings.EqualFold(k, attrMembers) {
			in.attrs[k] = bareMemberIDs(v)
		}
	}
	doc, err := schema.GroupResource.Normalize(in.attrs)
	if err != nil {
		return nil, err
	}
	members := mapping.GroupSpec(doc, spec)
	if in.idsRead {
		members = in.ids
	}
	return members, validation.Group(spec)
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	in, err := t.readGroup(r, s.opts.MaxPayloadSize)
	if err != nil {
		return err
	}
	sentMembers := in.sendsMembers()
	g := &v1alpha1.ScimGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: t.tenant.Namespace, Name: uuid.NewString()},
		Spec:       v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: t.tenant.Name}, ManagedBy: v1alpha1.ManagedBySCIM},
	}
	members, err := decodeGroup(in, &g.Spec)
	if err != nil {
		return err
	}
	t.subject.DisplayName, t.subject.ExternalID = g.Spec.DisplayName, g.Spec.ExternalID
	change := store.NewMemberChange()
	change.ReplaceAll(members...)
	ctx := r.Context()
	if err := checkRoom(ctx, s, groupKind, t, ptr.Deref(t.tenant.Spec.Limits, v1alpha1.TenantLimits{}).MaxGroups, "maxGroups"); err != nil {
		return err
	}
	strangers, err := s.dropStrangers(ctx, t, change)
	if err != nil {
		return err
	}
	prior, err := s.store.ManualGroup(ctx, t.tenant, g.Spec.DisplayName)
	if err != nil {
		return err
	}
	if prior != nil {
		// Adoption: the group created by hand becomes the identity
		// provider's, keeping its id; what the provider did not send
		// (its members, when it sent none) stays as it was.
		g, err = update(r, s, groupKind, t, prior.Name, store.Update[*v1alpha1.ScimGroup]{
			Lookup: store.Lookup{Hidden: true},
			Change: func(_, next *v1alpha1.ScimGroup) error {
				next.Spec.DisplayName, next.Spec.ManagedBy = g.Spec.DisplayName, v1alpha1.ManagedBySCIM
				if g.Spec.ExternalID != "" {
					next.Spec.ExternalID = g.Spec.ExternalID
				}
				return nil
			},
		})
	} else {
		err = create(ctx, s, groupKind, t, g)
	}
	if err != nil {
		return err
	}
	if !sentMembers || (prior == nil && len(members) == len(strangers)) {
		// Nothing to write: an adopted group keeps the members the
		// provider did not send, and a new one has none to file.
		change = store.NewMemberChange()
	}
	if err := s.applyMembers(ctx, t, g, change, strangers); err != nil {
		return err
	}
	w.Header().Set(headerLocation, t.groupLocation(g.Name))
	return s.writeGroup(w, r, t, q, g, http.StatusCreated)
}

// sends is whether a resource as sent names a top-level attribute, in
// any case, as attribute names are case-insensitive.
func sends(in map[string]any, name string) bool {
	for k := range in {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	g, err := find(r.Context(), s, groupKind, t, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeGroup(w, r, t, q, g, http.StatusOK)
}

// writeGroup answers with a group as the request's attributes and
// excludedAttributes ask, members included unless excluded, as the schema
// declares them returned by default; with 304 to a GET whose
// If-None-Match names its version; and with 204 and the new ETag to a
// PATCH that asks for no attributes, as RFC 7644 section 3.5.2 allows and
// Microsoft's provisioning guidance shows: Entra ID and Okta do not read
// the answer, and for a large group the member list would be most of the
// work of a request that changed one member.
func (s *Server) writeGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query, g *v1alpha1.ScimGroup, status int) error {
	slices, err := s.store.MemberSlices(r.Context(), g)
	if err != nil {
		return err
	}
	version := groupVersion(g, slices)
	w.Header().Set(headerETag, version)
	switch {
	case r.Method == http.MethodGet && notModified(r, version):
		w.WriteHeader(http.StatusNotModified)
		return nil
	case r.Method == http.MethodPatch && len(q.attributes) == 0 && len(q.excluded) == 0:
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	p := newProjection(schema.GroupResource, q.attributes, q.excluded)
	writeJSON(w, t.log, status, s.groupDoc(r.Context(), t, g, slices, version, p))
	return nil
}

// renderGroup is g in SCIM form as p asks, with its current member slices.
func (s *Server) renderGroup(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, p projection) (map[string]any, error) {
	slices, err := s.store.MemberSlices(ctx, g)
	if err != nil {
		return nil, err
	}
	return s.groupDoc(ctx, t, g, slices, groupVersion(g, slices), p), nil
}

// groupDoc is g in SCIM form as p asks. Members are assembled only when
// asked for; Entra and Okta read groups with excludedAttributes=members.
func (s *Server) groupDoc(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, slices []v1alpha1.ScimGroupMemberSlice,
	version string, p projection) map[string]any {
	var members []mapping.Ref
	if p.wants("", attrMembers) {
		members = s.memberRefs(ctx, t, slices)
	}
	return p.apply(mapping.Group(g, t.groupLocation(g.Name), version, members))
}

func (s *Server) groupVersionOf(ctx context.Context) func(*v1alpha1.ScimGroup) (string, error) {
	return func(g *v1alpha1.ScimGroup) (string, error) {
		slices, err := s.store.MemberSlices(ctx, g)
		if err != nil {
			return "", err
		}
		return groupVersion(g, slices), nil
	}
}

func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	in, err := t.readGroup(r, s.opts.MaxPayloadSize)
	if err != nil {
		return err
	}
	change := store.NewMemberChange()
	ctx := r.Context()
	g, err := update(r, s, groupKind, t, r.PathValue("id"), store.Update[*v1alpha1.ScimGroup]{
		Version: s.groupVersionOf(ctx),
		Change: func(_, next *v1alpha1.ScimGroup) error {
			members, err := decodeGroup(in, &next.Spec)
			change.ReplaceAll(members...)
			return err
		},
	})
	if err != nil {
		return err
	}
	strangers, err := s.dropStrangers(ctx, t, change)
	if err != nil {
		return err
	}
	if err := s.applyMembers(ctx, t, g, change, strangers); err != nil {
		return err
	}
	return s.writeGroup(w, r, t, q, g, http.StatusOK)
}

func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
	body, shape, err := t.readBody(r, s.opts.MaxPayloadSize)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := t.reserveFastReading(ctx, body); err != nil {
		return err
	}
	attrOps, memberOps, change, err := parseGroupPatch(body, func() error { return t.reserveDecoding(ctx, len(body), shape) })
	if err != nil {
		return err
	}
	g, err := find(ctx, s, groupKind, t, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Members are read and checked before anything is written; ones
	// that are not users of the tenant are skipped and reported.
	if change == nil {
		if change, err = s.memberChanges(ctx, t, g, memberOps); err != nil {
			return err
		}
	}
	strangers, err := s.dropStrangers(ctx, t, change)
	if err != nil {
		return err
	}
	g, err = update(r, s, groupKind, t, r.PathValue("id"), store.Update[*v1alpha1.ScimGroup]{
		Version: s.groupVersionOf(ctx),
		Change: func(cur, next *v1alpha1.ScimGroup) error {
			if len(attrOps) == 0 {
				return nil
			}
			doc := mapping.Group(cur, "", "", nil)
			if err := patch.Apply(doc, attrOps, schema.GroupResource); err != nil {
				return err
			}
			mapping.GroupSpec(doc, &next.Spec)
			return validation.Group(&next.Spec)
		},
	})
	if err != nil {
		return err
	}
	if err := s.applyMembers(ctx, t, g, change, strangers); err != nil {
		return err
	}
	return s.writeGroup(w, r, t, q, g, http.StatusOK)
}

// parseGroupPatch reads a group's PATCH body into the operations on its
// attributes and those on its members. A body that only changes members,
// as identity providers send them, is read into ids directly
// (patch.ParseMembers), and comes back as the member change instead.
func parseGroupPatch(body []byte, decode func() error) (attrOps, memberOps []patch.Operation, members *store.MemberChange, err error) {
	if ops, ok := patch.ParseMembers(body); ok {
		members = store.NewMemberChange()
		for _, op := range ops {
			applyMemberOp(members, op.Op, op.IDs, op.HasValue)
		}
		return nil, nil, members, nil
	}
	if err := decode(); err != nil {
		return nil, nil, nil, err
	}
	ops, err := patch.Parse(body)
	if err == nil {
		ops, err = patch.Expand(ops, schema.GroupResource)
	}
	if err != nil {
		return nil, nil, nil, err //nolint:wrapcheck // a patch.Error, rendered by inputError
	}
	for _, op := range ops {
		if strings.EqualFold(op.Path.Attr, attrMembers) && (op.Path.URN == "" || strings.EqualFold(op.Path.URN, schema.GroupURN)) {
			memberOps = append(memberOps, op)
		} else {
			attrOps = append(attrOps, op)
		}
	}
	return attrOps, memberOps, nil, nil
}

// applyMemberOp adds an operation on the whole member list to change:
// add and replace take ids, remove takes them out, or every member when
// it names none.
func applyMemberOp(change *store.MemberChange, op string, ids []string, hasValue bool) {
	switch {
	case op == patch.OpAdd:
		change.Add(ids...)
	case op == patch.OpReplace:
		change.ReplaceAll(ids...)
	case hasValue:
		change.Remove(ids...)
	default:
		change.ReplaceAll()
	}
}

// memberChanges turns PATCH operations on members into a member change:
// add lists members to add; remove takes a value filter
// (members[value eq "id"]) or, as Entra sends it, a list of members as the
// value; replace sets the whole list. Only filters other than value
// equalities need the current members read.
func (s *Server) memberChanges(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, ops []patch.Operation) (*store.MemberChange, error) {
	change := store.NewMemberChange()
	membersAttr, _, _ := schema.GroupResource.Attribute("", attrMembers)
	for _, op := range ops {
		if op.Path.Sub != "" || (op.Path.Filter != nil && op.Op != patch.OpRemove) {
			return nil, errorf(http.StatusBadRequest, schema.ScimTypeInvalidPath,
				"operation %d: members are added, replaced or removed whole; %q cannot be %sed", op.Index+1, op.Path.String(), op.Op)
		}
		if op.Path.Filter != nil {
			// A filter naming what members do not have matches nothing
			// or, negated, everything: refuse it before it removes a
			// member, as a user filter is refused.
			if _, err := filter.Resolve(*op.Path, schema.GroupResource); err != nil {
				return nil, errorf(http.StatusBadRequest, schema.ScimTypeInvalidFilter, "operation %d: invalid filter in %q: %v", op.Index+1, op.Path.String(), err)
			}
		}
		ids, err := memberIDs(op.Value, membersAttr)
		if err != nil {
			return nil, err
		}
		if op.Path.Filter != nil && op.Op == patch.OpRemove {
			matched, err := s.membersMatching(ctx, t, g, op.Path.Filter, membersAttr)
			if err != nil {
				return nil, err
			}
			change.Remove(matched...)
			continue
		}
		applyMemberOp(change, op.Op, ids, op.Value != nil)
	}
	return change, nil
}

// memberIDs reads the ids from a members value.
func memberIDs(v any, membersAttr *schema.Attribute) ([]string, error) {
	nv, err := membersAttr.NormalizeValue(bareMemberIDs(v))
	if err != nil {
		return nil, err //nolint:wrapcheck // a schema.ValueError, rendered by inputError
	}
	list, _ := nv.([]any)
	ids := make([]string, 0, len(list))
	for _, el := range list {
		if m, ok := el.(map[string]any); ok {
			if id, ok := m["value"].(string); ok && id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// bareMemberIDs takes members sent as bare ids ("id" or ["id", ...]) as
// the member objects they stand for, as lenient clients send them.
func bareMemberIDs(v any) any {
	if id, ok := v.(string); ok {
		return []any{map[string]any{"value": id}}
	}
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, el := range list {
		if id, ok := el.(string); ok {
			el = map[string]any{"value": id}
		}
		out[i] = el
	}
	return out
}

// membersMatching lists the members a value filter selects. A filter that
// only pins value is answered without reading the members.
func (s *Server) membersMatching(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, f filter.Expr, membersAttr *schema.Attribute) ([]string, error) {
	if eqs, ok := filter.Equalities(f); ok && len(eqs) == 1 {
		for k, v := range eqs {
			if id, isString := v.(string); isString && strings.EqualFold(k, "value") {
				return []string{id}, nil
			}
		}
	}
	slices, err := s.store.MemberSlices(ctx, g)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ref := range s.memberRefs(ctx, t, slices) {
		el := map[string]any{"value": ref.Value, "display": ref.Display, "$ref": ref.Ref}
		if filter.MatchesElement(f, el, membersAttr) {
			ids = append(ids, ref.Value)
		}
	}
	return ids, nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	ctx := r.Context()
	g, err := find(ctx, s, groupKind, t, r.PathValue("id"))
	if err != nil {
		return err
	}
	version, err := s.groupVersionOf(ctx)(g)
	if err != nil {
		return err
	}
	if err := store.CheckVersion(r.Header.Get(headerIfMatch), version); err != nil {
		return err
	}
	if err := remove(ctx, s, groupKind, t, g); err != nil {
		return err
	}
	if err := s.store.DeleteMembers(ctx, g); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// queryGroups answers GET /Groups and POST /Groups/.search. Members are
// assembled only for filters that test them.
func (s *Server) queryGroups() (list, search endpoint) {
	withoutMembers := newProjection(schema.GroupResource, nil, []string{attrMembers})
	whole := newProjection(schema.GroupResource, nil, nil)
	return queryEndpoints(s, groupKind,
		func(t *tenantRequest, f filter.Expr) func(context.Context, *v1alpha1.ScimGroup) (bool, error) {
			view := withoutMembers
			if filterUses(f, attrMembers) {
				view = whole
			}
			m := filter.NewMatcher(f, schema.GroupResource)
			return func(ctx context.Context, g *v1alpha1.ScimGroup) (bool, error) {
				doc, err := s.renderGroup(ctx, t, g, view)
				return err == nil && m.Matches(doc), err
			}
		},
		func(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, p projection) (map[string]any, error) {
			return s.renderGroup(ctx, t, g, p)
		})
}

// filterUses reports whether a filter refers to the attribute name.
func filterUses(f filter.Expr, name string) bool {
	found := false
	_ = filter.Walk(f, func(p filter.Path) error {
		if strings.EqualFold(p.Attr, name) {
			found = true
		}
		return nil
	})
	return found
}
