// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package hostile generates malformed SCIM requests: broken and deeply
// nested JSON, a wrong type for every attribute, pathological filters,
// invalid PATCH operations, oversized values, odd methods, content types,
// encodings and paths, and requests that aim at another tenant. A server
// must answer every one with a 4xx (or a 2xx where the request turns out
// acceptable), never a 5xx, and change nothing it did not acknowledge.
package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// Tenant is one tenant the corpus aims at.
type Tenant struct {
	// Base is the tenant's path, /scim/v2/<namespace>/<name>.
	Base string
	// Users and Groups are ids of the tenant's identities.
	Users, Groups []string
}

// Request is one request. Tenant is the index of the tenant whose token it
// carries, -1 for none; its Path may address another tenant.
type Request struct {
	Kind        string
	Tenant      int
	Method      string
	Path        string
	ContentType string
	Header      map[string]string
	Body        []byte
}

// Corpus generates at least n requests for tenants, the same ones for the
// same seed.
func Corpus(seed uint64, tenants []Tenant, n int) []Request {
	g := &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x5c1)), tenants: tenants}
	for ti := range tenants {
		g.exhaustion(ti)
	}
	for len(g.out) < n {
		for ti := range tenants {
			g.brokenJSON(ti)
			g.nestedJSON(ti)
			g.wrongTypes(ti)
			g.filters(ti)
			g.patchOps(ti)
			g.oversized(ti)
			g.methodsAndTypes(ti)
			g.encodings(ti)
			g.paths(ti)
			g.queries(ti)
			g.crossTenant(ti)
		}
	}
	return g.out
}

type generator struct {
	rnd     *rand.Rand
	tenants []Tenant
	out     []Request
}

func (g *generator) add(kind string, tenant int, method, path, contentType string, body []byte) {
	g.out = append(g.out, Request{Kind: kind, Tenant: tenant, Method: method, Path: path, ContentType: contentType, Body: body})
}

func (g *generator) user(ti int) string  { return pick(g.rnd, g.tenants[ti].Users) }
func (g *generator) group(ti int) string { return pick(g.rnd, g.tenants[ti].Groups) }

func pick(rnd *rand.Rand, from []string) string {
	if len(from) == 0 {
		return "none"
	}
	return from[rnd.IntN(len(from))]
}

const scimJSON = schema.MediaType

var validBodies = []string{
	`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"h@example.com","name":{"givenName":"H","familyName":"X"},"emails":[{"value":"h@example.com","type":"work","primary":true}],"active":true}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"},{"op":"add","path":"emails[type eq \"work\"].value","value":"w@example.com"}]}`,
	`{"displayName":"G","members":[{"value":"x"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"a\"","startIndex":1,"count":10}`,
}

// brokenJSON sends every prefix of valid bodies, and valid bodies with one
// byte changed.
func (g *generator) brokenJSON(ti int) {
	for _, b := range validBodies {
		cut := 1 + g.rnd.IntN(len(b)-1)
		body := []byte(b[:cut])
		g.add("broken-json", ti, http.MethodPost, g.tenants[ti].Base+"/Users", scimJSON, body)
		g.add("broken-json", ti, http.MethodPatch, g.tenants[ti].Base+"/Users/"+g.user(ti), scimJSON, body)
		g.add("broken-json", ti, http.MethodPut, g.tenants[ti].Base+"/Groups/"+g.group(ti), scimJSON, body)
		g.add("broken-json", ti, http.MethodPost, g.tenants[ti].Base+"/Users/.search", scimJSON, body)
		mutated := []byte(b)
		mutated[g.rnd.IntN(len(mutated))] = "{}[]\",:\\\x00\xff"[g.rnd.IntN(10)]
		g.add("broken-json", ti, http.MethodPost, g.tenants[ti].Base+"/Groups", scimJSON, mutated)
	}
}

