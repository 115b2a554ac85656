// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"net/http"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// The discovery endpoints (RFC 7644 section 4) describe this server as it
// is: the documents are built from the same definitions and capabilities
// the server uses.

func (s *Server) getServiceProviderConfig(w http.ResponseWriter, _ *http.Request, t *tenantRequest) error {
	writeJSON(w, t.log, http.StatusOK, schema.NewServiceProviderConfig(s.capabilities(), t.baseURL))
	return nil
}

func (s *Server) listSchemas(w http.ResponseWriter, _ *http.Request, t *tenantRequest) error {
	writeJSON(w, t.log, http.StatusOK, newListResponse(schema.SchemaResources(t.baseURL, t.users)))
	return nil
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	return writeByID(w, r, t, schema.SchemaResources(t.baseURL, t.users), func(sr schema.SchemaResource) string { return sr.ID }, "schema", "/Schemas")
}

func (s *Server) listResourceTypes(w http.ResponseWriter, _ *http.Request, t *tenantRequest) error {
	writeJSON(w, t.log, http.StatusOK, newListResponse(schema.ResourceTypes(t.baseURL, t.users)))
	return nil
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	return writeByID(w, r, t, schema.ResourceTypes(t.baseURL, t.users), func(rt schema.ResourceType) string { return rt.ID }, "resource type", "/ResourceTypes")
}

// writeByID answers with the discovery document whose id the path names.
func writeByID[T any](w http.ResponseWriter, r *http.Request, t *tenantRequest, docs []T, idOf func(T) string, noun, list string) error {
	id := r.PathValue("id")
	for _, d := range docs {
		if idOf(d) == id {
			writeJSON(w, t.log, http.StatusOK, d)
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "no %s %q; GET %s lists them", noun, id, list)
}
