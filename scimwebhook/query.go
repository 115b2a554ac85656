// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// queryEndpoints builds the list (GET) and search (POST /.search)
// endpoints of a kind: candidates from the indexes, the whole filter
// evaluated on them, a stable order, a page, and the projection. matcher
// prepares, once per request, what evaluates a filter on one identity;
// render renders one for the response.
func queryEndpoints[O client.Object](s *Server, k kind[O],
	matcher func(*tenantRequest, filter.Expr) func(context.Context, O) (bool, error),
	render func(context.Context, *tenantRequest, O, projection) (map[string]any, error),
) (list, search endpoint) {
	run := func(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
		ctx := r.Context()
		p := newProjection(k.res(t), q.attributes, q.excluded)
		send := func(total int, page []O) error {
			return streamPage(w, t, total, q.echoedStartIndex(), s.opts.MaxResponseBytes, page, func(obj O) (map[string]any, error) {
				return render(ctx, t, obj, p)
			})
		}
		if q.filter == nil {
			// A page of everything, as an identity provider's import
			// reads: only the page's identities are looked at.
			page, total, err := k.ids(s.store).Page(ctx, t.tenant, func(total int) (int, int) {
				return q.page(total, s.opts.MaxResults)
			})
			if err != nil {
				return err
			}
			return send(total, page)
		}
		evalCtx, done := ctx, func() {}
		lookup, indexed := indexedEquality(q.filter, k.res(t), k.indexes)
		if !indexed {
			// Every identity of the tenant is read: such filters take
			// turns for a share of the processors, and stop when their
			// time is up, so that one tenant's cannot slow the others'.
			release, err := s.scans.acquire(ctx)
			if err != nil {
				return err
			}
			var cancel context.CancelFunc
			evalCtx, cancel = context.WithTimeout(store.GiveWay(ctx, s.scans.othersInFlight), s.opts.FilterTimeout)
			// Given back once evaluated, not after the response is sent,
			// and also should the evaluation panic.
			done = sync.OnceFunc(func() { cancel(); release() })
			defer done()
		}
		page, total, err := filtered(evalCtx, s, k, t, q, lookup, indexed, matcher)
		done()
		if errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil {
			return errorf(http.StatusBadRequest, schema.ScimTypeInvalidFilter,
				"evaluating the filter over all the tenant's %s took longer than %s and was stopped: narrow it with an eq on %s, which an index answers, or use fewer terms",
				k.plural, s.opts.FilterTimeout, k.indexedNames())
		}
		if err != nil {
			return err
		}
		return send(total, page)
	}
	list = func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
		q, err := parseQuery(r, k.res(t))
		if err != nil {
			return err
		}
		return run(w, r, t, q)
	}
	search = func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
		q, err := parseSearch(r, t, k.res(t))
		if err != nil {
			return err
		}
		return run(w, r, t, q)
	}
	return list, search
}

// filtered is the page of the identities q's filter matches, and how
// many it matches in all; lookup and indexed are what indexedEquality
// found in the filter.
func filtered[O client.Object](ctx context.Context, s *Server, k kind[O], t *tenantRequest, q *query, lookup indexLookup, indexed bool,
	matcher func(*tenantRequest, filter.Expr) func(context.Context, O) (bool, error),
) (page []O, total int, err error) {
	if !indexed {
		if page, total, ok, err := scan(ctx, s, k, t, q); ok || err != nil {
			return page, total, err
		}
	}
	found, err := candidates(ctx, s, k, t, lookup, indexed)
	if err != nil {
		return nil, 0, err
	}
	matches := matcher(t, q.filter)
	matched := found[:0:0]
	scan := store.NewScan(ctx)
	for _, obj := range found {
		if err := scan.Stopped(); err != nil {
			return nil, 0, err
		}
		ok, err := matches(ctx, obj)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			matched = append(matched, obj)
		}
	}
	from, to := q.page(len(matched), s.opts.MaxResults)
	return matched[from:to], len(matched), nil
}

// pageWriters hold the buffers list pages are written through. Each is
// large, so that a page goes out in few writes, and is reused: a lookup
// by userName is a list of one, and a fresh buffer for each was most of
// what a lookup allocated, bringing the garbage collector on for every
// tenant.
var pageWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// streamPage writes a ListResponse of page, rendering and sending one
// resource at a time so that a page of large resources is never held in
// memory whole. It stops before maxBytes: itemsPerPage, sent last, says
// how many resources the page holds, and the client asks for the rest
// from there (RFC 7644 section 3.4.2.4). The first resource is always
// sent.
func streamPage[O any](w http.ResponseWriter, t *tenantRequest, total, startIndex, maxBytes int, page []O, render func(O) (map[string]any, error)) error {
	var first []byte
	if len(page) > 0 {
		doc, err := render(page[0])
		if err != nil {
			return err
		}
		if first, err = json.Marshal(doc); err != nil {
			return fmt.Errorf("encode resource: %w", err)
		}
	}
	w.Header().Set("Content-Type", schema.MediaType+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	out := pageWriters.Get().(*bufio.Writer)
	out.Reset(w)
	defer func() {
		out.Reset(nil)
		pageWriters.Put(out)
	}()
	// A bufio.Writer keeps its first error; Flush reports it.
	_, _ = fmt.Fprintf(out, `{"schemas":[%q],"totalResults":%d,"startIndex":%d,"Resources":[`, schema.ListResponseURN, total, startIndex)
	written, sent := 0, 0
	for i, obj := range page {
		body := first
		if i > 0 {
			doc, err := render(obj)
			if err == nil {
				body, err = json.Marshal(doc)
			}
			if err != nil {
				// The status is sent: a page cut short here would look
				// complete. Break the response so the client retries it.
				t.log.Error(err, "render a resource of a list page")
				panic(http.ErrAbortHandler)
			}
			if written+len(body) > maxBytes {
				break
			}
			_ = out.WriteByte(',')
		}
		_, _ = out.Write(body)
		written += len(body)
		sent++
	}
	_, _ = fmt.Fprintf(out, `],"itemsPerPage":%d}`+"\n", sent)
	if err := out.Flush(); err != nil {
		t.log.V(1).Info("write list response", "error", err.Error())
	}
	return nil
}