// nestedJSON sends documents nested deeper than any parser should follow
// blindly, as whole bodies and as attribute values.
func (g *generator) nestedJSON(ti int) {
	for _, depth := range []int{64, 1000, 10000, 100000} {
		open, end := strings.Repeat("[", depth), strings.Repeat("]", depth)
		obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
		g.add("nested-json", ti, http.MethodPost, g.tenants[ti].Base+"/Users", scimJSON, []byte(open+end))
		g.add("nested-json", ti, http.MethodPost, g.tenants[ti].Base+"/Users", scimJSON, []byte(`{"userName":"n","name":`+obj+`}`))
		g.add("nested-json", ti, http.MethodPatch, g.tenants[ti].Base+"/Users/"+g.user(ti), scimJSON,
			[]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":`+open+end+`}]}`))
		g.add("nested-json", ti, http.MethodPost, g.tenants[ti].Base+"/Groups", scimJSON, []byte(`{"displayName":"n","members":`+open+end+`}`))
	}
}

var wrongValues = []string{`1`, `-1.5e308`, `true`, `null`, `[]`, `{}`, `[1,2]`, `{"a":{"b":[]}}`, `""`, `"x"`, `[null]`, `[{}]`, `[{"value":{}}]`, `"\u0000"`}

// attributePaths lists every attribute and sub-attribute of the schemas,
// URN-qualified for extensions.
func attributePaths(s schema.Schema, urn string) []string {
	var out []string
	for _, a := range s.Attributes {
		name := a.Name
		if urn != "" {
			name = urn + ":" + a.Name
		}
		out = append(out, name)
		for _, sub := range a.SubAttributes {
			out = append(out, name+"."+sub.Name)
		}
	}
	return out
}

// wrongTypes gives every attribute a value of every wrong shape, by POST,
// PUT and PATCH.
func (g *generator) wrongTypes(ti int) {
	paths := attributePaths(schema.User, "")
	paths = append(paths, attributePaths(schema.EnterpriseUser, schema.EnterpriseUserURN)...)
	for _, p := range paths {
		v := wrongValues[g.rnd.IntN(len(wrongValues))]
		top := p
		if i := strings.LastIndex(p, "."); i > 0 && !strings.HasPrefix(p[i:], ".0") {
			top = p[:i]
			v = fmt.Sprintf(`{%q:%s}`, p[i+1:], v)
		}
		g.add("wrong-type", ti, http.MethodPost, g.tenants[ti].Base+"/Users", scimJSON, []byte(fmt.Sprintf(`{"userName":"wt-%d",%q:%s}`, g.rnd.IntN(1e9), top, v)))
		g.add("wrong-type", ti, http.MethodPatch, g.tenants[ti].Base+"/Users/"+g.user(ti), scimJSON,
			patchBody(fmt.Sprintf(`{"op":"replace","path":%q,"value":%s}`, p, wrongValues[g.rnd.IntN(len(wrongValues))])))
	}
	for _, p := range attributePaths(schema.Group, "") {
		g.add("wrong-type", ti, http.MethodPatch, g.tenants[ti].Base+"/Groups/"+g.group(ti), scimJSON,
			patchBody(fmt.Sprintf(`{"op":"add","path":%q,"value":%s}`, p, wrongValues[g.rnd.IntN(len(wrongValues))])))
		g.add("wrong-type", ti, http.MethodPut, g.tenants[ti].Base+"/Groups/"+g.group(ti), scimJSON,
			[]byte(fmt.Sprintf(`{"displayName":%s,%q:%s}`, wrongValues[g.rnd.IntN(len(wrongValues))], p, wrongValues[g.rnd.IntN(len(wrongValues))])))
	}
}

func patchBody(ops ...string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`)
}

var filterTokens = []string{
	"userName", "emails", "emails[type eq \"work\"]", ".value", "name.givenName", "meta.created", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
	"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or", "not", "(", ")", "[", "]",
	`"a"`, `"`, `"\"`, `"\u0000"`, "1e999", "-0", "true", "null", "12345678901234567890", "'x'", "\\", "%", "%zz", "\u202e", "☃", "\xff",
	"members[value eq \"x\"]", "x.y.z.w", "urn:", ":", ".", "]]]", "[[[", "notnot",
}

// filters sends random token soups and deep nestings as filters, by GET
// and by .search, on users, groups and member-removal paths.
func (g *generator) filters(ti int) {
	base := g.tenants[ti].Base
	for range 40 {
		var b strings.Builder
		for range 1 + g.rnd.IntN(12) {
			b.WriteString(filterTokens[g.rnd.IntN(len(filterTokens))])
			if g.rnd.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		f := b.String()
		resource := []string{"/Users", "/Groups"}[g.rnd.IntN(2)]
		g.add("filter", ti, http.MethodGet, base+resource+"?filter="+url.QueryEscape(f), "", nil)
		g.add("filter", ti, http.MethodGet, base+resource+"?filter="+f, "", nil)
		body, _ := json.Marshal(map[string]any{"filter": f})
		g.add("filter", ti, http.MethodPost, base+resource+"/.search", scimJSON, body)
		g.add("filter", ti, http.MethodPatch, base+"/Groups/"+g.group(ti), scimJSON,
			patchBody(fmt.Sprintf(`{"op":"remove","path":%q}`, "members["+f+"]")))
	}
	for _, depth := range []int{100, 5000} {
		deep := strings.Repeat("(", depth) + `userName eq "a"` + strings.Repeat(")", depth)
		g.add("filter", ti, http.MethodGet, base+"/Users?filter="+url.QueryEscape(deep), "", nil)
		nots := strings.Repeat("not(", depth) + `userName eq "a"` + strings.Repeat(")", depth)
		g.add("filter", ti, http.MethodGet, base+"/Users?filter="+url.QueryEscape(nots), "", nil)
		ors := strings.Repeat(`userName eq "a" or `, depth) + `userName eq "b"`
		g.add("filter", ti, http.MethodGet, base+"/Users?filter="+url.QueryEscape(ors), "", nil)
	}
}

var (
	opNames   = []string{"add", "ADD", "Replace", "remove", "", "copy", "move", "test", "delete", "null", " add"}
	opPaths   = []string{"", "title", "emails[", "emails[type eq]", "emails[type eq \"work\"].nosuch", "name..givenName", "urn:x:y", "members[value eq \"\"].display", "id", "meta.created", "groups", "schemas", "a.b.c", "emails[value pr].value.value", strings.Repeat("a.", 500) + "b"}
	opValueOf = []string{`"v"`, `1`, `null`, `[]`, `{}`, `{"title":"t","nosuch":1}`, `[{"value":"x"}]`, `{"emails":"x"}`, `{"active":"maybe"}`}
)

// patchOps sends operations with invalid names, paths and values, and
// malformed operation lists.
func (g *generator) patchOps(ti int) {
	base := g.tenants[ti].Base
	for range 60 {
		op := fmt.Sprintf(`{"op":%q,"path":%q,"value":%s}`, opNames[g.rnd.IntN(len(opNames))], opPaths[g.rnd.IntN(len(opPaths))], opValueOf[g.rnd.IntN(len(opValueOf))])
		g.add("patch", ti, http.MethodPatch, base+"/Users/"+g.user(ti), scimJSON, patchBody(op))
		g.add("patch", ti, http.MethodPatch, base+"/Groups/"+g.group(ti), scimJSON, patchBody(op))
	}
	for _, body := range []string{
		`{}`, `[]`, `{"Operations":null}`, `{"Operations":{}}`, `{"Operations":[]}`, `{"Operations":[1]}`, `{"Operations":[{"op":"add"}]}`,
		`{"schemas":"x","Operations":[{"op":"add","path":"title","value":"t"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Repeat(`{"op":"add","path":"title","value":"t"},`, 1500) + `{"op":"add","path":"title","value":"t"}]}`,
	} {
		g.add("patch", ti, http.MethodPatch, base+"/Users/"+g.user(ti), scimJSON, []byte(body))
	}
}

// oversized sends values past every bound the server keeps.
func (g *generator) oversized(ti int) {
	base := g.tenants[ti].Base
	long := strings.Repeat("x", 70000)
	many := make([]string, 300)
	for i := range many {
		many[i] = fmt.Sprintf(`{"value":"big%d@example.com"}`, i)
	}
	for _, body := range []string{
		`{"userName":"` + long + `"}`,
		`{"userName":"big","title":"` + long + `"}`,
		`{"userName":"big","emails":[` + strings.Join(many, ",") + `]}`,
		`{"userName":"big","roles":[` + strings.Repeat(`{"value":"`+strings.Repeat("r", 2000)+`"},`, 299) + `{"value":"r"}]}`,
		`{"userName":"big","name":{"givenName":"` + long + `"}}`,
	} {
		g.add("oversized", ti, http.MethodPost, base+"/Users", scimJSON, []byte(body))
		g.add("oversized", ti, http.MethodPut, base+"/Users/"+g.user(ti), scimJSON, []byte(body))
	}
	g.add("oversized", ti, http.MethodPost, base+"/Groups", scimJSON, []byte(`{"displayName":"`+long+`"}`))
	g.add("oversized", ti, http.MethodPost, base+"/Users", scimJSON, bytes.Repeat([]byte(" "), 2<<20))
}

// exhaustion sends what costs a server far more than its size says: a
// body of 200,000 tiny JSON values (about 40 MB to decode), a batch and a
// group of 21,000 member ids that name no one, a group with an attribute
// of 90,000 values beside its members, filters of 4,000 characters no
// index answers, and a user padded to 300 KiB with a discarded password.
func (g *generator) exhaustion(ti int) {
	base := g.tenants[ti].Base
	g.add("exhaustion", ti, http.MethodPost, base+"/Groups", scimJSON,
		[]byte(`{"displayName":"bomb","members":[`+strings.TrimSuffix(strings.Repeat("1,", 200000), ",")+`]}`))
	stale := make([]string, 21000)
	for i := range stale {
		stale[i] = fmt.Sprintf(`{"value":"00000000-0000-4000-8000-%012d"}`, i)
	}
	g.add("exhaustion", ti, http.MethodPatch, base+"/Groups/"+g.group(ti), scimJSON,
		[]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[`+strings.Join(stale, ",")+`]}]}`))
	// The same ids in a group's POST, whose members are read into ids,
	// and a PUT whose members are, beside an attribute of 90,000 values
	// that is decoded generically.
	g.add("exhaustion", ti, http.MethodPost, base+"/Groups", scimJSON,
		[]byte(`{"displayName":"stale","members":[`+strings.Join(stale, ",")+`]}`))
	g.add("exhaustion", ti, http.MethodPut, base+"/Groups/"+g.group(ti), scimJSON,
		[]byte(`{"displayName":"wide","members":[{"value":"x"}],"externalId":[`+strings.TrimSuffix(strings.Repeat("1,", 90000), ",")+`]}`))
	for _, term := range []string{`emails[value co "x%d"]`, `emails[type eq "work" and value co "x%d"]`, `emails[primary eq true and value co "x%d"]`, `groups.display co "x%d"`, `name.familyName co "F%d"`} {
		var terms []string
		for i := 0; len(strings.Join(terms, " or ")) < 3900; i++ {
			terms = append(terms, fmt.Sprintf(term, i))
		}
		g.add("exhaustion", ti, http.MethodGet, base+"/Users?filter="+url.QueryEscape(strings.Join(terms, " or ")), "", nil)
	}
	g.add("exhaustion", ti, http.MethodPost, base+"/Users", scimJSON,
		[]byte(`{"userName":"padded","password":"`+strings.Repeat("p", 300<<10)+`"}`))
}

