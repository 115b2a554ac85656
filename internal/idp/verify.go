// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package idp

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Cluster is what the server stored in Kubernetes, for checks beyond SCIM.
type Cluster interface {
	// User returns the stored user with the SCIM id, or found false.
	User(ctx context.Context, id string) (u ClusterUser, found bool, err error)
}

// ClusterUser is a ScimUser as the checks see it.
type ClusterUser struct {
	UserName string
	Phase    string
	// PurgeScheduled is true when status has a purge time.
	PurgeScheduled bool
	// PurgeDelay is the time from deactivation or deletion to the purge,
	// and Retention the tenant's retention, which it must equal.
	PurgeDelay, Retention time.Duration
	// Manager is the id the manager value resolved to, "" if none.
	Manager string
	// Language is the effective language, WorkPhone the work number in
	// E.164, and InvalidAttributes what could not be normalised.
	Language, WorkPhone string
	InvalidAttributes   []string
}

// clusterWait bounds how long the checks wait for controllers to catch up.
const clusterWait = 20 * time.Second

// Verify reads every user and group back through SCIM, and through the
// cluster when the target has one, and fails on the first attribute that
// differs from the directory.
func (r *Run) Verify(d *Directory) error {
	for _, p := range d.People {
		if p.ID == "" {
			continue
		}
		if err := r.verifyPerson(d, p); err != nil {
			return err
		}
	}
	for _, t := range d.Teams {
		if t.ID == "" {
			continue
		}
		if err := r.verifyTeam(d, t); err != nil {
			return err
		}
	}
	if r.Target.Cluster == nil {
		return nil
	}
	for _, p := range d.People {
		if p.ID == "" {
			continue
		}
		if err := r.verifyCluster(d, p); err != nil {
			return err
		}
	}
	return nil
}

// read gets a resource, which must answer 404 once deleted; resp is nil
// then.
func (r *Run) read(path string, deleted bool) (*Response, error) {
	if deleted {
		_, err := r.expect(http.MethodGet, path, nil, http.StatusNotFound)
		return nil, err
	}
	return r.expect(http.MethodGet, path, nil, http.StatusOK)
}

func (r *Run) verifyPerson(d *Directory, p *Person) error {
	resp, err := r.read("/Users/"+p.ID, p.Deleted)
	if err != nil || resp == nil {
		return err
	}
	doc := resp.JSON()
	want := map[string]any{
		"userName":                           p.UserName,
		"active":                             p.Active,
		"displayName":                        p.DisplayName,
		"name.givenName":                     p.GivenName,
		"name.familyName":                    p.FamilyName,
		"title":                              p.Title,
		"preferredLanguage":                  p.Language,
		`emails[type eq "work"].value`:       p.Email,
		`emails[type eq "home"].value`:       p.HomeEmail,
		`phoneNumbers[type eq "work"].value`: p.Phone,
		`addresses[type eq "work"].country`:  p.Country,
		enterpriseURN + ":department":        p.Department,
		enterpriseURN + ":employeeNumber":    p.EmployeeNumber,
		enterpriseURN + ":manager.value":     d.managerValue(p),
		hoxhuntURN + ":customAttribute1":     p.CustomAttribute1,
		"groups.value":                       d.teamIDsOf(p),
	}
	for _, attr := range slices.Sorted(maps.Keys(want)) {
		got := lookup(doc, attr)
		if !sameValue(got, want[attr]) {
			return r.fail(resp, "user %s: attribute %s is %v, want %v", p.Key, attr, show(got), show(want[attr]))
		}
	}
	return nil
}

func (r *Run) verifyTeam(d *Directory, t *Team) error {
	resp, err := r.read("/Groups/"+t.ID, t.Deleted)
	if err != nil || resp == nil {
		return err
	}
	doc := resp.JSON()
	if got := doc["displayName"]; got != t.DisplayName {
		return r.fail(resp, "group %s: displayName is %v, want %q", t.Key, show(got), t.DisplayName)
	}
	if got, want := lookup(doc, "members.value"), d.memberIDs(t); !sameValue(got, want) {
		return r.fail(resp, "group %s: members are %v, want %v", t.Key, show(got), want)
	}
	return nil
}

