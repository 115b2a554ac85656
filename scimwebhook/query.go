package scimwebhook

import (
	"context"
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
)

// queryEndpoints builds the list (GET) and search (POST /.search)
// endpoints of a kind: candidates from the indexes, the whole filter
// evaluated on them, a stable order, a page, and the projection. matches
// evaluates a filter on one identity; render renders one for the response.
func queryEndpoints[O client.Object](s *Server, k kind[O],
	matches func(context.Context, *tenantRequest, filter.Expr, O) (bool, error),
	render func(context.Context, *tenantRequest, O, projection) (map[string]any, error),
) (list, search endpoint) {
	run := func(w http.ResponseWriter, r *http.Request, t *tenantRequest, q *query) error {
		ctx := r.Context()
		found, err := candidates(ctx, s, k, t, q.filter)
		if err != nil {
			return err
		}
		matched := found[:0:0]
		for _, obj := range found {
			ok := q.filter == nil
			if !ok {
				if ok, err = matches(ctx, t, q.filter, obj); err != nil {
					return err
				}
			}
			if ok {
				matched = append(matched, obj)
			}
		}
		sortByCreation(matched)
		from, to := q.page(len(matched), s.opts.MaxResults)
		p := newProjection(k.res, q.attributes, q.excluded)
		resources := make([]map[string]any, 0, to-from)
		for _, obj := range matched[from:to] {
			doc, err := render(ctx, t, obj, p)
			if err != nil {
				return err
			}
			resources = append(resources, doc)
		}
		writeJSON(w, t.log, http.StatusOK, newPage(resources, len(matched), from))
		return nil
	}
	list = func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
		q, err := parseQuery(r, k.res)
		if err != nil {
			return err
		}
		return run(w, r, t, q)
	}
	search = func(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
		q, err := parseSearch(r, k.res)
		if err != nil {
			return err
		}
		return run(w, r, t, q)
	}
	return list, search
}
