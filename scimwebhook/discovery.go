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
	writeJSON(w, t.log, http.StatusOK, newListResponse(schema.SchemaResources(t.baseURL)))
	return nil
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	id := r.PathValue("id")
	for _, sr := range schema.SchemaResources(t.baseURL) {
		if sr.ID == id {
			writeJSON(w, t.log, http.StatusOK, sr)
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "no schema %q; GET /Schemas lists them", id)
}

func (s *Server) listResourceTypes(w http.ResponseWriter, _ *http.Request, t *tenantRequest) error {
	writeJSON(w, t.log, http.StatusOK, newListResponse(schema.ResourceTypes(t.baseURL)))
	return nil
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request, t *tenantRequest) error {
	id := r.PathValue("id")
	for _, rt := range schema.ResourceTypes(t.baseURL) {
		if rt.ID == id {
			writeJSON(w, t.log, http.StatusOK, rt)
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "no resource type %q; GET /ResourceTypes lists them", id)
}