// verifyCluster checks the stored user, waiting for the controllers.
func (r *Run) verifyCluster(d *Directory, p *Person) error {
	wantPhase := "Active"
	switch {
	case p.Deleted:
		wantPhase = "Deleted"
	case !p.Active:
		wantPhase = "Inactive"
	}
	wantManager := ""
	if m := d.Person(p.Manager); m != nil && m.ID != "" && !m.Deleted {
		wantManager = m.ID
	}
	deadline := time.Now().Add(clusterWait)
	for {
		u, found, err := r.Target.Cluster.User(r.ctx, p.ID)
		if err != nil {
			return r.fail(nil, "read user %s from the cluster: %v", p.Key, err)
		}
		var problem string
		switch {
		case !found:
			problem = "is not stored in the cluster"
		case u.UserName != p.UserName:
			problem = fmt.Sprintf("is stored with userName %q, want %q", u.UserName, p.UserName)
		case u.Phase != wantPhase:
			problem = fmt.Sprintf("has phase %q, want %q", u.Phase, wantPhase)
		case u.PurgeScheduled != (wantPhase != "Active"):
			problem = fmt.Sprintf("has a purge scheduled: %v, want %v", u.PurgeScheduled, wantPhase != "Active")
		case u.PurgeScheduled && u.PurgeDelay != u.Retention:
			problem = fmt.Sprintf("is to be purged %s after it was deactivated or deleted, want the tenant's retention %s", u.PurgeDelay, u.Retention)
		case !p.Deleted && u.Manager != wantManager:
			problem = fmt.Sprintf("has resolved manager %q, want %q", u.Manager, wantManager)
		case u.Language != p.LanguageBase:
			problem = fmt.Sprintf("has the effective language %q, want %q from %q", u.Language, p.LanguageBase, p.Language)
		case u.WorkPhone != p.PhoneE164:
			problem = fmt.Sprintf("has the work phone %q in E.164, want %q from %q", u.WorkPhone, p.PhoneE164, p.Phone)
		case (p.PhoneE164 == "") != slices.Contains(u.InvalidAttributes, `phoneNumbers[type eq "work"]`):
			problem = fmt.Sprintf("reports %v as not normalised, which should name the work phone only when it cannot be read", u.InvalidAttributes)
		}
		if problem == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return r.fail(nil, "user %s (id %s) %s", p.Key, p.ID, problem)
		}
		select {
		case <-r.ctx.Done():
			return r.fail(nil, "user %s: %v", p.Key, r.ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lookup reads a SCIM path from a document: dotted sub-attributes, URN
// prefixes, and the one value filter shape the checks use.
func lookup(doc map[string]any, path string) any {
	container := doc
	if urn, rest, ok := cutURN(path); ok {
		m, _ := doc[urn].(map[string]any)
		container, path = m, rest
	}
	attr, sub := path, ""
	filterType := ""
	if i := strings.Index(path, "[type eq \""); i >= 0 {
		end := strings.Index(path[i:], "\"]")
		filterType = path[i+len("[type eq \"") : i+end]
		attr = path[:i]
		sub = trimDot(path[i+end+2:])
	} else if a, b, ok := strings.Cut(path, "."); ok {
		attr, sub = a, b
	}
	v := container[attr]
	if list, ok := v.([]any); ok {
		var out []any
		for _, el := range list {
			m, _ := el.(map[string]any)
			if filterType != "" && m["type"] != filterType {
				continue
			}
			if sub == "" {
				out = append(out, el)
			} else if sv, ok := m[sub]; ok {
				out = append(out, sv)
			}
		}
		if filterType != "" {
			if len(out) == 0 {
				return nil
			}
			return out[0]
		}
		return out
	}
	if m, ok := v.(map[string]any); ok && sub != "" {
		return m[sub]
	}
	return v
}

func cutURN(path string) (urn, rest string, ok bool) {
	for _, u := range []string{enterpriseURN, hoxhuntURN} {
		if len(path) > len(u) && path[:len(u)] == u {
			return u, path[len(u)+1:], true
		}
	}
	return "", path, false
}

func trimDot(s string) string {
	if len(s) > 0 && s[0] == '.' {
		return s[1:]
	}
	return s
}

// sameValue compares a JSON value with an expected one; empty strings and
// empty lists stand for absent attributes.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case string:
		if w == "" {
			return got == nil || got == ""
		}
		return got == w
	case []string:
		var g []string
		list, _ := got.([]any)
		for _, v := range list {
			s, _ := v.(string)
			g = append(g, s)
		}
		sort.Strings(g)
		if len(g) == 0 && len(w) == 0 {
			return true
		}
		return reflect.DeepEqual(g, w)
	}
	return reflect.DeepEqual(got, want)
}

func show(v any) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprintf("%#v", v)
}
