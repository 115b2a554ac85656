// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package idp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// provider is how one identity provider performs each step of a
// provisioning run; the run itself is the same for all.
type provider struct {
	name string
	// managers is false for providers that do not provision managers.
	managers       bool
	connectionTest func(r *Run) error
	createUser     func(r *Run, d *Directory, p *Person) error
	// updateUser sends the person's current attributes named in changed.
	updateUser func(r *Run, d *Directory, p *Person, changed []string) error
	setActive  func(r *Run, d *Directory, p *Person) error
	// deleteUser is nil for providers that never delete users; with
	// suspendOnDelete the provider deactivates instead.
	deleteUser      func(r *Run, p *Person) error
	suspendOnDelete bool
	createTeam      func(r *Run, d *Directory, t *Team) error
	changeMembers   func(r *Run, d *Directory, t *Team, add, remove []*Person) error
	renameTeam      func(r *Run, d *Directory, t *Team) error
	deleteTeam      func(r *Run, t *Team) error
}

// Script is one identity provider's provisioning run.
type Script struct {
	Name string
	p    provider
}

// Scripts lists every provider's script.
func Scripts() []Script {
	all := []provider{entra(false), entra(true), okta(), jumpCloud(), oneLogin(true), oneLogin(false), generic()}
	out := make([]Script, 0, len(all))
	for _, p := range all {
		out = append(out, Script{Name: p.name, p: p})
	}
	return out
}

// Run performs the script's whole provisioning run against the target
// for a directory of people and teams, checking the server's state after
// every phase. prefix keeps its names apart from other runs'.
func (s Script) Run(ctx context.Context, t *Target, prefix string, people, teams int, duplicate bool) (*Run, error) {
	r := NewRun(ctx, s.Name, t, duplicate)
	r.prefix = prefix
	d := NewDirectory(prefix, people, teams)
	r.Dir = d
	if !s.p.managers {
		for _, p := range d.People {
			p.Manager = ""
		}
	}
	return r, s.run(r, d)
}

func (s Script) run(r *Run, d *Directory) error {
	p := s.p
	r.Phase("connection test")
	if err := p.connectionTest(r); err != nil {
		return err
	}

	r.Phase("initial cycle")
	for _, person := range d.People {
		if err := p.createUser(r, d, person); err != nil {
			return err
		}
	}
	if p.managers {
		// Managers were sent by email before they existed; now that every
		// manager has an id, the provider sends the id.
		for _, person := range d.People {
			if person.Manager != "" {
				if err := p.updateUser(r, d, person, []string{"manager"}); err != nil {
					return err
				}
			}
		}
	}
	for _, team := range d.Teams {
		if err := p.createTeam(r, d, team); err != nil {
			return err
		}
	}
	if err := r.Verify(d); err != nil {
		return err
	}

	r.Phase("incremental changes")
	if err := s.incremental(r, d); err != nil {
		return err
	}
	if err := r.Verify(d); err != nil {
		return err
	}

	leaver := d.People[0]
	r.Phase("unassign")
	leaver.Active = false
	if err := p.setActive(r, d, leaver); err != nil {
		return err
	}
	if err := r.Verify(d); err != nil {
		return err
	}

	r.Phase("reassign")
	leaver.Active = true
	if err := p.setActive(r, d, leaver); err != nil {
		return err
	}
	if err := r.Verify(d); err != nil {
		return err
	}

	r.Phase("hard delete")
	gone := d.People[len(d.People)-1]
	switch {
	case p.suspendOnDelete:
		gone.Active = false
		if err := p.setActive(r, d, gone); err != nil {
			return err
		}
	case p.deleteUser != nil:
		if err := p.deleteUser(r, gone); err != nil {
			return err
		}
		gone.Deleted = true
	}
	if len(d.Teams) > 0 {
		team := d.Teams[len(d.Teams)-1]
		if err := p.deleteTeam(r, team); err != nil {
			return err
		}
		team.Deleted = true
	}
	return r.Verify(d)
}

// incremental applies the changes a directory sees between cycles: a
// rename, an email change, a department move, a manager change, members
// joining and leaving a team, and a team rename.
func (s Script) incremental(r *Run, d *Directory) error {
	p := s.p
	people := d.People
	renamed := people[0]
	renamed.GivenName, renamed.DisplayName = "Renamed", "Renamed "+renamed.FamilyName
	if err := p.updateUser(r, d, renamed, []string{"name.givenName", "displayName"}); err != nil {
		return err
	}
	if len(people) > 1 {
		moved := people[1]
		moved.Email = strings.Replace(moved.Email, "@", ".new@", 1)
		moved.Department, moved.Title = "Sales", "Account Executive"
		// The directory's national number is corrected to one the server
		// can read, which clears what it reported.
		moved.Phone, moved.PhoneE164 = "+1 201-555-0199", "+12015550199"
		if err := p.updateUser(r, d, moved, []string{"email", "department", "title", "phone"}); err != nil {
			return err
		}
	}
	if p.managers && len(people) > 2 {
		report := people[2]
		report.Manager = people[0].Key
		if err := p.updateUser(r, d, report, []string{"manager"}); err != nil {
			return err
		}
	}
	if len(d.Teams) == 0 {
		return nil
	}
	team := d.Teams[0]
	var joining, leaving []*Person
	for _, person := range people {
		switch {
		case team.Members[person.Key] && len(leaving) == 0:
			leaving = append(leaving, person)
			delete(team.Members, person.Key)
		case !team.Members[person.Key] && len(joining) < 2:
			joining = append(joining, person)
			team.Members[person.Key] = true
		}
	}
	if err := p.changeMembers(r, d, team, joining, leaving); err != nil {
		return err
	}
	team.DisplayName += " (renamed)"
	return p.renameTeam(r, d, team)
}

