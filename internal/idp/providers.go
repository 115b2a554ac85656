// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package idp

import (
	"fmt"
	"net/http"
)

// pathFor is the PATCH path of a changed directory attribute.
var pathFor = map[string]string{
	"name.givenName": "name.givenName",
	"displayName":    "displayName",
	"title":          "title",
	"email":          `emails[type eq "work"].value`,
	"phone":          `phoneNumbers[type eq "work"].value`,
	"department":     enterpriseURN + ":department",
	"manager":        enterpriseURN + ":manager",
}

func valueOf(d *Directory, p *Person, attr string) any {
	switch attr {
	case "name.givenName":
		return p.GivenName
	case "displayName":
		return p.DisplayName
	case "title":
		return p.Title
	case "email":
		return p.Email
	case "phone":
		return p.Phone
	case "department":
		return p.Department
	case "manager":
		return d.managerValue(p)
	}
	panic("no value for " + attr)
}

// patchUser sends one operation per changed attribute, with op named as
// the dialect writes it.
func patchUser(opName string) func(r *Run, d *Directory, p *Person, changed []string) error {
	return func(r *Run, d *Directory, p *Person, changed []string) error {
		ops := make([]map[string]any, 0, len(changed))
		for _, attr := range changed {
			ops = append(ops, patchOp(opName, pathFor[attr], valueOf(d, p, attr)))
		}
		err := r.write(http.MethodPatch, "/Users/"+p.ID, patchBody(ops...), http.StatusOK, http.StatusNoContent)
		return err
	}
}

// entra emulates Microsoft Entra ID: by default capitalised ops, string
// booleans and members removed by listing them; with compliant (the
// ?aadOptscim062020 flag) lower-case ops, real booleans, path-less
// replaces with dotted keys and members removed by value filter.
func entra(compliant bool) provider {
	name, op, boolean := "entra", func(s string) string { return s }, func(b bool) any { return map[bool]string{true: "True", false: "False"}[b] }
	if compliant {
		name, boolean = "entra-compliant", func(b bool) any { return b }
		op = func(s string) string {
			return map[string]string{"Add": "add", "Replace": "replace", "Remove": "remove"}[s]
		}
	}
	p := provider{name: name, managers: true, connectionTest: emptyLookups, deleteUser: deleteUser, deleteTeam: deleteTeam}
	p.createUser = func(r *Run, d *Directory, person *Person) error {
		body := userDoc(d, person)
		body["roles"] = []any{}
		body["meta"] = map[string]any{"resourceType": "User"}
		return createByUserName(r, person, body, "")
	}
	p.updateUser = patchUser(op("Replace"))
	if compliant {
		p.updateUser = func(r *Run, d *Directory, person *Person, changed []string) error {
			value := map[string]any{}
			var ops []map[string]any
			for _, attr := range changed {
				if attr == "email" || attr == "manager" {
					ops = append(ops, patchOp("replace", pathFor[attr], valueOf(d, person, attr)))
				} else {
					value[pathFor[attr]] = valueOf(d, person, attr)
				}
			}
			if len(value) > 0 {
				ops = append(ops, patchOp("replace", "", value))
			}
			err := r.write(http.MethodPatch, "/Users/"+person.ID, patchBody(ops...), http.StatusOK, http.StatusNoContent)
			return err
		}
	}
	p.setActive = func(r *Run, _ *Directory, person *Person) error {
		err := r.write(http.MethodPatch, "/Users/"+person.ID, patchBody(patchOp(op("Replace"), "active", boolean(person.Active))), http.StatusOK, http.StatusNoContent)
		return err
	}
	addMembers := func(r *Run, t *Team, members []any) error {
		for _, m := range members {
			m.(map[string]any)["$ref"] = nil
		}
		err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(patchOp(op("Add"), "members", members)), http.StatusOK, http.StatusNoContent)
		return err
	}
	p.createTeam = func(r *Run, d *Directory, t *Team) error {
		body := map[string]any{
			"schemas":     []string{groupURN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
			"externalId":  t.ExternalID,
			"displayName": t.DisplayName,
			"meta":        map[string]any{"resourceType": "Group"},
		}
		return createTeamByName(r, d, t, body, func() error { return addMembers(r, t, memberRefs(d, t)) })
	}
	p.changeMembers = func(r *Run, _ *Directory, t *Team, add, remove []*Person) error {
		if err := addMembers(r, t, refs(add)); err != nil {
			return err
		}
		var ops []map[string]any
		for _, person := range remove {
			if compliant {
				ops = append(ops, patchOp("remove", fmt.Sprintf(`members[value eq "%s"]`, person.ID), nil))
			} else {
				ops = append(ops, patchOp("Remove", "members", []any{map[string]any{"value": person.ID}}))
			}
		}
		err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(ops...), http.StatusOK, http.StatusNoContent)
		return err
	}
	p.renameTeam = func(r *Run, _ *Directory, t *Team) error {
		err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(patchOp(op("Replace"), "displayName", t.DisplayName)), http.StatusOK, http.StatusNoContent)
		return err
	}
	return p
}

