// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"slices"
	"strings"

	"github.com/scim-operator/scim-operator/scimwebhook/filter"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// projection is what attributes and excludedAttributes ask to be returned
// (RFC 7644 section 3.9).
type projection struct {
	res      *schema.Resource
	include  []filter.Resolved
	exclude  []filter.Resolved
	included bool
	// includeExt and excludeExt are extension schemas named whole by
	// their URN.
	includeExt, excludeExt []string
}

// newProjection resolves the attribute lists; names the schema does not
// know are ignored, as they could not be returned anyway.
func newProjection(res *schema.Resource, attributes, excluded []string) projection {
	p := projection{res: res, included: len(attributes) > 0}
	resolve := func(names []string, extensions *[]string) []filter.Resolved {
		var out []filter.Resolved
		for _, n := range names {
			if ext, ok := res.Extension(n); ok {
				*extensions = append(*extensions, ext.ID)
				continue
			}
			path, err := filter.ParsePath(n)
			if err != nil || path.Filter != nil {
				continue
			}
			if r, err := filter.Resolve(path, res); err == nil {
				out = append(out, r)
			}
		}
		return out
	}
	p.include = resolve(attributes, &p.includeExt)
	p.exclude = resolve(excluded, &p.excludeExt)
	return p
}

// wants reports whether the top-level attribute name (in container) is to
// be returned, so callers can skip computing what is not.
func (p projection) wants(container, name string) bool {
	if container != "" && slices.Contains(p.includeExt, container) {
		return true
	}
	if container != "" && slices.Contains(p.excludeExt, container) {
		return false
	}
	if p.included {
		for _, r := range p.include {
			if r.Container == container && strings.EqualFold(r.Attr.Name, name) {
				return true
			}
		}
		return false
	}
	for _, r := range p.exclude {
		if r.Container == container && r.Sub == nil && strings.EqualFold(r.Attr.Name, name) {
			return false
		}
	}
	return true
}

// apply trims doc to the projection. id, schemas and attributes returned
// "always" stay.
func (p projection) apply(doc map[string]any) map[string]any {
	if p.included {
		out := map[string]any{"schemas": doc["schemas"], "id": doc["id"]}
		for _, r := range p.include {
			copyAttr(out, doc, r)
		}
		for _, urn := range p.includeExt {
			if ext, ok := doc[urn]; ok {
				out[urn] = ext
			}
		}
		return out
	}
	for _, urn := range p.excludeExt {
		delete(doc, urn)
	}
	for _, r := range p.exclude {
		if r.Attr.Returned == schema.ReturnedAlways {
			continue
		}
		scope := containerOf(doc, r.Container)
		if scope == nil {
			continue
		}
		if r.Sub == nil {
			delete(scope, r.Attr.Name)
		} else {
			removeSub(scope, r)
		}
		if r.Container != "" && len(scope) == 0 {
			delete(doc, r.Container)
		}
	}
	return doc
}

func containerOf(doc map[string]any, container string) map[string]any {
	if container == "" {
		return doc
	}
	m, _ := doc[container].(map[string]any)
	return m
}

func copyAttr(out, doc map[string]any, r filter.Resolved) {
	src := containerOf(doc, r.Container)
	v, ok := src[r.Attr.Name]
	if !ok {
		return
	}
	dst := out
	if r.Container != "" {
		m, _ := out[r.Container].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[r.Container] = m
		}
		dst = m
	}
	if r.Sub == nil {
		dst[r.Attr.Name] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		m, _ := dst[r.Attr.Name].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if sv, ok := v[r.Sub.Name]; ok {
			m[r.Sub.Name] = sv
			dst[r.Attr.Name] = m
		}
	case []any:
		// Sub-attributes of multi-valued attributes: keep each element's.
		var list []any
		for _, el := range v {
			if em, ok := el.(map[string]any); ok {
				if sv, ok := em[r.Sub.Name]; ok {
					list = append(list, map[string]any{r.Sub.Name: sv})
				}
			}
		}
		if list != nil {
			dst[r.Attr.Name] = list
		}
	}
}

func removeSub(scope map[string]any, r filter.Resolved) {
	switch v := scope[r.Attr.Name].(type) {
	case map[string]any:
		delete(v, r.Sub.Name)
	case []any:
		for _, el := range v {
			if em, ok := el.(map[string]any); ok {
				delete(em, r.Sub.Name)
			}
		}
	}
}
