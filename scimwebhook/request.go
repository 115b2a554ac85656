// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/jsoncost"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// Headers of conditional requests (RFC 7644 section 3.14).
const (
	headerETag        = "ETag"
	headerIfMatch     = "If-Match"
	headerIfNoneMatch = "If-None-Match"
	headerLocation    = "Location"
)

// Bounds of request bodies, checked before anything is decoded.
const (
	// maxUserBodyBytes bounds a user's body: an identity is stored in at
	// most MaxSpecBytes, and a body four times that is no person.
	maxUserBodyBytes = 4 * v1alpha1.MaxSpecBytes
	// maxRequestValues bounds the JSON values of one body. A batch of
	// 20,000 group members holds 60,000; decoding a body costs about 100
	// bytes a value (package jsoncost), whatever its size in bytes.
	maxRequestValues = 100_000
)

// readBody reads a request body of a JSON media type, of at most limit
// bytes and maxRequestValues values, and holds its bytes in the server's
// decode budget until the request ends. What decoding it costs is
// reserved by the reader that decodes it, once its shape is known:
// reserveDecoding before generic values, reserveFastReading before a
// reader of known cost.
func (t *tenantRequest) readBody(r *http.Request, limit int64) ([]byte, jsoncost.Shape, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != schema.MediaType && mt != "application/json") {
			return nil, jsoncost.Shape{}, errorf(http.StatusUnsupportedMediaType, "",
				"Content-Type %q is not supported; send %s or application/json", ct, schema.MediaType)
		}
	}
	if r.ContentLength > limit {
		return nil, jsoncost.Shape{}, errorf(http.StatusRequestEntityTooLarge, "", "the request body of %d bytes exceeds the maximum of %d bytes for %s", r.ContentLength, limit, r.URL.Path)
	}
	// The body is held while it is read, before its shape is known.
	held := 2 * limit
	if r.ContentLength > 0 {
		held = 2 * r.ContentLength
	}
	if err := t.reserveMemory(r.Context(), held); err != nil {
		return nil, jsoncost.Shape{}, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, jsoncost.Shape{}, errorf(http.StatusRequestEntityTooLarge, "", "the request body exceeds the maximum of %d bytes for %s", tooLarge.Limit, r.URL.Path)
		}
		return nil, jsoncost.Shape{}, errorf(http.StatusBadRequest, schema.ScimTypeInvalidSyntax, "reading the request body failed: %v", err)
	}
	shape := jsoncost.Measure(body)
	if n := shape.Values(); n > maxRequestValues {
		return nil, jsoncost.Shape{}, errorf(http.StatusRequestEntityTooLarge, "",
			"the request body holds %d JSON values, more than the %d one request may hold; send fewer members or values a request", n, maxRequestValues)
	}
	return body, shape, nil
}

// reserveDecoding reserves, before size bytes of JSON of this shape are
// decoded into generic values, what that allocates.
func (t *tenantRequest) reserveDecoding(ctx context.Context, size int, shape jsoncost.Shape) error {
	return t.reserveMemory(ctx, shape.DecodeBytes(size))
}

// fastReading bounds what the readers of member lists (patch.ParseMembers,
// parseGroup) allocate, as a multiple of the body they read: their tests
// hold them to 3× and 4×.
const fastReading = 4

// reserveFastReading reserves what a member-list reader allocates before
// it reads body: a member batch of 1 MiB takes 4 MiB of the budget, not
// the 12 MiB its generic values would. What the reader leaves to generic
// decoding, reserveDecoding reserves on top.
func (t *tenantRequest) reserveFastReading(ctx context.Context, body []byte) error {
	return t.reserveMemory(ctx, fastReading*int64(len(body)))
}

// readObject reads a request body that must be one JSON object.
func (t *tenantRequest) readObject(r *http.Request, limit int64) (map[string]any, error) {
	body, shape, err := t.readBody(r, limit)
	if err != nil {
		return nil, err
	}
	if err := t.reserveDecoding(r.Context(), len(body), shape); err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, notAnObject(err)
	}
	return doc, nil
}

// notAnObject is the error for a body that is no JSON object: err is the
// decoder's, or nil for null.
func notAnObject(err error) *Error {
	problem := "found null"
	if err != nil {
		problem = err.Error()
	}
	return errorf(http.StatusBadRequest, schema.ScimTypeInvalidSyntax, "the request body must be a JSON object: %s", problem)
}

// notModified reports whether If-None-Match lists the current version.
func notModified(r *http.Request, version string) bool {
	want := r.Header.Get(headerIfNoneMatch)
	return want != "" && store.VersionMatches(want, version)
}

// query is a list or search request (RFC 7644 section 3.4.2).
type query struct {
	filter     filter.Expr
	startIndex int
	// count is nil when the client asked for no particular page size.
	count      *int
	attributes []string
	excluded   []string
}

