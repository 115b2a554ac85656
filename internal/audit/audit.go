// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package audit writes the provisioning audit trail: one JSON line per
// change to an identity, on a stream of its own, for whatever the cluster
// ships logs with to keep for as long as the organisation must. Events
// expire after an hour and an identity keeps only its last action; the
// trail keeps every action, a purged user's included.
//
// A record names the identity by its identifiers (id, userName,
// externalId, a group's displayName) and the attributes a change touched
// by name; it never carries an attribute's value or a token.
package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/brief"
)

// Version names the record's schema; it changes only with an
// incompatible change, so queries can pin it.
const Version = "scim.provisioning.io/audit/v1"

// Action is what happened to an identity.
type Action string

// Actions, stable for queries.
const (
	Created        Action = "created"
	Updated        Action = "updated"
	Deactivated    Action = "deactivated"
	Reactivated    Action = "reactivated"
	Deleted        Action = "deleted"
	Restored       Action = "restored"
	Adopted        Action = "adopted"
	Purged         Action = "purged"
	MembersAdded   Action = "membersAdded"
	MembersRemoved Action = "membersRemoved"
	MembersSkipped Action = "membersSkipped"
	// Refused is a write the server answered with a 4xx: nothing changed.
	Refused Action = "refused"
)

// Outcomes of a record.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Actors: who asked for the change.
const (
	// IdentityProvider is a SCIM request.
	IdentityProvider = "identityProvider"
	// Operator is the reconcilers, on their own (a purge at the end of the
	// retention) or on a platform team's request (a restore).
	Operator = "operator"
)

// Record is one line of the trail.
type Record struct {
	// Audit is Version: a field every line has, to select the trail from
	// a stream it shares with other logs.
	Audit  string    `json:"audit"`
	Time   time.Time `json:"time"`
	Tenant string    `json:"tenant"`
	// Kind is User or Group.
	Kind   string `json:"kind"`
	Action Action `json:"action"`
	// Outcome is Succeeded, or Failed for a Refused write.
	Outcome string `json:"outcome"`
	Actor   string `json:"actor"`
	// ID, UserName, ExternalID and DisplayName (groups) identify the
	// identity; empty where a refused request named none.
	ID          string `json:"id,omitempty"`
	UserName    string `json:"userName,omitempty"`
	ExternalID  string `json:"externalId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	// Changed names the attributes an update changed.
	Changed []string `json:"changed,omitempty"`
	// Members are the members a member action concerns: the first
	// brief.MaxIDs ids and how many there are.
	Members *Members `json:"members,omitempty"`
	// Status and Detail say why a write was refused.
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Method and Path are the SCIM request's; RequestID its
	// X-Request-Id; UserAgent the identity provider's client.
	Method    string `json:"method,omitempty"`
	Path      string `json:"path,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// Members names some of the members a record concerns.
type Members struct {
	Count int      `json:"count"`
	IDs   []string `json:"ids"`
}

// MembersOf is ids as a record names them.
func MembersOf(ids []string) *Members {
	return &Members{Count: len(ids), IDs: slices.Clone(ids[:min(len(ids), brief.MaxIDs)])}
}

// Trail writes records as JSON lines. Its zero value and nil write
// nothing.
type Trail struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// New writes the trail to w.
func New(w io.Writer) *Trail { return &Trail{w: w, now: time.Now} }

// OpenFile writes the trail to the file at path, appending to it.
func OpenFile(path string) (*Trail, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log %s: %w", path, err)
	}
	return New(f), nil
}

// Close closes what the trail writes to, where that can be closed.
func (t *Trail) Close() error {
	if t == nil {
		return nil
	}
	if c, ok := t.w.(io.Closer); ok {
		return c.Close() //nolint:wrapcheck // the file's own error names it
	}
	return nil
}

// Record writes one record, and logs a record it could not write: the
// change it describes is done either way.
func (t *Trail) Record(log logr.Logger, r Record) {
	if err := t.Write(r); err != nil {
		log.Error(err, "audit record lost", "action", r.Action, "id", r.ID)
	}
}

// Write writes one record, stamped with the time and schema.
func (t *Trail) Write(r Record) error {
	if t == nil || t.w == nil {
		return nil
	}
	r.Audit = Version
	r.Time = t.now().UTC()
	if r.Outcome == "" {
		r.Outcome = Succeeded
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode audit record: %w", err)
	}
	b = append(b, '\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.w.Write(b); err != nil {
		return fmt.Errorf("write audit record: %w", err)
	}
	return nil
}

// User is a record about u, with its identifiers.
func User(u *v1alpha1.ScimUser, action Action, actor string) Record {
	return Record{Tenant: u.Namespace + "/" + u.Spec.TenantRef.Name, Kind: "User", Action: action, Actor: actor,
		ID: u.Name, UserName: u.Spec.UserName, ExternalID: u.Spec.ExternalID}
}

// Group is a record about g, with its identifiers.
func Group(g *v1alpha1.ScimGroup, action Action, actor string) Record {
	return Record{Tenant: g.Namespace + "/" + g.Spec.TenantRef.Name, Kind: "Group", Action: action, Actor: actor,
		ID: g.Name, DisplayName: g.Spec.DisplayName, ExternalID: g.Spec.ExternalID}
}

// Changed names the attributes of two specs that differ, as their JSON
// names: top-level ones, and one level down within complex attributes
// (name.givenName, enterprise.department). Values are compared, never
// returned.
func Changed(before, after any) []string {
	a, b := fields(before), fields(after)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(union(a, b))) {
		av, bv := a[k], b[k]
		if string(av) == string(bv) {
			continue
		}
		sa, sb := fields(av), fields(bv)
		if sa == nil && sb == nil {
			out = append(out, k)
			continue
		}
		for _, sub := range slices.Sorted(maps.Keys(union(sa, sb))) {
			if string(sa[sub]) != string(sb[sub]) {
				out = append(out, k+"."+sub)
			}
		}
	}
	return out
}

// fields are the JSON object v encodes to, by key; nil for anything but
// an object.
func fields(v any) map[string]json.RawMessage {
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil
		}
	}
	var out map[string]json.RawMessage
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

func union(a, b map[string]json.RawMessage) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