// okta emulates Okta: import by paging, PUT for profile updates, path-less
// deactivation, never a user DELETE, and group push with add and remove in
// one PATCH, renames that repeat the group's id, and old-style PUTs of the
// whole member list.
func okta() provider {
	p := provider{name: "okta", managers: true, updateUser: putUser, deleteTeam: deleteTeam}
	p.connectionTest = func(r *Run) error {
		for _, path := range []string{"/Users", "/Groups"} {
			for start := 1; ; start += 100 {
				resp, err := r.expect(http.MethodGet, fmt.Sprintf("%s?startIndex=%d&count=100", path, start), nil, http.StatusOK)
				if err != nil {
					return err
				}
				total, _ := resp.JSON()["totalResults"].(float64)
				if float64(start+100) > total {
					break
				}
			}
		}
		return nil
	}
	p.createUser = func(r *Run, d *Directory, person *Person) error {
		body := userDoc(d, person)
		body["password"] = "Okta-Synced-Pa55word!"
		body["groups"] = []any{}
		body["locale"] = "en-US"
		return createByUserName(r, person, body, "&startIndex=1&count=100")
	}
	p.setActive = func(r *Run, _ *Directory, person *Person) error {
		err := r.write(http.MethodPatch, "/Users/"+person.ID, patchBody(patchOp("replace", "", map[string]any{"active": person.Active})), http.StatusOK, http.StatusNoContent)
		return err
	}
	p.createTeam = func(r *Run, d *Directory, t *Team) error {
		body := map[string]any{"schemas": []string{groupURN}, "displayName": t.DisplayName, "members": []any{}}
		return createTeamByName(r, d, t, body, func() error {
			members := memberRefs(d, t)
			err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(patchOp("add", "members", members)), http.StatusOK, http.StatusNoContent)
			return err
		})
	}
	p.changeMembers = func(r *Run, _ *Directory, t *Team, add, remove []*Person) error {
		ops := []map[string]any{patchOp("add", "members", refs(add))}
		for _, person := range remove {
			ops = append(ops, patchOp("remove", fmt.Sprintf(`members[value eq "%s"]`, person.ID), nil))
		}
		err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(ops...), http.StatusOK, http.StatusNoContent)
		return err
	}
	p.renameTeam = func(r *Run, d *Directory, t *Team) error {
		if err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(patchOp("replace", "", map[string]any{"id": t.ID, "displayName": t.DisplayName})), http.StatusOK, http.StatusNoContent); err != nil {
			return err
		}
		body := map[string]any{"schemas": []string{groupURN}, "id": t.ID, "displayName": t.DisplayName, "members": memberRefs(d, t)}
		err := r.write(http.MethodPut, "/Groups/"+t.ID, body, http.StatusOK)
		return err
	}
	return p
}

// jumpCloud emulates JumpCloud: its connection test creates a test user
// and group and deletes them again; it does not provision managers.
func jumpCloud() provider {
	p := provider{name: "jumpcloud", updateUser: patchUser("replace"), deleteUser: deleteUser, deleteTeam: deleteTeam}
	p.connectionTest = func(r *Run) error {
		user, err := r.expect(http.MethodPost, "/Users", map[string]any{
			"schemas": []string{userURN}, "userName": r.prefix + ".jumpcloud-test@example.com",
			"emails": []any{map[string]any{"value": r.prefix + ".jumpcloud-test@example.com", "type": "work", "primary": true}},
		}, http.StatusCreated)
		if err != nil {
			return err
		}
		group, err := r.expect(http.MethodPost, "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": r.prefix + " jumpcloud test"}, http.StatusCreated)
		if err != nil {
			return err
		}
		for _, path := range []string{"/Users/" + user.JSON()["id"].(string), "/Groups/" + group.JSON()["id"].(string)} {
			if _, err := r.expect(http.MethodDelete, path, nil, http.StatusNoContent); err != nil {
				return err
			}
			if _, err := r.expect(http.MethodGet, path, nil, http.StatusNotFound); err != nil {
				return err
			}
		}
		return nil
	}
	p.createUser = func(r *Run, d *Directory, person *Person) error {
		return createByUserName(r, person, userDoc(d, person), "")
	}
	p.setActive = func(r *Run, d *Directory, person *Person) error {
		return putUser(r, d, person, nil)
	}
	p.createTeam = rfcCreateTeam
	p.changeMembers = rfcChangeMembers
	p.renameTeam = rfcRenameTeam
	return p
}