// methodsAndTypes sends methods no route has and bodies in media types
// the server does not read.
func (g *generator) methodsAndTypes(ti int) {
	base := g.tenants[ti].Base
	for _, m := range []string{"PROPFIND", "TRACE", "OPTIONS", "HEAD", "LOCK", "X-" + strings.Repeat("M", 300), "get", "Patch"} {
		g.add("method", ti, m, base+"/Users", "", nil)
		g.add("method", ti, m, base+"/Users/"+g.user(ti), scimJSON, []byte(validBodies[0]))
	}
	for _, ct := range []string{"text/plain", "application/xml", "multipart/form-data; boundary=x", "application/scim+json; charset=ebcdic", "application/x-www-form-urlencoded", ";;;", "application/json; q=", strings.Repeat("a/b;", 500)} {
		g.add("content-type", ti, http.MethodPost, base+"/Users", ct, []byte(validBodies[0]))
		g.add("content-type", ti, http.MethodPatch, base+"/Groups/"+g.group(ti), ct, []byte(validBodies[1]))
	}
}

// encodings sends bodies that are not UTF-8 JSON, or claim an encoding
// they do not have.
func (g *generator) encodings(ti int) {
	base := g.tenants[ti].Base
	utf16 := []byte{0xff, 0xfe}
	for _, r := range `{"userName":"u16"}` {
		utf16 = append(utf16, byte(r), 0)
	}
	for _, body := range [][]byte{
		[]byte("\xef\xbb\xbf" + `{"userName":"bom"}`),
		utf16,
		[]byte(`{"userName":"bad` + "\xff\xfe" + `"}`),
		[]byte(`{"userName":"nul` + "\x00" + `"}`),
		[]byte(`{"userName":"\ud800"}`),
		[]byte(`{"userName":"dup","userName":"dup2"}`),
	} {
		g.add("encoding", ti, http.MethodPost, base+"/Users", scimJSON, body)
	}
	g.out = append(g.out, Request{Kind: "encoding", Tenant: ti, Method: http.MethodPost, Path: base + "/Users", ContentType: scimJSON,
		Header: map[string]string{"Content-Encoding": "gzip"}, Body: []byte(validBodies[0])})
}

