// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package idp

import (
	"fmt"
	"sort"
)

// SCIM schema URNs the scripts send.
const (
	userURN       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	hoxhuntURN    = "urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:User"
	patchOpURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// Person is a user in the emulated directory, as the provider knows it.
type Person struct {
	Key                             string
	UserName, GivenName, FamilyName string
	DisplayName, Email, Title       string
	Department, Country, Locality   string
	Language, EmployeeNumber        string
	CustomAttribute1                string
	// Phone is the work phone as the directory holds it, in whatever
	// format; PhoneE164 what the server should make of it, "" when it
	// cannot (a national number, and no region to read it in).
	Phone, PhoneE164 string
	// LanguageBase is the language the server should make of Language.
	LanguageBase string
	// HomeEmail is shared by two people, as a family's address is.
	HomeEmail string
	// Manager is the Key of the person's manager, or "".
	Manager string
	Active  bool
	// Deleted is set once the provider deleted the user for good.
	Deleted bool
	// ID is the SCIM id the server gave the user.
	ID string
}

// Team is a group in the emulated directory.
type Team struct {
	Key, DisplayName, ExternalID string
	Members                      map[string]bool // person keys
	Deleted                      bool
	ID                           string
}

// Directory is what the provider provisions: people, teams, and what the
// server must hold after each phase.
type Directory struct {
	People []*Person
	Teams  []*Team
}

// NewDirectory makes a directory of people and teams whose names start
// with prefix, so runs never collide. Every person's manager is the next
// person, who is created later: managers arrive before their user exists.
func NewDirectory(prefix string, people, teams int) *Directory {
	d := &Directory{}
	// What real directories hold: tags with scripts and underscores,
	// Accept-Language lists, phones in national formats and with
	// extensions.
	languages := [][2]string{{"en-US", "en"}, {"fi", "fi"}, {"zh-Hant-TW", "zh"}, {"sv_SE", "sv"}, {"de-DE, de;q=0.9, en;q=0.5", "de"}}
	phones := [][2]string{{"+358 40 123 4567", "+358401234567"}, {"(201) 555-0123", ""}, {"tel:+1-201-555-0123;ext=4", "+12015550123"}, {"+44 (0)20 7946 0958", "+442079460958"}}
	countries := []string{"FI", "SE", "US", "DE"}
	for i := range people {
		p := &Person{
			Key:              fmt.Sprintf("p%d", i),
			UserName:         fmt.Sprintf("%s.user%d@example.com", prefix, i),
			GivenName:        fmt.Sprintf("Given%d", i),
			FamilyName:       fmt.Sprintf("Family%d", i),
			Title:            "Engineer",
			Department:       "R&D",
			Country:          countries[i%len(countries)],
			Locality:         "City",
			Language:         languages[i%len(languages)][0],
			LanguageBase:     languages[i%len(languages)][1],
			Phone:            phones[i%len(phones)][0],
			PhoneE164:        phones[i%len(phones)][1],
			HomeEmail:        fmt.Sprintf("%s.family%d@example.net", prefix, i/2),
			EmployeeNumber:   fmt.Sprintf("%05d", i),
			CustomAttribute1: fmt.Sprintf("custom-%d", i),
			Active:           true,
		}
		p.DisplayName = p.GivenName + " " + p.FamilyName
		p.Email = p.UserName
		if i+1 < people {
			p.Manager = fmt.Sprintf("p%d", i+1)
		}
		d.People = append(d.People, p)
	}
	for j := range teams {
		t := &Team{
			Key:         fmt.Sprintf("t%d", j),
			DisplayName: fmt.Sprintf("%s team %d", prefix, j),
			ExternalID:  fmt.Sprintf("%s-team-%d", prefix, j),
			Members:     map[string]bool{},
		}
		for i := j; i < people; i += teams {
			t.Members[fmt.Sprintf("p%d", i)] = true
		}
		d.Teams = append(d.Teams, t)
	}
	return d
}

// Person is the person with the key.
func (d *Directory) Person(key string) *Person {
	for _, p := range d.People {
		if p.Key == key {
			return p
		}
	}
	return nil
}

// memberIDs lists the SCIM ids of a team's members that still exist.
func (d *Directory) memberIDs(t *Team) []string {
	var ids []string
	for key := range t.Members {
		if p := d.Person(key); p != nil && p.ID != "" && !p.Deleted {
			ids = append(ids, p.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// teamIDsOf lists the SCIM ids of the live teams a person is in.
func (d *Directory) teamIDsOf(p *Person) []string {
	var ids []string
	for _, t := range d.Teams {
		if t.ID != "" && !t.Deleted && t.Members[p.Key] {
			ids = append(ids, t.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// managerValue is what the provider sends as the person's manager: the
// manager's id once it exists, else the manager's email address.
func (d *Directory) managerValue(p *Person) string {
	m := d.Person(p.Manager)
	switch {
	case m == nil:
		return ""
	case m.ID != "":
		return m.ID
	default:
		return m.Email
	}
}