// parseQuery reads a query from URL parameters. Parameter names are
// matched case-insensitively and unknown ones are ignored: admins paste
// base URLs with query strings of their own (Entra's ?aadOptscim062020).
func parseQuery(r *http.Request, res *schema.Resource) (*query, error) {
	q := &query{startIndex: 1}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			continue
		}
		switch strings.ToLower(key) {
		case "filter":
			value, err := unescapeFilter(rawValue)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, schema.ScimTypeInvalidFilter, "the filter is not correctly URL-encoded: %v", err)
			}
			if err := q.setFilter(value, res); err != nil {
				return nil, err
			}
		case "startindex", "count":
			value, err := url.QueryUnescape(rawValue)
			if err != nil {
				return nil, errorf(http.StatusBadRequest, schema.ScimTypeInvalidValue, "%s is not correctly URL-encoded", key)
			}
			if err := q.setNumber(key, value); err != nil {
				return nil, err
			}
		case "attributes", "excludedattributes":
			value, _ := url.QueryUnescape(rawValue)
			list := splitList(value)
			if strings.EqualFold(key, "attributes") {
				q.attributes = list
			} else {
				q.excluded = list
			}
		}
	}
	if err := q.checkProjection(res); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *query) setFilter(s string, res *schema.Resource) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	e, err := filter.Parse(s)
	if err != nil {
		return err
	}
	if err := filter.Validate(e, res); err != nil {
		return errorf(http.StatusBadRequest, schema.ScimTypeInvalidFilter, "invalid filter %q: %v", s, err)
	}
	q.filter = e
	return nil
}

func (q *query) setNumber(name, value string) error {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil {
		return errorf(http.StatusBadRequest, schema.ScimTypeInvalidValue, "%s must be an integer, not %q", name, value)
	}
	if strings.EqualFold(name, "count") {
		q.count = &n
		return nil
	}
	q.startIndex = n
	return nil
}

// unescapeFilter decodes a filter from a query string. Form encoding
// writes spaces as '+', and Entra and Okta send filters that way, with a
// real '+' as %2B. Some clients send a literal '+' inside an email address
// unencoded; since addresses hold no spaces, a '+' inside a quoted string
// that contains '@' is kept as '+'.
func unescapeFilter(raw string) (string, error) {
	var b strings.Builder
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%' && i+2 < len(raw) && raw[i+1:i+3] == "22":
			inString = !inString
			b.WriteString("%22")
			i += 2
		case c == '"':
			inString = !inString
			b.WriteByte(c)
		case c == '+' && inString && literalLooksLikeEmail(raw[i:]):
			b.WriteString("%2B")
		case c == '+':
			b.WriteString("%20")
		default:
			b.WriteByte(c)
		}
	}
	s, err := url.PathUnescape(b.String())
	if err != nil {
		return "", fmt.Errorf("unescape filter: %w", err)
	}
	return s, nil
}

// literalLooksLikeEmail reports whether the rest of the string literal
// that rest is inside contains an '@'.
func literalLooksLikeEmail(rest string) bool {
	end := len(rest)
	if i := strings.Index(rest, `"`); i >= 0 {
		end = i
	}
	if i := strings.Index(rest, "%22"); i >= 0 && i < end {
		end = i
	}
	return strings.Contains(rest[:end], "@") || strings.Contains(strings.ToUpper(rest[:end]), "%40")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// searchRequest is the body of POST /.search (RFC 7644 section 3.4.3).
// maxSearchBodyBytes bounds a SearchRequest: a filter and two lists of
// attribute names.
const maxSearchBodyBytes = 64 << 10

type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Filter             string   `json:"filter"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
}

func parseSearch(r *http.Request, t *tenantRequest, res *schema.Resource) (*query, error) {
	body, shape, err := t.readBody(r, maxSearchBodyBytes)
	if err != nil {
		return nil, err
	}
	if err := t.reserveDecoding(r.Context(), len(body), shape); err != nil {
		return nil, err
	}
	var req searchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errorf(http.StatusBadRequest, schema.ScimTypeInvalidSyntax, "the body must be a SearchRequest: %v", err)
	}
	q := &query{startIndex: 1, count: req.Count, attributes: req.Attributes, excluded: req.ExcludedAttributes}
	if req.StartIndex != nil {
		q.startIndex = *req.StartIndex
	}
	if err := q.checkProjection(res); err != nil {
		return nil, err
	}
	if err := q.setFilter(req.Filter, res); err != nil {
		return nil, err
	}
	return q, nil
}

// checkProjection refuses attributes and excludedAttributes that are not
// attribute names: a value filter (emails[type eq "work"]) cannot be
// projected, and answering without the attribute would look like a user
// without it. Names the schema does not know are ignored, as RFC 7644
// section 3.9 lets a server do, so that a client asking for an attribute
// this server lacks still gets the rest.
func (q *query) checkProjection(res *schema.Resource) error {
	for _, list := range []struct {
		param string
		names []string
	}{{"attributes", q.attributes}, {"excludedAttributes", q.excluded}} {
		for _, n := range list.names {
			if _, ok := res.Extension(n); ok {
				continue
			}
			p, err := filter.ParsePath(n)
			if err == nil && p.Filter != nil {
				err = errors.New("a value filter cannot be projected")
			}
			if err != nil {
				return errorf(http.StatusBadRequest, schema.ScimTypeInvalidValue,
					"%s=%s: %v; %s takes attribute names (emails, name.givenName, %s:department), so ask for the whole attribute and pick its elements",
					list.param, n, err, list.param, schema.EnterpriseUserURN)
			}
		}
	}
	return nil
}

// echoedStartIndex is the startIndex a list response says it answers: the
// one asked for, also past the end, where the page is empty; one below 1
// is taken as 1 (RFC 7644 section 3.4.2.4).
func (q *query) echoedStartIndex() int { return max(q.startIndex, 1) }

// page applies startIndex and count (1-based; RFC 7644 section 3.4.2.4) to
// total results, clamping count to max.
func (q *query) page(total, maxResults int) (from, to int) {
	start := q.echoedStartIndex()
	count := maxResults
	if q.count != nil {
		count = min(max(*q.count, 0), maxResults)
	}
	from = min(start-1, total)
	to = min(from+count, total)
	return from, to
}