// paths sends ids and paths no identity has.
func (g *generator) paths(ti int) {
	base := g.tenants[ti].Base
	for _, p := range []string{
		"/Users/..", "/Users/.", "/Users/%2e%2e", "/Users/a%2Fb", "/Users/%00", "/Users/" + strings.Repeat("a", 5000),
		"/Users/" + g.user(ti) + "/extra", "//Users", "/Users//", "/Groups/" + url.PathEscape("☃"), "/Users/UPPER", "/Users/-a-",
		"/ResourceTypes/nosuch", "/Schemas/urn:nosuch", "/Bulk", "/Me", "/Users/.search/x", "/" + strings.Repeat("x/", 100),
	} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			g.add("path", ti, m, base+p, scimJSON, patchBody(`{"op":"replace","path":"title","value":"t"}`))
		}
	}
}

// queries sends paging and projection parameters out of range or junk.
func (g *generator) queries(ti int) {
	base := g.tenants[ti].Base
	for _, q := range []string{
		"count=-1", "count=99999999999999999999", "startIndex=-5", "startIndex=0&count=0", "count=1e3", "attributes=" + strings.Repeat("a,", 3000),
		"excludedAttributes=urn:nosuch:" + strings.Repeat("x", 1000), "attributes=emails[type eq \"work\"]", "filter=&filter=(", "sortBy=userName&sortOrder=sideways",
		"%zz=1", "count=%zz", "attributes=%zz",
	} {
		g.add("query", ti, http.MethodGet, base+"/Users?"+q, "", nil)
		g.add("query", ti, http.MethodGet, base+"/Groups/"+g.group(ti)+"?"+q, "", nil)
	}
}