// userDoc is a person as a SCIM User with every attribute the directory
// has; managers are sent as the manager's id once known, else by email.
func userDoc(d *Directory, p *Person) map[string]any {
	ent := map[string]any{"department": p.Department, "employeeNumber": p.EmployeeNumber}
	if v := d.managerValue(p); v != "" {
		ent["manager"] = map[string]any{"value": v}
	}
	return map[string]any{
		"schemas":           []string{userURN, enterpriseURN, hoxhuntURN},
		"userName":          p.UserName,
		"externalId":        p.Key + "-" + p.UserName,
		"active":            p.Active,
		"displayName":       p.DisplayName,
		"title":             p.Title,
		"preferredLanguage": p.Language,
		"name":              map[string]any{"givenName": p.GivenName, "familyName": p.FamilyName},
		"emails": []any{map[string]any{"value": p.Email, "type": "work", "primary": true},
			map[string]any{"value": p.HomeEmail, "type": "home"}},
		"phoneNumbers": []any{map[string]any{"value": p.Phone, "type": "work"}},
		"addresses":    []any{map[string]any{"type": "work", "country": p.Country, "locality": p.Locality}},
		enterpriseURN:  ent,
		hoxhuntURN:     map[string]any{"customAttribute1": p.CustomAttribute1},
	}
}

// createByUserName looks a person up the way providers match before a
// create, then creates it.
func createByUserName(r *Run, p *Person, body any, query string) error {
	filter := fmt.Sprintf(`userName eq "%s"`, p.UserName)
	resp, err := r.expect(http.MethodGet, "/Users?filter="+queryEscape(filter)+query, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if n, _ := resp.JSON()["totalResults"].(float64); n != 0 {
		return r.fail(resp, "user %s exists before it was created", p.Key)
	}
	id, err := r.create("/Users", body, filter)
	p.ID = id
	return err
}

// createTeamByName looks a team up by displayName, creates it and adds
// its members.
func createTeamByName(r *Run, d *Directory, t *Team, body map[string]any, addMembers func() error) error {
	filter := fmt.Sprintf(`displayName eq "%s"`, t.DisplayName)
	resp, err := r.expect(http.MethodGet, "/Groups?excludedAttributes=members&filter="+queryEscape(filter), nil, http.StatusOK)
	if err != nil {
		return err
	}
	if n, _ := resp.JSON()["totalResults"].(float64); n != 0 {
		return r.fail(resp, "team %s exists before it was created", t.Key)
	}
	id, err := r.create("/Groups", body, filter)
	if err != nil {
		return err
	}
	t.ID = id
	if addMembers == nil || len(d.memberIDs(t)) == 0 {
		return nil
	}
	return addMembers()
}

func refs(people []*Person) []any {
	out := make([]any, 0, len(people))
	for _, p := range people {
		out = append(out, map[string]any{"value": p.ID})
	}
	return out
}

func memberRefs(d *Directory, t *Team) []any {
	var out []any
	for _, id := range d.memberIDs(t) {
		out = append(out, map[string]any{"value": id})
	}
	return out
}

func patchOp(op, path string, value any) map[string]any {
	m := map[string]any{"op": op}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, 0, len(ops))
	for _, op := range ops {
		list = append(list, op)
	}
	return map[string]any{"schemas": []string{patchOpURN}, "Operations": list}
}

// emptyLookups is the connection test Entra and OneLogin make: a lookup
// of a user and a group that cannot exist must answer 200 with nothing.
func emptyLookups(r *Run) error {
	for _, path := range []string{
		"/Users?filter=" + queryEscape(`userName eq "6bcb6c0e-0000-4000-8000-connection-test"`),
		"/Groups?excludedAttributes=members&filter=" + queryEscape(`displayName eq "6bcb6c0e-0000-4000-8000-connection-test"`),
	} {
		resp, err := r.expect(http.MethodGet, path, nil, http.StatusOK)
		if err != nil {
			return err
		}
		doc := resp.JSON()
		if n, _ := doc["totalResults"].(float64); n != 0 {
			return r.fail(resp, "a lookup of something that cannot exist found %v results", doc["totalResults"])
		}
		if _, ok := doc["Resources"]; !ok {
			return r.fail(resp, "an empty ListResponse must still carry Resources: []")
		}
	}
	return nil
}

func deleteUser(r *Run, p *Person) error {
	err := r.write(http.MethodDelete, "/Users/"+p.ID, nil, http.StatusNoContent)
	return err
}

func deleteTeam(r *Run, t *Team) error {
	err := r.write(http.MethodDelete, "/Groups/"+t.ID, nil, http.StatusNoContent)
	return err
}

// putUser replaces the user with its whole current state.
func putUser(r *Run, d *Directory, p *Person, _ []string) error {
	body := userDoc(d, p)
	body["id"] = p.ID
	err := r.write(http.MethodPut, "/Users/"+p.ID, body, http.StatusOK)
	return err
}
