// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"encoding/json"
	"net/http"

	"github.com/go-logr/logr"

	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

// listResponse is the SCIM ListResponse message (RFC 7644 section 3.4.2).
type listResponse[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

// newListResponse wraps a complete, unpaged list of resources.
func newListResponse[T any](items []T) listResponse[T] {
	return listResponse[T]{
		Schemas:      []string{schema.ListResponseURN},
		TotalResults: len(items),
		StartIndex:   1,
		ItemsPerPage: len(items),
		Resources:    items,
	}
}

// writeJSON sends v as a SCIM response with the given status.
func writeJSON(w http.ResponseWriter, log logr.Logger, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Every response type is a plain struct; failing to marshal one is a
		// programming error, reported without a body that could mislead.
		log.Error(err, "encode response")
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", schema.MediaType+"; charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write(append(body, '\n')); err != nil {
		log.V(1).Info("write response", "error", err.Error())
	}
}