// crossTenant sends tenant ti's token to the other tenants' paths, and
// their ids under ti's own path.
func (g *generator) crossTenant(ti int) {
	for oi := range g.tenants {
		if oi == ti {
			continue
		}
		other := g.tenants[oi]
		g.add("cross-tenant", ti, http.MethodGet, other.Base+"/Users", "", nil)
		g.add("cross-tenant", ti, http.MethodPatch, other.Base+"/Users/"+g.user(oi), scimJSON, patchBody(`{"op":"replace","path":"title","value":"stolen"}`))
		g.add("cross-tenant", ti, http.MethodDelete, g.tenants[ti].Base+"/Users/"+g.user(oi), "", nil)
		g.add("cross-tenant", ti, http.MethodPatch, g.tenants[ti].Base+"/Groups/"+g.group(oi), scimJSON, patchBody(`{"op":"add","path":"members","value":[{"value":"`+g.user(ti)+`"}]}`))
		g.add("cross-tenant", ti, http.MethodPatch, g.tenants[ti].Base+"/Groups/"+g.group(ti), scimJSON, patchBody(`{"op":"add","path":"members","value":[{"value":"`+g.user(oi)+`"}]}`))
		g.add("cross-tenant", ti, http.MethodGet, g.tenants[ti].Base+"/Users?filter="+url.QueryEscape(`id eq "`+g.user(oi)+`"`), "", nil)
	}
	g.add("no-token", -1, http.MethodGet, g.tenants[ti].Base+"/Users", "", nil)
	g.add("no-token", -1, http.MethodPost, g.tenants[ti].Base+"/Users", scimJSON, []byte(validBodies[0]))
}