// oneLogin emulates OneLogin, whose app settings choose PUT or PATCH for
// updates and DELETE or suspension for users deleted in OneLogin.
func oneLogin(put bool) provider {
	p := provider{name: "onelogin-patch", managers: true, updateUser: patchUser("replace"), connectionTest: emptyLookups, deleteTeam: deleteTeam, suspendOnDelete: true}
	p.setActive = func(r *Run, _ *Directory, person *Person) error {
		err := r.write(http.MethodPatch, "/Users/"+person.ID, patchBody(patchOp("replace", "active", person.Active)), http.StatusOK)
		return err
	}
	if put {
		p.name, p.updateUser, p.setActive, p.deleteUser, p.suspendOnDelete = "onelogin-put", putUser, func(r *Run, d *Directory, person *Person) error {
			return putUser(r, d, person, nil)
		}, deleteUser, false
	}
	p.createUser = func(r *Run, d *Directory, person *Person) error {
		return createByUserName(r, person, userDoc(d, person), "")
	}
	p.createTeam = rfcCreateTeam
	p.changeMembers = rfcChangeMembers
	p.renameTeam = rfcRenameTeam
	return p
}

// generic is a client of RFC 7644 alone: it searches with POST /.search,
// and sends If-Match with the version it read.
func generic() provider {
	p := provider{name: "generic", managers: true, deleteUser: deleteUser, deleteTeam: deleteTeam}
	p.connectionTest = func(r *Run) error {
		if _, err := r.expect(http.MethodGet, "/ServiceProviderConfig", nil, http.StatusOK); err != nil {
			return err
		}
		resp, err := r.expect(http.MethodPost, "/Users/.search", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `userName eq "nobody@example.invalid"`, "count": 1,
		}, http.StatusOK)
		if err != nil {
			return err
		}
		if n, _ := resp.JSON()["totalResults"].(float64); n != 0 {
			return r.fail(resp, "a search for nobody found %v users", n)
		}
		return nil
	}
	p.createUser = func(r *Run, d *Directory, person *Person) error {
		return createByUserName(r, person, userDoc(d, person), "")
	}
	p.updateUser = func(r *Run, d *Directory, person *Person, changed []string) error {
		read, err := r.expect(http.MethodGet, "/Users/"+person.ID, nil, http.StatusOK)
		if err != nil {
			return err
		}
		version, _ := read.JSON()["meta"].(map[string]any)["version"].(string)
		ops := make([]map[string]any, 0, len(changed))
		for _, attr := range changed {
			ops = append(ops, patchOp("replace", pathFor[attr], valueOf(d, person, attr)))
		}
		resp, err := r.sendIfMatch(http.MethodPatch, "/Users/"+person.ID, patchBody(ops...), version)
		if err != nil {
			return err
		}
		if resp.Status != http.StatusOK {
			return r.fail(resp, "status %d, want 200", resp.Status)
		}
		return nil
	}
	p.setActive = func(r *Run, _ *Directory, person *Person) error {
		err := r.write(http.MethodPatch, "/Users/"+person.ID, patchBody(patchOp("replace", "active", person.Active)), http.StatusOK)
		return err
	}
	p.createTeam = rfcCreateTeam
	p.changeMembers = rfcChangeMembers
	p.renameTeam = rfcRenameTeam
	return p
}

// rfcCreateTeam creates a group with its members in the POST.
func rfcCreateTeam(r *Run, d *Directory, t *Team) error {
	body := map[string]any{"schemas": []string{groupURN}, "displayName": t.DisplayName, "externalId": t.ExternalID, "members": memberRefs(d, t)}
	return createTeamByName(r, d, t, body, nil)
}

func rfcChangeMembers(r *Run, _ *Directory, t *Team, add, remove []*Person) error {
	ops := []map[string]any{patchOp("add", "members", refs(add))}
	for _, person := range remove {
		ops = append(ops, patchOp("remove", fmt.Sprintf(`members[value eq "%s"]`, person.ID), nil))
	}
	err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(ops...), http.StatusOK, http.StatusNoContent)
	return err
}

func rfcRenameTeam(r *Run, _ *Directory, t *Team) error {
	err := r.write(http.MethodPatch, "/Groups/"+t.ID, patchBody(patchOp("replace", "displayName", t.DisplayName)), http.StatusOK, http.StatusNoContent)
	return err
}
