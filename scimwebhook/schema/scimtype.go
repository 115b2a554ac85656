// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

// ScimType is the keyword of a SCIM error (RFC 7644 section 3.12, table
// 9): what kind of mistake the client made, for it to act on.
type ScimType string

// The SCIM error keywords.
const (
	ScimTypeInvalidFilter ScimType = "invalidFilter"
	ScimTypeTooMany       ScimType = "tooMany"
	ScimTypeUniqueness    ScimType = "uniqueness"
	ScimTypeMutability    ScimType = "mutability"
	ScimTypeInvalidSyntax ScimType = "invalidSyntax"
	ScimTypeInvalidPath   ScimType = "invalidPath"
	ScimTypeNoTarget      ScimType = "noTarget"
	ScimTypeInvalidValue  ScimType = "invalidValue"
	ScimTypeInvalidVers   ScimType = "invalidVers"
	ScimTypeSensitive     ScimType = "sensitive"
)
