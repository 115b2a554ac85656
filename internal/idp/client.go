// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package idp emulates identity providers: one scripted SCIM client per
// provider (Entra ID in both of its dialects, Okta, JumpCloud, OneLogin and
// a plain RFC 7644 client) that performs a whole provisioning run as the
// provider does it, and checks after every phase that the server holds
// exactly what the provider sent. The test suites run the scripts against
// a real API server; scim-check runs them against any deployment.
package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Target is a SCIM tenant endpoint to run scripts against.
type Target struct {
	// BaseURL is the tenant's SCIM base URL, …/scim/v2/<namespace>/<tenant>.
	BaseURL string
	Token   string
	HTTP    *http.Client
	// Cluster, when set, checks what the server stored in Kubernetes too.
	Cluster Cluster
}

// Response is a completed exchange.
type Response struct {
	Method, Path string
	RequestBody  string
	Status       int
	Body         []byte
}

// JSON decodes the body as an object.
func (r *Response) JSON() map[string]any {
	var doc map[string]any
	_ = json.Unmarshal(r.Body, &doc)
	return doc
}

func (r *Response) String() string {
	s := fmt.Sprintf("%s %s", r.Method, r.Path)
	if r.RequestBody != "" {
		s += " " + clip(r.RequestBody)
	}
	return fmt.Sprintf("%s → %d %s", s, r.Status, clip(string(r.Body)))
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// Failure is a step of a run that went wrong: it names the identity
// provider, the phase and the request, and says what differed.
type Failure struct {
	IDP, Phase string
	Exchange   *Response
	Detail     string
}

func (f *Failure) Error() string {
	msg := fmt.Sprintf("%s / %s: %s", f.IDP, f.Phase, f.Detail)
	if f.Exchange != nil {
		msg += "\n  " + f.Exchange.String()
	}
	return msg
}

// Run is one script's run against a target.
type Run struct {
	IDP    string
	Target *Target
	// Duplicate resends every write, as providers do after a timeout.
	Duplicate bool
	// Requests counts the requests sent.
	Requests int
	// Dir is the directory the run provisions.
	Dir    *Directory
	phase  string
	prefix string
	ctx    context.Context
}

// NewRun prepares a run of the named provider's script.
func NewRun(ctx context.Context, idp string, t *Target, duplicate bool) *Run {
	return &Run{IDP: idp, Target: t, Duplicate: duplicate, ctx: ctx}
}

// Phase names the part of the run that follows, for failure messages.
func (r *Run) Phase(name string) { r.phase = name }

func (r *Run) fail(exchange *Response, format string, args ...any) error {
	return &Failure{IDP: r.IDP, Phase: r.phase, Exchange: exchange, Detail: fmt.Sprintf(format, args...)}
}

// sendIfMatch makes one request conditional on the version.
func (r *Run) sendIfMatch(method, path string, body any, version string) (*Response, error) {
	return r.sendWith(method, path, body, map[string]string{"If-Match": version})
}

// send makes one request; body is a JSON string, or anything to marshal.
func (r *Run) send(method, path string, body any) (*Response, error) {
	return r.sendWith(method, path, body, nil)
}

func (r *Run) sendWith(method, path string, body any, headers map[string]string) (*Response, error) {
	var raw string
	switch b := body.(type) {
	case nil:
	case string:
		raw = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
		raw = string(data)
	}
	req, err := http.NewRequestWithContext(r.ctx, method, r.Target.BaseURL+path, strings.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+r.Target.Token)
	if raw != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := r.Target.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	r.Requests++
	resp, err := client.Do(req)
	if err != nil {
		return nil, r.fail(&Response{Method: method, Path: path, RequestBody: raw}, "request failed: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, r.fail(&Response{Method: method, Path: path, RequestBody: raw}, "reading the response failed: %v", err)
	}
	return &Response{Method: method, Path: path, RequestBody: raw, Status: resp.StatusCode, Body: data}, nil
}

// expect sends a request and fails unless the status is one of want.
func (r *Run) expect(method, path string, body any, want ...int) (*Response, error) {
	resp, err := r.send(method, path, body)
	if err != nil {
		return nil, err
	}
	for _, w := range want {
		if resp.Status == w {
			return resp, nil
		}
	}
	return resp, r.fail(resp, "status %d, want %v", resp.Status, want)
}

// write sends a change; with duplicate delivery it is sent again, and the
// repeat must get the answer a retried request gets: 2xx for PUT and
// PATCH, 404 for DELETE.
func (r *Run) write(method, path string, body any, want ...int) error {
	_, err := r.expect(method, path, body, want...)
	if err != nil || !r.Duplicate {
		return err
	}
	repeat := want
	if method == http.MethodDelete {
		repeat = []int{http.StatusNotFound}
	}
	if _, err := r.expect(method, path, body, repeat...); err != nil {
		return fmt.Errorf("duplicate delivery: %w", err)
	}
	return nil
}

// create posts a resource and returns its id. With duplicate delivery the
// POST is sent again; the repeat gets 409 uniqueness, and the provider
// finds the resource by filter, which must give the same id.
func (r *Run) create(path string, body any, filter string) (string, error) {
	resp, err := r.expect(http.MethodPost, path, body, http.StatusCreated)
	if err != nil {
		return "", err
	}
	id, _ := resp.JSON()["id"].(string)
	if id == "" {
		return "", r.fail(resp, "the created resource has no id")
	}
	if !r.Duplicate {
		return id, nil
	}
	dup, err := r.expect(http.MethodPost, path, body, http.StatusConflict)
	if err != nil {
		return "", fmt.Errorf("duplicate delivery: %w", err)
	}
	if t, _ := dup.JSON()["scimType"].(string); t != "uniqueness" {
		return "", r.fail(dup, "duplicate create: scimType %q, want uniqueness", t)
	}
	found, err := r.findOne(path, filter)
	if err != nil {
		return "", err
	}
	if found != id {
		return "", r.fail(resp, "after a duplicate create, %s finds id %q, want %q", filter, found, id)
	}
	return id, nil
}

// findOne queries with a filter and returns the id of the one match, or
// "" when there is none.
func (r *Run) findOne(path, filter string) (string, error) {
	resp, err := r.expect(http.MethodGet, path+"?filter="+queryEscape(filter), nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	doc := resp.JSON()
	list, _ := doc["Resources"].([]any)
	total, _ := doc["totalResults"].(float64)
	switch {
	case int(total) != len(list) && len(list) < 2:
		return "", r.fail(resp, "totalResults %v but %d Resources", doc["totalResults"], len(list))
	case len(list) == 0:
		return "", nil
	case len(list) > 1:
		return "", r.fail(resp, "%d resources match %s, want at most one", len(list), filter)
	}
	id, _ := list[0].(map[string]any)["id"].(string)
	return id, nil
}

// queryEscape encodes a filter as identity providers do: form encoding,
// spaces as '+', a '+' as %2B.
func queryEscape(s string) string {
	var b bytes.Buffer
	for _, c := range []byte(s) {
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-_.~@", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Cleanup deletes what the run created and did not delete itself, so a
// check against a real deployment leaves nothing active behind. Deleted
// users are retained, hidden from SCIM, until their tenant's retention
// ends, as every SCIM delete is.
func (r *Run) Cleanup() error {
	if r.Dir == nil {
		return nil
	}
	r.Duplicate = false
	r.Phase("cleanup")
	for _, t := range r.Dir.Teams {
		if t.ID != "" && !t.Deleted {
			if _, err := r.expect(http.MethodDelete, "/Groups/"+t.ID, nil, http.StatusNoContent, http.StatusNotFound); err != nil {
				return err
			}
		}
	}
	for _, p := range r.Dir.People {
		if p.ID != "" && !p.Deleted {
			if _, err := r.expect(http.MethodDelete, "/Users/"+p.ID, nil, http.StatusNoContent, http.StatusNotFound); err != nil {
				return err
			}
		}
	}
	return nil
}
